//! The catalog of events and versions known to this build, the schemas they were generated
//! from, and sample payloads.

mod sample;

/// One event schema of the catalog.
///
/// ```
/// for schema in kiket_types::catalog::EVENTS {
///     println!("{}@{} → {} ({})", schema.event, schema.version, schema.type_name, schema.schema_file);
/// }
/// let schema = kiket_types::catalog::find("issue.created", "v2").unwrap();
/// assert_eq!(schema.type_name, "IssueCreatedV2");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSchema {
    /// Event name as delivered (`issue.created`).
    pub event: &'static str,
    /// Version label (`v1`).
    pub version: &'static str,
    /// Name of the payload type in this crate (`IssueCreatedV1`).
    pub type_name: &'static str,
    /// Schema file the type was generated from, relative to `schemas/`.
    pub schema_file: &'static str,
    /// The event's legacy name, which still arrives from installations that have not moved
    /// (`issue.created` for `case.created`; `x-kiket-legacy-event` in the schema).
    pub legacy_event: Option<&'static str>,
}

/// The event that replaced `legacy` (`case.created` for `issue.created`, PROTOCOL §9.2), when
/// the catalog has one.
///
/// ```
/// assert_eq!(kiket_types::catalog::successor("issue.created"), Some("case.created"));
/// assert_eq!(kiket_types::catalog::successor("case.created"), None);
/// assert_eq!(kiket_types::catalog::successor("issue.closed"), None); // no case twin yet
/// ```
pub fn successor(legacy: &str) -> Option<&'static str> {
    EVENTS.iter().find(|entry| entry.legacy_event == Some(legacy)).map(|entry| entry.event)
}

/// The legacy name of `event` (`issue.created` for `case.created`), when it has one.
///
/// ```
/// assert_eq!(kiket_types::catalog::legacy_of("case.assigned"), Some("issue.assigned"));
/// assert_eq!(kiket_types::catalog::legacy_of("issue.assigned"), None);
/// ```
pub fn legacy_of(event: &str) -> Option<&'static str> {
    EVENTS.iter().find(|entry| entry.event == event).and_then(|entry| entry.legacy_event)
}

/// A payload type of a catalogued event and version.
///
/// Implemented (by the build script) exactly for the types in [`EVENTS`], so code that is
/// generic over `P: EventPayload` can only ever be used with a real event of the catalog.
///
/// ```
/// use kiket_types::catalog::EventPayload;
///
/// // Generic code over every catalogued payload: its event and version are constants.
/// fn route_of<P: EventPayload>() -> String {
///     format!("{}@{}", P::EVENT, P::VERSION)
/// }
/// assert_eq!(route_of::<kiket_types::SlaBreachV1>(), "sla.breach@v1");
/// ```
pub trait EventPayload:
    serde::Serialize + serde::de::DeserializeOwned + std::fmt::Debug + Clone + Send + Sync + 'static
{
    /// Event name (`issue.created`).
    const EVENT: &'static str;
    /// Version label (`v1`).
    const VERSION: &'static str;

    /// The runtime fields of this payload (`authentication.runtime_token`, `secrets`,
    /// `api.base_url`), when its schema declares them in the shape of `schemas/common/`.
    ///
    /// The build script implements this for every event whose schema includes the common
    /// runtime block; for any other it stays `None`, and a runtime that needs the fields reads
    /// them from the raw body instead.
    ///
    /// ```
    /// use kiket_types::catalog::EventPayload;
    /// use kiket_types::IssueCreatedV1;
    ///
    /// let payload: IssueCreatedV1 = serde_json::from_str(
    ///     r#"{"issue": {"id": 1}, "authentication": {"runtime_token": "eyJ..."}, "api": {"base_url": "https://kiket.dev"}}"#,
    /// ).unwrap();
    /// let fields = payload.runtime_fields().expect("issue.created v1 carries the runtime block");
    /// assert_eq!(fields.runtime_token.map(|t| t.expose()), Some("eyJ..."));
    /// assert_eq!(fields.api_base_url, Some("https://kiket.dev"));
    /// assert!(fields.secrets.is_none());
    /// ```
    fn runtime_fields(&self) -> Option<RuntimeFields<'_>> {
        None
    }
}

include!(concat!(env!("OUT_DIR"), "/catalog.rs"));

/// Every schema of `schemas/` as bundled at build time: `{"definitions": {"<Title>": …}}`,
/// with file references rewritten to `#/definitions/<Title>`.
pub const SCHEMA_BUNDLE: &str = include_str!(concat!(env!("OUT_DIR"), "/schema_bundle.json"));

