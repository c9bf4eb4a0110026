//! `GENERATED.md` of the `kiket` facade: the handler API a user sees, read back from the
//! generated code.

use crate::entries::{snake, EventEntry};
use crate::rust_surface;
use std::fmt::Write;

/// `GENERATED.md`: the handler API a user sees, read back from the generated code, so a schema
/// change shows up in review as a diff of the traits, registration methods and `Event` variants.
pub fn render(entries: &[EventEntry], file: &syn::File) -> String {
    let mut out = String::from(
        "# kiket: generated handler surface\n\n\
         Generated from `schemas/events/` by the root `build.rs`; do not edit. A test fails when this file\n\
         and the build disagree; update it with `KIKET_UPDATE_SNAPSHOTS=1 cargo test -p kiket --test generated_surface`.\n\n\
         ## Events\n\n| Event | Version | Payload | Handler trait | `CatalogRoutes` method / `AllHandlers` field |\n|---|---|---|---|---|\n",
    );
    for entry in entries {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | `kiket_types::{}` | `{}Handler` | `{}` |",
            entry.event,
            entry.version,
            entry.type_name,
            entry.type_name,
            snake(&entry.type_name)
        );
    }
    out.push_str("\n## Items\n");
    let items = flattened(&file.items);
    render_traits(&items, &mut out);
    rust_surface::render_items(&items, &mut out);
    out
}

/// The items, with those of inline modules (`handlers`) in their place.
fn flattened(items: &[syn::Item]) -> Vec<syn::Item> {
    let mut out = Vec::new();
    for item in items {
        match item {
            syn::Item::Mod(module) if module.content.is_some() && module.ident != "events" => {
                out.extend(flattened(&module.content.as_ref().map(|(_, items)| items.clone()).unwrap_or_default()));
            }
            other => out.push(other.clone()),
        }
    }
    out
}

/// One section per public trait: its methods' signatures (bodies and attributes left out).
fn render_traits(items: &[syn::Item], out: &mut String) {
    for item in items {
        let syn::Item::Trait(item) = item else { continue };
        if !matches!(item.vis, syn::Visibility::Public(_)) {
            continue;
        }
        let _ = writeln!(out, "\n### trait `{}`\n", item.ident);
        for member in &item.items {
            if let syn::TraitItem::Fn(method) = member {
                let mut signature = quote::ToTokens::to_token_stream(&method.sig).to_string();
                for (spaced, tight) in [
                    (" :: ", "::"),
                    ("& ", "&"),
                    (" ,", ","),
                    (" (", "("),
                    ("( ", "("),
                    (" )", ")"),
                    (" <", "<"),
                    ("< ", "<"),
                    (" >", ">"),
                    (" : ", ": "),
                    (",)", ")"),
                    ("impl::", "impl "),
                ] {
                    signature = signature.replace(spaced, tight);
                }
                let _ = writeln!(out, "- `{signature}`");
            }
        }
    }
}
