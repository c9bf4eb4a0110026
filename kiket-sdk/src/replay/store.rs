//! Where claims live: the [`ReplayStore`] trait and [`InMemoryReplayStore`] for one process.

use bytes::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What a store knows about a delivery key.
#[derive(Debug, Clone)]
pub enum Claim {
    /// First sight: the caller handles the delivery, then calls `complete` or `release`.
    New,
    /// Another copy is being handled; wait on the notifier (when the store has one; a shared
    /// store is polled instead), then claim again.
    InFlight(Option<Arc<Notify>>),
    /// Already answered: repeat this status and body.
    Done {
        /// Status of the first answer.
        status: u16,
        /// Body of the first answer.
        body: Bytes,
    },
}

/// A store that could not be reached or did not answer. The delivery is refused with 503 and
/// `Retry-After` (the platform retries it): nothing is handled unclaimed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{store} is unavailable: {reason}")]
pub struct StoreError {
    /// The store (`redis`, …).
    pub store: &'static str,
    /// What went wrong, without credentials.
    pub reason: String,
}

/// Storage of claimed deliveries. Several replicas share one store (Redis); one process can
/// use [`InMemoryReplayStore`].
///
/// A claim has two lifetimes: the **lease** (how long a copy being handled keeps others
/// waiting; a shared store lets it expire so that a replica that died mid-delivery does not
/// hold the key for the whole window) and the **window** (how long the answer is repeated).
///
/// Implementing one: `claim` must be atomic (two concurrent claims of one key: one `New`),
/// `complete` must not overwrite an answer already stored, and `release` must not forget
/// one. Every method fails with [`StoreError`] rather than guessing.
///
/// ```
/// use bytes::Bytes;
/// use kiket_sdk::replay::{Claim, InMemoryReplayStore, ReplayStore, StoreError};
/// use std::time::Duration;
///
/// /// Counts claims, keeps them in memory.
/// #[derive(Default)]
/// struct Counting { inner: InMemoryReplayStore, claims: std::sync::atomic::AtomicUsize }
///
/// #[async_trait::async_trait]
/// impl ReplayStore for Counting {
///     async fn claim(&self, key: &str, lease: Duration, window: Duration) -> Result<Claim, StoreError> {
///         self.claims.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
///         self.inner.claim(key, lease, window).await
///     }
///     async fn complete(&self, key: &str, window: Duration, status: u16, body: Bytes) -> Result<(), StoreError> {
///         self.inner.complete(key, window, status, body).await
///     }
///     async fn release(&self, key: &str) -> Result<(), StoreError> {
///         self.inner.release(key).await
///     }
/// }
/// # tokio_test_block(async {
/// let store = Counting::default();
/// let (lease, window) = (Duration::from_secs(30), Duration::from_secs(600));
/// assert!(matches!(store.claim("sig:1:ab", lease, window).await?, Claim::New));
/// store.complete("sig:1:ab", window, 200, Bytes::from_static(b"{}")).await?;
/// assert!(matches!(store.claim("sig:1:ab", lease, window).await?, Claim::Done { status: 200, .. }));
/// # Ok::<(), StoreError>(()) });
/// # fn tokio_test_block<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
/// # }
/// ```
#[async_trait::async_trait]
pub trait ReplayStore: Send + Sync + 'static {
    /// Claims `key` for `lease` (a first copy), or reports what is known about it.
    async fn claim(&self, key: &str, lease: Duration, window: Duration) -> Result<Claim, StoreError>;
    /// Stores the answer of a handled delivery for `window` from now.
    async fn complete(&self, key: &str, window: Duration, status: u16, body: Bytes) -> Result<(), StoreError>;
    /// Forgets a claim that has no answer (the delivery failed and will be retried).
    async fn release(&self, key: &str) -> Result<(), StoreError>;
}

/// A store that also queues (the shared Redis): it claims a delivery and stores the delivery's
/// deferred job `J` in **one atomic step**, recording the answer at once. Without it, a
/// deferred delivery takes three steps on the shared store: claim, push, record the answer.
#[async_trait::async_trait]
pub(crate) trait Intake<J: Sync>: Send + Sync {
    /// Unless `key` holds something already, stores `job` and records `(status, body)` as the
    /// delivery's answer for `window`; both or neither. Returns [`Claim::New`] when it stored,
    /// otherwise what the key holds (a copy in flight, or the first answer).
    async fn claim_storing(
        &self,
        key: &str,
        window: Duration,
        job: &J,
        status: u16,
        body: &[u8],
    ) -> Result<Claim, StoreError>;
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

/// Most keys [`InMemoryReplayStore::default`] keeps.
pub const DEFAULT_REPLAY_CAPACITY: usize = 100_000;

/// A replay store in process memory, bounded: at most `capacity` keys; a key expires with its
/// window (a lease is not needed: a copy in flight ends with its process). Not shared between
/// replicas: several replicas need a shared store (feature `redis`). Claims are queued in the order they were made, so expiry and eviction take the
/// oldest first, in O(1) amortised per claim. When the store is full the oldest key is
/// forgotten early (a copy of that delivery arriving afterwards would run again).
pub struct InMemoryReplayStore {
    state: Mutex<State>,
    capacity: usize,
}

#[derive(Default)]
struct State {
    entries: HashMap<Arc<str>, Entry>,
    /// Claims, oldest first, with the expiry they were made with.
    order: VecDeque<(Instant, Arc<str>)>,
}

impl State {
    /// Forgets the oldest queued claim, if the map still holds it under that claim.
    fn forget_oldest(&mut self) {
        if let Some((expires, key)) = self.order.pop_front()
            && self.entries.get(&key).is_some_and(|entry| entry.expires() == expires)
        {
            self.entries.remove(&key);
        }
    }
}

impl Default for InMemoryReplayStore {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_REPLAY_CAPACITY)
    }
}

