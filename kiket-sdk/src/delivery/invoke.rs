//! Stage 7, handle: runs a decoded handler, inside the router's hooks, under the panic guard
//! and the handler timeout.

use super::deadline::within;
use super::{Answer, DeliveryError};
use crate::handler::{run_chain, ErasedHook, HandlerContext};
use crate::panic_guard::Guarded;
use crate::routing::Decoded;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use tokio::time::Instant;

/// Runs the decoded handler with `context` inside `hooks` (not around an ignored route), all
/// together until `deadline` at most; its reply as JSON bytes ([`Answer::Handled`]).
pub(crate) async fn invoke<'a>(
    call: Box<dyn Decoded<'a> + 'a>,
    context: HandlerContext,
    hooks: &[Arc<dyn ErasedHook>],
    deadline: Instant,
) -> Result<Answer, DeliveryError> {
    let call = if hooks.is_empty() || !call.runs_handler() {
        call.call(context)
    } else {
        run_chain(hooks, context, Box::new(move |context| call.call(context)))
    };
    let call = Guarded(call);
    match within(deadline, AssertUnwindSafe(call).catch_unwind()).await {
        Err(_elapsed) => Err(DeliveryError::TimedOut),
        Ok(Err(_panic)) => Err(DeliveryError::Panicked),
        Ok(Ok(Err(error))) => Err(DeliveryError::Handler(error)),
        Ok(Ok(Ok(reply))) => reply.into_bytes().map(Answer::Handled).map_err(|reason| {
            tracing::error!(%reason, "handler reply could not be encoded as JSON");
            DeliveryError::ReplyEncoding
        }),
    }
}
