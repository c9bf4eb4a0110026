//! The event catalog: which events and versions exist, and which type each decodes into.

use crate::bundle::Bundle;
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
    for (file, event, version) in bundle.events() {
        let _ = writeln!(
            out,
            "impl EventPayload for crate::{} {{ const EVENT: &'static str = {event:?}; const VERSION: &'static str = {version:?}; }}",
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
