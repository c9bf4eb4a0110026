//! Doc examples of the generated items: the templates in `build/doc_examples/`, with
//! `{{name}}` placeholders filled in, as `#[doc]` attributes (doctests of the `kiket` crate).

use proc_macro2::TokenStream;
use quote::quote;

/// The template `name` (a file of `build/doc_examples/`, without `.rs.tmpl`).
fn template(name: &str) -> &'static str {
    match name {
        "all_handlers" => include_str!("doc_examples/all_handlers.rs.tmpl"),
        "all_handlers_into_router" => include_str!("doc_examples/all_handlers_into_router.rs.tmpl"),
        "catalog_routes" => include_str!("doc_examples/catalog_routes.rs.tmpl"),
        "event_decode" => include_str!("doc_examples/event_decode.rs.tmpl"),
        "event_enum" => include_str!("doc_examples/event_enum.rs.tmpl"),
        "event_name" => include_str!("doc_examples/event_name.rs.tmpl"),
        "event_to_json" => include_str!("doc_examples/event_to_json.rs.tmpl"),
        "event_version" => include_str!("doc_examples/event_version.rs.tmpl"),
        "events_module" => include_str!("doc_examples/events_module.rs.tmpl"),
        "handler_trait" => include_str!("doc_examples/handler_trait.rs.tmpl"),
        "route_method" => include_str!("doc_examples/route_method.rs.tmpl"),
        other => crate::fail(&format!("no doc example template named {other}")),
    }
}

/// The example `name` with each `{{key}}` replaced by its value, as a doc attribute (an
/// empty doc line, then the fenced code).
pub fn example(name: &str, values: &[(&str, &str)]) -> TokenStream {
    let mut code = template(name).to_owned();
    for (key, value) in values {
        code = code.replace(&format!("{{{{{key}}}}}"), value);
    }
    if let Some(at) = code.find("{{") {
        crate::fail(&format!("doc example {name} has an unfilled placeholder at byte {at}"));
    }
    let mut text = String::from(" ```\n");
    for line in code.trim_matches('\n').lines() {
        text.push(' ');
        text.push_str(line);
        text.push('\n');
    }
    text.push_str(" ```");
    quote! { #[doc = ""] #[doc = #text] }
}
