//! "Did you mean": the message for an event or version the catalog does not have.

use crate::Failure;
use kiket::types::catalog;

/// Why `event`@`version` has no sample: a near event name, or the versions the event has.
pub fn not_in_catalog(event: &str, version: &str) -> Failure {
    let versions: Vec<&str> = catalog::EVENTS.iter().filter(|e| e.event == event).map(|e| e.version).collect();
    let hint = if !versions.is_empty() {
        format!("; {event} has {}", versions.join(", "))
    } else if let Some(near) = catalog::nearest_event(event, 2) {
        format!("; did you mean {near}?")
    } else {
        String::new()
    };
    Failure::Usage(format!(
        "{event}@{version} is not in the catalog{hint} (`kiket events` lists it; pass --file for other events)"
    ))
}
