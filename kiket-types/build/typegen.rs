//! Runs typify over the bundled schemas.

use crate::aliases::Aliases;
use crate::bundle::Bundle;
use crate::open_enum::OpenEnums;
use crate::visitor;
use schemars08::schema::Schema;

/// Types written by hand in `src/support/` and used instead of a generated type.
const HAND_WRITTEN: &[(&str, &str)] = &[("Id", "crate::Id"), ("SecretString", "crate::SecretString")];

/// typify's builders treat the flattened `extra` map (unknown keys) as a required field, so
/// `Issue::builder().id(1).try_into()` would fail with "no value supplied for extra". An
/// empty map is the right default: the builder is rewritten to start from one.
const EXTRA_WITHOUT_DEFAULT: &str = "Err (\"no value supplied for extra\" . to_string ())";
const EXTRA_DEFAULT: &str = "Ok (Default :: default ())";

/// What [`generate`] writes.
pub struct Generated {
    /// Every generated type (the structs with their one-pass visitors, then the open enums),
    /// formatted: `$OUT_DIR/types.rs`.
    pub types: String,
    /// The same structs with serde's derived `Deserialize` (flatten and all), unformatted and
    /// without the open enums: `$OUT_DIR/types_derived.rs`, compiled only by the differential
    /// test that holds the visitors to the derive's behaviour.
    pub derived_reference: String,
}

/// Generates the Rust source of every non-open-enum type, followed by the open enums.
pub fn generate(bundle: &Bundle, open_enums: &OpenEnums, aliases: &Aliases) -> Result<Generated, String> {
    let mut settings = typify::TypeSpaceSettings::default();
    settings
        .with_struct_builder(true)
        .with_derive("PartialEq".to_string())
        // JSON Schema of the payloads is opt-in (feature `json-schema`): schemars and its
        // derive cost about 7 CPU-seconds of every cold build that does not use them.
        .with_attr("#[cfg_attr(feature = \"json-schema\", derive(::schemars::JsonSchema))]".to_string())
        .with_map_type(typify::MapType::new("::std::collections::BTreeMap"));
    for (name, path) in HAND_WRITTEN {
        settings.with_replacement(*name, *path, std::iter::empty());
    }
    for name in &open_enums.names {
        settings.with_replacement(name, format!("crate::{name}"), std::iter::empty());
    }

    let mut definitions = Vec::new();
    for file in &bundle.files {
        let schema: Schema = serde_json::from_value(crate::aliases::without_keyword(&file.schema))
            .map_err(|e| format!("{} is not a JSON Schema typify can read: {e}", file.relative))?;
        definitions.push((file.title.clone(), schema));
    }
    let mut space = typify::TypeSpace::new(&settings);
    space.add_ref_types(definitions).map_err(|e| format!("typify rejected the schemas: {e}"))?;

    let mut tokens = space.to_stream().to_string();
    let structs_with_extra = tokens.matches(EXTRA_WITHOUT_DEFAULT).count();
    tokens = tokens.replace(EXTRA_WITHOUT_DEFAULT, EXTRA_DEFAULT);
    if structs_with_extra == 0 {
        return Err("typify's builder output changed: no `extra` default to patch (see build/typegen.rs)".into());
    }
    let mut stream: proc_macro2::TokenStream =
        tokens.parse().map_err(|e| format!("typify produced unparsable code: {e}"))?;
    let derived_reference = stream.to_string();
    stream.extend(open_enums.code.clone());
    let mut file: syn::File = syn::parse2(stream).map_err(|e| format!("generated code does not parse: {e}"))?;
    if visitor::replace_flattened(&mut file, aliases)? == 0 {
        return Err("no struct keeps unknown keys in a flattened `extra` any more (see build/visitor.rs)".into());
    }
    Ok(Generated { types: prettyplease::unparse(&file), derived_reference })
}
