//! What an extension implements: handlers, their errors, replies and context.
//!
//! [`Handler<P>`] is the generic trait the router stores; the `kiket` facade generates one
//! named trait per catalogued event (`IssueCreatedV1Handler`) on top of it. Closures
//! `Fn(P, HandlerContext) -> impl Future<Output = HandlerResult>` are handlers too.

mod context;
mod error;
mod reply;
pub mod respond;

pub use crate::verify::{AuthContext, ScopeError};
pub use context::HandlerContext;
pub(crate) use context::{ContextParts, ContextShared};
pub use error::HandlerError;
pub use reply::Reply;

use std::future::Future;

/// What a handler returns.
pub type HandlerResult = Result<Reply, HandlerError>;

/// Handles deliveries whose payload decodes into `P`.
///
/// `P` is a catalogued payload type (`kiket_types::IssueCreatedV1`) for typed handlers, or
/// `serde_json::Value` for raw handlers of events outside the catalog.
#[async_trait::async_trait]
pub trait Handler<P>: Send + Sync + 'static {
    /// Handles one delivery.
    async fn call(&self, payload: P, context: HandlerContext) -> HandlerResult;

    /// Scopes the runtime token must grant before this handler runs (checked by the router;
    /// failure answers 403). Only the literal `*` is a wildcard.
    fn required_scopes(&self) -> Vec<String> {
        Vec::new()
    }
}

#[async_trait::async_trait]
impl<P, F, Fut> Handler<P> for F
where
    P: Send + 'static,
    F: Fn(P, HandlerContext) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerResult> + Send + 'static,
{
    async fn call(&self, payload: P, context: HandlerContext) -> HandlerResult {
        (self)(payload, context).await
    }
}

/// A handler with required scopes attached: `Scoped::new(["custom_data.write"], handler)`.
#[derive(Debug, Clone)]
pub struct Scoped<H> {
    scopes: Vec<String>,
    /// The wrapped handler.
    pub handler: H,
}

impl<H> Scoped<H> {
    /// Requires `scopes` before `handler` runs.
    pub fn new<S: Into<String>>(scopes: impl IntoIterator<Item = S>, handler: H) -> Self {
        Self { scopes: scopes.into_iter().map(Into::into).collect(), handler }
    }

    /// The scopes this wrapper requires.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}

#[async_trait::async_trait]
impl<P: Send + 'static, H: Handler<P>> Handler<P> for Scoped<H> {
    async fn call(&self, payload: P, context: HandlerContext) -> HandlerResult {
        self.handler.call(payload, context).await
    }

    fn required_scopes(&self) -> Vec<String> {
        let mut scopes = self.handler.required_scopes();
        scopes.extend(self.scopes.iter().cloned());
        scopes
    }
}
