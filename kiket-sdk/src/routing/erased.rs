//! Type erasure of handlers, and the prepare stage of a delivery.
//!
//! A route stores its handler as an [`ErasedHandler`]: it decodes a body into a [`Decoded`]
//! call that is ready to run once it has a context. Catalogued payloads hand over their
//! runtime fields from the typed decode; raw and ignored handlers do not, and the body is
//! scanned for them instead ([`scan_runtime`]).

use super::Route;
use crate::handler::{ExternalWebhook, Handler, HandlerContext, HandlerError, Reply};
use crate::panic_guard;
use crate::payload::{self, scan_runtime, PayloadError};
use kiket_types::catalog::{EventPayload, RuntimeFields, RuntimeScan};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A handler with its payload type erased: decodes a body into a call that is ready to run.
pub(crate) trait ErasedHandler: Send + Sync + 'static {
    /// Decodes `body` for this handler (`event`@`version` name the delivery in errors).
    fn decode<'a>(&'a self, event: &str, version: &str, body: &[u8])
        -> Result<Box<dyn Decoded<'a> + 'a>, PayloadError>;
}

/// A decoded delivery, waiting for its context.
pub(crate) trait Decoded<'a>: Send + Sync {
    /// The runtime fields read by the typed decode, or `None` when the payload type does not
    /// carry them (raw and ignored handlers, schemas without the runtime block).
    fn runtime_fields(&self) -> Option<RuntimeFields<'_>>;

    /// Runs the handler with the decoded payload.
    fn call(self: Box<Self>, context: HandlerContext) -> BoxFuture<'a, Result<Reply, HandlerError>>;

    /// `false` when the route runs no code (`Router::ignore`): hooks are not run around it.
    fn runs_handler(&self) -> bool {
        true
    }
}

/// Where the runtime fields of a payload type come from.
pub(crate) trait RuntimeSource<P>: Send + Sync + 'static {
    fn fields(payload: &P) -> Option<RuntimeFields<'_>>;
}

/// Catalogued payloads hand them over (`EventPayload::runtime_fields`).
pub(crate) struct FromPayload;

impl<P: EventPayload> RuntimeSource<P> for FromPayload {
    fn fields(payload: &P) -> Option<RuntimeFields<'_>> {
        payload.runtime_fields()
    }
}

/// Raw payloads do not: the runtime scans the body for them.
pub(crate) struct FromBody;

impl<P> RuntimeSource<P> for FromBody {
    fn fields(_: &P) -> Option<RuntimeFields<'_>> {
        None
    }
}

/// A handler of payload type `P`, whose runtime fields come from `S`.
pub(crate) struct Typed<P, H, S> {
    handler: H,
    _payload: PhantomData<fn() -> (P, S)>,
}

impl<P, H, S> Typed<P, H, S> {
    pub(crate) fn new(handler: H) -> Self {
        Self { handler, _payload: PhantomData }
    }
}

/// A decoded payload and the handler it is for. The payload (up to about a kilobyte) is
/// decoded straight into its box, so it is not copied again on its way to the handler.
struct Call<'a, P, H, S> {
    handler: &'a H,
    payload: Box<P>,
    _source: PhantomData<fn() -> S>,
}

impl<P, H, S> ErasedHandler for Typed<P, H, S>
where
    P: DeserializeOwned + Send + Sync + 'static,
    H: Handler<P>,
    S: RuntimeSource<P>,
{
    fn decode<'a>(
        &'a self,
        event: &str,
        version: &str,
        body: &[u8],
    ) -> Result<Box<dyn Decoded<'a> + 'a>, PayloadError> {
        let payload = payload::decode::<Box<P>>(event, version, body)?;
        Ok(Box::new(Call::<P, H, S> { handler: &self.handler, payload, _source: PhantomData }))
    }
}

impl<'a, P, H, S> Decoded<'a> for Call<'a, P, H, S>
where
    P: Send + Sync + 'static,
    H: Handler<P>,
    S: RuntimeSource<P>,
{
    fn runtime_fields(&self) -> Option<RuntimeFields<'_>> {
        S::fields(&self.payload)
    }

    fn call(self: Box<Self>, context: HandlerContext) -> BoxFuture<'a, Result<Reply, HandlerError>> {
        let Call { handler, payload, .. } = *self;
        Box::pin(handler.call(*payload, context))
    }
}

