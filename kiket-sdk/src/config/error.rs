//! [`ConfigError`]: why a configuration cannot be used, each message saying what sets the
//! missing or wrong value.

use crate::manifest::ManifestError;
use crate::settings::SettingsError;

/// A configuration that cannot be used. Each message says what sets the missing value.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Neither a webhook secret nor runtime-token-only mode is configured.
    #[error(
        "no delivery verification is configured: set KIKET_WEBHOOK_SECRET, the manifest's \
         delivery.callback.secret, or call .webhook_secret(..); or call .runtime_token_only() for \
         platforms that no longer sign; for local development only, .insecure_skip_verification() \
         disables verification"
    )]
    NoVerification,
    /// The manifest could not be found or read.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// A setting's value does not have its declared type, or a secret setting references an
    /// unset variable.
    #[error(transparent)]
    Settings(SettingsError),
    /// A URL setting is not an absolute http(s) URL.
    #[error("{setting} must be an absolute http:// or https:// URL without credentials, got {value:?}")]
    InvalidUrl {
        /// The setting (`KIKET_BASE_URL`, `jwks_url`, …).
        setting: &'static str,
        /// The value given, credentials in it replaced by `[redacted]`.
        value: String,
    },
    /// A numeric limit is zero or out of range.
    #[error("{setting} must be greater than zero")]
    InvalidLimit {
        /// The setting.
        setting: &'static str,
    },
    /// A numeric setting is outside its range.
    #[error("{setting} must be between {min} and {max}")]
    OutOfRange {
        /// The setting.
        setting: &'static str,
        /// Smallest allowed value.
        min: u64,
        /// Largest allowed value.
        max: u64,
    },
    /// `KIKET_QUEUE_KEY` (or `_PREVIOUS`) is not 32 bytes of base64.
    #[error("{setting}: {error}")]
    InvalidQueueKey {
        /// The variable.
        setting: &'static str,
        /// What is wrong (never the key).
        error: crate::queue::QueueKeyError,
    },
    /// An environment variable's value is not what its option takes.
    #[error("{variable} must be {expected}, got {value:?}")]
    InvalidEnv {
        /// The variable.
        variable: &'static str,
        /// What it takes.
        expected: &'static str,
        /// The value given (at most 40 characters; never a secret's).
        value: String,
    },
    /// A setting needs a cargo feature this build does not have.
    #[error("{setting} needs the cargo feature `{feature}` of kiket (or kiket-sdk); enable it, or unset {setting}")]
    FeatureMissing {
        /// The setting (`KIKET_METRICS`, …).
        setting: &'static str,
        /// The cargo feature.
        feature: &'static str,
    },
    /// A listen address setting is not an IP address and port.
    #[error("{setting} must be an IP address and port such as 0.0.0.0:9464, got {value:?}")]
    InvalidAddress {
        /// The setting.
        setting: &'static str,
        /// The value given.
        value: String,
    },
    /// `KIKET_REDIS_URL` (or `.redis(..)`) is not a usable Redis URL.
    #[error("KIKET_REDIS_URL must be a redis:// or unix:// URL (redis://[:password@]host[:port][/db]), got {shown:?}: {reason}")]
    InvalidRedisUrl {
        /// The URL with any credentials replaced by `[redacted]`.
        shown: String,
        /// Why it was refused.
        reason: String,
    },
    /// Development mode (`KIKET_ENV=development`) was asked to listen off loopback.
    #[error("refusing to listen on {0} in development mode (KIKET_ENV=development): it uses a published secret; listen on 127.0.0.1, or unset KIKET_ENV and configure KIKET_WEBHOOK_SECRET")]
    DevelopmentOffLoopback(std::net::SocketAddr),
    /// `/metrics` would be readable by anyone who reaches the webhook listener: no token, no
    /// address of its own, and the listener is not loopback.
    #[error("KIKET_METRICS would serve /metrics to anyone who reaches {0} (the webhook listener): set KIKET_METRICS_TOKEN (scrapers send it as `Authorization: Bearer <token>`), or KIKET_METRICS_ADDR to an address only the scraper reaches (127.0.0.1:9464, a port not exposed)")]
    MetricsUnprotected(std::net::SocketAddr),
    /// A token is given but blank (an unset variable is fine; an empty one is a mistake).
    #[error("{0} is set but blank: give it a value, or unset it")]
    BlankToken(&'static str),
    /// The shared HTTP client could not be created (TLS initialisation).
    #[error("could not create the HTTP client: {0}")]
    HttpClient(String),
}

crate::report::debug_as_report!(ConfigError);
