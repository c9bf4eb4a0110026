//! Hooks: code that runs around every handler of a router, for verified deliveries only.
//!
//! A [`Hook`] sees the delivery the way its handler will — event, version, delivery key,
//! runtime-token claims, headers, all through the [`HandlerContext`] — and decides what
//! happens: call [`Next::run`] to go on (to the next hook, then the handler) and look at the
//! result, or answer without calling it (a feature flag, a per-organisation rate limit). A
//! hook runs inside stage 7 of the delivery: after the signature, the token, the route, the
//! scopes and the replay guard, so it never runs for a forged, unauthorised or replayed
//! delivery, and what it answers is remembered by the replay guard like a handler's answer.
//! The handler timeout and the panic guard cover hooks too.

use super::{HandlerContext, HandlerResult};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Code around every handler of a [`Router`](crate::Router): registered with
/// [`Router::hook`](crate::Router::hook), run in registration order (the first registered is
/// the outermost).
///
/// ```
/// use kiket_sdk::{HandlerContext, HandlerError, HandlerResult, Hook, Next, Reply};
///
/// /// Answers deliveries of one organisation without running anything; logs the rest.
/// struct Paused { organization: String }
///
/// impl Hook for Paused {
///     async fn around(&self, ctx: &HandlerContext, next: Next<'_>) -> HandlerResult {
///         let delivery = ctx.delivery();
///         if ctx.auth().org_id().is_some_and(|id| id.as_str() == self.organization) {
///             return Ok(Reply::json(serde_json::json!({"ok": true, "paused": true})));
///         }
///         let result = next.run().await;
///         tracing::info!(
///             event = delivery.event(),
///             version = delivery.version(),
///             key = delivery.key().unwrap_or("-"),
///             ok = result.is_ok(),
///             "handled"
///         );
///         result
///     }
/// }
/// # let _ = kiket_sdk::Router::new().hook(Paused { organization: "42".into() });
/// ```
pub trait Hook: Send + Sync + 'static {
    /// Runs around the handler: `next.run().await` runs the rest of the chain and returns the
    /// handler's result; returning without calling it answers with what is returned (an
    /// `Ok` reply is a 200, an `Err` answers with the error's status).
    fn around(&self, ctx: &HandlerContext, next: Next<'_>) -> impl Future<Output = HandlerResult> + Send;
}

/// What a hook calls to go on: the remaining hooks, then the handler.
pub struct Next<'a> {
    hooks: &'a [Arc<dyn ErasedHook>],
    handler: Box<dyn FnOnce(HandlerContext) -> BoxFuture<'a, HandlerResult> + Send + 'a>,
    context: HandlerContext,
}

impl std::fmt::Debug for Next<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next").field("hooks_left", &self.hooks.len()).finish_non_exhaustive()
    }
}

impl<'a> Next<'a> {
    /// Runs the remaining hooks and the handler; the handler's result (or what a later hook
    /// answered instead).
    pub async fn run(self) -> HandlerResult {
        run_chain(self.hooks, self.context, self.handler).await
    }
}

/// Runs `hooks` around `handler`, the first hook outermost; with no hooks, just the handler.
pub(crate) fn run_chain<'a>(
    hooks: &'a [Arc<dyn ErasedHook>],
    context: HandlerContext,
    handler: Box<dyn FnOnce(HandlerContext) -> BoxFuture<'a, HandlerResult> + Send + 'a>,
) -> BoxFuture<'a, HandlerResult> {
    match hooks.split_first() {
        None => handler(context),
        Some((hook, rest)) => Box::pin(async move {
            let shown = context.clone();
            hook.around(&shown, Next { hooks: rest, handler, context }).await
        }),
    }
}

/// A [`Hook`] behind a pointer: what the router stores.
pub(crate) trait ErasedHook: Send + Sync + 'static {
    fn around<'f, 'c: 'f, 'n: 'f>(&'f self, ctx: &'c HandlerContext, next: Next<'n>) -> BoxFuture<'f, HandlerResult>;
}

impl<H: Hook> ErasedHook for H {
    fn around<'f, 'c: 'f, 'n: 'f>(&'f self, ctx: &'c HandlerContext, next: Next<'n>) -> BoxFuture<'f, HandlerResult> {
        Box::pin(Hook::around(self, ctx, next))
    }
}
