//! Timestamp accessors: for every schema property marked `x-kiket-timestamp: true`, a method
//! of the same name on the generated type that parses the text as an RFC 3339 time. The field
//! keeps the raw text, so a format the parser does not know never fails a call.

use std::fmt::Write;

/// `timestamps.rs` (one `impl` block per type with marked properties) and the accessors it
/// declares (`IntakeForm::created_at`), for `GENERATED.md`.
pub fn generate(spec: &openapiv3::OpenAPI) -> Result<(String, Vec<String>), String> {
    let mut out = String::new();
    let mut accessors = Vec::new();
    let Some(components) = &spec.components else { return Ok((out, accessors)) };
    for (type_name, schema) in &components.schemas {
        let Some(schema) = schema.as_item() else { continue };
        let openapiv3::SchemaKind::Type(openapiv3::Type::Object(object)) = &schema.schema_kind else { continue };
        let mut methods = String::new();
        for (property, schema) in &object.properties {
            let Some(schema) = schema.as_item() else { continue };
            let marked = schema.schema_data.extensions.get("x-kiket-timestamp").and_then(|v| v.as_bool());
            if marked != Some(true) {
                continue;
            }
            if !matches!(schema.schema_kind, openapiv3::SchemaKind::Type(openapiv3::Type::String(_))) {
                return Err(format!("{type_name}.{property} is marked x-kiket-timestamp but is not a string"));
            }
            if !property.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(format!("{type_name}.{property}: a timestamp property needs a snake_case name"));
            }
            accessors.push(format!("{type_name}::{property}"));
            let _ = write!(
                methods,
                "    /// `{property}` parsed as an RFC 3339 time; `None` when it is absent or not a valid\n    \
                 /// time (the text stays in the field).\n    \
                 pub fn {property}(&self) -> ::std::option::Option<crate::time::Timestamp> {{\n        \
                 crate::time::parse(&self.{property})\n    }}\n"
            );
        }
        if !methods.is_empty() {
            let _ = writeln!(out, "impl crate::generated::types::{type_name} {{\n{methods}}}\n");
        }
    }
    Ok((out, accessors))
}
