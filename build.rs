//! Build script of the `kiket` facade: generates the event catalog from `schemas/events/`.
//!
//! For every `schemas/events/<event>/<version>.json` (whose `title` names its payload type in
//! `kiket-types`) it writes `$OUT_DIR/catalog.rs` with:
//! - `events::<EVENT_NAME>` constants (`events::ISSUE_CREATED == "issue.created"`);
//! - the `Event` enum, one variant per event and version, with `Event::decode`;
//! - one handler trait per event and version (`IssueCreatedV1Handler`), implemented by user
//!   types and by closures `Fn(payload, HandlerContext) -> Future<Output = HandlerResult>`;
//! - `CatalogRoutes`: one typed registration method per event and version on
//!   `kiket_sdk::Router` (`router.issue_created_v1(handler)`);
//! - `AllHandlers`: a struct with one field per event and version, for exhaustive
//!   registration (a missing field is a compile error; `Slot::ignore()` says "not interested").
//!
//! The output is formatted with prettyplease. Nothing here is edited by hand: add, change or
//! delete a schema file and `cargo build` regenerates it.

#[path = "build/events.rs"]
mod events;
#[path = "build/rust_surface.rs"]
mod rust_surface;
#[path = "build/surface.rs"]
mod surface;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// One event schema file.
pub struct EventEntry {
    /// The schema file, relative to the package (`schemas/events/issue.created/v1.json`).
    pub schema_file: String,
    pub event: String,
    pub version: String,
    pub type_name: String,
    pub description: String,
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let entries: Vec<EventEntry> = events::read(&root.join("schemas").join("events"))
        .unwrap_or_else(|e| fail(&e))
        .into_iter()
        .map(|f| EventEntry {
            schema_file: f.path.strip_prefix(&root).unwrap_or(&f.path).display().to_string().replace('\\', "/"),
            description: f.schema.get("description").and_then(serde_json::Value::as_str).unwrap_or_default().to_owned(),
            event: f.event,
            version: f.version,
            type_name: f.title,
        })
        .collect();
    let file: syn::File =
        syn::parse2(generate(&entries)).unwrap_or_else(|e| fail(&format!("generated code does not parse: {e}")));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (name, contents) in
        [("catalog.rs", prettyplease::unparse(&file)), ("GENERATED.md", surface::render(&entries, &file))]
    {
        let out = out_dir.join(name);
        std::fs::write(&out, contents).unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("kiket: event catalog generation failed: {message}");
    std::process::exit(1);
}

/// A doc attribute holding a Rust code example (a doctest of the `kiket` crate).
fn doc_example(code: &str) -> TokenStream {
    let mut text = String::from(" ```\n");
    for line in code.trim_matches('\n').lines() {
        text.push(' ');
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(" ```");
    quote! { #[doc = ""] #[doc = #text] }
}

/// `issue.created` → `ISSUE_CREATED`.
fn const_name(event: &str) -> String {
    event.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

fn generate(entries: &[EventEntry]) -> TokenStream {
    let names: BTreeSet<&str> = entries.iter().map(|e| e.event.as_str()).collect();
    let constants = names.iter().map(|name| {
        let ident = Ident::new(&const_name(name), Span::call_site());
        let doc = format!("`{name}`");
        quote! { #[doc = #doc] pub const #ident: &str = #name; }
    });

    let variants: Vec<Ident> = entries.iter().map(|e| Ident::new(&e.type_name, Span::call_site())).collect();
    let events: Vec<&str> = entries.iter().map(|e| e.event.as_str()).collect();
    let versions: Vec<&str> = entries.iter().map(|e| e.version.as_str()).collect();
    let docs: Vec<String> = entries.iter().map(|e| format!("`{}` {}: {}", e.event, e.version, e.description)).collect();

    let handlers = handler_items(entries);
    let first = entries.first().unwrap_or_else(|| fail("the catalog has no events"));
    let first_event = &first.event;
    let first_const = const_name(first_event);
    let events_example = doc_example(&format!(
        "use kiket::prelude::*;\n\nassert_eq!(events::{first_const}, \"{first_event}\");\n\
         let router = Router::new().raw(events::{first_const}, \"v1\", |_payload: serde_json::Value, _ctx: HandlerContext| async {{ Ok(()) }});\n\
         assert!(router.handles_event(events::{first_const}));"
    ));
    let payloads_example = doc_example(
        "use kiket::prelude::*;\n\n\
         let payload: IssueCreatedV1 = serde_json::from_value(serde_json::json!({\"issue\": {\"id\": 7, \"title\": \"Hello\"}}))?;\n\
         assert_eq!(payload.issue.title.as_deref(), Some(\"Hello\"));\n\
         # Ok::<(), serde_json::Error>(())",
    );
    let event_example = doc_example(
        "let body = br#\"{\"issue\": {\"id\": 7, \"title\": \"Hello\"}}\"#;\n\
         let event = kiket::Event::decode(\"issue.created\", \"v1\", body)?.expect(\"issue.created v1 is catalogued\");\n\
         assert_eq!((event.name(), event.version()), (\"issue.created\", \"v1\"));\n\
         if let kiket::Event::IssueCreatedV1(payload) = &event {\n\
         \x20   assert_eq!(payload.issue.title.as_deref(), Some(\"Hello\"));\n\
         }\n\
         assert_eq!(event.to_json()[\"issue\"][\"id\"], 7);\n\
         # Ok::<(), kiket::sdk::PayloadError>(())",
    );
    let one_event = "let event = kiket::Event::decode(\"issue.created\", \"v1\", br#\"{\"issue\": {\"id\": 1, \"title\": \"T\"}}\"#)?.unwrap();\n";
    let payload_error = "# Ok::<(), kiket::sdk::PayloadError>(())";
    let name_example =
        doc_example(&format!("{one_event}assert_eq!(event.name(), kiket::events::ISSUE_CREATED);\n{payload_error}"));
    let version_example = doc_example(&format!("{one_event}assert_eq!(event.version(), \"v1\");\n{payload_error}"));
    let decode_example = doc_example(
        "// A catalogued event decodes into its variant; a field of the wrong type names its path.\n\
         let event = kiket::Event::decode(\"issue.created\", \"v1\", br#\"{\"issue\": {\"id\": 7, \"title\": \"Hi\"}}\"#)?;\n\
         assert!(matches!(event, Some(kiket::Event::IssueCreatedV1(_))));\n\
         let error = kiket::Event::decode(\"issue.created\", \"v1\", br#\"{\"issue\": {\"id\": 7, \"title\": 5}}\"#).unwrap_err();\n\
         assert!(error.to_string().contains(\"issue.title\"));\n\
         // Outside the catalog: `None`, for a raw handler to take over.\n\
         assert!(kiket::Event::decode(\"billing.invoice_paid\", \"v1\", b\"{}\")?.is_none());\n\
         # Ok::<(), kiket::sdk::PayloadError>(())",
    );
    let to_json_example = doc_example(
        "let body = br#\"{\"issue\": {\"id\": 7, \"title\": \"Hi\", \"x_custom\": true}}\"#;\n\
         let event = kiket::Event::decode(\"issue.created\", \"v1\", body)?.unwrap();\n\
         // Unknown fields are kept.\n\
         assert_eq!(event.to_json()[\"issue\"][\"x_custom\"], true);\n\
         # Ok::<(), kiket::sdk::PayloadError>(())",
    );
    quote! {
        #handlers

        /// Names of every event in the catalog, as delivered in `/webhooks/{event}`.
        #events_example
        pub mod events {
            #(#constants)*
        }

        /// The payload type of every event and version in the catalog (what a handler
        /// receives); the models inside them stay in [`kiket_types`]. Each is a plain struct
        /// generated from `schemas/events/` (typify): build one from JSON with serde, or get
        /// one decoded in a handler.
        #payloads_example
        pub mod payloads {
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

/// `IssueCreatedV1` → `issue_created_v1`.
fn snake(type_name: &str) -> String {
    let mut out = String::new();
    for (i, c) in type_name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Handler traits, adapters, typed registration and the exhaustive struct.
fn handler_items(entries: &[EventEntry]) -> TokenStream {
    let mut traits = TokenStream::new();
    let mut methods_decl = TokenStream::new();
    let mut methods_impl = TokenStream::new();
    let mut fields = TokenStream::new();
    let mut register_all = TokenStream::new();
    for entry in entries {
        let payload = Ident::new(&entry.type_name, Span::call_site());
        let handler_trait = Ident::new(&format!("{}Handler", entry.type_name), Span::call_site());
        let adapter = Ident::new(&format!("{}Adapter", entry.type_name), Span::call_site());
        let method = Ident::new(&snake(&entry.type_name), Span::call_site());
        let (event, version) = (&entry.event, &entry.version);
        let trait_doc = format!(
            "Handles `{event}` {version} deliveries: {} The payload arrives decoded as [`kiket_types::{}`] \
             (generated from `{}`).",
            entry.description, entry.type_name, entry.schema_file
        );
        let type_name = &entry.type_name;
        let trait_example = doc_example(&format!(
            "use kiket::prelude::*;\n\n\
             struct MyHandler;\n\n\
             impl {handler_trait} for MyHandler {{\n\
             \x20   async fn handle(&self, payload: {type_name}, context: HandlerContext) -> HandlerResult {{\n\
             \x20       tracing::info!(event = context.event(), fields = payload.extra.len(), \"received\");\n\
             \x20       Ok(Reply::ok())\n\
             \x20   }}\n\
             }}\n\n\
             let router = Router::new().{method}(MyHandler);\n\
             assert_eq!(router.registered_events(), [\"{event}@{version}\"]);"
        ));
        let method_example = doc_example(&format!(
            "use kiket::prelude::*;\n\n\
             let router = Router::new().{method}(|payload: {type_name}, _ctx: HandlerContext| async move {{\n\
             \x20   Ok(serde_json::json!({{\"ok\": true, \"unknown_fields\": payload.extra.len()}}))\n\
             }});\n\
             assert!(router.handles_event(\"{event}\"));"
        ));
        let method_doc = format!("Registers the handler of `{event}` {version}.");
        let field_doc = format!("`{event}` {version}.");
        traits.extend(quote! {
            #[doc = #trait_doc]
            ///
            /// Implement it on your own type with a plain `async fn handle` (no attribute
            /// macro), or pass a function or closure `|payload, context| async move { … }`
            /// with annotated argument types, whose success value may be anything
            /// [`kiket_sdk::IntoReply`].
            #trait_example
            pub trait #handler_trait: Send + Sync + 'static {
                /// Handles one delivery.
                fn handle(
                    &self,
                    payload: kiket_types::#payload,
                    context: kiket_sdk::HandlerContext,
                ) -> impl ::std::future::Future<Output = kiket_sdk::HandlerResult> + Send;

                /// Scopes the runtime token must grant before [`Self::handle`] runs (403 otherwise).
                fn required_scopes(&self) -> Vec<String> {
                    Vec::new()
                }

                /// `true` for [`kiket_sdk::queue::Deferred`]; not meant to be overridden.
                #[doc(hidden)]
                fn deferred(&self) -> bool {
                    false
                }
            }

            impl<F, Fut, R> #handler_trait for F
            where
                F: Fn(kiket_types::#payload, kiket_sdk::HandlerContext) -> Fut + Send + Sync + 'static,
                Fut: ::std::future::Future<Output = Result<R, kiket_sdk::HandlerError>> + Send + 'static,
                R: kiket_sdk::IntoReply,
            {
                fn handle(
                    &self,
                    payload: kiket_types::#payload,
                    context: kiket_sdk::HandlerContext,
                ) -> impl ::std::future::Future<Output = kiket_sdk::HandlerResult> + Send {
                    kiket_sdk::handler::answer((self)(payload, context))
                }
            }

            impl<H: #handler_trait> #handler_trait for kiket_sdk::Scoped<H> {
                fn handle(
                    &self,
                    payload: kiket_types::#payload,
                    context: kiket_sdk::HandlerContext,
                ) -> impl ::std::future::Future<Output = kiket_sdk::HandlerResult> + Send {
                    self.handler.handle(payload, context)
                }

                fn required_scopes(&self) -> Vec<String> {
                    let mut scopes = self.handler.required_scopes();
                    scopes.extend(self.scopes().iter().cloned());
                    scopes
                }

                fn deferred(&self) -> bool {
                    self.handler.deferred()
                }
            }

            impl<H: #handler_trait> #handler_trait for kiket_sdk::queue::Deferred<H> {
                fn handle(
                    &self,
                    payload: kiket_types::#payload,
                    context: kiket_sdk::HandlerContext,
                ) -> impl ::std::future::Future<Output = kiket_sdk::HandlerResult> + Send {
                    self.handler.handle(payload, context)
                }

                fn required_scopes(&self) -> Vec<String> {
                    self.handler.required_scopes()
                }

                fn deferred(&self) -> bool {
                    true
                }
            }

            struct #adapter<H>(H);

            impl<H: #handler_trait> kiket_sdk::Handler<kiket_types::#payload> for #adapter<H> {
                fn call(
                    &self,
                    payload: kiket_types::#payload,
                    context: kiket_sdk::HandlerContext,
                ) -> impl ::std::future::Future<Output = kiket_sdk::HandlerResult> + Send {
                    self.0.handle(payload, context)
                }

                fn required_scopes(&self) -> Vec<String> {
                    self.0.required_scopes()
                }

                fn deferred(&self) -> bool {
                    self.0.deferred()
                }
            }

            impl<H: #handler_trait> crate::SlotHandler<kiket_types::#payload> for H {
                fn register(self, router: kiket_sdk::Router) -> kiket_sdk::Router {
                    router.on::<kiket_types::#payload, _>(#adapter(self))
                }
            }
        });
        methods_decl.extend(quote! {
            #[doc = #method_doc]
            #method_example
            fn #method<H: #handler_trait>(self, handler: H) -> Self;
        });
        methods_impl.extend(quote! {
            fn #method<H: #handler_trait>(self, handler: H) -> Self {
                self.on::<kiket_types::#payload, _>(#adapter(handler))
            }
        });
        fields.extend(quote! {
            #[doc = #field_doc]
            pub #method: crate::Slot<kiket_types::#payload>,
        });
        register_all.extend(quote! {
            router = self.#method.register(router);
        });
    }
    // The first slot handled, every other one ignored.
    let slots: String = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let (method, payload) = (snake(&entry.type_name), &entry.type_name);
            match i {
                0 => format!(
                    "\x20   {method}: Slot::handle(|_p: {payload}, _ctx: HandlerContext| async {{ Ok(()) }}),\n"
                ),
                _ => format!("\x20   {method}: Slot::ignore(),\n"),
            }
        })
        .collect();
    let all_example = doc_example(&format!(
        "use kiket::prelude::*;\n\n\
         // Every catalogued event must be named: a new event in the schemas is a compile error here.\n\
         let all = AllHandlers {{\n{slots}}};\n\
         let router = all.into_router();\n\
         assert!(router.handles_event(\"issue.created\"));"
    ));
    let into_router_example = doc_example(&format!(
        "use kiket::prelude::*;\n\n\
         let router = AllHandlers {{\n{slots}}}\n.into_router();\n\
         assert_eq!(router.registered_events().len(), kiket::Event::CATALOG.len());"
    ));
    let routes_example = doc_example(
        "use kiket::prelude::*; // brings `CatalogRoutes` into scope\n\n\
         async fn on_comment(payload: IssueCommentedV1, _ctx: HandlerContext) -> Result<(), HandlerError> {\n\
         \x20   tracing::info!(unknown_fields = payload.extra.len(), \"comment\");\n\
         \x20   Ok(())\n\
         }\n\n\
         let router = Router::new()\n\
         \x20   .issue_commented_v1(on_comment)\n\
         \x20   .issue_created_v2(|_p: IssueCreatedV2, _ctx: HandlerContext| async { Ok(Reply::ok()) });\n\
         assert_eq!(router.registered_events(), [\"issue.commented@v1\", \"issue.created@v2\"]);",
    );
    quote! {
        #traits

        /// Typed registration of every catalogued event and version on [`kiket_sdk::Router`].
        ///
        /// Only events of the catalog have a method, and each method only accepts a handler
        /// of that event's payload type, so a wrong pairing does not compile.
        #routes_example
        pub trait CatalogRoutes: Sized {
            #methods_decl
        }

        impl CatalogRoutes for kiket_sdk::Router {
            #methods_impl
        }

        /// One slot per catalogued event and version. Building it with a struct literal makes
        /// leaving any event unhandled a compile error; [`crate::Slot::ignore`] is the visible
        /// way to say an event is not handled.
        #all_example
        pub struct AllHandlers {
            #fields
        }

        impl AllHandlers {
            /// A router with every slot registered (ignored slots answer `{"ok":true}`).
            #into_router_example
            pub fn into_router(self) -> kiket_sdk::Router {
                let mut router = kiket_sdk::Router::new();
                #register_all
                router
            }
        }
    }
}
