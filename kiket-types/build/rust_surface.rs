//! Renders public structs and enums of generated Rust code as Markdown (shared by the build
//! scripts of `kiket-types` and `kiket-client`; `kiket-client/build/rust_surface.rs` is a
//! symlink to this file).

use std::fmt::Write;

/// Appends one section per public struct (fields and Rust types) and enum (variants, with
/// the wire value when the variant's doc names it) of `items`.
pub fn render_items(items: &[syn::Item], out: &mut String) {
    for item in items {
        match item {
            syn::Item::Struct(item) if matches!(item.vis, syn::Visibility::Public(_)) => {
                let _ = writeln!(out, "\n### struct `{}`\n", item.ident);
                match &item.fields {
                    syn::Fields::Named(fields) => {
                        out.push_str("| Field | Rust type |\n|---|---|\n");
                        for field in &fields.named {
                            let name = field.ident.as_ref().map(ToString::to_string).unwrap_or_default();
                            let _ = writeln!(out, "| `{name}` | `{}` |", type_text(&field.ty));
                        }
                    }
                    syn::Fields::Unnamed(fields) => {
                        let inner: Vec<String> = fields.unnamed.iter().map(|f| type_text(&f.ty)).collect();
                        let _ = writeln!(out, "Newtype of `{}`.", inner.join(", "));
                    }
                    syn::Fields::Unit => out.push_str("Unit struct.\n"),
                }
            }
            syn::Item::Enum(item) if matches!(item.vis, syn::Visibility::Public(_)) => {
                let _ = writeln!(out, "\n### enum `{}`\n", item.ident);
                for variant in &item.variants {
                    let wire = variant
                        .attrs
                        .iter()
                        .filter(|a| a.path().is_ident("doc"))
                        .filter_map(|a| match &a.meta {
                            syn::Meta::NameValue(nv) => Some(quote::ToTokens::to_token_stream(&nv.value).to_string()),
                            _ => None,
                        })
                        .find(|d| d.starts_with("\"`"))
                        .map(|d| d.trim_matches('"').to_owned());
                    let payload = match &variant.fields {
                        syn::Fields::Unnamed(f) => {
                            format!("({})", f.unnamed.iter().map(|f| type_text(&f.ty)).collect::<Vec<_>>().join(", "))
                        }
                        _ => String::new(),
                    };
                    let _ = writeln!(
                        out,
                        "- `{}{payload}`{}",
                        variant.ident,
                        wire.map(|w| format!(" = {w}")).unwrap_or_default()
                    );
                }
            }
            _ => {}
        }
    }
}

/// A type as short readable text: `::std::option::Option<::std::string::String>` → `Option<String>`.
fn type_text(ty: &syn::Type) -> String {
    // Spaces go, except the one after `dyn` / `impl`.
    let raw = quote::ToTokens::to_token_stream(ty)
        .to_string()
        .replace("dyn ", "dyn\u{0}")
        .replace("impl ", "impl\u{0}")
        .replace(' ', "")
        .replace('\u{0}', " ");
    let mut text = raw;
    for prefix in [
        "::std::option::",
        "::std::string::",
        "::std::vec::",
        "::std::collections::",
        "::serde_json::",
        "super::",
        "crate::",
    ] {
        text = text.replace(prefix, "");
    }
    text.replace(',', ", ")
}
