//! [`DeliveryError`]: every way a delivery can be refused or fail, each declared once — its
//! status, telemetry class, `Retry-After` and body shape — in [`DeliveryError::row`].

use crate::handler::HandlerError;
use crate::payload::PayloadError;
use crate::replay::StoreError;
use crate::routing::version::VERSION_REQUIRED;
use crate::routing::DecodeError;
use crate::telemetry::ErrorClass;
use crate::verify::{ScopeError, VerifyError};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Why a delivery was not answered with 200. Bodies are always JSON `{"error": …}` and never
/// contain secrets, signatures, tokens or request bodies.
///
/// | Variant | Status | `Retry-After` | Body beyond `error` |
/// |---|---|---|---|
/// | [`Overloaded`](Self::Overloaded) | 503 | 1 | |
/// | [`StoreUnavailable`](Self::StoreUnavailable) | 503 | 2 | |
/// | [`BodyTooLarge`](Self::BodyTooLarge) | 413 | | |
/// | [`BodyUnreadable`](Self::BodyUnreadable) | 400 | | |
/// | [`BodyTimeout`](Self::BodyTimeout) | 408 | | |
/// | [`Verify`](Self::Verify) | 401 (503 when keys are unavailable) | | |
/// | [`Payload`](Self::Payload) | 400 malformed, 422 schema | | `details: [{path, message}]` on 422 |
/// | [`BadPath`](Self::BadPath) | 400 | | |
/// | [`VersionMissing`](Self::VersionMissing) | 400 | | |
/// | [`NoHandler`](Self::NoHandler) | 404 | | |
/// | [`Scopes`](Self::Scopes) | 403 | | `required_scopes`, `missing_scopes` |
/// | [`Handler`](Self::Handler) | the error's own (4xx, 500, 503) | the error's delay | scopes when it is about scopes |
/// | [`Panicked`](Self::Panicked) | 500 | | |
/// | [`TimedOut`](Self::TimedOut) | 503 | 5 | |
/// | [`ReplyEncoding`](Self::ReplyEncoding) | 500 | | |
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliveryError {
    /// Too many deliveries in flight.
    #[error("Server is busy; retry later")]
    Overloaded,
    /// The replay store (or the queue) could not be reached: the delivery was neither handled
    /// nor stored, and the platform retries it. The reason is logged, not sent.
    #[error("Delivery store is unavailable; retry later")]
    StoreUnavailable(#[source] StoreError),
    /// The body is larger than the configured limit.
    #[error("Request body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body could not be read from the connection.
    #[error("Request body could not be read")]
    BodyUnreadable,
    /// The body did not arrive within the body timeout.
    #[error("Request body did not arrive in time")]
    BodyTimeout,
    /// Authentication failed.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The body is not JSON or does not match the event's schema.
    #[error(transparent)]
    Payload(#[from] PayloadError),
    /// A path segment is not UTF-8 once percent-decoded.
    #[error("Request path is not valid UTF-8")]
    BadPath,
    /// No version in path, header or query.
    #[error("{}", VERSION_REQUIRED)]
    VersionMissing,
    /// No handler for the event and version.
    #[error("No handler registered for event '{event}' with version '{version}'")]
    NoHandler {
        /// Event name.
        event: String,
        /// Requested version.
        version: String,
    },
    /// The runtime token lacks required scopes.
    #[error(transparent)]
    Scopes(#[from] ScopeError),
    /// The handler failed.
    #[error(transparent)]
    Handler(HandlerError),
    /// The handler (or its payload's decoding) panicked; the message is withheld.
    #[error("Internal error")]
    Panicked,
    /// The handler was still running at its deadline ([`crate::Delivery::deadline`]); it was
    /// dropped, and the platform retries the delivery after `Retry-After`.
    #[error("Handler timed out")]
    TimedOut,
    /// The handler's reply could not be encoded.
    #[error("Handler response could not be encoded")]
    ReplyEncoding,
}

/// One row of the table: what a variant is answered with.
struct Row<'e> {
    status: StatusCode,
    class: ErrorClass,
    retry_after: Option<u64>,
    body: Shape<'e>,
}

/// What the JSON body carries besides `error`.
enum Shape<'e> {
    Message,
    Scopes(&'e ScopeError),
    Details { path: &'e str, message: &'e str },
}

impl Row<'_> {
    const fn new(status: StatusCode, class: ErrorClass) -> Self {
        Self { status, class, retry_after: None, body: Shape::Message }
    }
}

impl DeliveryError {
    /// The table: one row per variant.
    fn row(&self) -> Row<'_> {
        match self {
            Self::Overloaded => {
                Row { retry_after: Some(1), ..Row::new(StatusCode::SERVICE_UNAVAILABLE, ErrorClass::Overloaded) }
            }
            Self::StoreUnavailable(_) => {
                Row { retry_after: Some(2), ..Row::new(StatusCode::SERVICE_UNAVAILABLE, ErrorClass::StoreUnavailable) }
            }
            Self::BodyTooLarge { .. } => Row::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorClass::Body),
            Self::BodyUnreadable => Row::new(StatusCode::BAD_REQUEST, ErrorClass::Body),
            Self::BodyTimeout => Row::new(StatusCode::REQUEST_TIMEOUT, ErrorClass::Body),
            Self::Verify(error) => Row::new(error.status(), ErrorClass::Verification),
            Self::Payload(PayloadError::Schema { path, message, .. }) => Row {
                body: Shape::Details { path, message },
                ..Row::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorClass::PayloadError)
            },
            Self::Payload(error) => Row::new(error.status(), ErrorClass::PayloadError),
            Self::BadPath | Self::VersionMissing => Row::new(StatusCode::BAD_REQUEST, ErrorClass::Routing),
            Self::NoHandler { .. } => Row::new(StatusCode::NOT_FOUND, ErrorClass::Routing),
            Self::Scopes(scopes) | Self::Handler(HandlerError::InsufficientScopes(scopes)) => {
                Row { body: Shape::Scopes(scopes), ..Row::new(StatusCode::FORBIDDEN, ErrorClass::InsufficientScopes) }
            }
            Self::Handler(error @ HandlerError::Retryable { retry_after, .. }) => Row {
                retry_after: retry_after.map(|delay| delay.as_secs().max(1)),
                ..Row::new(error.status(), ErrorClass::Retryable)
            },
            Self::Handler(error) => Row::new(error.status(), ErrorClass::Permanent),
            Self::Panicked => Row::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorClass::Panic),
            Self::TimedOut => {
                Row { retry_after: Some(5), ..Row::new(StatusCode::SERVICE_UNAVAILABLE, ErrorClass::Timeout) }
            }
            Self::ReplyEncoding => Row::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorClass::ReplyEncoding),
        }
    }

    /// The HTTP status of this failure.
    pub fn status(&self) -> StatusCode {
        self.row().status
    }

    /// The class telemetry records it under (`error_class`).
    pub fn class(&self) -> ErrorClass {
        self.row().class
    }

    /// The JSON body this error is answered with.
    pub(crate) fn body_bytes(&self) -> bytes::Bytes {
        self.body().to_string().into()
    }

    fn body(&self) -> serde_json::Value {
        match self.row().body {
            Shape::Message => json!({ "error": self.to_string() }),
            Shape::Scopes(scopes) => json!({
                "error": "Insufficient scopes",
                "required_scopes": scopes.required,
                "missing_scopes": scopes.missing,
            }),
            Shape::Details { path, message } => json!({
                "error": self.to_string(),
                "details": [{"path": path, "message": message}],
            }),
        }
    }
}

impl IntoResponse for DeliveryError {
    fn into_response(self) -> Response {
        let row = self.row();
        let mut response = json_response(self.status(), self.body_bytes());
        if let Some(seconds) = row.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Every answer of the server: `body` (already JSON) with `Content-Type: application/json`.
pub(crate) fn json_response(status: StatusCode, body: bytes::Bytes) -> Response {
    let mut response = Response::new(axum::body::Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

impl From<DecodeError> for DeliveryError {
    fn from(error: DecodeError) -> Self {
        match error {
            DecodeError::Payload(error) => Self::Payload(error),
            DecodeError::Panicked => Self::Panicked,
        }
    }
}

impl From<StoreError> for DeliveryError {
    fn from(error: StoreError) -> Self {
        Self::StoreUnavailable(error)
    }
}
