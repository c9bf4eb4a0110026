//! [`ApiError`]: a failed call to the extension API, saying which operation, what status and
//! what the platform said — never credentials.

use crate::generated::types;
use progenitor_client::Error as GeneratedError;

/// A failed extension-API call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// The platform answered with an error status.
    #[error("Kiket API {operation} failed with status {}: {}", status.as_u16(), crate::redact::redact_credentials(message))]
    Status {
        /// The operation (`list_custom_data`, …).
        operation: &'static str,
        /// HTTP status.
        status: reqwest::StatusCode,
        /// The platform's `error` message, or the status reason.
        message: String,
    },
    /// The API could not be reached (connection refused, timeout, TLS).
    #[error("Kiket API {operation} failed: could not reach the API: {reason}")]
    Transport {
        /// The operation.
        operation: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// The API answered something this client cannot read.
    #[error("Kiket API {operation} returned an unreadable response: {reason}")]
    InvalidResponse {
        /// The operation.
        operation: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// The call was rejected locally before anything was sent.
    #[error("Kiket API {operation} not sent: {reason}")]
    InvalidInput {
        /// The operation.
        operation: &'static str,
        /// What to fix.
        reason: String,
    },
}

impl ApiError {
    /// What may reach a webhook answer: the operation and the status (or the kind of
    /// failure), never the platform's text, which may quote rejected credentials (PROTOCOL
    /// §7.1).
    ///
    /// ```
    /// let error = kiket_client::ApiError::Status {
    ///     operation: "create_custom_data_record",
    ///     status: reqwest::StatusCode::SERVICE_UNAVAILABLE,
    ///     message: "upstream said: token wk_live_secret rejected".into(),
    /// };
    /// assert_eq!(error.public_summary(), "extension API call create_custom_data_record failed: 503");
    /// ```
    pub fn public_summary(&self) -> String {
        match self {
            Self::Status { operation, status, .. } => {
                format!("extension API call {operation} failed: {}", status.as_u16())
            }
            Self::Transport { operation, .. } => format!("extension API call {operation} failed: API unreachable"),
            Self::InvalidResponse { operation, .. } => {
                format!("extension API call {operation} failed: unreadable response")
            }
            Self::InvalidInput { operation, reason } => format!("extension API call {operation} not sent: {reason}"),
        }
    }

    /// The operation that failed.
    pub fn operation(&self) -> &'static str {
        match self {
            Self::Status { operation, .. }
            | Self::Transport { operation, .. }
            | Self::InvalidResponse { operation, .. }
            | Self::InvalidInput { operation, .. } => operation,
        }
    }

    /// The HTTP status, when the platform answered.
    pub fn status(&self) -> Option<reqwest::StatusCode> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Whether trying again later may succeed (429, 5xx, transport failures).
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Status { status, .. } => crate::retry::is_retryable_status(*status),
            Self::Transport { .. } => true,
            Self::InvalidResponse { .. } | Self::InvalidInput { .. } => false,
        }
    }

    pub(crate) fn input(operation: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidInput { operation, reason: reason.into() }
    }

    /// An error answer: a redirect that was not followed says so; otherwise the platform's
    /// `error` text when it sent one, else the status reason. The one place the message of a
    /// `Status` error is chosen.
    pub(crate) fn from_status(operation: &'static str, status: reqwest::StatusCode, platform: Option<String>) -> Self {
        let message = if status.is_redirection() {
            crate::transport::REDIRECT_NOT_FOLLOWED.to_owned()
        } else {
            platform.unwrap_or_else(|| reason(status.as_u16()))
        };
        Self::Status { operation, status, message }
    }

    /// A request that got no answer.
    pub(crate) fn transport(operation: &'static str, error: &reqwest::Error) -> Self {
        Self::Transport { operation, reason: without_url(error) }
    }

    pub(crate) fn from_generated(operation: &'static str, error: GeneratedError<types::ApiError>) -> Self {
        match error {
            GeneratedError::ErrorResponse(response) => {
                let status = response.status();
                Self::from_status(operation, status, response.into_inner().error)
            }
            GeneratedError::UnexpectedResponse(response) => Self::from_status(operation, response.status(), None),
            GeneratedError::CommunicationError(e)
            | GeneratedError::ResponseBodyError(e)
            | GeneratedError::InvalidUpgrade(e) => Self::Transport { operation, reason: without_url(&e) },
            GeneratedError::InvalidResponsePayload(_, e) => Self::InvalidResponse { operation, reason: e.to_string() },
            GeneratedError::InvalidRequest(reason) | GeneratedError::Custom(reason) => {
                Self::InvalidInput { operation, reason }
            }
        }
    }
}

fn reason(status: u16) -> String {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("unexpected status")
        .to_owned()
}

/// reqwest's message without the URL (query strings may carry identifiers users did not
/// expect in logs).
fn without_url(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    match std::error::Error::source(error) {
        Some(source) => format!("{kind}: {source}"),
        None => kind.to_owned(),
    }
}
