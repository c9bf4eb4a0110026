//! The replay guard: a verified delivery seen again within the signature window is answered
//! with its first answer and not handled twice.
//!
//! A leaf (imports no other module of this crate). It owns every key the SDK claims
//! (`key.rs`) and every claim (one `Guard` type: a delivery's, a deferred delivery stored in
//! one step, a worker's run). A delivery is named by a canonical key (the signed timestamp and the
//! verified MAC bytes, or the runtime token's `jti` when deliveries are not signed), never by
//! header text. The first copy claims the key through
//! a guard; copies that arrive while it is being handled wait for its answer; later copies
//! get the stored answer. A retryable failure (5xx) or a dropped guard (the request was
//! cancelled) releases the key, so the platform's retry is handled. The store is a trait so
//! several replicas can share one (`RedisReplayStore`, feature `redis`);
//! [`InMemoryReplayStore`] serves one process. A store that cannot be reached refuses the
//! delivery (503 + `Retry-After`): nothing is handled without a claim.

mod guard;
pub(crate) mod key;
mod store;

pub(crate) use guard::{Claimed, Guard, Lifetimes, RunClaim};
pub(crate) use store::Intake;
pub use store::{Claim, InMemoryReplayStore, ReplayStore, StoreError, DEFAULT_REPLAY_CAPACITY};
