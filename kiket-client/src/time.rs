//! Parsed times on API responses.
//!
//! Response fields that carry a time keep the platform's text (so a format change never fails a
//! call); an accessor of the same name, generated for every property the spec marks
//! `x-kiket-timestamp`, parses it into a [`Timestamp`]:
//!
//! ```
//! use kiket_client::types::IntakeSubmission;
//!
//! let submission: IntakeSubmission =
//!     serde_json::from_str(r#"{"id": 7, "created_at": "2026-03-01T09:30:00.000Z", "reviewed_at": "soon"}"#).unwrap();
//! assert_eq!(submission.created_at.as_deref(), Some("2026-03-01T09:30:00.000Z"));
//! assert_eq!(submission.created_at().unwrap().as_second(), 1_772_357_400);
//! assert_eq!(submission.reviewed_at(), None); // not a time: the text is still in the field
//! ```

pub use jiff::Timestamp;

/// Text that may hold a time: a field that is always present, or one that may be missing.
pub trait TimestampText {
    /// The text, when there is some.
    fn timestamp_text(&self) -> Option<&str>;
}

impl TimestampText for String {
    fn timestamp_text(&self) -> Option<&str> {
        Some(self)
    }
}

impl TimestampText for Option<String> {
    fn timestamp_text(&self) -> Option<&str> {
        self.as_deref()
    }
}

/// Parses an RFC 3339 time (`2026-03-01T09:30:00Z`, with or without fractions, any offset);
/// `None` for missing or unreadable text.
///
/// ```
/// use kiket_client::time::parse;
/// assert!(parse(&Some("2026-03-01T10:30:00+01:00".to_owned())).is_some());
/// assert_eq!(parse(&Some("yesterday".to_owned())), None);
/// assert_eq!(parse(&None::<String>), None);
/// ```
pub fn parse(text: &impl TimestampText) -> Option<Timestamp> {
    text.timestamp_text()?.trim().parse().ok()
}

include!(concat!(env!("OUT_DIR"), "/timestamps.rs"));
