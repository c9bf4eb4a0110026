//! Inbound authentication (PROTOCOL.md §2): HMAC signatures and ES256 runtime tokens.
//!
//! A leaf: built from plain values (secrets, tolerances, a key source, a clock), it imports
//! no other module of this crate and never sees the configuration.
//!
//! Owns every decision about whether a request is genuine, and who it is for: signatures
//! ([`SignatureVerifier`], reading its own headers), runtime tokens ([`TokenVerifier`] over
//! the cached key set), the resulting [`AuthContext`], scope checks ([`ScopeError`]) and the
//! allow-list of API origins a body may name. All checks run on the raw bytes
//! and headers before routing or decoding; failures are [`VerifyError`]s, answered with 401
//! (or 503 when the key set is unreachable and nothing is cached), whose messages name the
//! problem but never echo a secret, signature or token.

mod auth;
mod clock;
mod jwks;
mod origin;
pub(crate) mod signature;
pub(crate) mod timestamp;
mod token;

pub use auth::{check_scopes, AuthContext, ScopeError, TokenPins};
pub(crate) use auth::{TokenMode, TokenPolicy};
pub use clock::{Clock, FixedClock, SystemClock};
pub(crate) use jwks::{HttpJwks, JwksCache};
pub use jwks::{Jwks, JwksSource, JWKS_BODY_LIMIT};
pub(crate) use origin::AllowedOrigins;
pub use signature::{
    sign, signature_headers, SignatureScheme, SignatureVerifier, Signed, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
pub use token::{RuntimeClaims, TokenVerifier, TOKEN_ISSUER};

/// Why a request failed authentication.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `X-Kiket-Signature` header.
    #[error("missing {} header", kiket_types::headers::SIGNATURE)]
    MissingSignature,
    /// No `X-Kiket-Timestamp` header.
    #[error("missing {} header", kiket_types::headers::TIMESTAMP)]
    MissingTimestamp,
    /// A signature or timestamp header was sent more than once.
    #[error("duplicate {0} header")]
    DuplicateHeader(&'static str),
    /// The timestamp is not unix seconds in ASCII digits.
    #[error("invalid {} header: expected unix seconds as digits", kiket_types::headers::TIMESTAMP)]
    InvalidTimestamp,
    /// The timestamp is too far from now (replay or clock skew).
    #[error("{} is outside the allowed window", kiket_types::headers::TIMESTAMP)]
    TimestampOutOfWindow,
    /// The signature header is not hex MACs (optionally `sha256=`-prefixed).
    #[error(
        "invalid {} header: expected 64 hex digits, optionally prefixed by sha256=",
        kiket_types::headers::SIGNATURE
    )]
    InvalidSignature,
    /// No signature matches the body and any configured secret.
    #[error("signature does not match the request body")]
    SignatureMismatch,
    /// The configuration requires a runtime token and the body has none.
    #[error("missing runtime token (authentication.runtime_token)")]
    MissingRuntimeToken,
    /// The runtime token failed verification; the reason names the failed check.
    #[error("invalid runtime token: {0}")]
    InvalidRuntimeToken(&'static str),
    /// The body names another event than the route it was posted to.
    #[error("signed body is for event '{named}', not '{route}'")]
    WrongEvent {
        /// The event the body names (at most 100 characters of it).
        named: String,
        /// The route's event.
        route: String,
    },
    /// The key set could not be fetched and none is cached. Answered with 503 so the platform
    /// retries.
    #[error("runtime token keys are unavailable; retry later")]
    KeysUnavailable,
}

impl VerifyError {
    /// HTTP status of this failure: 503 for [`VerifyError::KeysUnavailable`], 401 otherwise.
    pub fn status(&self) -> axum::http::StatusCode {
        match self {
            Self::KeysUnavailable => axum::http::StatusCode::SERVICE_UNAVAILABLE,
            _ => axum::http::StatusCode::UNAUTHORIZED,
        }
    }

    /// A fixed, snake_case name of the failure (the `reason` label of
    /// `kiket_verification_failures_total`); never request-derived text.
    ///
    /// ```
    /// assert_eq!(kiket_sdk::verify::VerifyError::SignatureMismatch.reason(), "signature_mismatch");
    /// ```
    pub fn reason(&self) -> &'static str {
        match self {
            Self::MissingSignature => "missing_signature",
            Self::MissingTimestamp => "missing_timestamp",
            Self::DuplicateHeader(_) => "duplicate_header",
            Self::InvalidTimestamp => "invalid_timestamp",
            Self::TimestampOutOfWindow => "timestamp_out_of_window",
            Self::InvalidSignature => "invalid_signature",
            Self::SignatureMismatch => "signature_mismatch",
            Self::MissingRuntimeToken => "missing_runtime_token",
            Self::InvalidRuntimeToken(_) => "invalid_runtime_token",
            Self::WrongEvent { .. } => "wrong_event",
            Self::KeysUnavailable => "keys_unavailable",
        }
    }
}
