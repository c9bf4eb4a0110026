//! The runtime fields of a body read on their own, before (or without) a typed decode.
//!
//! [`RuntimeScan`] is generated from `schemas/common/delivery_runtime.json` in `kiket-types`,
//! beside every payload's `runtime_fields()`: it borrows from the body and skips every other
//! key, so checking a token costs no decode of the payload.

use super::PayloadError;
use kiket_types::catalog::RuntimeScan;

/// Reads the runtime fields of `body` (a delivery of `event`@`version`, named in errors).
///
/// An empty body or one that is not JSON is [`PayloadError::Malformed`] (400); JSON that is
/// not an object, or whose runtime fields have the wrong type, is [`PayloadError::Schema`]
/// (422).
pub fn scan_runtime<'b>(event: &str, version: &str, body: &'b [u8]) -> Result<RuntimeScan<'b>, PayloadError> {
    let schema_error = |path: &str, message: &str| PayloadError::Schema {
        event: event.to_owned(),
        version: version.to_owned(),
        path: path.to_owned(),
        message: message.to_owned(),
    };
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Err(PayloadError::Malformed("request body is empty".into())),
        Some(b'{') => {}
        // Valid JSON that is not an object is a schema problem; anything else is malformed.
        Some(_) => {
            return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                Ok(_) => schema_error(".", "a delivery must be a JSON object"),
                Err(e) => PayloadError::Malformed(e.to_string()),
            });
        }
    }
    serde_json::from_slice(body).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            schema_error("authentication/secrets/api", "runtime fields have the wrong type")
        }
        _ => PayloadError::Malformed(e.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_fields_are_read_without_the_payload() {
        let body = br#"{"issue": {"id": 1}, "api": {"base_url": "https://kiket.dev"}}"#;
        let scan = scan_runtime("issue.created", "v1", body).unwrap();
        assert_eq!(scan.fields().api_base_url, Some("https://kiket.dev"));
        assert!(scan.fields().runtime_token.is_none());
        assert_eq!(scan_runtime("issue.created", "v1", b"[1]").unwrap_err().status(), 422);
    }
}
