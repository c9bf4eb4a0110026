//! [`TelemetryRecord`]: one handler invocation, as reported (PROTOCOL.md §6).

use serde::Serialize;
use serde_json::{Map, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Outcome of an invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TelemetryStatus {
    /// The handler answered 2xx.
    Ok,
    /// The handler failed, panicked, timed out, or its payload did not decode.
    Error,
}

/// Why an invocation failed, as telemetry records and logs name it (`error_class`): one
/// class per kind of refusal or failure, whatever its message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum ErrorClass {
    /// Too many deliveries in flight.
    Overloaded,
    /// The replay store or the queue could not be reached.
    StoreUnavailable,
    /// The body was too large, unreadable or too slow.
    Body,
    /// Signature or runtime-token verification failed.
    Verification,
    /// The body is not JSON or does not match the event's schema.
    PayloadError,
    /// No version, no handler, or a path that names none.
    Routing,
    /// The runtime token lacks a required scope.
    InsufficientScopes,
    /// The handler failed in a way the platform retries.
    Retryable,
    /// The handler failed permanently.
    Permanent,
    /// The handler (or its payload's decoding) panicked.
    Panic,
    /// The handler ran past its deadline.
    Timeout,
    /// The handler's reply could not be encoded.
    ReplyEncoding,
}

impl ErrorClass {
    /// The class's name, as records carry it (`Retryable`, `Timeout`, …).
    ///
    /// ```
    /// assert_eq!(kiket_sdk::telemetry::ErrorClass::Timeout.as_str(), "Timeout");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Overloaded => "Overloaded",
            Self::StoreUnavailable => "StoreUnavailable",
            Self::Body => "Body",
            Self::Verification => "Verification",
            Self::PayloadError => "PayloadError",
            Self::Routing => "Routing",
            Self::InsufficientScopes => "InsufficientScopes",
            Self::Retryable => "Retryable",
            Self::Permanent => "Permanent",
            Self::Panic => "Panic",
            Self::Timeout => "Timeout",
            Self::ReplyEncoding => "ReplyEncoding",
        }
    }
}

impl std::fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One invocation that reached a handler.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct TelemetryRecord {
    /// Event name.
    pub event: String,
    /// Version the delivery was routed to.
    pub version: String,
    /// `ok` or `error`.
    pub status: TelemetryStatus,
    /// Time spent in the handler, in milliseconds.
    pub duration_ms: f64,
    /// When the invocation ended, RFC 3339 UTC.
    pub timestamp: String,
    /// Extension id, when configured.
    pub extension_id: Option<String>,
    /// Extension version, when configured.
    pub extension_version: Option<String>,
    /// The error's message (the same text the response body carried).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The error's class.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_class: Option<ErrorClass>,
    /// Free-form metadata.
    pub metadata: Map<String, Value>,
}

/// What the delivery path hands over: cheap to build, formatted later off the path.
#[derive(Debug)]
pub(crate) struct Pending {
    pub(crate) event: String,
    pub(crate) version: String,
    pub(crate) duration: Duration,
    pub(crate) finished_at: SystemTime,
    pub(crate) error: Option<(String, ErrorClass)>,
}

impl Pending {
    pub(crate) fn into_record(self, extension_id: Option<&str>, extension_version: Option<&str>) -> TelemetryRecord {
        let (error_message, error_class) = match self.error {
            Some((message, class)) => (Some(message), Some(class)),
            None => (None, None),
        };
        TelemetryRecord {
            event: self.event,
            version: self.version,
            status: if error_class.is_some() { TelemetryStatus::Error } else { TelemetryStatus::Ok },
            duration_ms: self.duration.as_secs_f64() * 1000.0,
            timestamp: rfc3339(self.finished_at),
            extension_id: extension_id.map(str::to_owned),
            extension_version: extension_version.map(str::to_owned),
            error_message,
            error_class,
            metadata: Map::new(),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for a system time (UTC).
pub(crate) fn rfc3339(at: SystemTime) -> String {
    let since_epoch = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since_epoch.subsec_millis()
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_millis(1_700_000_000_123)), "2023-11-14T22:13:20.123Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00.000Z");
    }
}
