//! The router: which handler answers which event and version.
//!
//! Registration is type-checked: [`Router::on`] only accepts handlers of catalogued payload
//! types (`P: EventPayload`), whose event name and version come from the type itself. Events
//! outside the catalog are reachable through [`Router::raw`] with a `serde_json::Value`
//! payload. [`Router::ignore`] answers an event with `{"ok":true}` without running anything,
//! so exhaustive registration can say "not interested" visibly. What a route is beyond its
//! handler (scopes, deferral) is set right after it is registered (`options`).
//!
//! `prepare` (in `erased`) makes a delivery ready for authorisation: it decodes now when
//! the body's signature verified, or scans just the runtime fields, and holds a decoding error
//! until the token and scopes are checked.

mod erased;
mod options;
pub mod version;

pub(crate) use erased::{prepare, DecodeError, Decoded, Prepared};
use erased::{ErasedHandler, External, FromBody, FromPayload, Ignored, Typed};
pub(crate) use options::{Mode, RouteOptions};

use crate::handler::{external_webhook_name, ErasedHook, ExternalWebhook, Handler, Hook, EXTERNAL_WEBHOOKS};
use kiket_types::catalog::EventPayload;
use std::collections::HashMap;
use std::sync::Arc;

/// One registered route.
#[derive(Clone)]
pub(crate) struct Route {
    /// Position in registration order (`0..Router::len`): what per-route state elsewhere
    /// (telemetry counters) is indexed by.
    pub(crate) id: usize,
    pub(crate) handler: Arc<dyn ErasedHandler>,
    /// Event name and registered version, shared with every context of this route.
    pub(crate) event: Arc<str>,
    pub(crate) version: Arc<str>,
    /// Scopes, mode and timeout, set at registration (the timeout completed at start-up from
    /// the manifest's hooks).
    pub(crate) options: RouteOptions,
    /// The route of every `external.webhook.<name>` ([`Router::external_webhooks`]): its body is
    /// a third party's, never read for Kiket's runtime fields; the delivery's own event and
    /// version name its runs.
    pub(crate) external: bool,
}

/// The version label of the one route of every external webhook: it answers every version.
const ANY_VERSION: &str = "*";

impl Route {
    /// The event and version a delivery of `event`@`version` routed here runs as: the route's
    /// own (shared, no copy), or for the external webhooks' route the delivery's.
    pub(crate) fn identity(&self, event: &str, version: &str) -> (Arc<str>, Arc<str>) {
        if self.external {
            (Arc::from(event), Arc::from(version))
        } else {
            (self.event.clone(), self.version.clone())
        }
    }
}

/// Handlers by event and version.
///
/// ```
/// use kiket_sdk::{Config, Extension, HandlerContext, Router};
/// use kiket_sdk::testing::{SignedRequest, TestClient};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let router = Router::new()
///     .raw("billing.invoice_paid", "v1", |invoice: serde_json::Value, _ctx: HandlerContext| async move {
///         Ok(serde_json::json!({"ok": true, "invoice": invoice["id"]}))
///     });
/// let config = Config::builder().webhook_secret("whsec_test").build()?;
/// let client = TestClient::new(Extension::new(router, config)?.into_router());
///
/// let delivery = SignedRequest::new("billing.invoice_paid", "v1", &serde_json::json!({"id": "inv_7"})).secret("whsec_test");
/// let answer = client.send(&delivery).await;
/// assert_eq!(answer.status, 200);
/// assert_eq!(answer.body["invoice"], "inv_7");
/// # Ok(()) }
/// ```
#[derive(Default, Clone)]
pub struct Router {
    routes: HashMap<String, HashMap<String, Route>>,
    duplicates: Vec<String>,
    next_id: usize,
    hooks: Vec<Arc<dyn ErasedHook>>,
    /// The route registered last: where the next route option applies.
    last: Option<(String, String)>,
    /// Route options called before any route was registered (an error at start-up).
    unplaced: Vec<&'static str>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("registered", &self.registered_events())
            .field("hooks", &self.hooks.len())
            .finish()
    }
}

