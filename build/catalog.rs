//! Step 2: the catalog itself: `events::<EVENT_NAME>` constants, the `payloads` re-exports
//! and the `Event` enum.

use crate::doc_examples::example;
use crate::entries::{const_name, ident, EventEntry};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeSet;

pub fn generate(entries: &[EventEntry]) -> TokenStream {
    let names: BTreeSet<&str> = entries.iter().map(|e| e.event.as_str()).collect();
    let constants = names.iter().map(|name| {
        let constant = ident(&const_name(name));
        let doc = format!("`{name}`");
        quote! { #[doc = #doc] pub const #constant: &str = #name; }
    });
    let variants: Vec<_> = entries.iter().map(EventEntry::payload).collect();
    let events: Vec<&str> = entries.iter().map(|e| e.event.as_str()).collect();
    let versions: Vec<&str> = entries.iter().map(|e| e.version.as_str()).collect();
    let docs: Vec<String> = entries.iter().map(|e| format!("`{}` {}: {}", e.event, e.version, e.description)).collect();
    let first = &entries[0].event;
    let events_example = example("events_module", &[("CONST", &const_name(first)), ("event", first)]);
    let event_example = example("event_enum", &[]);
    let name_example = example("event_name", &[]);
    let version_example = example("event_version", &[]);
    let decode_example = example("event_decode", &[]);
    let to_json_example = example("event_to_json", &[]);
    quote! {
        /// Names of every event in the catalog, as delivered in `/webhooks/{event}`.
        #events_example
        pub mod events {
            #(#constants)*
        }

        /// The payload type of every event and version in the catalog, for the prelude (their
        /// one public path is [`kiket_types`]).
        pub(crate) mod payloads {
            pub use kiket_types::{ #(#variants),* };
        }

        /// A decoded delivery of any event and version in the catalog.
        ///
        /// Generated from `schemas/events/`: one variant per schema file, holding the payload
        /// type `kiket-types` generated from it.
        #event_example
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            #( #[doc = #docs] #variants(Box<kiket_types::#variants>), )*
        }

        impl Event {
            /// Every `(event, version)` pair this enum can hold, in catalog order.
            pub const CATALOG: &'static [(&'static str, &'static str)] = &[#((#events, #versions)),*];

            /// Event name (`issue.created`).
            #name_example
            pub fn name(&self) -> &'static str {
                match self { #( Self::#variants(_) => #events, )* }
            }

            /// Version label (`v1`).
            #version_example
            pub fn version(&self) -> &'static str {
                match self { #( Self::#variants(_) => #versions, )* }
            }

            /// Decodes a delivery body of `event`@`version` (labels exactly as catalogued).
            ///
            /// Returns `Ok(None)` for an event or version outside the catalog, so callers can
            /// fall back to a raw handler; decoding errors name the failing field.
            #decode_example
            pub fn decode(event: &str, version: &str, body: &[u8]) -> Result<Option<Self>, kiket_sdk::PayloadError> {
                Ok(Some(match (event, version) {
                    #( (#events, #versions) => Self::#variants(Box::new(kiket_sdk::decode(event, version, body)?)), )*
                    _ => return Ok(None),
                }))
            }

            /// The payload as JSON, unknown fields included.
            #to_json_example
            pub fn to_json(&self) -> serde_json::Value {
                let encoded = match self { #( Self::#variants(payload) => serde_json::to_value(payload), )* };
                // Generated payload types only hold strings, numbers, maps and JSON values, whose
                // serialisation cannot fail; `Null` keeps this total without a panic path.
                encoded.unwrap_or(serde_json::Value::Null)
            }
        }
    }
}
