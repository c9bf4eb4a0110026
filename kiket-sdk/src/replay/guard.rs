//! [`Guard`]: one claim on a delivery key, finished with the answer or released.

use super::{Claim, ReplayStore};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

/// What claiming a delivery key found.
pub(crate) enum Claimed {
    /// First sight: handle the delivery, then [`Guard::finish`].
    Proceed(Guard),
    /// Already answered: repeat this status and body.
    Repeat {
        /// Status of the first answer.
        status: u16,
        /// Body of the first answer.
        body: Bytes,
    },
}

/// A held claim. [`Guard::finish`] stores the answer (or releases the key after a retryable
/// failure); dropping the guard unfinished (the request was cancelled) releases the key.
pub(crate) struct Guard {
    store: Arc<dyn ReplayStore>,
    key: Option<Arc<str>>,
}

impl Guard {
    /// Claims `key` for `ttl`, waiting while another copy of the delivery is being handled.
    pub(crate) async fn claim(store: &Arc<dyn ReplayStore>, key: Arc<str>, ttl: Duration) -> Claimed {
        loop {
            match store.claim(&key, ttl).await {
                Claim::New => return Claimed::Proceed(Self { store: store.clone(), key: Some(key) }),
                Claim::Done { status, body } => return Claimed::Repeat { status, body },
                // Re-check at least every 100 ms, so a wake-up that raced the wait is never lost.
                Claim::InFlight(notify) => {
                    let _ = tokio::time::timeout(Duration::from_millis(100), notify.notified()).await;
                }
            }
        }
    }

    /// Records the answer: a 5xx releases the key (the platform will retry), anything else is
    /// stored and repeated to later copies.
    pub(crate) async fn finish(mut self, status: u16, body: Bytes) {
        let Some(key) = self.key.take() else { return };
        if (500..600).contains(&status) {
            self.store.release(&key).await;
        } else {
            self.store.complete(&key, status, body).await;
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let store = self.store.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move { store.release(&key).await });
        }
    }
}