impl Router {
    /// An empty router.
    ///
    /// ```
    /// let router = kiket_sdk::Router::new();
    /// assert!(router.registered_events().is_empty());
    /// ```
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
        self.insert(P::EVENT, P::VERSION, Arc::new(Typed::<P, H, FromPayload>::new(handler)))
    }

    /// Registers a raw handler for any event and version, catalogued or not; it receives the
    /// body as `serde_json::Value`. A raw registration of a catalogued pair replaces nothing:
    /// registering the same pair twice is reported when the extension is built.
    ///
    /// ```
    /// use kiket_sdk::{HandlerContext, Router};
    /// // An event the catalog does not know yet (or any event, untyped).
    /// let router = Router::new().raw("billing.invoice_paid", "v1", |body: serde_json::Value, _ctx: HandlerContext| async move {
    ///     tracing::info!(amount = %body["amount"], "invoice paid");
    ///     Ok(())
    /// });
    /// assert_eq!(router.registered_events(), ["billing.invoice_paid@v1"]);
    /// ```
    pub fn raw<H: Handler<serde_json::Value>>(self, event: &str, version: &str, handler: H) -> Self {
        self.insert(event, version, Arc::new(Typed::<serde_json::Value, H, FromBody>::new(handler)))
    }

    /// Registers one handler for every third-party callback the platform relays
    /// (`external.webhook.<name>`, PROTOCOL §9.2), at any version. It receives the body exactly
    /// as it arrived ([`ExternalWebhook`]: JSON, a form, anything), and the callback's name as
    /// [`ctx.delivery().external_webhook()`](crate::Delivery::external_webhook).
    ///
    /// The delivery is verified as any other (its Kiket signature, a runtime token when the
    /// configuration requires one), but its body is the third party's: nothing in it is read
    /// as Kiket's runtime fields (no runtime token, per-organisation secrets, API address or
    /// event name comes from it), so an extension that authenticates by runtime token only
    /// cannot accept these. A route registered for one exact name (`raw("external.webhook.x",
    /// ..)`) takes that name instead.
    ///
    /// ```
    /// use kiket_sdk::{Config, Extension, ExternalWebhook, HandlerContext, Router};
    /// use kiket_sdk::testing::{SignedRequest, TestClient};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let router = Router::new().external_webhooks(|hook: ExternalWebhook, ctx: HandlerContext| async move {
    ///     let name = ctx.delivery().external_webhook().unwrap_or_default().to_owned();
    ///     Ok(serde_json::json!({"name": name, "bytes": hook.len()}))
    /// });
    /// let config = Config::builder().webhook_secret("whsec_test").build()?;
    /// let client = TestClient::new(Extension::new(router, config)?.into_router());
    ///
    /// // A form, not JSON; its own `event` field is the third party's business.
    /// let callback = SignedRequest::new("external.webhook.sms_status", "v1", &())
    ///     .raw_body(&b"MessageStatus=delivered&event=other"[..])
    ///     .secret("whsec_test");
    /// let answer = client.send(&callback).await;
    /// assert_eq!(answer.status, 200);
    /// assert_eq!(answer.body["name"], "sms_status");
    /// # Ok(()) }
    /// ```
    pub fn external_webhooks<H: Handler<ExternalWebhook>>(self, handler: H) -> Self {
        self.insert(EXTERNAL_WEBHOOKS, ANY_VERSION, Arc::new(External(handler)))
    }

    /// Runs `hook` around every handler of this router (also those registered before this
    /// call), for verified, authorised, first-time deliveries only. Hooks run in registration
    /// order: the first registered is the outermost. See [`Hook`].
    ///
    /// ```
    /// use kiket_sdk::{HandlerContext, HandlerResult, Hook, Next, Router};
    ///
    /// struct Timed;
    ///
    /// impl Hook for Timed {
    ///     async fn around(&self, ctx: &HandlerContext, next: Next<'_>) -> HandlerResult {
    ///         let started = std::time::Instant::now();
    ///         let result = next.run().await;
    ///         tracing::info!(event = ctx.event(), took_ms = started.elapsed().as_millis() as u64, "handled");
    ///         result
    ///     }
    /// }
    ///
    /// let router = Router::new()
    ///     .raw("crm.sync", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) })
    ///     .hook(Timed);
    /// # drop(router);
    /// ```
    pub fn hook<H: Hook>(mut self, hook: H) -> Self {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// The hooks, outermost first.
    pub(crate) fn hooks(&self) -> &[Arc<dyn ErasedHook>] {
        &self.hooks
    }

    /// Answers `P`'s event and version with `{"ok":true}` without decoding or running anything.
    ///
    /// ```
    /// use kiket_types::SlaWarningV1;
    /// // Subscribed in the manifest, but nothing to do: answered `{"ok":true}`, never decoded.
    /// let router = kiket_sdk::Router::new().ignore::<SlaWarningV1>();
    /// assert!(router.handles_event("sla.warning"));
    /// ```
    pub fn ignore<P: EventPayload>(self) -> Self {
        self.insert(P::EVENT, P::VERSION, Arc::new(Ignored))
    }

    fn insert(mut self, event: &str, version: &str, handler: Arc<dyn ErasedHandler>) -> Self {
        let route = Route {
            id: self.next_id,
            handler,
            event: Arc::from(event),
            version: Arc::from(version),
            options: RouteOptions::default(),
            external: event == EXTERNAL_WEBHOOKS,
        };
        self.next_id += 1;
        let versions = self.routes.entry(event.to_owned()).or_default();
        if versions.insert(version.to_owned(), route).is_some() {
            self.duplicates.push(format!("{event}@{version}"));
        }
        self.last = Some((event.to_owned(), version.to_owned()));
        self
    }

    /// Applies a route option (`name`, for the start-up error) to the route registered last.
    fn configure_last(mut self, name: &'static str, configure: impl FnOnce(&mut RouteOptions)) -> Self {
        let route = self.last.as_ref().and_then(|(event, version)| self.routes.get_mut(event)?.get_mut(version));
        match route {
            Some(route) => configure(&mut route.options),
            None => self.unplaced.push(name),
        }
        self
    }

    /// Routes whose event is not catalogued but one edit from a catalogued one (`issue.creatd`):
    /// most likely a typo, which would answer 404 to every delivery of the real event.
    pub(crate) fn near_misses(&self) -> Vec<(String, &'static str)> {
        let mut misses: Vec<(String, &'static str)> = self
            .routes
            .keys()
            .filter_map(|event| Some((event.clone(), kiket_types::catalog::nearest_event(event, 1)?)))
            .collect();
        misses.sort();
        misses
    }

    /// Gives every inline route without a timeout of its own the one `deadline` names for its
    /// event, when it names one (the manifest's hook, at start-up).
    pub(crate) fn complete_timeouts(&mut self, deadline: impl Fn(&str) -> Option<std::time::Duration>) {
        let routes = self.routes.values_mut().flat_map(HashMap::values_mut);
        for route in routes.filter(|route| route.options.mode == Mode::Invoke && route.options.timeout.is_none()) {
            route.options.timeout = deadline(&route.event);
        }
    }

    /// Deferred routes that also set a timeout (the extension refuses to start), sorted.
    pub(crate) fn timed_deferred(&self) -> Vec<String> {
        self.labels(|route| route.options.mode == Mode::Defer && route.options.timeout.is_some())
    }

    /// `event@version` of every route `keep` keeps, sorted.
    fn labels(&self, keep: impl Fn(&Route) -> bool) -> Vec<String> {
        let mut out: Vec<String> =
            self.routes().filter(|route| keep(route)).map(|r| format!("{}@{}", r.event, r.version)).collect();
        out.sort();
        out
    }

    /// Route options called before any route was registered (the extension refuses to start).
    pub(crate) fn unplaced_options(&self) -> &[&'static str] {
        &self.unplaced
    }

    /// Every route, in no particular order; ids are below [`Self::route_slots`].
    pub(crate) fn routes(&self) -> impl Iterator<Item = &Route> {
        self.routes.values().flat_map(HashMap::values)
    }

    /// One more than the highest route id.
    pub(crate) fn route_slots(&self) -> usize {
        self.next_id
    }

    /// Every registered `event@version`, sorted.
    ///
    /// ```
    /// use kiket_sdk::{HandlerContext, Router};
    /// let noop = |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) };
    /// let router = Router::new().raw("b.event", "v2", noop).raw("a.event", "v1", noop);
    /// assert_eq!(router.registered_events(), ["a.event@v1", "b.event@v2"]);
    /// ```
    pub fn registered_events(&self) -> Vec<String> {
        self.labels(|_| true)
    }

    /// Every `event@version` registered as [`deferred`](Self::deferred), sorted.
    ///
    /// ```
    /// use kiket_sdk::{HandlerContext, Router};
    /// let router = Router::new()
    ///     .raw("crm.sync", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) })
    ///     .deferred()
    ///     .raw("crm.ping", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) });
    /// assert_eq!(router.deferred_events(), ["crm.sync@v1"]);
    /// ```
    pub fn deferred_events(&self) -> Vec<String> {
        self.labels(|route| route.options.mode == Mode::Defer)
    }

    /// Every event with a handler (any version), sorted.
    ///
    /// ```
    /// use kiket_sdk::{HandlerContext, Router};
    /// let noop = |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) };
    /// let router = Router::new().raw("b.event", "v2", noop).raw("a.event", "v1", noop).raw("a.event", "v2", noop);
    /// assert_eq!(router.handled_events(), ["a.event", "b.event"]);
    /// ```
    pub fn handled_events(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .routes
            .iter()
            .filter(|(_, versions)| !versions.is_empty())
            .map(|(event, _)| event.to_string())
            .collect();
        out.sort();
        out
    }

    /// `true` when some version of `event` has a handler.
    ///
    /// ```
    /// use kiket_sdk::{HandlerContext, Router};
    /// let router = Router::new().raw("crm.sync", "v3", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) });
    /// assert!(router.handles_event("crm.sync"));
    /// assert!(!router.handles_event("crm.delete"));
    /// ```
    pub fn handles_event(&self, event: &str) -> bool {
        let routed = |event: &str| self.routes.get(event).is_some_and(|v| !v.is_empty());
        routed(event)
            || kiket_types::catalog::successor(event).is_some_and(routed)
            || (external_webhook_name(event).is_some() && routed(EXTERNAL_WEBHOOKS))
    }

    /// Pairs registered more than once (an error when the extension is built).
    ///
    /// ```
    /// use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// let noop = |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) };
    /// let router = Router::new().raw("crm.sync", "v1", noop).raw("crm.sync", "v1", noop);
    /// assert_eq!(router.duplicates(), ["crm.sync@v1"]);
    /// // Building the extension refuses the ambiguity.
    /// let config = Config::builder().webhook_secret("whsec_test").build()?;
    /// assert!(Extension::new(router, config).is_err());
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn duplicates(&self) -> &[String] {
        &self.duplicates
    }

    /// The registered version label that a delivery of `event`@`version` is routed to (exact
    /// label first, then `1` ≡ `v1`), or `None` when nothing handles it.
    ///
    /// ```
    /// use kiket_sdk::{HandlerContext, Router};
    /// let router = Router::new().raw("crm.sync", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) });
    /// assert_eq!(router.lookup("crm.sync", "v1").as_deref(), Some("v1"));
    /// assert_eq!(router.lookup("crm.sync", "1").as_deref(), Some("v1")); // `1` ≡ `v1`
    /// assert_eq!(router.lookup("crm.sync", "v2"), None);
    /// ```
    pub fn lookup(&self, event: &str, version: &str) -> Option<String> {
        self.find(event, version).map(|route| route.version.to_string())
    }

    /// The route of `event`@`version`: exact label first, then the other spelling of a
    /// numeric version. Returns the registered version label with the route.
    ///
    /// A legacy event without a route of its own (`issue.created`) reaches the route of the
    /// event that replaced it (`case.created`, PROTOCOL §9.2), so a handler written for today's
    /// names keeps receiving deliveries from installations that have not moved. An
    /// `external.webhook.<name>` without a route of its own reaches the external webhooks'
    /// route, at any version.
    pub(crate) fn find(&self, event: &str, version: &str) -> Option<&Route> {
        let versions = match self.routes.get(event).filter(|versions| !versions.is_empty()) {
            Some(versions) => versions,
            None if external_webhook_name(event).is_some() => {
                return self.routes.get(EXTERNAL_WEBHOOKS)?.get(ANY_VERSION);
            }
            None => self.routes.get(kiket_types::catalog::successor(event)?)?,
        };
        if let Some(route) = versions.get(version) {
            return Some(route);
        }
        versions.get(&version::alternate(version)?)
    }
}
