//! [`Guard`]: one claim on a key of [`super::key`], finished with the answer or released.
//!
//! Every claim the SDK makes is a guard, of one of three kinds:
//!
//! | kind | made by | key | while another copy is in flight | finished |
//! |---|---|---|---|---|
//! | delivery | [`Guard::claim`] (stage 6) | the delivery's | wait for its answer | a 5xx releases; any other answer is stored for the window |
//! | stored | [`Guard::claim_storing`] (stage 7 of a deferred route on a store that also queues) | the delivery's | wait for its answer | already: the claim, the job and the answer are one atomic step |
//! | run | [`Guard::claim_run`] (a worker) | `run:` + the delivery's | leave the job ([`RunClaim::Busy`]) | success is remembered ([`RUN_MEMORY`]); a failure releases, so the retry runs |
//!
//! Dropping a guard unfinished (the request was cancelled, the worker stopped) releases its
//! key.

use super::{key, Claim, Intake, ReplayStore, StoreError};
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

/// What claiming a delivery found.
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

/// What claiming the run of a deferred delivery found.
pub(crate) enum RunClaim {
    /// Run it, then [`Guard::finish`].
    Run(Guard),
    /// It ran to success before (a copy handed out twice).
    Ran,
    /// Another worker is running it now: leave the job; the queue hands it out again after
    /// the visibility timeout, when it has run (or its worker died).
    Busy,
}

/// How long claims live: the lease of a copy in flight and the window its answer is kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Lifetimes {
    pub(crate) lease: Duration,
    pub(crate) window: Duration,
}

/// How long a finished run is remembered: a copy of the job handed out later than this would
/// run again.
pub(crate) const RUN_MEMORY: Duration = Duration::from_secs(7 * 24 * 3600);

/// Whether a finished claim keeps an answer that is not a success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A delivery's answer: everything but a 5xx is repeated to later copies.
    Delivery,
    /// A run: only a success is remembered.
    Run,
}

/// A held claim. [`Guard::finish`] stores the answer (or releases the key); dropping the guard
/// unfinished releases the key.
pub(crate) struct Guard {
    /// `None`: nothing to finish (no claim was needed, or it was settled when made).
    held: Option<(Arc<dyn ReplayStore>, Arc<str>)>,
    window: Duration,
    kind: Kind,
}

/// How often a copy waiting on a shared store (no notifier) asks again.
const POLL: Duration = Duration::from_millis(25);

impl Guard {
    /// A guard that holds nothing: the delivery needs no claim (the replay guard is off, or
    /// nothing was verified), or its claim is made elsewhere.
    pub(crate) fn none() -> Self {
        Self { held: None, window: Duration::ZERO, kind: Kind::Delivery }
    }

    /// Claims the delivery `key`, waiting while another copy of it is being handled (at most
    /// until that copy's lease ends, when the key can be claimed again). Fails when the store
    /// cannot be reached: the caller refuses the delivery rather than handle it unclaimed.
    pub(crate) async fn claim(
        store: &Arc<dyn ReplayStore>,
        key: Arc<str>,
        lifetimes: Lifetimes,
    ) -> Result<Claimed, StoreError> {
        match unless_in_flight(|| store.claim(&key, lifetimes.lease, lifetimes.window)).await? {
            Some((status, body)) => Ok(Claimed::Repeat { status, body }),
            None => Ok(Claimed::Proceed(Self {
                held: Some((store.clone(), key)),
                window: lifetimes.window,
                kind: Kind::Delivery,
            })),
        }
    }

    /// Claims the delivery `key` and, in the same atomic step of `intake`, stores `job` and
    /// records `answer` as the delivery's answer for `window`; waits like [`Self::claim`] while
    /// another copy is in flight. The guard it proceeds with is settled already.
    pub(crate) async fn claim_storing<J: Sync>(
        intake: &dyn Intake<J>,
        key: &str,
        window: Duration,
        job: &J,
        answer: (u16, &Bytes),
    ) -> Result<Claimed, StoreError> {
        let (status, body) = answer;
        match unless_in_flight(|| intake.claim_storing(key, window, job, status, body)).await? {
            Some((status, body)) => Ok(Claimed::Repeat { status, body }),
            None => Ok(Claimed::Proceed(Self::none())),
        }
    }

