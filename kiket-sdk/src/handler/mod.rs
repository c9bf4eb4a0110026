//! What an extension implements: handlers, their errors, replies and context.
//!
//! [`Handler<P>`] is the generic trait the router stores; the `kiket` facade generates one
//! named trait per catalogued event (`IssueCreatedV1Handler`) on top of it. Both are plain
//! traits: implement them with an `async fn`, no attribute macro and no extra dependency.
//! Functions and closures `Fn(P, HandlerContext) -> impl Future<Output = Result<R,
//! HandlerError>>` are handlers too, for any `R:` [`IntoReply`] (`()`, [`Reply`],
//! [`respond::Decision`], `serde_json::Value`, [`Json`]).
//!
//! A handler is only the code that runs. What its route is beyond that (the scopes it
//! requires, whether it is deferred to a worker) is set where it is registered:
//! [`Router::requires`](crate::Router::requires), [`Router::deferred`](crate::Router::deferred).

mod context;
mod delivery;
mod error;
mod external;
mod hook;
mod reply;
pub mod respond;
mod stored;

pub use context::HandlerContext;
pub(crate) use context::{ContextParts, ContextShared};
pub use delivery::Delivery;
pub(crate) use delivery::{external_webhook_name, EXTERNAL_WEBHOOKS};
pub use error::HandlerError;
pub use external::ExternalWebhook;
pub(crate) use hook::{run_chain, ErasedHook};
pub use hook::{Hook, Next};
pub use reply::{IntoReply, Json, Reply};
pub(crate) use stored::StoredDelivery;

use std::future::Future;

/// What a handler returns.
///
/// ```
/// use kiket_sdk::{HandlerContext, HandlerError, HandlerResult, Reply};
///
/// async fn handle(payload: serde_json::Value, _ctx: HandlerContext) -> HandlerResult {
///     let id = payload["issue"]["id"].as_u64().ok_or_else(|| HandlerError::permanent("issue.id is missing"))?;
///     Ok(Reply::json(serde_json::json!({"ok": true, "issue": id})))
/// }
/// # let _ = handle;
/// ```
pub type HandlerResult = Result<Reply, HandlerError>;

/// Handles deliveries whose payload decodes into `P`.
///
/// `P` is a catalogued payload type (`kiket_types::IssueCreatedV1`) for typed handlers, or
/// `serde_json::Value` for raw handlers of events outside the catalog.
///
/// ```
/// use kiket_sdk::{Handler, HandlerContext, HandlerResult, Reply};
/// use kiket_types::IssueCreatedV1;
///
/// struct Audit;
///
/// impl Handler<IssueCreatedV1> for Audit {
///     async fn call(&self, issue: IssueCreatedV1, _ctx: HandlerContext) -> HandlerResult {
///         Ok(Reply::json(serde_json::json!({"audited": issue.issue.id})))
///     }
/// }
/// # let _ = kiket_sdk::Router::new().on::<IssueCreatedV1, _>(Audit);
/// ```
pub trait Handler<P>: Send + Sync + 'static {
    /// Handles one delivery.
    fn call(&self, payload: P, context: HandlerContext) -> impl Future<Output = HandlerResult> + Send;
}

impl<P, F, Fut, R> Handler<P> for F
where
    P: Send + 'static,
    F: Fn(P, HandlerContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, HandlerError>> + Send + 'static,
    R: IntoReply,
{
    fn call(&self, payload: P, context: HandlerContext) -> impl Future<Output = HandlerResult> + Send {
        answer((self)(payload, context))
    }
}

/// A function handler's future, its success value turned into a [`Reply`]. Used by the
/// generated per-event traits too.
#[doc(hidden)]
pub async fn answer<R: IntoReply>(future: impl Future<Output = Result<R, HandlerError>>) -> HandlerResult {
    future.await.map(IntoReply::into_reply)
}
