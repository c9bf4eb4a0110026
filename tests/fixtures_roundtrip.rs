//! Every event and version has a realistic fixture under `tests/fixtures/<event>/<version>.json`
//! that decodes into its generated type and re-encodes to exactly the same JSON.

use kiket::Event;
use serde_json::{json, Value};
use std::path::PathBuf;

fn fixture(event: &str, version: &str) -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(event).join(format!("{version}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("missing fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn roundtrip(event: &str, version: &str, value: &Value) -> Event {
    let body = serde_json::to_vec(value).unwrap();
    let decoded = Event::decode(event, version, &body)
        .unwrap_or_else(|e| panic!("{event}@{version}: {e}"))
        .unwrap_or_else(|| panic!("{event}@{version} is not in the catalog"));
    assert_eq!(decoded.name(), event);
    assert_eq!(decoded.version(), version);
    assert_eq!(&decoded.to_json(), value, "{event}@{version} lost or changed fields on re-encoding");
    decoded
}

#[test]
fn every_catalog_entry_has_a_fixture_that_roundtrips() {
    assert!(Event::CATALOG.len() >= 20, "catalog shrank to {}", Event::CATALOG.len());
    for (event, version) in Event::CATALOG {
        roundtrip(event, version, &fixture(event, version));
    }
}

#[test]
fn facade_catalog_matches_the_types_catalog() {
    let types: Vec<(&str, &str)> = kiket::types::catalog::EVENTS.iter().map(|e| (e.event, e.version)).collect();
    assert_eq!(types, Event::CATALOG);
}

#[test]
fn unknown_fields_and_enum_values_decode_and_are_kept() {
    let mut value = fixture("issue.created", "v1");
    value["shipped_later"] = json!({"nested": [1, 2, 3]});
    value["issue"]["status"] = json!("awaiting_legal");
    value["issue"]["priority"] = json!("p0");
    value["issue"]["sentiment"] = json!("angry");
    let Event::IssueCreatedV1(payload) = roundtrip("issue.created", "v1", &value) else { panic!("wrong variant") };
    assert_eq!(payload.extra["shipped_later"], json!({"nested": [1, 2, 3]}));
    assert_eq!(payload.issue.extra["sentiment"], "angry");
    let status = payload.issue.status.as_ref().unwrap();
    assert!(!status.is_known());
    assert_eq!(status, &kiket::types::IssueStatus::Unknown("awaiting_legal".into()));

    let mut sla = fixture("workflow.sla_status", "v1");
    sla["sla"]["state"] = json!("paused");
    let Event::WorkflowSlaStatusV1(payload) = roundtrip("workflow.sla_status", "v1", &sla) else {
        panic!("wrong variant")
    };
    assert_eq!(payload.sla.unwrap().state.as_str(), "paused");
}

#[test]
fn known_enum_values_decode_to_their_variants() {
    let Event::IssueCreatedV1(payload) = roundtrip("issue.created", "v1", &fixture("issue.created", "v1")) else {
        panic!("wrong variant")
    };
    assert_eq!(payload.issue.status, Some(kiket::types::IssueStatus::InProgress));
    assert_eq!(payload.issue.priority, Some(kiket::types::IssuePriority::High));
}

#[test]
fn secrets_and_tokens_in_payloads_never_print() {
    let Event::IssueCreatedV1(payload) = roundtrip("issue.created", "v1", &fixture("issue.created", "v1")) else {
        panic!("wrong variant")
    };
    let printed = format!("{payload:?}");
    assert!(!printed.contains("crm-live-123"), "a payload secret reached Debug output");
    assert!(!printed.contains("eyJhbGciOiJFUzI1NiJ9"), "the runtime token reached Debug output");
    assert_eq!(payload.secrets.as_ref().unwrap()["CRM_API_KEY"].expose(), "crm-live-123");
}

#[test]
fn events_outside_the_catalog_are_not_decoded() {
    assert!(Event::decode("issue.created", "v9", b"{}").unwrap().is_none());
    assert!(Event::decode("issue.exploded", "v1", b"{}").unwrap().is_none());
}

#[test]
fn schema_violations_name_the_field() {
    let err = Event::decode("issue.created", "v1", br#"{"issue": {"title": "no id"}}"#).unwrap_err();
    assert_eq!(err.status(), 422);
    assert!(err.to_string().contains("`issue`") && err.to_string().contains("missing field `id`"), "{err}");
}

#[test]
fn every_schema_sample_decodes_into_its_type() {
    for entry in kiket::types::catalog::EVENTS {
        let body = serde_json::to_vec(&entry.sample()).unwrap();
        let decoded = Event::decode(entry.event, entry.version, &body)
            .unwrap_or_else(|e| panic!("{}@{}: {e}", entry.event, entry.version));
        assert!(decoded.is_some());
    }
}
