//! Build script of the `kiket` facade: the event catalog, generated from `schemas/events/`.
//!
//! Steps (each in its own module under `build/`):
//! 1. [`entries`] reads every `schemas/events/<event>/<version>.json` (through [`events`], the
//!    reader shared with `kiket-types`' build script) and names what each one becomes.
//! 2. [`catalog`] writes the `events::<EVENT_NAME>` constants, the `payloads` re-exports and
//!    the `Event` enum.
//! 3. [`handlers`] writes one handler trait per event and version (`IssueCreatedV1Handler`,
//!    one method), the `CatalogRoutes` registration methods and `AllHandlers`.
//! 4. The result is formatted (prettyplease) into `$OUT_DIR/catalog.rs`, and what a user sees
//!    of it into `$OUT_DIR/GENERATED.md` ([`surface`]).
//!
//! Doc examples come from the templates in `build/doc_examples/` ([`doc_examples`]). Nothing
//! here is edited by hand: add, change or delete a schema file and `cargo build` regenerates.

#[path = "build/catalog.rs"]
mod catalog;
#[path = "build/doc_examples.rs"]
mod doc_examples;
#[path = "build/entries.rs"]
mod entries;
#[path = "build/events.rs"]
mod events;
#[path = "build/handlers.rs"]
mod handlers;
#[path = "build/rust_surface.rs"]
mod rust_surface;
#[path = "build/surface.rs"]
mod surface;

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let entries = entries::read(&root).unwrap_or_else(|e| fail(&e));
    let (handlers, catalog) = (handlers::generate(&entries), catalog::generate(&entries));
    let generated = quote::quote! { #handlers #catalog };
    let file: syn::File =
        syn::parse2(generated).unwrap_or_else(|e| fail(&format!("generated code does not parse: {e}")));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (name, contents) in
        [("catalog.rs", prettyplease::unparse(&file)), ("GENERATED.md", surface::render(&entries, &file))]
    {
        let out = out_dir.join(name);
        std::fs::write(&out, contents).unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
    }
}

/// Stops the build with a message that names the problem.
fn fail(message: &str) -> ! {
    eprintln!("kiket: event catalog generation failed: {message}");
    std::process::exit(1);
}
