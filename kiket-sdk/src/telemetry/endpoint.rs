//! Where `GET /metrics` is served and who may read it.

use kiket_types::SecretString;
use std::net::SocketAddr;

/// The Prometheus endpoint (`GET /metrics`, cargo feature `metrics`): served on the
/// extension's own listener unless [`Self::address`] names another one, and behind a bearer
/// token when [`Self::token`] is set. Counts and event names are not for the public: on the
/// extension's listener without a token it is refused unless that listener is loopback
/// ([`ConfigError::MetricsUnprotected`](crate::ConfigError::MetricsUnprotected)); an address of
/// its own is the operator's to keep private.
///
/// ```
/// use kiket_sdk::telemetry::MetricsEndpoint;
///
/// let endpoint = MetricsEndpoint::new().token("scrape-token").address("127.0.0.1:9464".parse().unwrap());
/// assert_eq!(endpoint.listen_address(), Some("127.0.0.1:9464".parse().unwrap()));
/// assert!(!format!("{endpoint:?}").contains("scrape-token"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct MetricsEndpoint {
    token: Option<SecretString>,
    address: Option<SocketAddr>,
}

impl MetricsEndpoint {
    /// `GET /metrics` on the extension's listener, without a token.
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires `Authorization: Bearer <token>` (401 otherwise). A blank token is refused
    /// when the configuration is built ([`ConfigError::BlankToken`](crate::ConfigError::BlankToken)).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(SecretString::new(token.into()));
        self
    }

    /// Serves `/metrics` on `address` (its own listener, nothing else on it) instead of the
    /// extension's listener.
    pub fn address(mut self, address: SocketAddr) -> Self {
        self.address = Some(address);
        self
    }

    /// The separate listen address, if any.
    pub fn listen_address(&self) -> Option<SocketAddr> {
        self.address
    }

    /// The bearer token scrapers must send, if any.
    pub fn bearer_token(&self) -> Option<&SecretString> {
        self.token.as_ref()
    }
}
