//! Redis, shared by every replica of an extension (feature `redis`): the replay guard's store
//! ([`RedisReplayStore`]) and the durable queue of deferred deliveries ([`RedisQueue`]).
//!
//! One [`RedisConnection`] per process: a single multiplexed connection through the `redis`
//! crate's `ConnectionManager`, which reconnects by itself. It is opened on first use, so an
//! extension starts while Redis is still coming up; until it answers, every delivery that
//! needs it is refused with 503 and `Retry-After` (fail-closed: the platform retries).
//! Commands time out after [`RESPONSE_TIMEOUT`], so a Redis that hangs is treated like one
//! that is down.
//!
//! Keys live under `kiket:<extension id>:` (`kiket:_:` without one), so extensions can share
//! a Redis database.

mod queue;
mod replay;

pub use queue::RedisQueue;
pub use replay::RedisReplayStore;

use crate::replay::StoreError;
use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

/// Longest a command may take before the delivery is refused (503). Workers' blocking reads
/// wait at most [`BLOCK`], well within it.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest a worker's read waits for a new job.
pub const BLOCK: Duration = Duration::from_millis(1000);
/// Longest a (re)connection attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// A lazily opened, reconnecting connection to one Redis, cheap to clone (every clone shares
/// it). `Debug` and [`RedisConnection::address`] never show a password.
#[derive(Clone)]
pub struct RedisConnection(Arc<Inner>);

struct Inner {
    client: ::redis::Client,
    manager: OnceCell<ConnectionManager>,
    /// A second connection for workers' blocking reads (`XREADGROUP … BLOCK`): on the shared
    /// one, a blocked read would hold up every reply behind it.
    blocking: OnceCell<ConnectionManager>,
    address: String,
    prefix: String,
}

impl std::fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConnection").field("address", &self.0.address).field("prefix", &self.0.prefix).finish()
    }
}

/// A Redis URL that cannot be used. Its text never contains the URL's password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Redis URL ({shown:?}): {reason}")]
pub struct RedisUrlError {
    /// The URL with any credentials replaced by `[redacted]`.
    pub shown: String,
    /// Why it was refused.
    pub reason: String,
}

impl RedisConnection {
    /// A connection to `url` (`redis://[:password@]host[:port][/db]`), for the extension
    /// `extension_id` (the key prefix). Nothing is connected until the first command.
    ///
    /// ```
    /// use kiket_sdk::redis::RedisConnection;
    /// let redis = RedisConnection::new("redis://:hunter2@127.0.0.1:6379/0", Some("com.example.crm")).unwrap();
    /// assert_eq!(redis.address(), "127.0.0.1:6379/0");
    /// assert!(!format!("{redis:?}").contains("hunter2"));
    /// assert!(RedisConnection::new("http://127.0.0.1", None).is_err());
    /// ```
    pub fn new(url: &str, extension_id: Option<&str>) -> Result<Self, RedisUrlError> {
        let refuse = |reason: String| RedisUrlError {
            shown: kiket_client::url::without_userinfo(url).chars().take(200).collect(),
            reason,
        };
        let client = ::redis::Client::open(url.trim()).map_err(|e| refuse(e.to_string()))?;
        let info = client.get_connection_info();
        let address = format!("{}/{}", info.addr(), info.redis_settings().db());
        let prefix = format!("kiket:{}:", extension_id.unwrap_or("_"));
        Ok(Self(Arc::new(Inner { client, manager: OnceCell::new(), blocking: OnceCell::new(), address, prefix })))
    }

    /// Where it connects: host and port (or socket path) and database, no credentials.
    pub fn address(&self) -> &str {
        &self.0.address
    }

    /// `kiket:<extension id>:` + `name`.
    pub(crate) fn key(&self, name: &str) -> String {
        let mut key = String::with_capacity(self.0.prefix.len() + name.len());
        key.push_str(&self.0.prefix);
        key.push_str(name);
        key
    }

    /// The shared connection (opened on first call; reconnects by itself afterwards).
    pub(crate) async fn manager(&self) -> Result<ConnectionManager, StoreError> {
        self.open(&self.0.manager).await
    }

    /// The connection for blocking reads.
    pub(crate) async fn blocking(&self) -> Result<ConnectionManager, StoreError> {
        self.open(&self.0.blocking).await
    }

    async fn open(&self, cell: &OnceCell<ConnectionManager>) -> Result<ConnectionManager, StoreError> {
        let manager = cell
            .get_or_try_init(|| async {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(CONNECT_TIMEOUT))
                    .set_response_timeout(Some(RESPONSE_TIMEOUT))
                    .set_number_of_retries(2)
                    .set_max_delay(Duration::from_millis(500));
                ConnectionManager::new_lazy_with_config(self.0.client.clone(), config).map_err(unavailable)
            })
            .await?;
        Ok(manager.clone())
    }
}

/// A Redis error as the store error the delivery is refused with.
pub(crate) fn unavailable(error: ::redis::RedisError) -> StoreError {
    StoreError { store: "redis", reason: error.to_string() }
}
