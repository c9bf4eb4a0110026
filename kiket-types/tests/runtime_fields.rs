//! The webhook runtime reads the runtime token, secrets and API address from the typed payload
//! instead of scanning the body a second time; every catalogued type must hand them over.

use kiket_types::catalog::{find, EventPayload};
use kiket_types::SecretString;

#[test]
fn every_catalogued_payload_hands_over_its_runtime_fields() {
    macro_rules! check {
        ($ty:ident, $event:literal, $version:literal) => {{
            let mut sample = find($event, $version).unwrap().sample();
            sample["authentication"] = serde_json::json!({"runtime_token": "eyJ.token"});
            sample["secrets"] = serde_json::json!({"CRM_API_KEY": "crm-1"});
            sample["api"] = serde_json::json!({"base_url": "https://kiket.dev"});
            let payload: kiket_types::$ty = serde_json::from_value(sample).unwrap();
            let fields = payload.runtime_fields().expect(concat!($event, "@", $version, " hands over no runtime fields"));
            assert_eq!(fields.runtime_token.map(SecretString::expose), Some("eyJ.token"));
            assert_eq!(fields.secrets.and_then(|s| s.get("CRM_API_KEY")).map(SecretString::expose), Some("crm-1"));
            assert_eq!(fields.api_base_url, Some("https://kiket.dev"));
            assert!(!format!("{fields:?}").contains("eyJ.token"), "Debug shows the token");
        }};
    }
    kiket_types::for_each_event!(check);
}

#[test]
fn absent_runtime_fields_are_none_not_defaults() {
    let payload: kiket_types::IssueCreatedV1 = serde_json::from_str(r#"{"issue": {"id": 1}}"#).unwrap();
    let fields = payload.runtime_fields().unwrap();
    assert!(fields.runtime_token.is_none() && fields.secrets.is_none() && fields.api_base_url.is_none());
}
