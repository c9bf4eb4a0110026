//! Deferred routes (PROTOCOL §8): stage 7 stores the delivery instead of running it
//! ([`Pipeline::defer`]), and a [`Worker`] runs it later — the same stages 7 and 8 over a
//! context rebuilt from the stored delivery.

use super::{invoke, DeliveryError, Pipeline};
use crate::handler::{AuthContext, ContextParts, Delivery, HandlerContext};
use crate::queue::{seal_context, unix_ms, Backoff, Entry, Intake, Job, Queue, Sealer, StoredDelivery, QUEUED_BODY};
use crate::replay::{unless_in_flight, Claim, Lifetimes, ReplayStore};
use crate::routing::{self, DecodeError, Mode, Prepared, Route};
use crate::verify::Clock;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use bytes::Bytes;
use kiket_types::SecretString;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};
use tokio::sync::Semaphore;

/// Where deferred deliveries go and how workers treat them.
pub(crate) struct Deferral {
    pub(crate) queue: Arc<dyn Queue>,
    /// Claims, stores and answers in one step (the queue and the replay store share Redis);
    /// the pipeline then skips its own claim for deferred routes.
    pub(crate) intake: Option<Arc<dyn Intake>>,
    /// Seals jobs of a durable queue; `None` for the in-process one (jobs never leave it).
    pub(crate) sealer: Option<Sealer>,
    pub(crate) backoff: Backoff,
    /// How long a pulled job may run before another worker takes it over.
    pub(crate) visibility: Duration,
    /// Jobs one worker process runs at once.
    pub(crate) concurrency: usize,
    /// The time source for runtime-token expiry.
    pub(crate) clock: Arc<dyn Clock>,
}

impl Deferral {
    fn context(&self, event: &str, version: &str) -> Vec<u8> {
        seal_context(self.queue.name(), event, version)
    }
}

/// What stage 7 of a deferred route did.
pub(super) enum Stored {
    /// Stored: answer `{"ok":true,"queued":true}`.
    Queued(Bytes),
    /// Stored before, by an earlier copy (one-step intake): its first answer again.
    Seen { status: u16, body: Bytes },
}

impl Pipeline {
    /// Whether a deferred route's claim is made by the intake in stage 7 instead of stage 6.
    pub(super) fn claims_in_intake(&self, route: &Route) -> bool {
        route.options.mode == Mode::Defer && self.deferral.as_ref().is_some_and(|d| d.intake.is_some())
    }

    /// Stage 7 of a deferred route: the payload must decode (422 now, not a dead letter
    /// later); the delivery is sealed and stored; the answer is `{"ok":true,"queued":true}`.
    /// With a one-step intake the delivery's claim is made here, in the same step as the
    /// store, and a copy seen before gets the first answer.
    pub(super) async fn defer<'r>(
        &self,
        route: &'r Route,
        prepared: Prepared<'r, '_>,
        body: &[u8],
        context: &HandlerContext,
    ) -> Result<Stored, DeliveryError> {
        match prepared.into_call(route, body) {
            Ok(_decoded) => {}
            Err(DecodeError::Payload(error)) => return Err(error.into()),
            Err(DecodeError::Panicked) => return Err(DeliveryError::Panicked),
        }
        let deferral = self.deferral.as_ref().ok_or(DeliveryError::Panicked)?;
        let stored = stored_delivery(context);
        let sealed = match &deferral.sealer {
            Some(sealer) => {
                let sealing_context = deferral.context(&route.event, &route.version);
                sealer.seal_with(&sealing_context, StoredDelivery::HEAD_ROOM + body.len(), |out| {
                    stored.encode_into(out, body)
                })
            }
            None => stored.encode(body),
        };
        let job = Job {
            event: route.event.to_string(),
            version: route.version.to_string(),
            attempt: 0,
            sealed: sealed.into(),
        };
        let queued = Bytes::from_static(QUEUED_BODY.as_bytes());
        let (Some(intake), Some(policy), Some(key)) = (&deferral.intake, &self.replay, context.delivery().key()) else {
            deferral.queue.push(job).await?;
            return Ok(Stored::Queued(queued));
        };
        // A copy in flight can only be one on the three-step path (a replica of an older
        // version): wait for its answer or the end of its lease, as stage 6 would.
        let store_once = || intake.push_once(key, policy.lifetimes.window, &job, 202, &queued);
        Ok(match unless_in_flight(store_once).await? {
            None => Stored::Queued(queued),
            Some((status, body)) => Stored::Seen { status, body },
        })
    }
}

/// What a worker needs of a context to rebuild it.
fn stored_delivery(context: &HandlerContext) -> StoredDelivery {
    let delivery = context.delivery();
    let auth = context.auth();
    StoredDelivery {
        key: delivery.key().map(str::to_owned),
        signature_timestamp: delivery.signature_timestamp(),
        received_at_ms: unix_ms(delivery.received_at()),
        headers: context
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
            .collect(),
        runtime_token: auth.runtime_token().map(|token| token.expose().to_owned()),
        claims: auth.claims().cloned(),
        api_base_url_override: context.api_base_url_override().map(str::to_owned),
    }
}

