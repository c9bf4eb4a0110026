//! [`InMemoryQueue`]: the default queue, in this process, bounded. Lost on a crash.

use super::backend::{now_ms, DeadLetter, Entry, Job, Queue};
use crate::replay::StoreError;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// Most jobs [`InMemoryQueue::default`] holds.
pub const DEFAULT_QUEUE_CAPACITY: usize = 10_000;

/// A queue in process memory: nothing to install, bounded (a full queue refuses new jobs,
/// answered 503), and **not durable**: jobs waiting when the process stops or crashes are
/// lost. Several replicas, or work that must survive a restart, need a durable queue
/// (feature `redis`).
///
/// ```
/// use kiket_sdk::queue::{InMemoryQueue, Job, Queue};
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let queue = InMemoryQueue::with_capacity(100);
/// let job = Job { event: "issue.created".into(), version: "v1".into(), attempt: 0, sealed: "{}".into() };
/// queue.push(job.clone()).await.unwrap();
/// let wait = std::time::Duration::from_millis(10);
/// let pulled = queue.pull("worker-1", 10, wait, wait).await.unwrap();
/// assert_eq!(pulled[0].job, job);
/// queue.ack(&pulled[0]).await.unwrap();
/// assert_eq!(queue.depth().await.unwrap(), 0);
/// # });
/// ```
#[derive(Debug)]
pub struct InMemoryQueue {
    state: Mutex<State>,
    ready: Arc<Notify>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct State {
    next_id: u64,
    waiting: VecDeque<Entry>,
    /// Retries by due time.
    delayed: BTreeMap<(Instant, u64), Entry>,
    /// Entries handed out, with when.
    running: HashMap<String, (Entry, Instant)>,
    dead: Vec<(DeadLetter, Job)>,
}

impl Default for InMemoryQueue {
    fn default() -> Self {
        Self::with_capacity(DEFAULT_QUEUE_CAPACITY)
    }
}

impl InMemoryQueue {
    /// A queue that holds at most `capacity` jobs (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        Self { state: Mutex::new(State::default()), ready: Arc::new(Notify::new()), capacity: capacity.max(1) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Moves due retries and overdue running entries to `waiting`; hands out up to `max`.
    fn take(&self, max: usize, visibility: Duration) -> Vec<Entry> {
        let now = Instant::now();
        let mut state = self.lock();
        while let Some(entry) = state.delayed.first_entry().filter(|e| e.key().0 <= now).map(|e| e.remove()) {
            state.waiting.push_back(entry);
        }
        let overdue: Vec<String> = state
            .running
            .iter()
            .filter(|(_, (_, since))| now - *since >= visibility)
            .map(|(id, _)| id.clone())
            .collect();
        for id in overdue {
            if let Some((entry, _)) = state.running.remove(&id) {
                state.waiting.push_back(entry);
            }
        }
        let mut out = Vec::new();
        while out.len() < max {
            let Some(entry) = state.waiting.pop_front() else { break };
            state.running.insert(entry.id.clone(), (entry.clone(), now));
            out.push(entry);
        }
        out
    }

    fn len(state: &State) -> usize {
        state.waiting.len() + state.delayed.len() + state.running.len()
    }
}

fn full() -> StoreError {
    StoreError { store: "in-process queue", reason: "full".to_owned() }
}

#[async_trait::async_trait]
impl Queue for InMemoryQueue {
    fn name(&self) -> &str {
        "memory"
    }

    fn durable(&self) -> bool {
        false
    }

    async fn push(&self, job: Job) -> Result<String, StoreError> {
        let id = {
            let mut state = self.lock();
            if Self::len(&state) >= self.capacity {
                return Err(full());
            }
            state.next_id += 1;
            let id = state.next_id.to_string();
            state.waiting.push_back(Entry { id: id.clone(), job });
            id
        };
        self.ready.notify_one();
        Ok(id)
    }

    async fn pull(
        &self,
        _consumer: &str,
        max: usize,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<Entry>, StoreError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let notified = self.ready.notified();
            let taken = self.take(max, visibility);
            if !taken.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(taken);
            }
            // Wake for a push, or soon enough for a retry falling due.
            let nap = deadline.min(tokio::time::Instant::now() + Duration::from_millis(50));
            let _ = tokio::time::timeout_at(nap, notified).await;
        }
    }

    async fn ack(&self, entry: &Entry) -> Result<(), StoreError> {
        self.lock().running.remove(&entry.id);
        Ok(())
    }

    async fn retry(&self, entry: &Entry, delay: Duration) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.running.remove(&entry.id).is_some() {
            let mut again = entry.clone();
            again.job.attempt = again.job.attempt.saturating_add(1);
            state.next_id += 1;
            let order = state.next_id;
            state.delayed.insert((Instant::now() + delay, order), again);
        }
        Ok(())
    }

    async fn dead_letter(&self, entry: &Entry, reason: &str) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.running.remove(&entry.id).is_some() {
            let letter = DeadLetter {
                id: entry.id.clone(),
                event: entry.job.event.clone(),
                version: entry.job.version.clone(),
                attempts: entry.job.attempt.saturating_add(1),
                reason: reason.to_owned(),
                dead_at_ms: now_ms(),
            };
            state.dead.push((letter, entry.job.clone()));
        }
        Ok(())
    }

    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError> {
        Ok(self.lock().dead.iter().map(|(letter, _)| letter.clone()).collect())
    }

    async fn requeue(&self, id: &str) -> Result<bool, StoreError> {
        {
            let mut state = self.lock();
            let Some(at) = state.dead.iter().position(|(letter, _)| letter.id == id) else { return Ok(false) };
            if Self::len(&state) >= self.capacity {
                return Err(full());
            }
            let (_, mut job) = state.dead.remove(at);
            job.attempt = 0;
            state.next_id += 1;
            let id = state.next_id.to_string();
            state.waiting.push_back(Entry { id, job });
        }
        self.ready.notify_one();
        Ok(true)
    }

    async fn depth(&self) -> Result<u64, StoreError> {
        Ok(Self::len(&self.lock()) as u64)
    }
}
