//! One-pass `Deserialize` impls for the generated structs that keep unknown keys.
//!
//! typify keeps unknown keys in `#[serde(flatten)] extra: Map<String, Value>`. serde's derive
//! for a struct with a flattened field cannot know which keys belong to `extra`, so it buffers
//! every unrecognised key and value into its private `Content` tree and decodes that tree a
//! second time into the map. This step replaces the derived `Deserialize` of each such struct
//! with a visitor that matches the schema's property names, decodes each known field in place
//! and every other value straight into a `serde_json::Value`: one pass, nothing buffered.
//!
//! The visitor keeps the derive's contract, so nothing a user sees changes (the differential
//! test in `tests/decode_differential.rs` holds the derived impl beside it):
//! - the input must be a map (`expecting` says `struct <Name>`, as the derive does);
//! - a known key twice is `duplicate field`, an unknown key twice keeps the last value;
//! - an absent `Option` is `None`, an absent `#[serde(default)]` field is its default, any
//!   other absent field is `missing field`, checked in declaration order after the map ends;
//! - `null` is decoded by the field's own type (`None` for an `Option`, an error otherwise);
//! - a key named like the flattened field itself (`extra`) is an unknown key;
//! - a property's alias (`x-kiket-aliases`, which the derive has no equivalent of here) is an
//!   unknown key (the last one wins) that fills the property when its own name is absent (an
//!   error in its value is reported at the object, not inside it); when both arrive, the
//!   alias's value stays in `extra`.
//!
//! Serialization stays derived. A serde attribute this step does not know fails the build,
//! so a typify change that adds one cannot silently change decoding.

use crate::aliases::Aliases;
use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

/// One named field of a generated struct, as the visitor needs it.
struct Field {
    ident: Ident,
    /// The key on the wire (`rename`, else the identifier without `r#`).
    wire: String,
    /// What an absent key becomes.
    absent: Absent,
    /// Other keys the property may arrive under.
    aliases: Vec<String>,
}

enum Absent {
    /// `Option<T>`: `None`.
    None,
    /// `#[serde(default)]`: `Default::default()`.
    Default,
    /// Required: `missing field`.
    Missing,
}

/// Replaces the derived `Deserialize` of every struct in `file` that has a
/// `#[serde(flatten)]` field with a generated visitor. Returns how many structs it replaced.
pub fn replace_flattened(file: &mut syn::File, aliases: &Aliases) -> Result<usize, String> {
    let mut impls = Vec::new();
    let mut applied = 0;
    for item in &mut file.items {
        let syn::Item::Struct(item) = item else { continue };
        let syn::Fields::Named(named) = &item.fields else { continue };
        let mut fields = Vec::new();
        let mut flattened = None;
        for field in &named.named {
            let ident = field.ident.clone().ok_or("a named field without a name")?;
            let attrs = serde_attrs(field, &item.ident)?;
            if attrs.flatten {
                if flattened.replace(ident).is_some() {
                    return Err(format!("{}: two flattened fields", item.ident));
                }
                continue;
            }
            let wire = attrs.rename.unwrap_or_else(|| ident.to_string().trim_start_matches("r#").to_owned());
            let absent = if attrs.default {
                Absent::Default
            } else if is_option(&field.ty) {
                Absent::None
            } else {
                Absent::Missing
            };
            let aliases = aliases.get(&(item.ident.to_string(), wire.clone())).cloned().unwrap_or_default();
            applied += usize::from(!aliases.is_empty());
            fields.push(Field { ident, wire, absent, aliases });
        }
        let Some(extra) = flattened else { continue };
        if !item.generics.params.is_empty() {
            return Err(format!("{}: generic structs with a flattened field are not supported", item.ident));
        }
        drop_derived_deserialize(item)?;
        impls.push(visitor(&item.ident, &fields, &extra));
    }
    if applied != aliases.len() {
        return Err(format!(
            "{} of {} x-kiket-aliases matched no property of a struct that keeps unknown keys: {:?}",
            aliases.len() - applied,
            aliases.len(),
            aliases.keys().collect::<Vec<_>>()
        ));
    }
    let count = impls.len();
    for code in impls {
        file.items.push(syn::parse2(code).map_err(|e| format!("generated visitor does not parse: {e}"))?);
    }
    Ok(count)
}

/// The serde field attributes typify emits; anything else is an error.
#[derive(Default)]
struct SerdeAttrs {
    flatten: bool,
    default: bool,
    rename: Option<String>,
}

