//! What an extension implements: handlers, their errors, replies and context.
//!
//! [`Handler<P>`] is the generic trait the router stores; the `kiket` facade generates one
//! named trait per catalogued event (`IssueCreatedV1Handler`) on top of it. Both are plain
//! traits: implement them with an `async fn`, no attribute macro and no extra dependency.
//! Functions and closures `Fn(P, HandlerContext) -> impl Future<Output = Result<R,
//! HandlerError>>` are handlers too, for any `R:` [`IntoReply`] (`()`, [`Reply`],
//! [`respond::Decision`], `serde_json::Value`, [`Json`]).

mod context;
mod delivery;
mod error;
mod hook;
mod reply;
pub mod respond;

pub use crate::verify::{AuthContext, ScopeError};
pub use context::HandlerContext;
pub(crate) use context::{ContextParts, ContextShared};
pub use delivery::Delivery;
pub use error::HandlerError;
pub(crate) use hook::{run_chain, ErasedHook};
pub use hook::{Hook, Next};
pub use reply::{IntoReply, Json, Reply};
pub use respond::Decision;

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

    /// Scopes the runtime token must grant before this handler runs (checked by the router;
    /// failure answers 403). Only the literal `*` is a wildcard.
    fn required_scopes(&self) -> Vec<String> {
        Vec::new()
    }

    /// `true` for [`Deferred`](crate::queue::Deferred): the server stores the delivery and a
    /// worker runs the handler. Not meant to be overridden.
    #[doc(hidden)]
    fn deferred(&self) -> bool {
        false
    }
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

/// A handler with required scopes attached: `Scoped::new(["custom_data.write"], handler)`.
///
/// ```
/// use kiket_sdk::testing::{SignedRequest, TestClient, TestKeys};
/// use kiket_sdk::{Config, Extension, HandlerContext, Router, Scoped};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keys = TestKeys::generate("kid-1");
/// let router = Router::new().raw(
///     "crm.sync",
///     "v1",
///     Scoped::new(["custom_data.write"], |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) }),
/// );
/// let config = Config::builder().webhook_secret("whsec_test").jwks_source(keys.jwks_source()).build()?;
/// let client = TestClient::new(Extension::new(router, config)?.into_router());
///
/// let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
/// let token = keys.runtime_token(&["custom_data.read"], now); // lacks `custom_data.write`
/// let request = SignedRequest::new("crm.sync", "v1", &serde_json::json!({})).secret("whsec_test").runtime_token(token);
/// assert_eq!(client.send(&request).await.status, 403);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Scoped<H> {
    scopes: Vec<String>,
    /// The wrapped handler.
    pub handler: H,
}

impl<H> Scoped<H> {
    /// Requires `scopes` before `handler` runs.
    ///
    /// ```
    /// let scoped = kiket_sdk::Scoped::new(["custom_data.write", "notifications.send"], ());
    /// assert_eq!(scoped.scopes(), ["custom_data.write", "notifications.send"]);
    /// ```
    pub fn new<S: Into<String>>(scopes: impl IntoIterator<Item = S>, handler: H) -> Self {
        Self { scopes: scopes.into_iter().map(Into::into).collect(), handler }
    }

    /// The scopes this wrapper requires.
    ///
    /// ```
    /// let scoped = kiket_sdk::Scoped::new(["workflows.execute"], ());
    /// assert_eq!(scoped.scopes(), ["workflows.execute"]);
    /// ```
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}

impl<P: Send + 'static, H: Handler<P>> Handler<P> for Scoped<H> {
    fn call(&self, payload: P, context: HandlerContext) -> impl Future<Output = HandlerResult> + Send {
        self.handler.call(payload, context)
    }

    fn required_scopes(&self) -> Vec<String> {
        let mut scopes = self.handler.required_scopes();
        scopes.extend(self.scopes.iter().cloned());
        scopes
    }

    fn deferred(&self) -> bool {
        self.handler.deferred()
    }
}

impl<P: Send + 'static, H: Handler<P>> Handler<P> for crate::queue::Deferred<H> {
    fn call(&self, payload: P, context: HandlerContext) -> impl Future<Output = HandlerResult> + Send {
        self.handler.call(payload, context)
    }

    fn required_scopes(&self) -> Vec<String> {
        self.handler.required_scopes()
    }

    fn deferred(&self) -> bool {
        true
    }
}
