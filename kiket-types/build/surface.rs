//! `GENERATED.md`: a readable list of every generated type, its fields and their Rust types,
//! read back from the generated code itself, so a schema change shows up as a reviewable diff.

use crate::bundle::Bundle;
use crate::rust_surface;
use std::fmt::Write;

/// Renders the surface of `code` (the generated `types.rs`).
pub fn render(bundle: &Bundle, code: &str) -> Result<String, String> {
    let file = syn::parse_file(code).map_err(|e| format!("generated code does not parse: {e}"))?;
    let mut out = String::from(
        "# kiket-types: generated surface\n\n\
         Generated from `schemas/` by `kiket-types/build.rs`; do not edit. A test fails when this file\n\
         and the build disagree; update it with `KIKET_UPDATE_SNAPSHOTS=1 cargo test -p kiket-types --test surface`.\n\n## Events\n\n\
         | Event | Version | Type |\n|---|---|---|\n",
    );
    for (schema, event, version) in bundle.events() {
        let _ = writeln!(out, "| `{event}` | `{version}` | `{}` |", schema.title);
    }
    out.push_str("\n## Types\n");
    rust_surface::render_items(&file.items, &mut out);
    Ok(out)
}