fn serde_attrs(field: &syn::Field, owner: &Ident) -> Result<SerdeAttrs, String> {
    let mut attrs = SerdeAttrs::default();
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("flatten") {
                attrs.flatten = true;
            } else if meta.path.is_ident("default") {
                if meta.input.peek(syn::Token![=]) {
                    return Err(meta.error("`default = \"path\"` is not supported"));
                }
                attrs.default = true;
            } else if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                attrs.rename = Some(value.value());
            } else if meta.path.is_ident("skip_serializing_if") {
                let _: syn::LitStr = meta.value()?.parse()?;
            } else {
                return Err(meta.error("serde attribute not supported by build/visitor.rs"));
            }
            Ok(())
        })
        .map_err(|e| format!("{owner}.{}: {e}", field.ident.as_ref().map(ToString::to_string).unwrap_or_default()))?;
    }
    Ok(attrs)
}

/// `true` for `Option<T>` spelled any way typify spells it (`::std::option::Option<T>`).
fn is_option(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path) if path.qself.is_none()
        && path.path.segments.last().is_some_and(|s| s.ident == "Option"))
}

/// Removes `Deserialize` from the struct's `#[derive(..)]`.
fn drop_derived_deserialize(item: &mut syn::ItemStruct) -> Result<(), String> {
    let mut removed = false;
    for attr in item.attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let paths = attr
            .parse_args_with(syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            .map_err(|e| format!("{}: unreadable derive: {e}", item.ident))?;
        let before = paths.len();
        let kept: Vec<&syn::Path> =
            paths.iter().filter(|p| p.segments.last().is_none_or(|s| s.ident != "Deserialize")).collect();
        removed |= kept.len() != before;
        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
    }
    if removed {
        Ok(())
    } else {
        Err(format!("{}: typify no longer derives Deserialize; build/visitor.rs needs a look", item.ident))
    }
}

