//! [`JobRunner`]: runs the deferred deliveries of the pipeline's queue. A job re-enters the
//! delivery line at stage 7: opened, its context restored
//! ([`HandlerContext::restore`]), its run claimed, then the same stages 7 (invoke) and 8
//! (settle) as an inline delivery; the outcome decides ack, retry or dead letter.

use super::{Answer, DeliveryError, Pipeline};
use crate::handler::{HandlerContext, StoredDelivery};
use crate::queue::Entry;
use crate::replay::{Guard, RunClaim};
use crate::routing::{self, Mode};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Pulls and runs deferred deliveries from the pipeline's queue until stopped.
pub(crate) struct JobRunner {
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

impl JobRunner {
    /// A runner named `consumer` (unique per process: it owns the jobs it pulls).
    pub(crate) fn new(pipeline: Arc<Pipeline>, consumer: String) -> Self {
        Self { pipeline, consumer }
    }

    /// Pulls and runs jobs until `stop` completes; then lets running jobs finish.
    ///
    /// A pull already sent when `stop` completes is finished, not dropped (it waits a second at
    /// most): the queue may have handed its jobs to this worker already, and they run now rather
    /// than wait out the visibility timeout. A back-off pause ends at `stop`.
    pub(crate) async fn run(self, stop: impl std::future::Future<Output = ()>) {
        let deferral = &self.pipeline.deferral;
        let slots = Arc::new(Semaphore::new(deferral.concurrency.max(1)));
        let mut pause = Duration::from_millis(100);
        let mut stopping = false;
        tokio::pin!(stop);
        while !stopping {
            let free = slots.available_permits();
            let pull = deferral.queue.pull(&self.consumer, free.max(1), Duration::from_secs(1), deferral.visibility);
            tokio::pin!(pull);
            let pulled = tokio::select! {
                pulled = &mut pull => pulled,
                () = &mut stop => {
                    stopping = true;
                    pull.await
                }
            };
            let entries = match pulled {
                Ok(entries) => {
                    pause = Duration::from_millis(100);
                    entries
                }
                Err(error) if !stopping => {
                    tracing::warn!(%error, retry_in_ms = pause.as_millis() as u64, "the queue is unavailable; workers back off");
                    tokio::select! {
                        () = tokio::time::sleep(pause) => {}
                        () = &mut stop => stopping = true,
                    }
                    pause = (pause * 2).min(Duration::from_secs(5));
                    continue;
                }
                Err(_) => Vec::new(),
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
    let deferral = &pipeline.deferral;
    let span = tracing::info_span!("kiket.job", event = %entry.job.event.escape_debug(), version = %entry.job.version.escape_debug(), job = %entry.id.escape_debug(), attempt = entry.job.attempt);
    let outcome = tracing::Instrument::instrument(run_job(pipeline, &entry), span.clone()).await;
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

/// Opens a job, restores its context, claims its run, and takes it through stages 7 and 8.
async fn run_job(pipeline: &Pipeline, entry: &Entry) -> Outcome {
    let deferral = &pipeline.deferral;
    let (event, version) = (entry.job.event.as_str(), entry.job.version.as_str());
    let plain = match &deferral.sealer {
        Some(sealer) => match sealer.open(&deferral.seal_context(event, version), &entry.job.sealed) {
            Ok(plain) => plain,
            Err(error) => return Outcome::Dead(error.to_string()),
        },
        None => entry.job.sealed.to_vec(),
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
    let guard = match (&pipeline.replay, stored.key.as_deref()) {
        // A job without a key (nothing was verified) or a pipeline without a replay store
        // runs unclaimed.
        (Some(policy), Some(key)) => match Guard::claim_run(&policy.store, key, deferral.visibility).await {
            Ok(RunClaim::Run(guard)) => guard,
            Ok(RunClaim::Ran) => return Outcome::Done,
            Ok(RunClaim::Busy) => return Outcome::Busy,
            Err(error) => return Outcome::Retry(error.to_string()),
        },
        _ => Guard::none(),
    };
    let secrets = prepared.fields().secrets.cloned();
    let identity = route.identity(event, version);
    let started = Instant::now();
    let clock = (deferral.clock.now_unix(), started + pipeline.handler_timeout);
    let context = HandlerContext::restore(stored, identity, secrets, pipeline.shared.clone(), clock);
    let answer = match pipeline.invoke(route, prepared, body, context) {
        Ok(run) => run.await,
        Err(error) => Err(error),
    };
    pipeline.settle(route, guard, &answer, started.elapsed(), true).await;
    match answer {
        Ok(Answer::Handled(_) | Answer::Queued(_) | Answer::Repeated { .. }) => Outcome::Done,
        Err(error) => classify(&error),
    }
}

/// A failed run: retried when the platform would retry it (5xx), else dead-lettered.
fn classify(error: &DeliveryError) -> Outcome {
    let reason = format!("handler failed ({}): {error}", error.status().as_u16());
    if error.status().is_server_error() {
        Outcome::Retry(reason)
    } else {
        Outcome::Dead(reason)
    }
}
