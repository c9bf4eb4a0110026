//! Step 3: per event and version, a handler trait of one method, its registration method on
//! `kiket_sdk::Router` (`CatalogRoutes`) and its `AllHandlers` field.
//!
//! What a route is beyond its handler (scopes, deferral) is a route option set at
//! registration, so nothing here forwards it: a trait is one method, and the only impls per
//! event are the closure impl, the one that lets the router store it (through the crate's
//! `Adapter`) and the `Slot` one.

use crate::doc_examples::example;
use crate::entries::EventEntry;
use proc_macro2::TokenStream;
use quote::quote;

pub fn generate(entries: &[EventEntry]) -> TokenStream {
    let per_event = entries.iter().map(handler_trait);
    let methods: Vec<_> = entries.iter().map(EventEntry::method).collect();
    let traits: Vec<_> = entries.iter().map(EventEntry::handler_trait).collect();
    let payloads: Vec<_> = entries.iter().map(EventEntry::payload).collect();
    let method_docs = entries.iter().map(|e| format!("Registers the handler of `{}` {}.", e.event, e.version));
    let method_examples = entries.iter().map(|e| {
        let (method, payload) = (e.method().to_string(), e.type_name.as_str());
        example("route_method", &[("method", &method), ("Payload", payload), ("event", &e.event)])
    });
    let field_docs = entries.iter().map(|e| format!("`{}` {}.", e.event, e.version));
    // The first slot handled, every other one ignored.
    let slots: String = entries
        .iter()
        .enumerate()
        .map(|(i, e)| match i {
            0 => format!(
                "    {}: Slot::handle(|_p: {}, _ctx: HandlerContext| async {{ Ok(()) }}),\n",
                e.method(),
                e.type_name
            ),
            _ => format!("    {}: Slot::ignore(),\n", e.method()),
        })
        .collect();
    let all_example = example("all_handlers", &[("slots", &slots), ("event", &entries[0].event)]);
    let into_router_example = example("all_handlers_into_router", &[("slots", &slots)]);
    let routes_example = example("catalog_routes", &[]);
    quote! {
        /// The handler trait of every catalogued event and version, re-exported at the crate
        /// root and by the prelude.
        pub mod handlers {
            #(#per_event)*
        }
        use handlers::*;

        /// Typed registration of every catalogued event and version on [`kiket_sdk::Router`].
        ///
        /// Only events of the catalog have a method, and each method only accepts a handler
        /// of that event's payload type, so a wrong pairing does not compile. Route options
        /// ([`requires`](kiket_sdk::Router::requires), [`deferred`](kiket_sdk::Router::deferred))
        /// follow the registration they are for.
        #routes_example
        pub trait CatalogRoutes: Sized {
            #(
                #[doc = #method_docs]
                #method_examples
                fn #methods<H: #traits>(self, handler: H) -> Self;
            )*
        }

        impl CatalogRoutes for kiket_sdk::Router {
            #(
                fn #methods<H: #traits>(self, handler: H) -> Self {
                    self.on::<kiket_types::#payloads, _>(crate::Adapter(handler))
                }
            )*
        }

        /// One slot per catalogued event and version. Building it with a struct literal makes
        /// leaving any event unhandled a compile error; [`crate::Slot::ignore`] is the visible
        /// way to say an event is not handled.
        #all_example
        pub struct AllHandlers {
            #( #[doc = #field_docs] pub #methods: crate::Slot<kiket_types::#payloads>, )*
        }

        impl AllHandlers {
            /// A router with every slot registered (ignored slots answer `{"ok":true}`).
            #into_router_example
            pub fn into_router(self) -> kiket_sdk::Router {
                let mut router = kiket_sdk::Router::new();
                #( router = self.#methods.register(router); )*
                router
            }
        }
    }
}

/// The handler trait of one entry, its closure impl, and the impls that let the router and
/// `Slot` take it.
fn handler_trait(entry: &EventEntry) -> TokenStream {
    let (payload, handler_trait, method) = (entry.payload(), entry.handler_trait(), entry.method());
    let (event, version) = (&entry.event, &entry.version);
    let trait_doc = format!(
        "Handles `{event}` {version} deliveries: {} The payload arrives decoded as [`kiket_types::{}`] \
         (generated from `{}`).",
        entry.description, entry.type_name, entry.schema_file
    );
    let trait_example = example(
        "handler_trait",
        &[
            ("Trait", &handler_trait.to_string()),
            ("Payload", &entry.type_name),
            ("method", &method.to_string()),
            ("event", event),
            ("version", version),
        ],
    );
    quote! {
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
                kiket_sdk::__private::answer((self)(payload, context))
            }
        }

        impl<H: #handler_trait> kiket_sdk::Handler<kiket_types::#payload> for crate::Adapter<H> {
            fn call(
                &self,
                payload: kiket_types::#payload,
                context: kiket_sdk::HandlerContext,
            ) -> impl ::std::future::Future<Output = kiket_sdk::HandlerResult> + Send {
                self.0.handle(payload, context)
            }
        }

        impl<H: #handler_trait> crate::SlotHandler<kiket_types::#payload> for H {
            fn register(self, router: kiket_sdk::Router) -> kiket_sdk::Router {
                router.on::<kiket_types::#payload, _>(crate::Adapter(self))
            }
        }
    }
}
