//! The event catalog: which events and versions exist, and which type each decodes into.

use crate::bundle::Bundle;
use crate::runtime_block::RuntimeBlock;
use std::fmt::Write;

/// Writes `catalog.rs`: the `EVENTS` table, the runtime block types and one `EventPayload`
/// impl per event type.
pub fn generate(bundle: &Bundle, runtime: &RuntimeBlock) -> String {
    let mut out = String::from("/// Every event and version in the catalog, sorted by event name then version.\n");
    out.push_str("pub const EVENTS: &[EventSchema] = &[\n");
    for (file, event, version) in bundle.events() {
        let legacy = file.schema.get("x-kiket-legacy-event").and_then(serde_json::Value::as_str);
        let _ = writeln!(
            out,
            "    EventSchema {{ event: {event:?}, version: {version:?}, type_name: {:?}, schema_file: {:?}, legacy_event: {legacy:?} }},",
            file.title, file.relative
        );
    }
    out.push_str("];\n\n");
    out.push_str(&runtime.types());
    for (file, event, version) in bundle.events() {
        let runtime_fields =
            if runtime.carried_by(&file.schema) { runtime.payload_impl(&file.schema) } else { String::new() };
        let _ = writeln!(
            out,
            "impl EventPayload for crate::{} {{ const EVENT: &'static str = {event:?}; const VERSION: &'static str = {version:?};{runtime_fields} }}",
            file.title
        );
    }
    out
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
