//! Inbound authentication (PROTOCOL.md §2): HMAC signatures and ES256 runtime tokens.
//!
//! Owns every decision about whether a request is genuine. All checks run on the raw bytes
//! and headers before routing or decoding; failures are [`VerifyError`]s, answered with 401
//! (or 503 when the key set is unreachable and nothing is cached), whose messages name the
//! problem but never echo a secret, signature or token.

mod clock;
mod jwks;
mod signature;
mod token;

pub use clock::{Clock, FixedClock, SystemClock};
pub use jwks::{Jwks, JwksSource};
pub use signature::{
    parse_signatures, parse_unix_timestamp, sign, sign_legacy, signature_headers, SignatureScheme, SignatureVerifier,
    SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
pub use token::{RuntimeClaims, TokenVerifier, TOKEN_ISSUER};

/// The key cache a configuration asks for: its explicit source, or HTTP at its JWKS URL.
pub(crate) fn jwks_cache(config: &crate::config::Config) -> jwks::JwksCache {
    let source: Box<dyn JwksSource> = match &config.jwks_source {
        Some(source) => Box::new(SharedSource(source.clone())),
        None => Box::new(jwks::HttpJwks { client: config.http.clone(), url: config.jwks_url.clone() }),
    };
    jwks::JwksCache::new(source, config.jwks_cache_ttl, config.jwks_refetch_cooldown)
}

struct SharedSource(std::sync::Arc<dyn JwksSource>);

impl JwksSource for SharedSource {
    fn fetch(&self) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Jwks, String>> + Send + '_>> {
        self.0.fetch()
    }
}

/// Why a request failed authentication.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// No `X-Kiket-Signature` header.
    #[error("missing X-Kiket-Signature header")]
    MissingSignature,
    /// No `X-Kiket-Timestamp` header.
    #[error("missing X-Kiket-Timestamp header")]
    MissingTimestamp,
    /// A signature or timestamp header was sent more than once.
    #[error("duplicate {0} header")]
    DuplicateHeader(&'static str),
    /// The timestamp is not unix seconds in ASCII digits.
    #[error("invalid X-Kiket-Timestamp header: expected unix seconds as digits")]
    InvalidTimestamp,
    /// The timestamp is too far from now (replay or clock skew).
    #[error("X-Kiket-Timestamp is outside the allowed window")]
    TimestampOutOfWindow,
    /// The signature header is not hex MACs (optionally `sha256=`-prefixed).
    #[error("invalid X-Kiket-Signature header: expected 64 hex digits, optionally prefixed by sha256=")]
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
    /// The key set could not be fetched and none is cached. Answered with 503 so the platform
    /// retries.
    #[error("runtime token keys are unavailable; retry later")]
    KeysUnavailable,
}

impl VerifyError {
    /// HTTP status of this failure: 503 for [`VerifyError::KeysUnavailable`], 401 otherwise.
    pub fn status(&self) -> u16 {
        match self {
            Self::KeysUnavailable => 503,
            _ => 401,
        }
    }
}