impl std::fmt::Debug for InMemoryReplayStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InMemoryReplayStore").field("capacity", &self.capacity).finish_non_exhaustive()
    }
}

impl InMemoryReplayStore {
    /// A store that keeps at most `capacity` keys (at least one).
    ///
    /// ```
    /// let store = kiket_sdk::replay::InMemoryReplayStore::with_capacity(10_000);
    /// assert_eq!(store.len(), 0);
    /// ```
    pub fn with_capacity(capacity: usize) -> Self {
        Self { state: Mutex::new(State::default()), capacity: capacity.max(1) }
    }

    /// Keys held now (expired ones are dropped as new claims arrive).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// `true` when no key is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait::async_trait]
impl ReplayStore for InMemoryReplayStore {
    async fn claim(&self, key: &str, _lease: Duration, window: Duration) -> Result<Claim, StoreError> {
        let now = Instant::now();
        let mut state = self.lock();
        while state.order.front().is_some_and(|(expires, _)| *expires <= now) {
            state.forget_oldest();
        }
        match state.entries.get(key) {
            Some(Entry::InFlight { notify, expires }) if *expires > now => {
                return Ok(Claim::InFlight(Some(notify.clone())))
            }
            Some(Entry::Done { status, body, expires }) if *expires > now => {
                return Ok(Claim::Done { status: *status, body: body.clone() })
            }
            _ => {}
        }
        while state.entries.len() >= self.capacity && !state.order.is_empty() {
            state.forget_oldest();
        }
        let key: Arc<str> = Arc::from(key);
        let expires = now + window;
        state.order.push_back((expires, key.clone()));
        state.entries.insert(key, Entry::InFlight { notify: Arc::new(Notify::new()), expires });
        Ok(Claim::New)
    }

    /// Stores the answer until the claim's window ends (the window given to `claim`).
    async fn complete(&self, key: &str, _window: Duration, status: u16, body: Bytes) -> Result<(), StoreError> {
        let mut state = self.lock();
        if let Some(entry) = state.entries.get_mut(key)
            && let Entry::InFlight { notify, expires } = entry
        {
            let (notify, expires) = (notify.clone(), *expires);
            *entry = Entry::Done { status, body, expires };
            notify.notify_waiters();
        }
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let mut state = self.lock();
        if matches!(state.entries.get(key), Some(Entry::InFlight { .. }))
            && let Some(Entry::InFlight { notify, .. }) = state.entries.remove(key)
        {
            notify.notify_waiters();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LEASE: Duration = Duration::from_secs(30);

    #[tokio::test]
    async fn expired_and_surplus_keys_are_forgotten_oldest_first() {
        let store = InMemoryReplayStore::with_capacity(3);
        for key in ["a", "b", "c", "d"] {
            assert!(matches!(store.claim(key, LEASE, Duration::from_secs(60)).await.unwrap(), Claim::New));
        }
        assert_eq!(store.len(), 3, "capacity bounds the store");
        assert!(
            matches!(store.claim("a", LEASE, Duration::from_secs(60)).await.unwrap(), Claim::New),
            "the oldest was evicted"
        );
        store.complete("d", Duration::from_secs(60), 200, Bytes::from_static(b"{}")).await.unwrap();
        assert!(matches!(
            store.claim("d", LEASE, Duration::from_secs(60)).await.unwrap(),
            Claim::Done { status: 200, .. }
        ));

        let short = InMemoryReplayStore::with_capacity(100);
        assert!(matches!(short.claim("x", LEASE, Duration::from_millis(20)).await.unwrap(), Claim::New));
        tokio::time::sleep(Duration::from_millis(40)).await;
        assert!(matches!(short.claim("y", LEASE, Duration::from_secs(60)).await.unwrap(), Claim::New));
        assert_eq!(short.len(), 1, "the expired claim was dropped when the next one arrived");
    }
}
