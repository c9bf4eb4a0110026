//! Decoding delivery bodies into typed payloads.
//!
//! A leaf (imports no other module of this crate). Owns the difference between "not JSON at
//! all" (400) and "JSON that does not match the event's schema" (422, naming the failing
//! field path), for a whole payload ([`decode`]) and for just its runtime fields
//! ([`scan_runtime`]).

mod runtime;

pub use runtime::scan_runtime;
use serde::de::DeserializeOwned;

/// Why a delivery body could not be decoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The body is not UTF-8 JSON, or is nested deeper than serde_json accepts (128 levels). Answered with 400.
    #[error("request body is not valid JSON: {0}")]
    Malformed(String),
    /// The body is JSON but does not match the event's schema. Answered with 422.
    #[error("payload does not match the schema of {event}@{version} at `{path}`: {message}")]
    Schema {
        /// Event name.
        event: String,
        /// Event version.
        version: String,
        /// Path of the failing field (`issue.id`, `data.issue.labels[2]`); `.` for the root.
        path: String,
        /// What was wrong there.
        message: String,
    },
}

impl PayloadError {
    /// The HTTP status this error is answered with: 400 for malformed JSON, 422 for a schema
    /// mismatch (which the platform never retries).
    pub fn status(&self) -> axum::http::StatusCode {
        match self {
            Self::Malformed(_) => axum::http::StatusCode::BAD_REQUEST,
            Self::Schema { .. } => axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

/// Decodes `body` as the payload of `event`@`version`.
///
/// Syntax errors (not JSON, not UTF-8, too deep) become [`PayloadError::Malformed`]; a body
/// that is JSON but has a missing or mistyped field becomes [`PayloadError::Schema`] with the
/// field path. Field values never appear in the message.
///
/// ```
/// use kiket_sdk::{decode, PayloadError};
/// use kiket_types::IssueCreatedV1;
///
/// let err = decode::<IssueCreatedV1>("issue.created", "v1", br#"{"issue": {"id": true}}"#).unwrap_err();
/// match err {
///     PayloadError::Schema { path, .. } => assert_eq!(path, "issue.id"),
///     other => panic!("unexpected {other}"),
/// }
/// ```
pub fn decode<T: DeserializeOwned>(event: &str, version: &str, body: &[u8]) -> Result<T, PayloadError> {
    // JSON is UTF-8 (RFC 8259 §8.1). One check of the whole body is cheaper than serde_json's
    // check of every string and key it reads from a byte slice (about a sixth of a typed
    // decode), and it also rejects invalid bytes in values nobody reads.
    let text = std::str::from_utf8(body).map_err(|e| PayloadError::Malformed(format!("not UTF-8: {e}")))?;
    // The happy path skips path tracking; only a failure is decoded again to name the field.
    match serde_json::from_str(text) {
        Ok(value) => Ok(value),
        Err(_) => decode_with_path(event, version, text),
    }
}

fn decode_with_path<T: DeserializeOwned>(event: &str, version: &str, body: &str) -> Result<T, PayloadError> {
    let mut deserializer = serde_json::Deserializer::from_str(body);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    let value = match result {
        Ok(value) => value,
        Err(error) => {
            let path = error.path().to_string();
            let inner = error.into_inner();
            return Err(classify(inner, event, version, path));
        }
    };
    deserializer.end().map_err(|e| PayloadError::Malformed(e.to_string()))?;
    Ok(value)
}

fn classify(error: serde_json::Error, event: &str, version: &str, path: String) -> PayloadError {
    use serde_json::error::Category;
    match error.classify() {
        Category::Data => PayloadError::Schema {
            event: event.to_owned(),
            version: version.to_owned(),
            path,
            message: strip_position(&error.to_string()),
        },
        Category::Io | Category::Syntax | Category::Eof => PayloadError::Malformed(error.to_string()),
    }
}

/// What went wrong at a field, without the field's value (PROTOCOL §7.1: a 422 names the
/// path and the expected type, never the value). serde's "invalid type: string \"x\",
/// expected u64" becomes "invalid type: string, expected u64"; "unknown variant `x`, …"
/// becomes "unknown variant, …"; serde_json's " at line L column C" is dropped.
fn strip_position(message: &str) -> String {
    let message = message.rfind(" at line ").map_or(message, |index| &message[..index]);
    for prefix in ["invalid type: ", "invalid value: ", "unknown variant "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
            // The kind of the value ("string", "integer", "floating point") without the value.
            let kind = found.split(['"', '`']).next().unwrap_or_default().trim();
            let described = if kind.is_empty() { prefix.trim_end_matches([' ', ':']) } else { kind };
            let head = if prefix == "unknown variant " {
                "unknown variant".to_owned()
            } else {
                format!("{prefix}{described}")
            };
            return if expected.is_empty() { head } else { format!("{head}, expected {expected}") };
        }
    }
    message.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiket_types::{IssueCreatedV1, IssueCreatedV2};

    #[test]
    fn syntax_errors_are_malformed() {
        for body in [&b"{"[..], b"not json", b"\xff\xfe", b"{\"issue\":{\"id\":1}} trailing"] {
            let err = decode::<IssueCreatedV1>("issue.created", "v1", body).unwrap_err();
            assert_eq!(err.status(), 400, "{body:?} gave {err}");
        }
    }

    #[test]
    fn too_deep_is_malformed() {
        let body = format!("{{\"issue\":{{\"id\":1}},\"x\":{}{}}}", "[".repeat(200), "]".repeat(200));
        let err = decode::<IssueCreatedV1>("issue.created", "v1", body.as_bytes()).unwrap_err();
        assert_eq!(err.status(), 400);
    }

    #[test]
    fn missing_field_names_its_parent_path() {
        let err = decode::<IssueCreatedV2>("issue.created", "v2", br#"{"data": {"actor": {"id": 1}}}"#).unwrap_err();
        assert_eq!(err.status(), 422);
        let text = err.to_string();
        assert!(text.contains("`data`") && text.contains("missing field `issue`"), "{text}");
    }

    #[test]
    fn schema_errors_name_the_expected_type_never_the_value() {
        let body = br#"{"issue": {"id": 1, "title": 12345678, "labels": ["a", "wk_live_SECRET"]}, "event": ["x"]}"#;
        let err = decode::<IssueCreatedV1>("issue.created", "v1", body).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("invalid type: integer, expected a string"), "{text}");
        assert!(!text.contains("12345678"), "{text}");
        let err = decode::<IssueCreatedV1>("issue.created", "v1", br#"{"issue": {"id": true}}"#).unwrap_err();
        assert!(!err.to_string().contains("true"), "{err}");
        assert_eq!(
            strip_position("unknown variant `wk_live_x`, expected `a` or `b`"),
            "unknown variant, expected `a` or `b`"
        );
        assert_eq!(
            strip_position("invalid value: string \"p4ss\", expected a date"),
            "invalid value: string, expected a date"
        );
        assert_eq!(strip_position("missing field `issue` at line 1 column 2"), "missing field `issue`");
    }

    #[test]
    fn wrong_type_deep_in_an_array_names_the_index() {
        let body = br#"{"issue": {"id": 1, "labels": ["a", 7]}}"#;
        let err = decode::<IssueCreatedV1>("issue.created", "v1", body).unwrap_err();
        match err {
            PayloadError::Schema { path, .. } => assert_eq!(path, "issue.labels[1]"),
            other => panic!("unexpected {other}"),
        }
    }
}

#[cfg(test)]
mod roundtrip_regressions {
    use super::decode;
    use kiket_types::AutomationDispatchV1;

    /// Found by the `payload_decode` fuzz target: a long number in an unknown field must
    /// decode, re-encode and decode to the same value (correctly rounded float parsing).
    #[test]
    fn long_numbers_in_unknown_fields_roundtrip() {
        let body = br#"{"5e-":4000005400000500000000000002851744011630002851744011633518619}"#;
        let first: AutomationDispatchV1 = decode("automation.dispatch", "v1", body).unwrap();
        let encoded = serde_json::to_vec(&first).unwrap();
        let second: AutomationDispatchV1 = decode("automation.dispatch", "v1", &encoded).unwrap();
        assert_eq!(first, second);
    }
}