/// Runs deferred deliveries from the pipeline's queue until stopped.
pub(crate) struct Worker {
    pipeline: Arc<Pipeline>,
    consumer: String,
}

/// How a job ended.
enum Outcome {
    Done,
    Retry(String),
    Dead(String),
    /// Another worker holds its run claim: left alone, handed out again after the
    /// visibility timeout (no attempt spent).
    Busy,
}

impl Worker {
    /// A worker named `consumer` (unique per process: it owns the jobs it pulls).
    pub(crate) fn new(pipeline: Arc<Pipeline>, consumer: String) -> Self {
        Self { pipeline, consumer }
    }

    /// Pulls and runs jobs until `stop` completes; then lets running jobs finish.
    pub(crate) async fn run(self, stop: impl std::future::Future<Output = ()>) {
        let Some(deferral) = self.pipeline.deferral.as_ref() else { return };
        let slots = Arc::new(Semaphore::new(deferral.concurrency.max(1)));
        let mut pause = Duration::from_millis(100);
        tokio::pin!(stop);
        loop {
            let free = slots.available_permits();
            let pulled = tokio::select! {
                () = &mut stop => break,
                pulled = deferral.queue.pull(&self.consumer, free.max(1), Duration::from_secs(1), deferral.visibility) => pulled,
            };
            let entries = match pulled {
                Ok(entries) => {
                    pause = Duration::from_millis(100);
                    entries
                }
                Err(error) => {
                    tracing::warn!(%error, retry_in_ms = pause.as_millis() as u64, "the queue is unavailable; workers back off");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(5));
                    continue;
                }
            };
            for entry in entries {
                let Ok(permit) = slots.clone().acquire_owned().await else { break };
                let pipeline = self.pipeline.clone();
                tokio::spawn(async move {
                    run_entry(&pipeline, entry).await;
                    drop(permit);
                });
            }
        }
        let _ = slots.acquire_many(deferral.concurrency.max(1) as u32).await;
    }
}

/// Runs one job and settles it in the queue (ack, retry, dead letter).
async fn run_entry(pipeline: &Pipeline, entry: Entry) {
    let Some(deferral) = pipeline.deferral.as_ref() else { return };
    let span = tracing::info_span!("kiket.job", event = %entry.job.event.escape_debug(), version = %entry.job.version.escape_debug(), job = %entry.id.escape_debug(), attempt = entry.job.attempt);
    let outcome = tracing::Instrument::instrument(run_job(pipeline, deferral, &entry), span.clone()).await;
    let settled = match &outcome {
        Outcome::Done => deferral.queue.ack(&entry).await,
        Outcome::Busy => Ok(()),
        Outcome::Retry(reason) if entry.job.attempt.saturating_add(1) < deferral.backoff.attempts.max(1) => {
            let delay = deferral.backoff.delay(entry.job.attempt);
            span.in_scope(|| tracing::warn!(%reason, retry_in_ms = delay.as_millis() as u64, "deferred delivery failed; will retry"));
            deferral.queue.retry(&entry, delay).await
        }
        Outcome::Retry(reason) => {
            let reason = format!("gave up after {} runs: {reason}", entry.job.attempt.saturating_add(1));
            span.in_scope(|| tracing::error!(%reason, "deferred delivery dead-lettered"));
            deferral.queue.dead_letter(&entry, &reason).await
        }
        Outcome::Dead(reason) => {
            span.in_scope(|| tracing::error!(%reason, "deferred delivery dead-lettered"));
            deferral.queue.dead_letter(&entry, reason).await
        }
    };
    if let Err(error) = settled {
        // Not acked: the job is handed out again after the visibility timeout.
        span.in_scope(
            || tracing::warn!(%error, "the queue did not record the job's outcome; it will run again (once in effect)"),
        );
    }
}

