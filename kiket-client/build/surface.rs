//! `GENERATED.md` of the client: every operation of the spec with its parameters, body and
//! response, then every generated type read back from the generated code.

use std::fmt::Write;

/// Renders the surface of the spec, the generated `client.rs` and the timestamp accessors
/// (`Type::field`).
pub fn render(spec: &openapiv3::OpenAPI, code: &str, timestamp_accessors: &[String]) -> Result<String, String> {
    let mut out = String::from(
        "# kiket-client: generated surface\n\n\
         Generated from `openapi/kiket-extension-api.yaml` by `kiket-client/build.rs`; do not edit. A test fails\n\
         when this file and the build disagree; update it with\n\
         `KIKET_UPDATE_SNAPSHOTS=1 cargo test -p kiket-client --test surface`.\n\n## Operations\n\n\
         | Operation | Method and path | Parameters | Body | Success |\n|---|---|---|---|---|\n",
    );
    for (path, method, operation) in spec.operations() {
        let id = operation.operation_id.clone().unwrap_or_default();
        let mut parameters = Vec::new();
        let path_item = spec.paths.paths.get(path).and_then(|p| p.as_item());
        let shared = path_item.map(|item| item.parameters.clone()).unwrap_or_default();
        for parameter in shared.iter().chain(&operation.parameters) {
            let Some(data) = resolve_parameter(spec, parameter) else { continue };
            let (location, data) = data;
            let kind = match &data.format {
                openapiv3::ParameterSchemaOrContent::Schema(schema) => schema_text(schema),
                openapiv3::ParameterSchemaOrContent::Content(_) => "content".into(),
            };
            let required = if data.required { "" } else { "?" };
            parameters.push(format!("{}{required}: {kind} ({location})", data.name));
        }
        let body = operation
            .request_body
            .as_ref()
            .map(|b| match b {
                openapiv3::ReferenceOr::Reference { reference } => last(reference),
                openapiv3::ReferenceOr::Item(item) => {
                    item.content.values().next().and_then(|m| m.schema.as_ref()).map(schema_text).unwrap_or_default()
                }
            })
            .unwrap_or_else(|| "–".into());
        let success = operation
            .responses
            .responses
            .iter()
            .find(|(code, _)| code.to_string().starts_with('2'))
            .map(|(code, response)| match response {
                openapiv3::ReferenceOr::Item(r) => {
                    let schema = r.content.values().next().and_then(|m| m.schema.as_ref()).map(schema_text);
                    format!("{code} {}", schema.unwrap_or_else(|| "(no body)".into()))
                }
                openapiv3::ReferenceOr::Reference { reference } => format!("{code} {}", last(reference)),
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "| `{id}` | `{} {path}` | {} | `{body}` | `{success}` |",
            method.to_uppercase(),
            if parameters.is_empty() { "–".into() } else { format!("`{}`", parameters.join("`, `")) }
        );
    }
    let file = syn::parse_file(code).map_err(|e| format!("generated client does not parse: {e}"))?;
    let types = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "types" => module.content.as_ref().map(|(_, items)| items.clone()),
        _ => None,
    });
    out.push_str("\n## Types\n");
    crate::rust_surface::render_items(&types.unwrap_or_default(), &mut out);
    out.push_str(
        "\n## Timestamp accessors\n\nProperties marked `x-kiket-timestamp` keep their text; a method of the same \
         name parses it.\n\n",
    );
    for accessor in timestamp_accessors {
        let _ = writeln!(out, "- `{accessor}(&self) -> Option<kiket_client::time::Timestamp>`");
    }
    Ok(out)
}

fn resolve_parameter<'a>(
    spec: &'a openapiv3::OpenAPI,
    parameter: &'a openapiv3::ReferenceOr<openapiv3::Parameter>,
) -> Option<(&'static str, &'a openapiv3::ParameterData)> {
    let parameter = match parameter {
        openapiv3::ReferenceOr::Item(p) => p,
        openapiv3::ReferenceOr::Reference { reference } => {
            spec.components.as_ref()?.parameters.get(&last(reference))?.as_item()?
        }
    };
    Some(match parameter {
        openapiv3::Parameter::Query { parameter_data, .. } => ("query", parameter_data),
        openapiv3::Parameter::Header { parameter_data, .. } => ("header", parameter_data),
        openapiv3::Parameter::Path { parameter_data, .. } => ("path", parameter_data),
        openapiv3::Parameter::Cookie { parameter_data, .. } => ("cookie", parameter_data),
    })
}

fn last(reference: &str) -> String {
    reference.rsplit('/').next().unwrap_or(reference).to_owned()
}

fn schema_text(schema: &openapiv3::ReferenceOr<openapiv3::Schema>) -> String {
    match schema {
        openapiv3::ReferenceOr::Reference { reference } => last(reference),
        openapiv3::ReferenceOr::Item(schema) => match &schema.schema_kind {
            openapiv3::SchemaKind::Type(openapiv3::Type::String(_)) => "string".into(),
            openapiv3::SchemaKind::Type(openapiv3::Type::Integer(_)) => "integer".into(),
            openapiv3::SchemaKind::Type(openapiv3::Type::Number(_)) => "number".into(),
            openapiv3::SchemaKind::Type(openapiv3::Type::Boolean(_)) => "boolean".into(),
            openapiv3::SchemaKind::Type(openapiv3::Type::Array(_)) => "array".into(),
            openapiv3::SchemaKind::Type(openapiv3::Type::Object(_)) => "object".into(),
            _ => "any".into(),
        },
    }
}
