//! [`Guard`]: one claim on a delivery key, finished with the answer or released.

use super::{Claim, ReplayStore, StoreError};
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

/// How long claims live: the lease of a copy in flight and the window its answer is kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifetimes {
    pub(crate) lease: Duration,
    pub(crate) window: Duration,
}

/// A held claim. [`Guard::finish`] stores the answer (or releases the key after a retryable
/// failure); dropping the guard unfinished (the request was cancelled) releases the key.
pub(crate) struct Guard {
    store: Arc<dyn ReplayStore>,
    key: Option<Arc<str>>,
    window: Duration,
}

/// How often a copy waiting on a shared store (no notifier) asks again.
const POLL: Duration = Duration::from_millis(25);

impl Guard {
    /// Claims `key`, waiting while another copy of the delivery is being handled (at most
    /// until that copy's lease ends, when the key can be claimed again). Fails when the store
    /// cannot be reached: the caller refuses the delivery rather than handle it unclaimed.
    pub(crate) async fn claim(
        store: &Arc<dyn ReplayStore>,
        key: Arc<str>,
        lifetimes: Lifetimes,
    ) -> Result<Claimed, StoreError> {
        match unless_in_flight(|| store.claim(&key, lifetimes.lease, lifetimes.window)).await? {
            Some((status, body)) => Ok(Claimed::Repeat { status, body }),
            None => Ok(Claimed::Proceed(Self { store: store.clone(), key: Some(key), window: lifetimes.window })),
        }
    }

    /// Records the answer: a 5xx releases the key (the platform will retry), anything else is
    /// stored and repeated to later copies. A store that fails now is logged: the answer is
    /// sent anyway, and the claim ends with its lease.
    pub(crate) async fn finish(mut self, status: u16, body: Bytes) {
        let Some(key) = self.key.take() else { return };
        let stored = if (500..600).contains(&status) {
            self.store.release(&key).await
        } else {
            self.store.complete(&key, self.window, status, body).await
        };
        if let Err(error) = stored {
            tracing::warn!(%error, "the replay store did not record the answer; a copy arriving after the lease runs again");
        }
    }
}

/// Runs `claim` until it finds no other copy in flight, waiting between tries (on the
/// store's notifier when it has one, else polling): `None` when the claim is the caller's,
/// the first answer when the delivery was answered before. Ends at the latest when the other
/// copy's lease does. Shared by stage 6 and the one-step intake of deferred routes.
pub(crate) async fn unless_in_flight<F, Fut>(mut claim: F) -> Result<Option<(u16, Bytes)>, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<Claim, StoreError>>,
{
    loop {
        match claim().await? {
            Claim::New => return Ok(None),
            Claim::Done { status, body } => return Ok(Some((status, body))),
            // Re-check at least every 100 ms, so a wake-up that raced the wait is never lost.
            Claim::InFlight(Some(notify)) => {
                let _ = tokio::time::timeout(Duration::from_millis(100), notify.notified()).await;
            }
            Claim::InFlight(None) => tokio::time::sleep(POLL).await,
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let Some(key) = self.key.take() else { return };
        let store = self.store.clone();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = store.release(&key).await {
                    tracing::warn!(%error, "the replay store did not release a cancelled delivery's claim");
                }
            });
        }
    }
}
