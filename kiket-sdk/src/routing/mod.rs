//! The router: which handler answers which event and version.
//!
//! Registration is type-checked: [`Router::on`] only accepts handlers of catalogued payload
//! types (`P: EventPayload`), whose event name and version come from the type itself. Events
//! outside the catalog are reachable through [`Router::raw`] with a `serde_json::Value`
//! payload. [`Router::ignore`] answers an event with `{"ok":true}` without running anything,
//! so exhaustive registration can say "not interested" visibly.

pub mod version;

use crate::handler::{Handler, HandlerContext, HandlerError, Reply};
use crate::payload::{self, PayloadError};
use kiket_types::catalog::{EventPayload, RuntimeFields};
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

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
}

/// Where the runtime fields of a payload type come from.
trait RuntimeSource<P>: Send + Sync + 'static {
    fn fields(payload: &P) -> Option<RuntimeFields<'_>>;
}

/// Catalogued payloads hand them over (`EventPayload::runtime_fields`).
struct FromPayload;

impl<P: EventPayload> RuntimeSource<P> for FromPayload {
    fn fields(payload: &P) -> Option<RuntimeFields<'_>> {
        payload.runtime_fields()
    }
}

/// Raw payloads do not: the runtime scans the body for them.
struct FromBody;

impl<P> RuntimeSource<P> for FromBody {
    fn fields(_: &P) -> Option<RuntimeFields<'_>> {
        None
    }
}

/// A handler of payload type `P`, whose runtime fields come from `S`.
struct Typed<P, H, S> {
    handler: H,
    _payload: PhantomData<fn() -> (P, S)>,
}

impl<P, H, S> Typed<P, H, S> {
    fn new(handler: H) -> Self {
        Self { handler, _payload: PhantomData }
    }
}

/// A decoded payload and the handler it is for.
struct Call<'a, P, H, S> {
    handler: &'a H,
    payload: P,
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
        let payload = payload::decode::<P>(event, version, body)?;
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
        handler.call(payload, context)
    }
}

struct Ignored;

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
}

/// One registered route.
#[derive(Clone)]
pub(crate) struct Route {
    pub(crate) handler: Arc<dyn ErasedHandler>,
    pub(crate) required_scopes: Arc<[String]>,
    /// Event name and registered version, shared with every context of this route.
    pub(crate) event: Arc<str>,
    pub(crate) version: Arc<str>,
    /// Invocation counters, attached when the extension is built.
    pub(crate) counters: Option<Arc<crate::telemetry::RouteCounters>>,
}

/// Handlers by event and version.
#[derive(Default, Clone)]
pub struct Router {
    routes: HashMap<String, HashMap<String, Route>>,
    duplicates: Vec<String>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router").field("registered", &self.registered_events()).finish()
    }
}

impl Router {
    /// An empty router.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a typed handler for the event and version of its payload type `P`.
    ///
    /// ```
    /// use kiket_sdk::{HandlerContext, HandlerResult, Reply, Router};
    /// use kiket_types::IssueCreatedV1;
    ///
    /// async fn on_created(issue: IssueCreatedV1, _ctx: HandlerContext) -> HandlerResult {
    ///     Ok(Reply::json(serde_json::json!({"title": issue.issue.title})))
    /// }
    /// let router = Router::new().on::<IssueCreatedV1, _>(on_created);
    /// assert_eq!(router.registered_events(), ["issue.created@v1"]);
    /// ```
    pub fn on<P: EventPayload, H: Handler<P>>(self, handler: H) -> Self {
        let scopes = handler.required_scopes();
        self.insert(P::EVENT, P::VERSION, Arc::new(Typed::<P, H, FromPayload>::new(handler)), scopes)
    }

    /// Registers a raw handler for any event and version, catalogued or not; it receives the
    /// body as `serde_json::Value`. A raw registration of a catalogued pair replaces nothing:
    /// registering the same pair twice is reported when the extension is built.
    pub fn raw<H: Handler<serde_json::Value>>(self, event: &str, version: &str, handler: H) -> Self {
        let scopes = handler.required_scopes();
        self.insert(event, version, Arc::new(Typed::<serde_json::Value, H, FromBody>::new(handler)), scopes)
    }

    /// Answers `P`'s event and version with `{"ok":true}` without decoding or running anything.
    pub fn ignore<P: EventPayload>(self) -> Self {
        self.insert(P::EVENT, P::VERSION, Arc::new(Ignored), Vec::new())
    }

    fn insert(mut self, event: &str, version: &str, handler: Arc<dyn ErasedHandler>, scopes: Vec<String>) -> Self {
        let route = Route {
            handler,
            required_scopes: scopes.into(),
            event: Arc::from(event),
            version: Arc::from(version),
            counters: None,
        };
        let versions = self.routes.entry(event.to_owned()).or_default();
        if versions.insert(version.to_owned(), route).is_some() {
            self.duplicates.push(format!("{event}@{version}"));
        }
        self
    }

    /// Every registered `event@version`, sorted.
    pub fn registered_events(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .routes
            .iter()
            .flat_map(|(event, versions)| versions.keys().map(move |v| format!("{event}@{v}")))
            .collect();
        out.sort();
        out
    }

    /// `true` when some version of `event` has a handler.
    pub fn handles_event(&self, event: &str) -> bool {
        self.routes.get(event).is_some_and(|v| !v.is_empty())
    }

    /// Gives every route its counters in `metrics`.
    pub(crate) fn attach_counters(&mut self, metrics: &crate::telemetry::Metrics) {
        for (event, versions) in &mut self.routes {
            for (version, route) in versions.iter_mut() {
                route.counters = Some(metrics.route(event, version));
            }
        }
    }

    /// Pairs registered more than once (an error when the extension is built).
    pub fn duplicates(&self) -> &[String] {
        &self.duplicates
    }

    /// The registered version label that a delivery of `event`@`version` is routed to (exact
    /// label first, then `1` ≡ `v1`), or `None` when nothing handles it.
    pub fn lookup(&self, event: &str, version: &str) -> Option<String> {
        self.find(event, version).map(|route| route.version.to_string())
    }

    /// The route of `event`@`version`: exact label first, then the other spelling of a
    /// numeric version. Returns the registered version label with the route.
    pub(crate) fn find(&self, event: &str, version: &str) -> Option<&Route> {
        let versions = self.routes.get(event)?;
        if let Some(route) = versions.get(version) {
            return Some(route);
        }
        versions.get(&version::alternate(version)?)
    }
}
