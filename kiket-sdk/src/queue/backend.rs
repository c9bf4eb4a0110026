//! [`Queue`]: where deferred deliveries wait for a worker, and what a worker gets back.

use crate::replay::StoreError;
use bytes::Bytes;
use std::time::Duration;

/// A job as the queue stores it: event and version in clear (for routing, listing and the
/// sealing context), everything else sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Event (`issue.created`).
    pub event: String,
    /// Registered version (`v1`).
    pub version: String,
    /// Failed runs so far (0 for a new job).
    pub attempt: u32,
    /// The sealed delivery.
    pub sealed: Bytes,
}

/// A job handed to a worker: ack it, retry it later, or dead-letter it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The queue's id of this entry.
    pub id: String,
    /// The job.
    pub job: Job,
}

/// A job that will not run again unless it is re-queued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Its id in the dead-letter list (what `requeue` takes).
    pub id: String,
    /// Event and version.
    pub event: String,
    /// Registered version.
    pub version: String,
    /// Runs it failed.
    pub attempts: u32,
    /// Why it was dead-lettered (no secrets: the SDK writes it).
    pub reason: String,
    /// When, Unix milliseconds.
    pub dead_at_ms: u64,
}

/// Storage of deferred deliveries. Every method fails with [`StoreError`] rather than guess;
/// the server answers 503 (the platform retries) when `push` fails, and workers back off.
///
/// Delivery is **at least once**: an entry pulled but neither acked, retried nor
/// dead-lettered within the visibility timeout (its worker died) is handed out again. The
/// SDK makes a re-delivered job run its handler once in effect (a run claim in the replay
/// store, by delivery key).
///
/// ```
/// // A queue of your own: here one that wraps another and counts what it stores (the same
/// // shape serves a queue on SQS, Postgres, …: one method per step, errors as `StoreError`).
/// use kiket_sdk::queue::{DeadLetter, Entry, InMemoryQueue, Job, Queue};
/// use kiket_sdk::replay::StoreError;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use std::time::Duration;
///
/// struct Counted<Q> { inner: Q, pushed: AtomicU64 }
///
/// #[async_trait::async_trait]
/// impl<Q: Queue> Queue for Counted<Q> {
///     fn name(&self) -> &str { self.inner.name() }
///     fn durable(&self) -> bool { self.inner.durable() }
///     async fn push(&self, job: Job) -> Result<String, StoreError> {
///         self.pushed.fetch_add(1, Ordering::Relaxed);
///         self.inner.push(job).await
///     }
///     async fn pull(&self, consumer: &str, max: usize, wait: Duration, visibility: Duration) -> Result<Vec<Entry>, StoreError> {
///         self.inner.pull(consumer, max, wait, visibility).await
///     }
///     async fn ack(&self, entry: &Entry) -> Result<(), StoreError> { self.inner.ack(entry).await }
///     async fn retry(&self, entry: &Entry, delay: Duration) -> Result<(), StoreError> { self.inner.retry(entry, delay).await }
///     async fn dead_letter(&self, entry: &Entry, reason: &str) -> Result<(), StoreError> {
///         self.inner.dead_letter(entry, reason).await
///     }
///     async fn dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError> { self.inner.dead_letters().await }
///     async fn requeue(&self, id: &str) -> Result<bool, StoreError> { self.inner.requeue(id).await }
///     async fn depth(&self) -> Result<u64, StoreError> { self.inner.depth().await }
/// }
///
/// let queue = Counted { inner: InMemoryQueue::with_capacity(100), pushed: AtomicU64::new(0) };
/// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").queue(queue).build()?;
/// # drop(config);
/// # Ok::<(), kiket_sdk::ConfigError>(())
/// ```
#[async_trait::async_trait]
pub trait Queue: Send + Sync + 'static {
    /// A short name for logs and the sealing context (`memory`, `redis`).
    fn name(&self) -> &str;

    /// `true` when jobs survive the process (they are then sealed before they are stored).
    fn durable(&self) -> bool;

    /// Stores a new job; answers its id.
    async fn push(&self, job: Job) -> Result<String, StoreError>;

    /// Up to `max` entries for `consumer`: due retries first moved in, entries whose worker
    /// did not finish within `visibility` taken over, then new ones; waits up to `wait` when
    /// there are none.
    async fn pull(
        &self,
        consumer: &str,
        max: usize,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<Entry>, StoreError>;

    /// The entry is done.
    async fn ack(&self, entry: &Entry) -> Result<(), StoreError>;

    /// The entry failed and runs again after `delay`, with its attempt count raised.
    async fn retry(&self, entry: &Entry, delay: Duration) -> Result<(), StoreError>;

    /// The entry goes to the dead-letter list with `reason` (and is done in the queue).
    async fn dead_letter(&self, entry: &Entry, reason: &str) -> Result<(), StoreError>;

    /// The dead-letter list, oldest first.
    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError>;

    /// How many dead letters there are (`kiket_dead_letters`); by default, the list's length.
    async fn dead_letter_count(&self) -> Result<u64, StoreError> {
        Ok(self.dead_letters().await?.len() as u64)
    }

    /// Moves dead letter `id` back into the queue (attempts reset); `false` when there is none.
    async fn requeue(&self, id: &str) -> Result<bool, StoreError>;

    /// Jobs waiting (new, due later, or being run).
    async fn depth(&self) -> Result<u64, StoreError>;
}

/// Unix milliseconds now.
pub(crate) fn now_ms() -> u64 {
    unix_ms(std::time::SystemTime::now())
}

/// `at` in Unix milliseconds (0 before the epoch).
pub(crate) fn unix_ms(at: std::time::SystemTime) -> u64 {
    at.duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// A shared queue is a queue: keep an `Arc` to inspect it (dead letters, depth) while the
/// extension uses it.
#[async_trait::async_trait]
impl<Q: Queue + ?Sized> Queue for std::sync::Arc<Q> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn durable(&self) -> bool {
        (**self).durable()
    }
    async fn push(&self, job: Job) -> Result<String, StoreError> {
        (**self).push(job).await
    }
    async fn pull(
        &self,
        consumer: &str,
        max: usize,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<Entry>, StoreError> {
        (**self).pull(consumer, max, wait, visibility).await
    }
    async fn ack(&self, entry: &Entry) -> Result<(), StoreError> {
        (**self).ack(entry).await
    }
    async fn retry(&self, entry: &Entry, delay: Duration) -> Result<(), StoreError> {
        (**self).retry(entry, delay).await
    }
    async fn dead_letter(&self, entry: &Entry, reason: &str) -> Result<(), StoreError> {
        (**self).dead_letter(entry, reason).await
    }
    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError> {
        (**self).dead_letters().await
    }
    async fn dead_letter_count(&self) -> Result<u64, StoreError> {
        (**self).dead_letter_count().await
    }
    async fn requeue(&self, id: &str) -> Result<bool, StoreError> {
        (**self).requeue(id).await
    }
    async fn depth(&self) -> Result<u64, StoreError> {
        (**self).depth().await
    }
}