/// The handler of every external webhook: the body handed over as it is, never parsed.
pub(crate) struct External<H>(pub(crate) H);

impl<H: Handler<ExternalWebhook>> ErasedHandler for External<H> {
    fn decode<'a>(&'a self, _: &str, _: &str, body: &[u8]) -> Result<Box<dyn Decoded<'a> + 'a>, PayloadError> {
        Ok(Box::new(Call::<ExternalWebhook, H, FromBody> {
            handler: &self.0,
            payload: Box::new(ExternalWebhook::from(body)),
            _source: PhantomData,
        }))
    }
}

pub(crate) struct Ignored;

impl ErasedHandler for Ignored {
    fn decode<'a>(&'a self, _: &str, _: &str, _body: &[u8]) -> Result<Box<dyn Decoded<'a> + 'a>, PayloadError> {
        Ok(Box::new(Ignored))
    }
}

impl<'a> Decoded<'a> for Ignored {
    fn runtime_fields(&self) -> Option<RuntimeFields<'_>> {
        None
    }

    fn call(self: Box<Self>, _context: HandlerContext) -> BoxFuture<'a, Result<Reply, HandlerError>> {
        Box::pin(std::future::ready(Ok(Reply::ok())))
    }

    fn runs_handler(&self) -> bool {
        false
    }
}

/// Why a payload could not be decoded for its handler.
#[derive(Debug)]
pub(crate) enum DecodeError {
    /// The body does not match the payload type.
    Payload(PayloadError),
    /// The payload type's `Deserialize` panicked (message withheld).
    Panicked,
}

impl From<PayloadError> for DecodeError {
    fn from(error: PayloadError) -> Self {
        Self::Payload(error)
    }
}

/// A delivery ready for authorisation: its runtime fields are at hand, and its payload is
/// decoded (a decoding error held until the token and scopes are checked) or still to decode.
pub(crate) struct Prepared<'r, 'b> {
    decoded: Option<Result<Box<dyn Decoded<'r> + 'r>, DecodeError>>,
    scan: Option<RuntimeScan<'b>>,
}

/// Prepares `body` for `route` (`None`: nothing handles `event`@`version`, which is answered
/// only after authentication). With `decode_now` (the body's signature verified) the payload
/// is decoded at once and, when its type carries them, the runtime fields come from it;
/// otherwise only the runtime fields are scanned and nothing is decoded before the token.
/// The body of an external webhook is a third party's: it has no runtime fields and is never
/// scanned for them.
///
/// Fails only when the runtime fields themselves cannot be read (400 / 422).
pub(crate) fn prepare<'r, 'b>(
    route: Option<&'r Route>,
    event: &str,
    version: &str,
    body: &'b [u8],
    decode_now: bool,
) -> Result<Prepared<'r, 'b>, PayloadError> {
    let decoded = route.filter(|_| decode_now).map(|route| decode(route, body));
    let typed_fields = matches!(&decoded, Some(Ok(call)) if call.runtime_fields().is_some());
    let scanned = !typed_fields && !route.is_some_and(|route| route.external);
    let scan = if scanned { Some(scan_runtime(event, version, body)?) } else { None };
    Ok(Prepared { decoded, scan })
}

impl<'r> Prepared<'r, '_> {
    /// The runtime token, secrets and API address of the delivery.
    pub(crate) fn fields(&self) -> RuntimeFields<'_> {
        match (&self.decoded, &self.scan) {
            (_, Some(scan)) => scan.fields(),
            (Some(Ok(call)), None) => call.runtime_fields().unwrap_or_default(),
            (_, None) => RuntimeFields::default(),
        }
    }

    /// The call to run: the payload decoded now, or the decoding done (or failed) earlier.
    pub(crate) fn into_call(self, route: &'r Route, body: &[u8]) -> Result<Box<dyn Decoded<'r> + 'r>, DecodeError> {
        match self.decoded {
            Some(decoded) => decoded,
            None => decode(route, body),
        }
    }
}

/// Decodes `body` for `route`'s handler; a panic while decoding is caught like a handler's.
fn decode<'r>(route: &'r Route, body: &[u8]) -> Result<Box<dyn Decoded<'r> + 'r>, DecodeError> {
    match panic_guard::catch(|| route.handler.decode(&route.event, &route.version, body)) {
        Some(Ok(call)) => Ok(call),
        Some(Err(error)) => Err(DecodeError::Payload(error)),
        None => Err(DecodeError::Panicked),
    }
}
