//! [`HandlerError`]: how a handler says it failed, and whether the platform should retry.

use crate::verify::ScopeError;
use axum::http::StatusCode;
use std::time::Duration;

/// A handler failure. Its class decides the HTTP status and so whether the platform retries:
///
/// | Variant | Status | Retried by the platform |
/// |---|---|---|
/// | [`Permanent`](Self::Permanent) | the chosen 4xx (default 422) | no |
/// | [`Retryable`](Self::Retryable) | 500, or 503 + `Retry-After` when a delay is given | yes |
/// | [`InsufficientScopes`](Self::InsufficientScopes) | 403 with the missing scopes | no |
///
/// The message is sent in the response body (`{"error": message}`), so do not put secrets
/// in it.
///
/// ```
/// use kiket_sdk::{HandlerContext, HandlerError, Reply};
/// use std::time::Duration;
///
/// async fn sync_contact(payload: serde_json::Value, _ctx: HandlerContext) -> Result<Reply, HandlerError> {
///     let Some(email) = payload["issue"]["reporter"]["email"].as_str() else {
///         // 422: the platform does not retry; the message is the answer's `error`.
///         return Err(HandlerError::permanent_with_status(422, "the reporter has no e-mail address"));
///     };
///     if email.ends_with("@crm-down.example") {
///         // 503 + Retry-After: 30; the platform retries later.
///         return Err(HandlerError::retry_after("the CRM is in maintenance", Duration::from_secs(30)));
///     }
///     // `?` on an extension-API call maps its error: 5xx and timeouts stay retryable.
///     Ok(Reply::ok())
/// }
/// # let _ = sync_contact;
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HandlerError {
    /// The delivery can never succeed (bad input, business rule): answered with a 4xx.
    #[error("{message}")]
    Permanent {
        /// Status sent (400..=499).
        status: StatusCode,
        /// Message sent in the body.
        message: String,
    },
    /// A transient failure (dependency down, timeout): answered with 500 or 503.
    #[error("{message}")]
    Retryable {
        /// Message sent in the body.
        message: String,
        /// When set, the answer is 503 with `Retry-After` in whole seconds.
        retry_after: Option<Duration>,
    },
    /// The runtime token lacks scopes the handler needs.
    #[error(transparent)]
    InsufficientScopes(#[from] ScopeError),
}

impl HandlerError {
    /// A permanent failure answered with 422 (not retried).
    ///
    /// ```
    /// let error = kiket_sdk::HandlerError::permanent("unknown project key");
    /// assert_eq!((error.status().as_u16(), error.is_retryable()), (422, false));
    /// assert_eq!(error.to_string(), "unknown project key");
    /// ```
    pub fn permanent(message: impl Into<String>) -> Self {
        Self::Permanent { status: StatusCode::UNPROCESSABLE_ENTITY, message: message.into() }
    }

    /// A permanent failure with a chosen 4xx status. Statuses outside 400..=499 become 422, so
    /// a permanent error can never be retried by accident.
    ///
    /// ```
    /// let error = kiket_sdk::HandlerError::permanent_with_status(409, "already synced");
    /// assert_eq!(error.status(), 409);
    /// ```
    pub fn permanent_with_status(status: u16, message: impl Into<String>) -> Self {
        let status = StatusCode::from_u16(status)
            .ok()
            .filter(StatusCode::is_client_error)
            .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
        Self::Permanent { status, message: message.into() }
    }

    /// A transient failure answered with 500 (retried by the platform).
    ///
    /// ```
    /// let error = kiket_sdk::HandlerError::retryable("the CRM timed out");
    /// assert!(error.is_retryable());
    /// assert_eq!(error.status(), 500);
    /// ```
    pub fn retryable(message: impl Into<String>) -> Self {
        Self::Retryable { message: message.into(), retry_after: None }
    }

    /// A transient failure answered with 503 and `Retry-After`.
    ///
    /// ```
    /// let error = kiket_sdk::HandlerError::retry_after("rate limited by the CRM", std::time::Duration::from_secs(20));
    /// assert_eq!(error.status(), 503); // sent with `Retry-After: 20`
    /// ```
    pub fn retry_after(message: impl Into<String>, delay: Duration) -> Self {
        Self::Retryable { message: message.into(), retry_after: Some(delay) }
    }

    /// `true` when the platform will retry the delivery.
    ///
    /// ```
    /// use kiket_sdk::HandlerError;
    /// assert!(HandlerError::retryable("timeout").is_retryable());
    /// assert!(!HandlerError::permanent("bad input").is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }

    /// The HTTP status this error is answered with.
    ///
    /// ```
    /// use kiket_sdk::HandlerError;
    /// assert_eq!(HandlerError::permanent_with_status(404, "no such board").status(), 404);
    /// assert_eq!(HandlerError::retry_after("busy", std::time::Duration::from_secs(1)).status(), 503);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Permanent { status, .. } => *status,
            Self::Retryable { retry_after: None, .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Retryable { retry_after: Some(_), .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::InsufficientScopes(_) => StatusCode::FORBIDDEN,
        }
    }
}

impl From<serde_json::Error> for HandlerError {
    /// JSON that a handler could not (de)serialise is a permanent problem of the input.
    fn from(error: serde_json::Error) -> Self {
        Self::permanent(format!("invalid JSON: {error}"))
    }
}

impl From<std::io::Error> for HandlerError {
    /// I/O failures are usually transient.
    fn from(error: std::io::Error) -> Self {
        Self::retryable(format!("I/O error: {error}"))
    }
}

impl From<crate::payload::PayloadError> for HandlerError {
    fn from(error: crate::payload::PayloadError) -> Self {
        Self::permanent_with_status(error.status().as_u16(), error.to_string())
    }
}

impl From<crate::settings::SettingsError> for HandlerError {
    /// A missing or mistyped setting is an operator problem, not the event's: retryable, so
    /// the delivery succeeds once the configuration is fixed.
    fn from(error: crate::settings::SettingsError) -> Self {
        Self::retryable(error.to_string())
    }
}

impl From<kiket_client::ApiError> for HandlerError {
    /// Extension-API failures: retryable ones (429, 5xx, unreachable) make the delivery
    /// retryable; the rest are permanent. The answer names only the operation and status.
    fn from(error: kiket_client::ApiError) -> Self {
        // The platform's own text may quote rejected credentials: it is logged redacted, and
        // the answer carries only the operation and status.
        tracing::warn!(operation = error.operation(), status = ?error.status(), detail = %error, "extension API call failed");
        if error.is_retryable() {
            Self::retryable(error.public_summary())
        } else {
            Self::permanent(error.public_summary())
        }
    }
}

impl<E: std::fmt::Debug> From<kiket_client::ProgenitorError<E>> for HandlerError {
    /// Extension-API failures: 429, 5xx and connection problems are retryable; other answers
    /// (400, 403, 404, …) are permanent. The message names the status, never credentials.
    fn from(error: kiket_client::ProgenitorError<E>) -> Self {
        let status = error.status();
        let retryable = match status {
            Some(status) => kiket_client::retry::is_retryable_status(status),
            None => matches!(
                error,
                kiket_client::ProgenitorError::CommunicationError(_)
                    | kiket_client::ProgenitorError::ResponseBodyError(_)
            ),
        };
        let message = match status {
            Some(status) => format!("Kiket API call failed with status {}", status.as_u16()),
            None => "Kiket API call failed before a response arrived".to_owned(),
        };
        if retryable {
            Self::retryable(message)
        } else {
            Self::permanent(message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_map_to_statuses() {
        assert_eq!(HandlerError::permanent("x").status(), 422);
        assert_eq!(HandlerError::permanent_with_status(409, "x").status(), 409);
        assert_eq!(HandlerError::permanent_with_status(503, "x").status(), 422);
        assert_eq!(HandlerError::retryable("x").status(), 500);
        assert_eq!(HandlerError::retry_after("x", Duration::from_secs(3)).status(), 503);
        assert!(HandlerError::retryable("x").is_retryable());
        assert!(!HandlerError::permanent("x").is_retryable());
    }
}
