//! Stage 7 of a deferred route (PROTOCOL §8): the delivery is sealed and stored instead of
//! run, and answered `202 {"ok":true,"queued":true}`. A [`JobRunner`](super::JobRunner) runs
//! it later through stages 7 and 8 again.

use super::{Answer, DeliveryError};
use crate::handler::{HandlerContext, StoredDelivery};
use crate::queue::{seal_context, Backoff, Job, Queue, Sealer, QUEUED_BODY};
use crate::replay::{Claimed, Guard, Intake};
use crate::verify::Clock;
use bytes::Bytes;
use std::sync::Arc;
use std::time::Duration;

/// Where deferred deliveries go and how workers treat them.
pub(crate) struct Deferral {
    pub(crate) queue: Arc<dyn Queue>,
    /// The queue and the replay store in one (the shared Redis): a deferred delivery is
    /// claimed, stored and answered in one step, and stage 6 leaves its claim to stage 7.
    pub(crate) intake: Option<Arc<dyn Intake<Job>>>,
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
    /// The sealing context of a job of `event`@`version` in this queue.
    pub(super) fn seal_context(&self, event: &str, version: &str) -> Vec<u8> {
        seal_context(self.queue.name(), event, version)
    }

    /// Stage 7 in mode "defer": `context` and the verified `body` sealed into a job and stored.
    /// With a one-step intake and a delivery key, the delivery's claim is made here, in the
    /// same step as the store, and a copy seen before gets the first answer.
    pub(super) async fn store(
        &self,
        body: &[u8],
        context: &HandlerContext,
        window: Option<Duration>,
    ) -> Result<Answer, DeliveryError> {
        let stored = StoredDelivery::capture(context);
        // The delivery's own event and version: the route's, or an external webhook's name.
        let (event, version) = (context.delivery().event(), context.delivery().version());
        let sealed = match &self.sealer {
            Some(sealer) => {
                sealer.seal_with(&self.seal_context(event, version), StoredDelivery::HEAD_ROOM + body.len(), |out| {
                    stored.encode_into(out, body)
                })
            }
            None => stored.encode(body),
        };
        let job = Job { event: event.to_owned(), version: version.to_owned(), attempt: 0, sealed: sealed.into() };
        let queued = Bytes::from_static(QUEUED_BODY.as_bytes());
        match (self.claims_in_intake(), window, context.delivery().key()) {
            (Some(intake), Some(window), Some(key)) => {
                match Guard::claim_storing(intake.as_ref(), key, window, &job, (202, &queued)).await? {
                    Claimed::Proceed(_settled) => Ok(Answer::Queued(queued)),
                    Claimed::Repeat { status, body } => Ok(Answer::Repeated { status, body }),
                }
            }
            _ => {
                self.queue.push(job).await?;
                Ok(Answer::Queued(queued))
            }
        }
    }

    /// The one-step intake, when the queue has one.
    pub(super) fn claims_in_intake(&self) -> Option<&Arc<dyn Intake<Job>>> {
        self.intake.as_ref()
    }
}