/// Looks up an event and version exactly as catalogued.
///
/// ```
/// let schema = kiket_types::catalog::find("issue.created", "v1").expect("catalogued");
/// assert_eq!(schema.schema_file, "events/issue.created/v1.json");
/// assert!(kiket_types::catalog::find("issue.created", "1").is_none()); // labels exactly as catalogued
/// ```
pub fn find(event: &str, version: &str) -> Option<&'static EventSchema> {
    EVENTS.iter().find(|e| e.event == event && e.version == version)
}

/// The catalogued event name nearest to `name` when it is at most `edits` single-character
/// edits (insertions, deletions, substitutions) away and not `name` itself: the "did you
/// mean" of a mistyped event name.
///
/// ```
/// use kiket_types::catalog::nearest_event;
/// assert_eq!(nearest_event("issue.creatd", 1), Some("issue.created"));
/// assert_eq!(nearest_event("issue.created", 2), None); // catalogued: nothing to suggest
/// assert_eq!(nearest_event("billing.invoice_paid", 2), None);
/// ```
pub fn nearest_event(name: &str, edits: usize) -> Option<&'static str> {
    if EVENTS.iter().any(|e| e.event == name) {
        return None;
    }
    EVENTS
        .iter()
        .map(|e| (strsim::levenshtein(name, e.event), e.event))
        .filter(|(distance, _)| *distance <= edits)
        .min()
        .map(|(_, event)| event)
}

/// `v1` for `1` (and any label unchanged): how a catalog version is spelled.
///
/// ```
/// assert_eq!(kiket_types::catalog::version_label("2"), "v2");
/// assert_eq!(kiket_types::catalog::version_label("v2"), "v2");
/// assert_eq!(kiket_types::catalog::version_label("2024-10-01"), "2024-10-01");
/// ```
pub fn version_label(version: &str) -> String {
    let version = version.trim();
    if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) {
        format!("v{version}")
    } else {
        version.to_owned()
    }
}

impl EventSchema {
    /// The schema of this event (bundled form), or `Null` if the bundle lacks it.
    ///
    /// ```
    /// let schema = kiket_types::catalog::find("issue.created", "v1").unwrap().schema();
    /// assert_eq!(schema["type"], "object");
    /// assert!(schema["properties"]["issue"].is_object());
    /// ```
    pub fn schema(&self) -> serde_json::Value {
        bundle()["definitions"].get(self.type_name).cloned().unwrap_or_default()
    }

    /// A payload that is valid for this event: every property filled with a plausible
    /// placeholder (ids `1`, times `2026-01-01T00:00:00Z`, the first value of enums). The
    /// runtime fields (`authentication`, `api`, `secrets`) are left out.
    ///
    /// ```
    /// let schema = kiket_types::catalog::find("issue.created", "v1").unwrap();
    /// let sample = schema.sample();
    /// let typed: kiket_types::IssueCreatedV1 = serde_json::from_value(sample).unwrap();
    /// assert_eq!(typed.issue.id.to_string(), "1");
    /// ```
    pub fn sample(&self) -> serde_json::Value {
        let bundle = bundle();
        let mut sample = sample::example(&self.schema(), &bundle["definitions"], "", 0);
        if let Some(object) = sample.as_object_mut() {
            for key in ["event", "event_type", "type"] {
                if let Some(value) = object.get_mut(key) {
                    *value = serde_json::Value::String(self.event.to_owned());
                }
            }
        }
        sample
    }
}

fn bundle() -> &'static serde_json::Value {
    static BUNDLE: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    BUNDLE.get_or_init(|| serde_json::from_str(SCHEMA_BUNDLE).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_decodes_into_its_type_through_serde() {
        for entry in EVENTS {
            let sample = entry.sample();
            assert!(sample.is_object(), "{}@{}", entry.event, entry.version);
            assert!(sample.get("authentication").is_none() && sample.get("secrets").is_none());
            let named = sample.get("event").or_else(|| sample.get("type")).and_then(|v| v.as_str());
            assert_eq!(named, Some(entry.event), "{}@{}", entry.event, entry.version);
        }
        let v2: crate::IssueCreatedV2 = serde_json::from_value(find("issue.created", "v2").unwrap().sample()).unwrap();
        assert_eq!(v2.data.issue.title.as_deref(), Some("Example title"));
    }
}
