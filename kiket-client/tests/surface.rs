//! `GENERATED.md` is the committed, readable surface of the generated types: a schema change
//! arrives in review as a diff of this file. It must match the build.

#[test]
fn committed_surface_matches_the_build() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("GENERATED.md");
    if std::env::var_os("KIKET_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, kiket_client::GENERATED_SURFACE).expect("write GENERATED.md");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == kiket_client::GENERATED_SURFACE,
        "kiket-client/GENERATED.md does not match the generated code; review the change, then run:\n    KIKET_UPDATE_SNAPSHOTS=1 cargo test -p kiket-client --test surface"
    );
}
