//! Deferred handlers (PROTOCOL §8): the server verifies, routes, decodes and authorises a
//! delivery, stores it, and answers `202 {"ok":true,"queued":true}`; a worker runs the
//! handler later, at least once, with the same typed payload and a context rebuilt from the
//! stored delivery.
//!
//! Defer a route where it is registered ([`Router::deferred`](crate::Router::deferred)); pick
//! where jobs wait with a [`Queue`]:
//! [`InMemoryQueue`] (the default: nothing to install, bounded, **lost on a crash**) or Redis
//! (feature `redis`, `KIKET_REDIS_URL`: durable, shared by any number of servers and workers).
//! Jobs in a durable queue are sealed (XChaCha20-Poly1305) under [`QueueKey`]s from
//! `KIKET_QUEUE_KEY` (and `KIKET_QUEUE_KEY_PREVIOUS` while rotating); a job that does not open
//! is dead-lettered, never run. The runtime token is handed to the handler only while it is
//! valid.
//!
//! Failures: a retryable error (5xx, timeout, panic) runs again after an exponential backoff
//! with jitter ([`Backoff`]), up to its limit; then, or at once for a permanent error (4xx), the
//! job goes to the dead-letter list (`kiket queue dead-letters`, `kiket queue requeue <id>`).
//! A job whose worker died is handed out again after the visibility timeout; a run claim in
//! the replay store (by delivery key) makes it run once in effect.
//!
//! Decision-style events (whose reply the platform acts on) should not be deferred: the
//! platform receives only `{"ok":true,"queued":true}`.

mod backend;
mod memory;
mod seal;

#[cfg(feature = "redis")]
pub(crate) use backend::now_ms;
pub use backend::{DeadLetter, Entry, Job, Queue};
pub use memory::{InMemoryQueue, DEFAULT_QUEUE_CAPACITY};
pub(crate) use seal::{seal_context, Sealer};
pub use seal::{QueueKey, QueueKeyError, SealError};

use std::time::Duration;

/// The answer to a deferred delivery once it is stored.
pub const QUEUED_BODY: &str = r#"{"ok":true,"queued":true}"#;

/// Retries of a failing deferred handler: exponential from `first` up to `max` delay, with
/// full jitter, at most `attempts` runs in all.
///
/// ```
/// use kiket_sdk::queue::Backoff;
/// use std::time::Duration;
/// let backoff = Backoff::default();
/// assert_eq!(backoff.attempts, 5);
/// assert!(backoff.delay(3) <= Duration::from_secs(8));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// Delay ceiling of the first retry.
    pub first: Duration,
    /// Largest delay.
    pub max: Duration,
    /// Runs in all, the first included (at least 1).
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { first: Duration::from_secs(1), max: Duration::from_secs(300), attempts: 5 }
    }
}

impl Backoff {
    /// The delay before run `attempt + 1` (after `attempt` failures, counted from 0): a random
    /// share of `first * 2^attempt`, capped at `max`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.first.saturating_mul(2u32.saturating_pow(attempt.min(20))).min(self.max);
        ceiling.mul_f64(fastrand::f64()).max(Duration::from_millis(10))
    }
}

/// What this process runs (`KIKET_ROLE`): the HTTP server, the workers of deferred routes,
/// or both (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Serves deliveries; deferred ones are stored for workers elsewhere.
    Server,
    /// Runs deferred deliveries; serves no HTTP.
    Worker,
    /// Both, in one process.
    #[default]
    Both,
}

impl Role {
    /// `server`, `worker` or `both` (case-insensitive).
    ///
    /// ```
    /// use kiket_sdk::queue::Role;
    /// assert_eq!(Role::parse("Worker"), Some(Role::Worker));
    /// assert_eq!(Role::parse("cron"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "server" => Some(Self::Server),
            "worker" => Some(Self::Worker),
            "both" => Some(Self::Both),
            _ => None,
        }
    }

    /// `true` when this process serves HTTP.
    pub fn serves(self) -> bool {
        matches!(self, Self::Server | Self::Both)
    }

    /// `true` when this process runs workers.
    pub fn works(self) -> bool {
        matches!(self, Self::Worker | Self::Both)
    }
}
