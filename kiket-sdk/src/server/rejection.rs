//! [`DeliveryError`]: every way a delivery can fail, each with exactly one HTTP status.

use crate::handler::{HandlerError, ScopeError};
use crate::payload::PayloadError;
use crate::routing::version::VERSION_REQUIRED;
use crate::verify::VerifyError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why a delivery was not answered with 200. Bodies are always JSON `{"error": …}` and never
/// contain secrets, signatures, tokens or request bodies.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// Too many deliveries in flight (503 + `Retry-After`).
    #[error("Server is busy; retry later")]
    Overloaded,
    /// The body is larger than the configured limit (413).
    #[error("Request body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read from the connection (400).
    #[error("Request body could not be read")]
    BodyUnreadable,
    /// Authentication failed (401, or 503 when keys are unavailable).
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The body is not JSON (400) or does not match the event's schema (422).
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// No version in path, header or query (400).
    #[error("{}", VERSION_REQUIRED)]
    VersionMissing,
    /// No handler for the event and version (404).
    #[error("No handler registered for event '{event}' with version '{version}'")]
    NoHandler {
        /// Event name.
        event: String,
        /// Requested version.
        version: String,
    },
    /// The runtime token lacks required scopes (403).
    #[error(transparent)]
    Scopes(#[from] ScopeError),
    /// The handler failed (its own status).
    #[error(transparent)]
    Handler(HandlerError),
    /// The handler panicked (500, fixed body).
    #[error("Internal error")]
    Panicked,
    /// The handler ran past its timeout (503).
    #[error("Handler timed out")]
    TimedOut,
    /// The handler's reply could not be encoded (500).
    #[error("Handler response could not be encoded")]
    ReplyEncoding,
    /// The same delivery was already handled (replay guard): its first answer is repeated.
    #[error("Delivery already handled; repeating its answer")]
    Replayed {
        /// Status of the first answer.
        status: u16,
        /// Body of the first answer.
        body: bytes::Bytes,
    },
}

impl DeliveryError {
    /// The HTTP status of this failure.
    pub fn status(&self) -> StatusCode {
        let code = match self {
            Self::Overloaded | Self::TimedOut => 503,
            Self::BodyTooLarge { .. } => 413,
            Self::BodyUnreadable | Self::VersionMissing => 400,
            Self::Verify(e) => e.status(),
            Self::Payload(e) => e.status(),
            Self::NoHandler { .. } => 404,
            Self::Scopes(_) => 403,
            Self::Handler(e) => e.status(),
            Self::Panicked | Self::ReplyEncoding => 500,
            Self::Replayed { status, .. } => *status,
        };
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// A short class name for telemetry (`error_class`).
    pub fn class(&self) -> &'static str {
        match self {
            Self::Overloaded => "Overloaded",
            Self::BodyTooLarge { .. } | Self::BodyUnreadable => "Body",
            Self::Verify(_) => "Verification",
            Self::Payload(_) => "PayloadError",
            Self::VersionMissing | Self::NoHandler { .. } => "Routing",
            Self::Scopes(_) | Self::Handler(HandlerError::InsufficientScopes(_)) => "InsufficientScopes",
            Self::Handler(HandlerError::Retryable { .. }) => "Retryable",
            Self::Handler(_) => "Permanent",
            Self::Panicked => "Panic",
            Self::TimedOut => "Timeout",
            Self::ReplyEncoding => "ReplyEncoding",
            Self::Replayed { .. } => "Replayed",
        }
    }

    /// Seconds for `Retry-After`, where the answer carries one.
    fn retry_after(&self) -> Option<u64> {
        match self {
            Self::Overloaded => Some(1),
            Self::Handler(HandlerError::Retryable { retry_after: Some(delay), .. }) => Some(delay.as_secs().max(1)),
            _ => None,
        }
    }

    fn body(&self) -> serde_json::Value {
        match self {
            Self::Scopes(e) | Self::Handler(HandlerError::InsufficientScopes(e)) => json!({
                "error": "Insufficient scopes",
                "required_scopes": e.required,
                "missing_scopes": e.missing,
            }),
            Self::Payload(PayloadError::Schema { path, message, .. }) => json!({
                "error": self.to_string(),
                "details": [{"path": path, "message": message}],
            }),
            _ => json!({ "error": self.to_string() }),
        }
    }
}

impl DeliveryError {
    /// The JSON body this error is answered with.
    pub(crate) fn body_bytes(&self) -> bytes::Bytes {
        self.body().to_string().into()
    }
}

impl IntoResponse for DeliveryError {
    fn into_response(self) -> Response {
        if let Self::Replayed { status, body } = self {
            return json_response(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body);
        }
        json_error(self.status(), &self.body(), self.retry_after())
    }
}

/// A JSON error response.
pub(crate) fn json_error(status: StatusCode, body: &serde_json::Value, retry_after: Option<u64>) -> Response {
    let mut response = json_response(status, body.to_string().into());
    if let Some(seconds) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// Every answer of the server: `body` (already JSON) with `Content-Type: application/json`.
pub(crate) fn json_response(status: StatusCode, body: bytes::Bytes) -> Response {
    let mut response = Response::new(axum::body::Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
