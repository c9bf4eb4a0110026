//! The event catalog: which events and versions exist, and which type each decodes into.

use crate::bundle::Bundle;
use std::fmt::Write;

/// Writes `catalog.rs`: the `EVENTS` table and one `EventPayload` impl per event type.
pub fn generate(bundle: &Bundle) -> String {
    let mut out = String::from(
        "/// Every event and version in the catalog, sorted by event name then version.\n",
    );
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