/// Opens, decodes and runs a job once in effect.
async fn run_job(pipeline: &Pipeline, deferral: &Deferral, entry: &Entry) -> Outcome {
    let Job { event, version, sealed, .. } = &entry.job;
    let plain = match &deferral.sealer {
        Some(sealer) => match sealer.open(&deferral.context(event, version), sealed) {
            Ok(plain) => plain,
            Err(error) => return Outcome::Dead(error.to_string()),
        },
        None => sealed.to_vec(),
    };
    let Some((stored, body)) = StoredDelivery::decode(&plain) else {
        return Outcome::Dead("the stored delivery is not readable".to_owned());
    };
    let Some(route) = pipeline.router.find(event, version).filter(|route| route.options.mode == Mode::Defer) else {
        return Outcome::Dead(format!("no deferred handler for {event}@{version}"));
    };
    let prepared = match routing::prepare(Some(route), event, version, body, true) {
        Ok(prepared) => prepared,
        Err(error) => return Outcome::Dead(error.to_string()),
    };
    let context = rebuild_context(pipeline, deferral, route, &stored, &prepared);
    let run_claim = match RunClaim::take(pipeline, stored.key.as_deref()).await {
        Ok(Some(claim)) => claim,
        Ok(None) => return Outcome::Done,
        Err(RunBusy::Busy) => return Outcome::Busy,
        Err(RunBusy::Store(reason)) => return Outcome::Retry(reason),
    };
    let call = match prepared.into_call(route, body) {
        Ok(call) => call,
        Err(DecodeError::Payload(error)) => {
            run_claim.release().await;
            return Outcome::Dead(error.to_string());
        }
        Err(DecodeError::Panicked) => {
            run_claim.release().await;
            return Outcome::Dead(DeliveryError::Panicked.to_string());
        }
    };
    let deadline = tokio::time::Instant::now() + pipeline.handler_timeout;
    match invoke::invoke(call, context, pipeline.router.hooks(), deadline).await {
        Ok(_reply) => {
            run_claim.complete().await;
            Outcome::Done
        }
        Err(error) => {
            run_claim.release().await;
            let reason = format!("handler failed ({}): {error}", error.status().as_u16());
            if error.status().is_server_error() {
                Outcome::Retry(reason)
            } else {
                Outcome::Dead(reason)
            }
        }
    }
}

/// The handler's context as the server built it, with the runtime token only while valid.
fn rebuild_context(
    pipeline: &Pipeline,
    deferral: &Deferral,
    route: &Route,
    stored: &StoredDelivery,
    prepared: &Prepared<'_, '_>,
) -> HandlerContext {
    let now = deferral.clock.now_unix() as f64;
    let auth = match (&stored.runtime_token, &stored.claims) {
        (Some(token), Some(claims)) if claims.exp.is_some_and(|exp| exp > now) => {
            AuthContext::verified(SecretString::new(token.clone()), claims.clone())
        }
        (_, Some(claims)) => AuthContext::expired(claims.clone()),
        _ => AuthContext::default(),
    };
    let mut headers = HeaderMap::with_capacity(stored.headers.len());
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str())) {
            headers.append(name, value);
        }
    }
    let delivery = Delivery {
        key: stored.key.as_deref().map(Arc::from),
        signature_timestamp: stored.signature_timestamp,
        received_at: UNIX_EPOCH + Duration::from_millis(stored.received_at_ms),
        event: route.event.clone(),
        version: route.version.clone(),
    };
    let parts = ContextParts {
        delivery,
        headers,
        auth,
        payload_secrets: prepared.fields().secrets.cloned(),
        api_base_url_override: stored.api_base_url_override.clone(),
        // Keys derived from the delivery: a re-run repeats its calls' keys (at most once in
        // effect on the platform's side too).
        idempotency_seed: stored.key.as_ref().map(|key| format!("job:{key}")),
    };
    HandlerContext::new(parts, pipeline.shared.clone())
}

/// Why a run claim was not taken.
enum RunBusy {
    /// Another worker holds it.
    Busy,
    /// The replay store did not answer.
    Store(String),
}

/// How long a finished job's run claim is remembered: a copy of the job re-delivered later
/// than this would run again.
const RUN_MEMORY: Duration = Duration::from_secs(7 * 24 * 3600);

/// The replay store's claim on running a job (`run:<delivery key>`): a job handed out twice
/// (its first worker died, or the server stored it twice) runs its handler once in effect.
struct RunClaim {
    held: Option<(Arc<dyn ReplayStore>, String)>,
}

impl RunClaim {
    /// `Ok(None)`: it already ran. A job without a key (nothing was verified) or a pipeline
    /// without a replay store runs unclaimed.
    async fn take(pipeline: &Pipeline, key: Option<&str>) -> Result<Option<Self>, RunBusy> {
        let (Some(policy), Some(key)) = (pipeline.replay.as_ref(), key) else { return Ok(Some(Self { held: None })) };
        let key = format!("run:{key}");
        // The lease is the visibility timeout: as long as the queue lets one worker hold the job.
        let lease = pipeline.deferral.as_ref().map_or(policy.lifetimes.lease, |d| d.visibility);
        let lifetimes = Lifetimes { lease, window: RUN_MEMORY };
        match policy.store.claim(&key, lifetimes.lease, lifetimes.window).await {
            Ok(Claim::New) => Ok(Some(Self { held: Some((policy.store.clone(), key)) })),
            Ok(Claim::Done { .. }) => Ok(None),
            Ok(Claim::InFlight(_)) => Err(RunBusy::Busy),
            Err(error) => Err(RunBusy::Store(error.to_string())),
        }
    }

    async fn complete(self) {
        if let Some((store, key)) = self.held
            && let Err(error) = store.complete(&key, RUN_MEMORY, 200, Bytes::from_static(b"{}")).await
        {
            tracing::warn!(%error, "the replay store did not record the run; a re-delivered copy may run again");
        }
    }

    async fn release(self) {
        if let Some((store, key)) = self.held
            && let Err(error) = store.release(&key).await
        {
            tracing::warn!(%error, "the replay store did not release the run claim; it ends with its lease");
        }
    }
}
