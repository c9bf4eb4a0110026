//! Stage 7, handle: runs a decoded handler under the panic guard and the handler timeout.

use super::DeliveryError;
use crate::handler::HandlerContext;
use crate::panic_guard::Guarded;
use crate::routing::Decoded;
use bytes::Bytes;
use futures_util::FutureExt;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

/// Runs the decoded handler with `context`, at most for `timeout`; its reply as JSON bytes.
pub(crate) async fn invoke(
    call: Box<dyn Decoded<'_> + '_>,
    context: HandlerContext,
    timeout: Duration,
) -> Result<Bytes, DeliveryError> {
    let call = Guarded(call.call(context));
    match tokio::time::timeout(timeout, AssertUnwindSafe(call).catch_unwind()).await {
        Err(_elapsed) => Err(DeliveryError::TimedOut),
        Ok(Err(_panic)) => Err(DeliveryError::Panicked),
        Ok(Ok(Err(error))) => Err(DeliveryError::Handler(error)),
        Ok(Ok(Ok(reply))) => reply.into_bytes().map_err(|reason| {
            tracing::error!(%reason, "handler reply could not be encoded as JSON");
            DeliveryError::ReplyEncoding
        }),
    }
}
