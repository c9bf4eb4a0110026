//! One source of truth for the generation inputs: the crates read `schemas/` and `openapi/`
//! through symlinks to the top-level directories (packaging copies the files into each crate),
//! and the constants name what the build used.

use std::path::Path;

fn resolves_to(link: &str, target: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let metadata = std::fs::symlink_metadata(root.join(link)).unwrap_or_else(|e| panic!("{link}: {e}"));
    assert!(metadata.file_type().is_symlink(), "{link} must be a symlink to {target}, not a copy");
    assert_eq!(
        root.join(link).canonicalize().unwrap(),
        root.join(target).canonicalize().unwrap(),
        "{link} points elsewhere"
    );
}

#[test]
fn generation_inputs_exist_once() {
    resolves_to("kiket-types/schemas", "schemas");
    resolves_to("kiket-client/openapi", "openapi");
    resolves_to("kiket-client/build/rust_surface.rs", "kiket-types/build/rust_surface.rs");
}

#[test]
fn the_spec_version_is_visible() {
    let label = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/VERSION")).unwrap();
    assert_eq!(kiket::types::SPEC_VERSION, label.trim());
    assert_eq!(kiket::types::SPEC_DIGEST.len(), 64);
    assert_eq!(kiket::client::API_SPEC_VERSION, "1.0.0");
}