/// The `Deserialize` impl of one struct.
fn visitor(name: &Ident, fields: &[Field], extra: &Ident) -> TokenStream {
    let expecting = format!("struct {name}");
    let keys: Vec<Ident> = (0..fields.len()).map(|i| format_ident!("Field{i}")).collect();
    let wires: Vec<&str> = fields.iter().map(|f| f.wire.as_str()).collect();
    let wire_bytes: Vec<syn::LitByteStr> =
        wires.iter().map(|w| syn::LitByteStr::new(w.as_bytes(), Span::call_site())).collect();
    let idents: Vec<&Ident> = fields.iter().map(|f| &f.ident).collect();
    // Locals are numbered, so a property named `key` or `map` cannot shadow the loop's own.
    let slots: Vec<Ident> = (0..fields.len()).map(|i| format_ident!("__slot{i}")).collect();
    // Aliases: each its own key, decoded as a `Value` and turned into the field's type only
    // when the property's own name did not arrive.
    let mut alias_keys = Vec::new();
    let mut alias_wires = Vec::new();
    let mut alias_slots = Vec::new();
    let mut alias_targets = Vec::new();
    for (index, field) in fields.iter().enumerate() {
        for alias in &field.aliases {
            let n = alias_keys.len();
            alias_keys.push(format_ident!("Alias{n}"));
            alias_wires.push(alias.as_str());
            alias_slots.push(format_ident!("__alias{n}"));
            alias_targets.push(slots[index].clone());
        }
    }
    let alias_bytes: Vec<syn::LitByteStr> =
        alias_wires.iter().map(|w| syn::LitByteStr::new(w.as_bytes(), Span::call_site())).collect();
    let finish: Vec<TokenStream> = fields
        .iter()
        .zip(&slots)
        .map(|(field, ident)| {
            let wire = &field.wire;
            match field.absent {
                Absent::None => quote!(#ident.unwrap_or(::std::option::Option::None)),
                Absent::Default => quote!(#ident.unwrap_or_default()),
                Absent::Missing => quote! {
                    match #ident {
                        ::std::option::Option::Some(value) => value,
                        ::std::option::Option::None => return ::std::result::Result::Err(
                            <__A::Error as ::serde::de::Error>::missing_field(#wire)),
                    }
                },
            }
        })
        .collect();
    quote! {
        const _: () = {
            /// A key of the struct: one of its properties, or any other (kept in `extra`).
            enum __Key {
                #(#keys,)*
                #(#alias_keys,)*
                Other(::std::string::String),
            }

            struct __KeyVisitor;

            impl<'de> ::serde::de::Visitor<'de> for __KeyVisitor {
                type Value = __Key;

                fn expecting(&self, formatter: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    formatter.write_str("field identifier")
                }

                fn visit_str<__E: ::serde::de::Error>(self, value: &str) -> ::std::result::Result<__Key, __E> {
                    ::std::result::Result::Ok(match value {
                        #(#wires => __Key::#keys,)*
                        #(#alias_wires => __Key::#alias_keys,)*
                        other => __Key::Other(::std::borrow::ToOwned::to_owned(other)),
                    })
                }

                fn visit_string<__E: ::serde::de::Error>(
                    self,
                    value: ::std::string::String,
                ) -> ::std::result::Result<__Key, __E> {
                    ::std::result::Result::Ok(match value.as_str() {
                        #(#wires => __Key::#keys,)*
                        #(#alias_wires => __Key::#alias_keys,)*
                        _ => __Key::Other(value),
                    })
                }

                fn visit_bytes<__E: ::serde::de::Error>(self, value: &[u8]) -> ::std::result::Result<__Key, __E> {
                    match value {
                        #(#wire_bytes => ::std::result::Result::Ok(__Key::#keys),)*
                        #(#alias_bytes => ::std::result::Result::Ok(__Key::#alias_keys),)*
                        other => match ::std::str::from_utf8(other) {
                            ::std::result::Result::Ok(text) => ::std::result::Result::Ok(
                                __Key::Other(::std::borrow::ToOwned::to_owned(text))),
                            ::std::result::Result::Err(_) => ::std::result::Result::Err(
                                ::serde::de::Error::invalid_value(::serde::de::Unexpected::Bytes(other), &self)),
                        },
                    }
                }
            }

            impl<'de> ::serde::Deserialize<'de> for __Key {
                fn deserialize<__D: ::serde::Deserializer<'de>>(deserializer: __D) -> ::std::result::Result<Self, __D::Error> {
                    deserializer.deserialize_identifier(__KeyVisitor)
                }
            }

            struct __Visitor;

            impl<'de> ::serde::de::Visitor<'de> for __Visitor {
                type Value = #name;

                fn expecting(&self, formatter: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    formatter.write_str(#expecting)
                }

                fn visit_map<__A: ::serde::de::MapAccess<'de>>(self, mut __map: __A) -> ::std::result::Result<#name, __A::Error> {
                    #(let mut #slots = ::std::option::Option::None;)*
                    #(let mut #alias_slots: ::std::option::Option<::serde_json::Value> = ::std::option::Option::None;)*
                    let mut __extra = ::serde_json::Map::new();
                    while let ::std::option::Option::Some(__key) = ::serde::de::MapAccess::next_key::<__Key>(&mut __map)? {
                        match __key {
                            #(__Key::#keys => {
                                if #slots.is_some() {
                                    return ::std::result::Result::Err(
                                        <__A::Error as ::serde::de::Error>::duplicate_field(#wires));
                                }
                                #slots = ::std::option::Option::Some(::serde::de::MapAccess::next_value(&mut __map)?);
                            })*
                            #(__Key::#alias_keys => {
                                // Like any key outside the schema: the last one wins.
                                #alias_slots = ::std::option::Option::Some(::serde::de::MapAccess::next_value(&mut __map)?);
                            })*
                            __Key::Other(__name) => {
                                let __value = ::serde::de::MapAccess::next_value::<::serde_json::Value>(&mut __map)?;
                                __extra.insert(__name, __value);
                            }
                        }
                    }
                    #(if let ::std::option::Option::Some(__value) = #alias_slots {
                        if #alias_targets.is_none() {
                            #alias_targets = ::std::option::Option::Some(
                                ::serde_json::from_value(__value).map_err(<__A::Error as ::serde::de::Error>::custom)?);
                        } else {
                            __extra.insert(::std::borrow::ToOwned::to_owned(#alias_wires), __value);
                        }
                    })*
                    #(let #slots = #finish;)*
                    ::std::result::Result::Ok(#name { #(#idents: #slots,)* #extra: __extra })
                }
            }

            impl<'de> ::serde::Deserialize<'de> for #name {
                fn deserialize<__D: ::serde::Deserializer<'de>>(deserializer: __D) -> ::std::result::Result<Self, __D::Error> {
                    deserializer.deserialize_map(__Visitor)
                }
            }
        };
    }
}
