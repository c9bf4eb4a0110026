//! Where claims live: the [`ReplayStore`] trait and [`InMemoryReplayStore`] for one process.

use bytes::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What a store knows about a delivery key.
#[derive(Debug, Clone)]
pub enum Claim {
    /// First sight: the caller handles the delivery, then calls `complete` or `release`.
    New,
    /// Another copy is being handled; wait on the notifier, then claim again.
    InFlight(Arc<Notify>),
    /// Already answered: repeat this status and body.
    Done {
        /// Status of the first answer.
        status: u16,
        /// Body of the first answer.
        body: Bytes,
    },
}

/// Storage of claimed deliveries.
#[async_trait::async_trait]
pub trait ReplayStore: Send + Sync + 'static {
    /// Claims `key` for `ttl`, or reports what is known about it.
    async fn claim(&self, key: &str, ttl: Duration) -> Claim;
    /// Stores the answer of a handled delivery until the claim expires.
    async fn complete(&self, key: &str, status: u16, body: Bytes);
    /// Forgets `key` (the delivery failed and will be retried).
    async fn release(&self, key: &str);
}

enum Entry {
    InFlight { notify: Arc<Notify>, expires: Instant },
    Done { status: u16, body: Bytes, expires: Instant },
}

impl Entry {
    fn expires(&self) -> Instant {
        match self {
            Self::InFlight { expires, .. } | Self::Done { expires, .. } => *expires,
        }
    }
}

/// A replay store in process memory. Expired entries are purged as new ones arrive.
#[derive(Default)]
pub struct InMemoryReplayStore {
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for InMemoryReplayStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryReplayStore").finish_non_exhaustive()
    }
}

impl InMemoryReplayStore {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait::async_trait]
impl ReplayStore for InMemoryReplayStore {
    async fn claim(&self, key: &str, ttl: Duration) -> Claim {
        let now = Instant::now();
        let mut entries = self.lock();
        if entries.len() > 1024 {
            entries.retain(|_, entry| entry.expires() > now);
        }
        match entries.get(key) {
            Some(Entry::InFlight { notify, expires }) if *expires > now => Claim::InFlight(notify.clone()),
            Some(Entry::Done { status, body, expires }) if *expires > now => {
                Claim::Done { status: *status, body: body.clone() }
            }
            _ => {
                entries.insert(key.to_owned(), Entry::InFlight { notify: Arc::new(Notify::new()), expires: now + ttl });
                Claim::New
            }
        }
    }

    async fn complete(&self, key: &str, status: u16, body: Bytes) {
        let mut entries = self.lock();
        if let Some(Entry::InFlight { notify, expires }) = entries.remove(key) {
            entries.insert(key.to_owned(), Entry::Done { status, body, expires });
            notify.notify_waiters();
        }
    }

    async fn release(&self, key: &str) {
        if let Some(Entry::InFlight { notify, .. }) = self.lock().remove(key) {
            notify.notify_waiters();
        }
    }
}
