//! The event catalog: which events and versions exist, and which type each decodes into.

use crate::bundle::Bundle;
use serde_json::Value;
use std::fmt::Write;

/// Writes `catalog.rs`: the `EVENTS` table and one `EventPayload` impl per event type.
pub fn generate(bundle: &Bundle) -> String {
    let mut out = String::from("/// Every event and version in the catalog, sorted by event name then version.\n");
    out.push_str("pub const EVENTS: &[EventSchema] = &[\n");
    for (file, event, version) in bundle.events() {
        let _ = writeln!(
            out,
            "    EventSchema {{ event: {event:?}, version: {version:?}, type_name: {:?}, schema_file: {:?} }},",
            file.title, file.relative
        );
    }
    out.push_str("];\n");
    let runtime_block = runtime_block_types(bundle);
    for (file, event, version) in bundle.events() {
        let runtime_fields = if runtime_block && carries_runtime_block(&file.schema) { RUNTIME_FIELDS } else { "" };
        let _ = writeln!(
            out,
            "impl EventPayload for crate::{} {{ const EVENT: &'static str = {event:?}; const VERSION: &'static str = {version:?};{runtime_fields} }}",
            file.title
        );
    }
    out
}

/// The `runtime_fields` body for a payload with the common runtime block.
const RUNTIME_FIELDS: &str = " fn runtime_fields(&self) -> Option<RuntimeFields<'_>> { \
    Some(RuntimeFields::new(\
    self.authentication.as_ref().and_then(|a| a.runtime_token.as_ref()), \
    self.secrets.as_ref(), \
    self.api.as_ref().and_then(|a| a.base_url.as_deref()))) }";

/// `true` when the common runtime types have the shape [`RUNTIME_FIELDS`] reads:
/// `Authentication.runtime_token` a `SecretString`, `ApiInfo.base_url` a string, and
/// `Secrets` present. Any other shape leaves `runtime_fields` at its default (`None`).
fn runtime_block_types(bundle: &Bundle) -> bool {
    let schema = |title: &str| bundle.files.iter().find(|f| f.title == title).map(|f| &f.schema);
    let token_is_secret = schema("Authentication")
        .and_then(|s| optional_property(s, "runtime_token"))
        .is_some_and(|p| refers_to(p, "SecretString"));
    let base_url_is_string = schema("ApiInfo")
        .and_then(|s| optional_property(s, "base_url"))
        .and_then(|p| p.get("type"))
        .is_some_and(|t| t == "string");
    token_is_secret && base_url_is_string && schema("Secrets").is_some()
}

/// `true` when an event schema has optional `authentication`, `api` and `secrets` properties
/// referring to the common `Authentication`, `ApiInfo` and `Secrets` types.
fn carries_runtime_block(schema: &Value) -> bool {
    [("authentication", "Authentication"), ("api", "ApiInfo"), ("secrets", "Secrets")]
        .iter()
        .all(|(name, title)| optional_property(schema, name).is_some_and(|p| refers_to(p, title)))
}

/// The schema of property `name` when it is declared and not required.
fn optional_property<'a>(schema: &'a Value, name: &str) -> Option<&'a Value> {
    let required = schema.get("required").and_then(Value::as_array).is_some_and(|r| r.iter().any(|n| n == name));
    if required {
        None
    } else {
        schema.get("properties")?.get(name)
    }
}

/// `true` when `property` is a `$ref` to the bundled definition `title`.
fn refers_to(property: &Value, title: &str) -> bool {
    property.get("$ref").and_then(Value::as_str) == Some(&format!("#/definitions/{title}"))
}

/// Writes `for_each_event.rs`: a macro calling `$m!(Type, "event", "version")` per event, so
/// code elsewhere can expand over the catalog without keeping a list by hand.
pub fn for_each_event(bundle: &Bundle) -> String {
    let mut out = String::from(
        "/// Calls `$m!(PayloadType, \"event\", \"version\");` once per catalogued event, in catalog order.\n\
         #[macro_export]\nmacro_rules! for_each_event {\n    ($m:ident) => {\n",
    );
    for (file, event, version) in bundle.events() {
        let _ = writeln!(out, "        $m!({}, {event:?}, {version:?});", file.title);
    }
    out.push_str("    };\n}\n");
    out
}

/// Every bundled schema (file `$ref`s rewritten, `allOf` merged) as one JSON document:
/// `{"definitions": {"<Title>": schema, …}}`. Embedded for sample generation and tooling.
pub fn schema_bundle(bundle: &Bundle) -> String {
    let definitions: serde_json::Map<String, serde_json::Value> =
        bundle.files.iter().map(|f| (f.title.clone(), f.schema.clone())).collect();
    serde_json::to_string(&serde_json::json!({ "definitions": definitions })).expect("JSON values serialise")
}

/// Writes `spec_version.rs`: the label in `schemas/VERSION` and a SHA-256 digest of every
/// bundled schema, so a build says exactly which schemas its types come from.
pub fn spec_version(schema_dir: &std::path::Path, bundle: &Bundle) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    let path = schema_dir.join("VERSION");
    println!("cargo:rerun-if-changed={}", path.display());
    let label = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    for file in &bundle.files {
        hasher.update(file.relative.as_bytes());
        hasher.update(file.schema.to_string().as_bytes());
    }
    let digest: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!(
        "/// Label of the platform schemas these types were generated from (`schemas/VERSION`).\n\
         pub const SPEC_VERSION: &str = {:?};\n\
         /// SHA-256 over every bundled schema (path and content): changes with any schema edit.\n\
         pub const SPEC_DIGEST: &str = {digest:?};\n",
        label.trim()
    ))
}
