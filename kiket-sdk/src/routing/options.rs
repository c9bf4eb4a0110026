//! Route options: what a route is beyond its handler, set where it is registered and stored
//! on the [`Route`](super::Route).
//!
//! Each option applies to the route registered just before it:
//!
//! ```
//! use kiket_sdk::{HandlerContext, Router};
//! let noop = |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) };
//! let router = Router::new()
//!     .raw("crm.sync", "v1", noop).requires(["custom_data.write"]).deferred()
//!     .raw("crm.ping", "v1", noop);
//! assert_eq!(router.deferred_events(), ["crm.sync@v1"]);
//! ```
//!
//! An option called before any route is registered names no route: the extension refuses to
//! start and says so ([`StartupError::RouteOption`](crate::StartupError::RouteOption)).

use super::Router;
use std::time::Duration;

/// How stage 7 of the delivery treats a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Mode {
    /// The handler runs now; its reply is the answer.
    #[default]
    Invoke,
    /// The delivery is stored, answered `202`, and a worker runs the handler later.
    Defer,
}

/// What a route is beyond its handler.
#[derive(Debug, Clone, Default)]
pub(crate) struct RouteOptions {
    /// Scopes the runtime token must grant (403 otherwise).
    pub(crate) scopes: Vec<String>,
    pub(crate) mode: Mode,
    /// How long after its arrival an inline delivery's handler may run: set by
    /// [`Router::timeout`], else completed at start-up from the manifest's hook of the event
    /// ([`Hook::handler_deadline`](crate::manifest::Hook::handler_deadline)); `None`: the
    /// configured handler timeout.
    pub(crate) timeout: Option<Duration>,
}

impl Router {
    /// The route registered last runs only when the runtime token grants every one of
    /// `scopes` (checked after authentication, before the handler; 403 with the missing
    /// scopes otherwise). Only the literal `*` is a wildcard. Call it again to require more.
    ///
    /// ```
    /// use kiket_sdk::testing::{SignedRequest, TestClient, TestKeys};
    /// use kiket_sdk::{Config, Extension, HandlerContext, Router};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let keys = TestKeys::generate("kid-1");
    /// let router = Router::new()
    ///     .raw("crm.sync", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) })
    ///     .requires(["custom_data.write"]);
    /// let config = Config::builder().webhook_secret("whsec_test").jwks_source(keys.jwks_source()).build()?;
    /// let client = TestClient::new(Extension::new(router, config)?.into_router());
    ///
    /// let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
    /// let token = keys.runtime_token(&["custom_data.read"], now); // lacks `custom_data.write`
    /// let request = SignedRequest::new("crm.sync", "v1", &serde_json::json!({})).secret("whsec_test").runtime_token(token);
    /// assert_eq!(client.send(&request).await.status, 403);
    /// # Ok(()) }
    /// ```
    pub fn requires<S: Into<String>>(self, scopes: impl IntoIterator<Item = S>) -> Self {
        self.configure_last("requires", |options| options.scopes.extend(scopes.into_iter().map(Into::into)))
    }

    /// The route registered last is deferred (PROTOCOL §8): the server verifies, routes,
    /// decodes and authorises the delivery as usual, stores it, and answers
    /// `202 {"ok":true,"queued":true}`; a worker runs the handler later, at least once, with
    /// the same typed payload (see [`crate::queue`]). Its reply goes nowhere, so an event
    /// whose answer the platform acts on (a decision, action directives) should not be
    /// deferred.
    ///
    /// ```
    /// use kiket_sdk::{HandlerContext, Router};
    ///
    /// // Answered 202 once stored; a worker runs the handler (retried with backoff on failure).
    /// let router = Router::new()
    ///     .raw("crm.sync", "v1", |payload: serde_json::Value, ctx: HandlerContext| async move {
    ///         ctx.endpoints().custom_data(12).create("com.example.crm", "contacts", &payload["issue"]).await?;
    ///         Ok(())
    ///     })
    ///     .deferred();
    /// assert_eq!(router.deferred_events(), ["crm.sync@v1"]);
    /// ```
    pub fn deferred(self) -> Self {
        self.configure_last("deferred", |options| options.mode = Mode::Defer)
    }

    /// The route registered last answers `503` with `Retry-After` when its handler is still
    /// running `timeout` after the delivery arrived (the platform retries it later), instead
    /// of after the manifest hook's deadline for its event or the configured handler timeout.
    /// Use it below the platform's own deadline: an answer after that is never read. The
    /// handler sees its deadline as [`Delivery::deadline`](crate::Delivery::deadline).
    ///
    /// A deferred route is answered at once and its worker's run is bounded by the handler
    /// timeout, so the two options together are refused at start-up
    /// ([`StartupError::TimeoutOnDeferred`](crate::StartupError::TimeoutOnDeferred)).
    ///
    /// ```
    /// use kiket_sdk::{HandlerContext, Router};
    /// use std::time::Duration;
    ///
    /// let router = Router::new()
    ///     .raw("crm.lookup", "v1", |_p: serde_json::Value, ctx: HandlerContext| async move {
    ///         // The remaining time budgets the outbound call.
    ///         assert!(ctx.delivery().remaining() <= Duration::from_secs(3));
    ///         Ok(())
    ///     })
    ///     .timeout(Duration::from_secs(3));
    /// # drop(router);
    /// ```
    pub fn timeout(self, timeout: Duration) -> Self {
        self.configure_last("timeout", |options| options.timeout = Some(timeout))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HandlerContext;

    fn noop(_p: serde_json::Value, _ctx: HandlerContext) -> std::future::Ready<Result<(), crate::HandlerError>> {
        std::future::ready(Ok(()))
    }

    fn options(router: &Router, event: &str) -> RouteOptions {
        router.find(event, "v1").expect("registered").options.clone()
    }

    #[test]
    fn each_option_applies_to_the_route_registered_just_before_it() {
        let router = Router::new()
            .raw("a", "v1", noop)
            .requires(["x.read"])
            .raw("b", "v1", noop)
            .deferred()
            .requires(["y.write"])
            .requires(["z.write"])
            .raw("c", "v1", noop);
        assert_eq!(
            (options(&router, "a").scopes, options(&router, "a").mode),
            (vec!["x.read".to_owned()], Mode::Invoke)
        );
        assert_eq!(options(&router, "b").scopes, ["y.write", "z.write"]);
        assert_eq!(options(&router, "b").mode, Mode::Defer);
        assert!(options(&router, "c").scopes.is_empty() && options(&router, "c").mode == Mode::Invoke);
        assert!(router.unplaced_options().is_empty());
    }

    #[test]
    fn an_option_before_any_route_names_no_route_and_is_kept_for_the_start_up_error() {
        let router = Router::new().deferred().requires(["x.read"]).raw("a", "v1", noop);
        assert_eq!(router.unplaced_options(), ["deferred", "requires"]);
        assert_eq!(options(&router, "a").mode, Mode::Invoke, "an unplaced option reaches no later route");
        let config = crate::Config::builder().webhook_secret("s").build().unwrap();
        let error = crate::Extension::new(router, config).unwrap_err();
        assert!(error.to_string().contains("route option `deferred` was called before any route"), "{error}");
    }
}
