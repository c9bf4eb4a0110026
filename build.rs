//! Build script of the `kiket` facade: generates the event catalog from `schemas/events/`.
//!
//! For every `schemas/events/<event>/<version>.json` (whose `title` names its payload type in
//! `kiket-types`) it writes `$OUT_DIR/catalog.rs` with:
//! - `events::<EVENT_NAME>` constants (`events::ISSUE_CREATED == "issue.created"`);
//! - the `Event` enum, one variant per event and version, with `Event::decode`.
//!
//! The output is formatted with prettyplease. Nothing here is edited by hand: add, change or
//! delete a schema file and `cargo build` regenerates it.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One event schema file.
struct EventEntry {
    event: String,
    version: String,
    type_name: String,
    description: String,
}

fn main() {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let events_dir = root.join("schemas").join("events");
    println!("cargo:rerun-if-changed={}", events_dir.display());
    let entries = read_events(&events_dir).unwrap_or_else(|e| fail(&e));
    let file: syn::File = syn::parse2(generate(&entries))
        .unwrap_or_else(|e| fail(&format!("generated code does not parse: {e}")));
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("catalog.rs");
    std::fs::write(&out, prettyplease::unparse(&file))
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
}

fn fail(message: &str) -> ! {
    eprintln!("kiket: event catalog generation failed: {message}");
    std::process::exit(1);
}

fn read_events(dir: &Path) -> Result<Vec<EventEntry>, String> {
    let mut entries = Vec::new();
    for event_dir in sorted_dir(dir)? {
        println!("cargo:rerun-if-changed={}", event_dir.display());
        let event = file_name(&event_dir);
        for file in sorted_dir(&event_dir)? {
            println!("cargo:rerun-if-changed={}", file.display());
            let version = file_name(&file).trim_end_matches(".json").to_string();
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let schema: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| format!("{} is not JSON: {e}", file.display()))?;
            let text_of = |key: &str| {
                schema
                    .get(key)
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            let type_name = text_of("title");
            if type_name.is_empty() {
                return Err(format!("{} has no `title`", file.display()));
            }
            entries.push(EventEntry {
                event: event.clone(),
                version,
                type_name,
                description: text_of("description"),
            });
        }
    }
    Ok(entries)
}

fn sorted_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    paths.sort();
    Ok(paths)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `issue.created` → `ISSUE_CREATED`.
fn const_name(event: &str) -> String {
    event
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn generate(entries: &[EventEntry]) -> TokenStream {
    let names: BTreeSet<&str> = entries.iter().map(|e| e.event.as_str()).collect();
    let constants = names.iter().map(|name| {
        let ident = Ident::new(&const_name(name), Span::call_site());
        let doc = format!("`{name}`");
        quote! { #[doc = #doc] pub const #ident: &str = #name; }
    });

    let variants: Vec<Ident> = entries
        .iter()
        .map(|e| Ident::new(&e.type_name, Span::call_site()))
        .collect();
    let events: Vec<&str> = entries.iter().map(|e| e.event.as_str()).collect();
    let versions: Vec<&str> = entries.iter().map(|e| e.version.as_str()).collect();
    let docs: Vec<String> = entries
        .iter()
        .map(|e| format!("`{}` {}: {}", e.event, e.version, e.description))
        .collect();

    quote! {
        /// Names of every event in the catalog, as delivered in `/webhooks/{event}`.
        pub mod events {
            #(#constants)*
        }

        /// A decoded delivery of any event and version in the catalog.
        ///
        /// Generated from `schemas/events/`: one variant per schema file, holding the payload
        /// type `kiket-types` generated from it.
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #( #[doc = #docs] #variants(Box<kiket_types::#variants>), )*
        }

        impl Event {
            /// Every `(event, version)` pair this enum can hold, in catalog order.
            pub const CATALOG: &'static [(&'static str, &'static str)] = &[#((#events, #versions)),*];

            /// Event name (`issue.created`).
            pub fn name(&self) -> &'static str {
                match self { #( Self::#variants(_) => #events, )* }
            }

            /// Version label (`v1`).
            pub fn version(&self) -> &'static str {
                match self { #( Self::#variants(_) => #versions, )* }
            }

            /// Decodes a delivery body of `event`@`version` (labels exactly as catalogued).
            ///
            /// Returns `Ok(None)` for an event or version outside the catalog, so callers can
            /// fall back to a raw handler; decoding errors name the failing field.
            pub fn decode(event: &str, version: &str, body: &[u8]) -> Result<Option<Self>, kiket_sdk::PayloadError> {
                Ok(Some(match (event, version) {
                    #( (#events, #versions) => Self::#variants(Box::new(kiket_sdk::decode(event, version, body)?)), )*
                    _ => return Ok(None),
                }))
            }

            /// The payload as JSON, unknown fields included.
            pub fn to_json(&self) -> serde_json::Value {
                let encoded = match self { #( Self::#variants(payload) => serde_json::to_value(payload), )* };
                // Generated payload types only hold strings, numbers, maps and JSON values, whose
                // serialisation cannot fail; `Null` keeps this total without a panic path.
                encoded.unwrap_or(serde_json::Value::Null)
            }
        }
    }
}
