//! Build script of `kiket-client`: turns `openapi/kiket-extension-api.yaml` into an async
//! client with progenitor (builder interface), written to `$OUT_DIR/client.rs`.
//!
//! The generated `Client` carries a [`crate::hooks::ApiState`] as its inner type, and
//! `HooksMode::Expected` makes the crate's `ClientHooks` impl mandatory: every request passes
//! through it (authentication and per-invocation headers). `$OUT_DIR/operations.rs` is the
//! operation table (id, method, path template) of [`operations`]; `$OUT_DIR/timestamps.rs`
//! holds the parsed-time accessors of [`time`]. Nothing generated is edited by hand.

#[path = "build/operations.rs"]
mod operations;
#[path = "build/rust_surface.rs"]
mod rust_surface;
#[path = "build/surface.rs"]
mod surface;
#[path = "build/timestamps.rs"]
mod timestamps;

use std::path::PathBuf;

const SPEC: &str = "openapi/kiket-extension-api.yaml";

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let spec_path = manifest_dir.join(SPEC);
    println!("cargo:rerun-if-changed={}", spec_path.display());

    let text = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", spec_path.display())));
    let spec: openapiv3::OpenAPI =
        serde_norway::from_str(&text).unwrap_or_else(|e| fail(&format!("{SPEC} is not an OpenAPI 3.0 document: {e}")));

    println!("cargo:rustc-env=KIKET_API_SPEC_VERSION={}", spec.info.version);
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(quote::quote! { crate::hooks::ApiState })
        .with_hooks(progenitor::HooksMode::Expected)
        .with_derive("PartialEq")
        // Shared with the event payloads: identifiers keep their JSON form, SLA states are open.
        .with_replacement("Id", "kiket_types::Id", std::iter::empty())
        .with_replacement("SlaState", "kiket_types::SlaState", std::iter::empty());
    let mut generator = progenitor::Generator::new(&settings);
    let tokens = generator.generate_tokens(&spec).unwrap_or_else(|e| fail(&format!("progenitor rejected {SPEC}: {e}")));
    let file: syn::File =
        syn::parse2(tokens).unwrap_or_else(|e| fail(&format!("generated client does not parse: {e}")));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let code = prettyplease::unparse(&file);
    let (timestamps, accessors) = timestamps::generate(&spec).unwrap_or_else(|e| fail(&e));
    let surface = surface::render(&spec, &code, &accessors).unwrap_or_else(|e| fail(&e));
    let operations = operations::generate(&spec).unwrap_or_else(|e| fail(&e));
    for (name, contents) in [
        ("client.rs", &code),
        ("GENERATED.md", &surface),
        ("operations.rs", &operations),
        ("timestamps.rs", &timestamps),
    ] {
        let out = out_dir.join(name);
        std::fs::write(&out, contents).unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("kiket-client: client generation failed: {message}");
    std::process::exit(1);
}
