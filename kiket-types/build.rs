//! Build script of `kiket-types`: turns `schemas/` into Rust types.
//!
//! Steps (each in its own module under `build/`):
//! 1. [`bundle`] reads every schema file (event files through [`events`], the reader shared
//!    with the `kiket` facade's build script), checks titles are unique and rewrites file `$ref`s
//!    (`../common/issue.json`) to one shared namespace (`#/definitions/Issue`), because typify
//!    resolves references by their last path segment only.
//! 2. [`open_enum`] writes the platform-extensible string enums (`x-kiket-open-enum`) itself,
//!    with an `Unknown(String)` variant, and tells typify to use them instead of closed enums.
//! 3. typify generates every other type; [`visitor`] replaces the derived `Deserialize` of
//!    each struct that keeps unknown keys (`#[serde(flatten)] extra`) with a one-pass visitor,
//!    which also accepts the other names of a property ([`aliases`], `x-kiket-aliases`).
//!    The result is formatted with prettyplease and written to `$OUT_DIR/types.rs` (and the
//!    structs with serde's derive, for the differential test, to `types_derived.rs`), next to `$OUT_DIR/catalog.rs` (the event catalog, with the
//!    runtime block that [`runtime_block`] derives from `schemas/common/delivery_runtime.json`).
//!
//! Nothing generated is committed or edited by hand; `cargo build` after a schema change is
//! the whole regeneration step.

#[path = "build/aliases.rs"]
mod aliases;
#[path = "build/bundle.rs"]
mod bundle;
#[path = "build/catalog.rs"]
mod catalog;
#[path = "build/events.rs"]
mod events;
#[path = "build/open_enum.rs"]
mod open_enum;
#[path = "build/runtime_block.rs"]
mod runtime_block;
#[path = "build/rust_surface.rs"]
mod rust_surface;
#[path = "build/surface.rs"]
mod surface;
#[path = "build/typegen.rs"]
mod typegen;
#[path = "build/visitor.rs"]
mod visitor;

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let schema_dir = manifest_dir.join("schemas");

    let bundle = bundle::Bundle::load(&schema_dir).unwrap_or_else(|e| fail(&e));
    for path in bundle.watched_paths() {
        println!("cargo:rerun-if-changed={}", path.display());
    }

    let open_enums = open_enum::generate(&bundle).unwrap_or_else(|e| fail(&e));
    let aliases = aliases::collect(&bundle).unwrap_or_else(|e| fail(&e));
    let generated = typegen::generate(&bundle, &open_enums, &aliases).unwrap_or_else(|e| fail(&e));
    write(&out_dir.join("types.rs"), &generated.types);
    write(&out_dir.join("types_derived.rs"), &generated.derived_reference);
    write(&out_dir.join("GENERATED.md"), &surface::render(&bundle, &generated.types).unwrap_or_else(|e| fail(&e)));
    let runtime = runtime_block::RuntimeBlock::load(&bundle).unwrap_or_else(|e| fail(&e));
    write(&out_dir.join("catalog.rs"), &catalog::generate(&bundle, &runtime));
    write(&out_dir.join("spec_version.rs"), &catalog::spec_version(&schema_dir, &bundle).unwrap_or_else(|e| fail(&e)));
    write(&out_dir.join("for_each_event.rs"), &catalog::for_each_event(&bundle));
    write(&out_dir.join("schema_bundle.json"), &catalog::schema_bundle(&bundle));
}

fn write(path: &std::path::Path, contents: &str) {
    std::fs::write(path, contents).unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", path.display())));
}

/// Stops the build with a message that names the schema problem.
fn fail(message: &str) -> ! {
    eprintln!("kiket-types: schema generation failed: {message}");
    std::process::exit(1);
}
