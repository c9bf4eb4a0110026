//! [`Intake`]: a deferred delivery claimed, stored and answered in one atomic step, where the
//! replay store and the queue live in one place (the shared Redis).
//!
//! Without it a deferred delivery takes three steps on the shared store: claim its key,
//! push its job, record the 202. With it the pipeline skips its own claim for deferred
//! routes and calls [`Intake::push_once`] instead; other queues and replay stores keep the
//! three steps.

use crate::queue::Job;
use crate::replay::{Claim, StoreError};
use std::time::Duration;

/// Claims, stores and answers a deferred delivery in one step.
#[async_trait::async_trait]
pub(crate) trait Intake: Send + Sync {
    /// Unless `key` holds something already, stores `job` and records `(status, body)` as
    /// the delivery's answer for `window`; both or neither. Returns [`Claim::New`] when it
    /// stored, otherwise what the key holds (a copy in flight, or the first answer).
    async fn push_once(
        &self,
        key: &str,
        window: Duration,
        job: &Job,
        status: u16,
        body: &[u8],
    ) -> Result<Claim, StoreError>;
}