    /// Claims the run of the deferred delivery `delivery` for `lease` (how long the queue lets
    /// one worker hold its job).
    pub(crate) async fn claim_run(
        store: &Arc<dyn ReplayStore>,
        delivery: &str,
        lease: Duration,
    ) -> Result<RunClaim, StoreError> {
        let key = key::run(delivery);
        Ok(match store.claim(&key, lease, RUN_MEMORY).await? {
            Claim::New => RunClaim::Run(Self { held: Some((store.clone(), key)), window: RUN_MEMORY, kind: Kind::Run }),
            Claim::Done { .. } => RunClaim::Ran,
            Claim::InFlight(_) => RunClaim::Busy,
        })
    }

    /// Records the answer: a 5xx (and, for a run, any failure) releases the key, so the retry
    /// is handled; anything else is stored for the window. A store that fails now is logged:
    /// the answer stands, and the claim ends with its lease.
    pub(crate) async fn finish(mut self, status: u16, body: Bytes) {
        let Some((store, key)) = self.held.take() else { return };
        let keep = match self.kind {
            Kind::Delivery => !(500..600).contains(&status),
            Kind::Run => (200..300).contains(&status),
        };
        let stored =
            if keep { store.complete(&key, self.window, status, body).await } else { store.release(&key).await };
        if let Err(error) = stored {
            tracing::warn!(%error, "the replay store did not record the answer; a copy arriving after the lease runs again");
        }
    }
}

/// Runs `claim` until it finds no other copy in flight, waiting between tries (on the
/// store's notifier when it has one, else polling): `None` when the claim is the caller's,
/// the first answer when the delivery was answered before. Ends at the latest when the other
/// copy's lease does.
async fn unless_in_flight<F, Fut>(mut claim: F) -> Result<Option<(u16, Bytes)>, StoreError>
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
        let Some((store, key)) = self.held.take() else { return };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                if let Err(error) = store.release(&key).await {
                    tracing::warn!(%error, "the replay store did not release an unfinished claim");
                }
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replay::InMemoryReplayStore;

    fn store() -> Arc<dyn ReplayStore> {
        Arc::new(InMemoryReplayStore::default())
    }

    #[tokio::test]
    async fn a_run_is_remembered_only_when_it_succeeded() {
        let store = store();
        let lease = Duration::from_secs(60);
        let RunClaim::Run(guard) = Guard::claim_run(&store, "sig:1:ab", lease).await.unwrap() else { panic!("first") };
        assert!(matches!(Guard::claim_run(&store, "sig:1:ab", lease).await.unwrap(), RunClaim::Busy));
        guard.finish(422, Bytes::new()).await;
        let RunClaim::Run(guard) = Guard::claim_run(&store, "sig:1:ab", lease).await.unwrap() else {
            panic!("a failed run is released, so its retry runs")
        };
        guard.finish(200, Bytes::new()).await;
        assert!(matches!(Guard::claim_run(&store, "sig:1:ab", lease).await.unwrap(), RunClaim::Ran));
        let Claimed::Proceed(_) =
            Guard::claim(&store, Arc::from("sig:1:ab"), Lifetimes { lease, window: lease }).await.unwrap()
        else {
            panic!("the run's key is not the delivery's")
        };
    }

    #[tokio::test]
    async fn a_delivery_keeps_its_answer_unless_it_is_a_5xx() {
        let store = store();
        let lifetimes = Lifetimes { lease: Duration::from_secs(5), window: Duration::from_secs(60) };
        let key: Arc<str> = Arc::from("sig:2:cd");
        let Claimed::Proceed(guard) = Guard::claim(&store, key.clone(), lifetimes).await.unwrap() else { panic!() };
        guard.finish(503, Bytes::new()).await;
        let Claimed::Proceed(guard) = Guard::claim(&store, key.clone(), lifetimes).await.unwrap() else {
            panic!("a 5xx is released")
        };
        guard.finish(404, Bytes::from_static(b"{}")).await;
        assert!(matches!(Guard::claim(&store, key, lifetimes).await.unwrap(), Claimed::Repeat { status: 404, .. }));
    }
}
