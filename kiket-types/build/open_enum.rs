//! Platform-extensible string enums (`"x-kiket-open-enum": true` in a schema).
//!
//! typify's enums are closed: a value the platform adds later would fail the delivery. These
//! enums get one variant per known value plus `Unknown(String)`, which keeps the new value
//! verbatim so it round-trips.

use crate::bundle::Bundle;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

/// Generated open enums: their code and the type names typify must not generate.
pub struct OpenEnums {
    /// Rust code of every open enum.
    pub code: TokenStream,
    /// Titles (type names) of the open enums.
    pub names: Vec<String>,
}

/// Generates every open enum of the bundle.
pub fn generate(bundle: &Bundle) -> Result<OpenEnums, String> {
    let mut code = TokenStream::new();
    let mut names = Vec::new();
    for file in &bundle.files {
        if file.schema.get("x-kiket-open-enum") != Some(&Value::Bool(true)) {
            continue;
        }
        let values: Vec<&str> = file
            .schema
            .get("enum")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if values.is_empty() {
            return Err(format!("{}: an open enum needs a non-empty `enum` of strings", file.relative));
        }
        let description = file.schema.get("description").and_then(Value::as_str).unwrap_or("");
        code.extend(one(&file.title, description, &values).map_err(|e| format!("{}: {e}", file.relative))?);
        names.push(file.title.clone());
    }
    Ok(OpenEnums { code, names })
}

fn variant_name(value: &str) -> String {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().expect("non-empty word").to_ascii_uppercase();
            std::iter::once(first).chain(chars).collect::<String>()
        })
        .collect()
}

fn one(title: &str, description: &str, values: &[&str]) -> Result<TokenStream, String> {
    let name = Ident::new(title, Span::call_site());
    let mut variants = Vec::new();
    for value in values {
        let v = variant_name(value);
        if v.is_empty() || v.starts_with(|c: char| c.is_ascii_digit()) || v == "Unknown" {
            return Err(format!("enum value {value:?} does not make a Rust variant name"));
        }
        if variants.iter().any(|(existing, _): &(String, &str)| *existing == v) {
            return Err(format!("two enum values map to the variant `{v}`"));
        }
        variants.push((v, *value));
    }
    let idents: Vec<Ident> = variants.iter().map(|(v, _)| Ident::new(v, Span::call_site())).collect();
    let wire: Vec<&str> = variants.iter().map(|(_, w)| *w).collect();
    let variant_docs: Vec<String> = wire.iter().map(|w| format!("`{w}`")).collect();
    let known_list = wire.iter().map(|w| format!("`{w}`")).collect::<Vec<_>>().join(", ");
    let schema_description = format!("{description} Known values: {known_list}; other strings are accepted.");
    let schema_name = title.to_string();
    Ok(quote! {
        #[doc = #description]
        ///
        /// Values this version of the SDK does not know decode as [`Self::Unknown`] and
        /// re-encode unchanged.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #( #[doc = #variant_docs] #idents, )*
            /// A value this version of the SDK does not know, kept verbatim.
            Unknown(::std::string::String),
        }

        impl #name {
            /// The wire values this version of the SDK knows, in schema order.
            pub const KNOWN: &'static [&'static str] = &[#(#wire),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( Self::#idents => #wire, )*
                    Self::Unknown(other) => other.as_str(),
                }
            }

            /// `false` for [`Self::Unknown`].
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #( #wire => Self::#idents, )*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Unknown(_) => Self::Unknown(value),
                    known => known,
                }
            }
        }

        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                Ok(match text {
                    ::std::borrow::Cow::Borrowed(value) => Self::from(value),
                    ::std::borrow::Cow::Owned(value) => Self::from(value),
                })
            }
        }

        #[cfg(feature = "json-schema")]
        impl ::schemars::JsonSchema for #name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(#schema_name)
            }
            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({
                    "type": "string",
                    "description": #schema_description,
                    "examples": [#(#wire),*]
                })
            }
        }
    })
}
