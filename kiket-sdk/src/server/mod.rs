//! The axum server: routes, health, serving and graceful shutdown.
//!
//! [`Extension`] joins a [`Router`] of handlers with a [`Config`]. It is both runnable
//! ([`Extension::serve`], [`Extension::run`]) and embeddable: [`Extension::into_router`]
//! returns a plain `axum::Router` to nest under any prefix of an existing app, or to test
//! in-process with `tower::ServiceExt::oneshot`. [`Extension::layer`] wraps every route in
//! a tower layer (for code that must see each request, verified or not); hooks around
//! handlers ([`Router::hook`]) see verified deliveries only.
//!
//! The SDK's own server answers exactly as the router does, but hands deliveries to the
//! pipeline without going through it (`front.rs`) unless a layer is set.

mod assemble;
mod drift;
mod front;
mod listen;
#[cfg(feature = "metrics")]
mod metrics_route;
mod warnings;

pub use drift::Drift;
pub use listen::shutdown_signal;

use crate::config::Config;
use crate::delivery::{json_response, JobRunner, Pipeline, Target};
use crate::routing::Router;
use crate::telemetry::{Metrics, Telemetry};
use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use front::Front;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use tower_layer::Layer;
use tower_service::Service;

/// A tower layer applied to the extension's axum router when it is built.
type ApplyLayer = Box<dyn FnOnce(axum::Router) -> axum::Router + Send + Sync>;

/// Why an extension could not start. `Debug` (what `main` prints when it returns one) writes
/// the message and its causes.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum StartupError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The same event and version were registered more than once.
    #[error("handlers registered more than once: {}", .0.join(", "))]
    DuplicateHandlers(Vec<String>),
    /// A route option (`requires`, `deferred`, …) was called on a router before any route was
    /// registered, so it names no route.
    #[error("route option `{0}` was called before any route was registered; call it right after the registration it is for (`router.issue_created_v1(handler).{0}(..)`)")]
    RouteOption(&'static str),
    /// Deferred routes that also set a [`Router::timeout`]: a deferred delivery is answered at
    /// once, and its worker's run is bounded by the handler timeout.
    #[error("deferred routes with a timeout ({}): a deferred delivery is answered 202 at once and its worker's run is bounded by the handler timeout (`Config::builder().handler_timeout`); remove `.timeout(..)` or `.deferred()`", .0.join(", "))]
    TimeoutOnDeferred(Vec<String>),
    /// Events the extension subscribes to have no handler.
    #[error("the extension subscribes to events without a handler: {}; register a handler (or `ignore`) for each", .0.join(", "))]
    UnhandledSubscriptions(Vec<String>),
    /// The webhook secret is a published development secret and the listen address is not
    /// loopback.
    #[error("refusing to listen on {0}: the webhook secret is a published DEVELOPMENT secret; set KIKET_WEBHOOK_SECRET, or listen on 127.0.0.1")]
    DevelopmentSecretOffLoopback(SocketAddr),
    /// The Prometheus recorder could not be installed (feature `metrics`).
    #[cfg(feature = "metrics")]
    #[error(transparent)]
    Metrics(#[from] crate::telemetry::prometheus::MetricsError),
    /// Deferred routes on a durable queue need a key to seal what they store.
    #[error("deferred handlers ({0}) store deliveries in a durable queue, which needs a sealing key: set KIKET_QUEUE_KEY to 32 random bytes in base64 (openssl rand -base64 32), the same on every server and worker")]
    QueueKeyMissing(String),
    /// Development mode wants a local mock of the Kiket API, and this build has none.
    #[error("development mode (KIKET_ENV=development) answers API calls from a local mock of the Kiket API, which comes with the cargo feature `testing`: add features = [\"testing\"] to the kiket dependency, or set KIKET_BASE_URL")]
    LocalApiUnavailable,
    /// The listener could not bind or the server failed.
    #[error("server I/O error: {0}")]
    Io(#[from] std::io::Error),
}

crate::report::debug_as_report!(StartupError);

/// A configured extension: handlers, verification and limits.
///
/// ```no_run
/// use kiket_sdk::{Config, Extension, HandlerContext, Router};
///
/// #[tokio::main]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let router = Router::new().raw("crm.sync", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) });
///     let config = Config::from_env()?; // KIKET_WEBHOOK_SECRET, extension.yaml, …
///     let extension = Extension::new(router, config)?;
///     extension.run().await?; // HOST:PORT, until SIGTERM or Ctrl-C
///     Ok(())
/// }
/// ```
pub struct Extension {
    pipeline: Arc<Pipeline>,
    config: Config,
    health: Bytes,
    /// Tower layers, in the order given (each wraps the previous ones).
    layers: Vec<ApplyLayer>,
    /// `GET /metrics`, when the configuration serves it.
    #[cfg(feature = "metrics")]
    metrics: Option<axum::Router>,
}

impl std::fmt::Debug for Extension {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Extension")
            .field("router", &self.pipeline.router)
            .field("config", &self.config)
            .field("layers", &self.layers.len())
            .finish()
    }
}

impl Extension {
    /// Joins `router` and `config`. Fails when a pair was registered twice.
    ///
    /// ```
    /// use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// let router = Router::new().raw("crm.sync", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) });
    /// let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// assert_eq!(extension.registered_events(), ["crm.sync@v1"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(router: Router, config: Config) -> Result<Self, StartupError> {
        if !router.duplicates().is_empty() {
            return Err(StartupError::DuplicateHandlers(router.duplicates().to_vec()));
        }
        if let Some(option) = router.unplaced_options().first() {
            return Err(StartupError::RouteOption(option));
        }
        let timed_deferred = router.timed_deferred();
        if !timed_deferred.is_empty() {
            return Err(StartupError::TimeoutOnDeferred(timed_deferred));
        }
        crate::panic_guard::install();
        warnings::at_startup(&router, &config);
        let health = serde_json::json!({
            "status": "ok",
            "extension_id": config.extension_id(),
            "extension_version": config.extension_version(),
            "registered_events": router.registered_events(),
        })
        .to_string()
        .into();
        let deferred = router.deferred_events();
        if !deferred.is_empty() && config.options.queue.durable() && config.options.queue_keys.is_empty() {
            return Err(StartupError::QueueKeyMissing(deferred.join(", ")));
        }
        // The recorder first: the pipeline registers its series with whatever is installed.
        #[cfg(feature = "metrics")]
        let recorder = config.metrics_endpoint().map(|_| crate::telemetry::prometheus::install()).transpose()?;
        let pipeline = Arc::new(assemble::pipeline(router, &config));
        #[cfg(feature = "metrics")]
        let metrics = match (recorder, config.metrics_endpoint()) {
            (Some(handle), Some(endpoint)) => {
                let deferred = !pipeline.router.deferred_events().is_empty();
                let queue = deferred.then(|| pipeline.deferral.queue.clone());
                Some(metrics_route::router(handle, endpoint, pipeline.permits.clone(), queue))
            }
            _ => None,
        };
        let extension = Self {
            pipeline,
            config,
            health,
            layers: Vec::new(),
            #[cfg(feature = "metrics")]
            metrics,
        };
        Ok(extension)
    }

    /// Wraps every route (deliveries, `/health`, the 404/405 answers) in a tower `layer`, as
    /// `axum::Router::layer` does; a later layer wraps the earlier ones. The layers are kept
    /// by [`Self::into_router`], [`Self::into_parts`], [`Self::serve`] and [`Self::run`].
    ///
    /// A layer sees every request **before** it is verified: use it for what must see all
    /// traffic (request ids, access logs, CORS, compression) and trust nothing in the
    /// request there. Code that needs a verified delivery belongs in a hook
    /// ([`Router::hook`]).
    ///
    /// ```
    /// use axum::http::HeaderValue;
    /// use kiket_sdk::{Config, Extension, Router};
    ///
    /// let config = Config::builder().webhook_secret("whsec_example").build().unwrap();
    /// let extension = Extension::new(Router::new(), config)
    ///     .unwrap()
    ///     .layer(axum::middleware::map_response(|mut response: axum::response::Response| async move {
    ///         response.headers_mut().insert("x-served-by", HeaderValue::from_static("kiket"));
    ///         response
    ///     }));
    /// # drop(extension);
    /// ```
    pub fn layer<L>(mut self, layer: L) -> Self
    where
        L: Layer<axum::routing::Route> + Clone + Send + Sync + 'static,
        L::Service: Service<Request<Body>> + Clone + Send + Sync + 'static,
        <L::Service as Service<Request<Body>>>::Response: IntoResponse + 'static,
        <L::Service as Service<Request<Body>>>::Error: Into<Infallible> + 'static,
        <L::Service as Service<Request<Body>>>::Future: Send + 'static,
    {
        self.layers.push(Box::new(move |router: axum::Router| router.layer(layer)));
        self
    }

    /// Delivery counters and duration histogram, updated by the telemetry worker.
    ///
    /// ```
    /// use kiket_sdk::testing::{SignedRequest, TestClient};
    /// use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let router = Router::new().raw("crm.sync", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) });
    /// let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// let metrics = extension.metrics();
    /// let client = TestClient::new(extension.into_router());
    /// client.send(&SignedRequest::new("crm.sync", "v1", &serde_json::json!({})).secret("whsec_test")).await;
    /// // Counted off the response path: wait for the telemetry worker.
    /// for _ in 0..100 {
    ///     if metrics.snapshot().count("crm.sync", "v1", "ok") == 1 { break }
    ///     tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    /// }
    /// assert_eq!(metrics.snapshot().count("crm.sync", "v1", "ok"), 1);
    /// # Ok(()) }
    /// ```
    pub fn metrics(&self) -> Arc<Metrics> {
        self.pipeline.telemetry.metrics()
    }

    /// Fails unless every event in `events` (e.g. the manifest's
    /// [`declared_events`](crate::manifest::Manifest::declared_events)) has a handler. The
    /// server itself only warns (see [`Drift`]); call this to make drift fatal.
    ///
    /// ```
    /// use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// let router = Router::new().raw("crm.sync", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) });
    /// let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// // The manifest subscribes to two events; one has no handler.
    /// let error = extension.check_subscriptions(["crm.sync", "crm.delete"]).unwrap_err();
    /// assert!(error.to_string().contains("crm.delete"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check_subscriptions<S: AsRef<str>>(&self, events: impl IntoIterator<Item = S>) -> Result<(), StartupError> {
        let missing: Vec<String> = events
            .into_iter()
            .filter(|e| !self.pipeline.router.handles_event(e.as_ref()))
            .map(|e| e.as_ref().to_owned())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(StartupError::UnhandledSubscriptions(missing))
        }
    }

    /// The `event@version` pairs this extension answers.
    ///
    /// ```
    /// use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// let noop = |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) };
    /// let router = Router::new().raw("crm.sync", "v1", noop).raw("crm.sync", "v2", noop);
    /// let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// assert_eq!(extension.registered_events(), ["crm.sync@v1", "crm.sync@v2"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn registered_events(&self) -> Vec<String> {
        self.pipeline.router.registered_events()
    }

    /// The extension as an `axum::Router` with routes `POST /webhooks/{event}`,
    /// `POST /v/{version}/webhooks/{event}` and `GET /health`. Nest it under any prefix:
    ///
    /// ```
    /// # fn demo(extension: kiket_sdk::Extension) {
    /// let app: axum::Router = axum::Router::new().nest("/kiket", extension.into_router());
    /// # }
    /// ```
    pub fn into_router(self) -> axum::Router {
        self.into_parts().0
    }

    /// The router plus a handle that flushes queued telemetry when your own server stops
    /// (what [`Self::serve_listener`] does itself).
    ///
    /// ```
    /// use kiket_sdk::{Config, Extension, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let extension = Extension::new(Router::new(), Config::builder().webhook_secret("whsec_test").build()?)?;
    /// let (router, telemetry) = extension.into_parts();
    /// let app = axum::Router::new().nest("/kiket", router);
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// // Your own server; stopped here at once for the example.
    /// axum::serve(listener, app).with_graceful_shutdown(async {}).await?;
    /// telemetry.flush(std::time::Duration::from_secs(5)).await;
    /// # Ok(()) }
    /// ```
    pub fn into_parts(self) -> (axum::Router, TelemetryHandle) {
        let telemetry = self.pipeline.telemetry.clone();
        let health = self.health.clone();
        let router = axum::Router::new()
            .route("/webhooks/{event}", post(deliver))
            .route("/v/{version}/webhooks/{event}", post(deliver))
            .route("/health", get(move || std::future::ready(json_response(StatusCode::OK, health.clone()))))
            .method_not_allowed_fallback(method_not_allowed)
            .fallback(not_found);
        let router = router.with_state(self.pipeline);
        #[cfg(feature = "metrics")]
        let router = match (self.metrics, self.config.metrics_endpoint().and_then(|m| m.listen_address())) {
            (Some(metrics), None) => router.merge(metrics),
            _ => router,
        };
        let router = self.layers.into_iter().fold(router, |router, apply| apply(router));
        (router, TelemetryHandle(telemetry))
    }

    /// Serves on `address` until SIGTERM or Ctrl-C, then finishes in-flight deliveries.
    ///
    /// ```
    /// use kiket_sdk::{Config, Extension, Router};
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let extension = Extension::new(Router::new(), Config::from_env()?)?;
    /// extension.serve("0.0.0.0:8080".parse()?).await?; // until SIGTERM or Ctrl-C
    /// # Ok(()) }
    /// ```
    pub async fn serve(self, address: SocketAddr) -> Result<(), StartupError> {
        let listener = tokio::net::TcpListener::bind(address).await?;
        self.serve_listener(listener, shutdown_signal()).await
    }

    /// Serves on an already bound listener until `shutdown` completes, then stops accepting
    /// connections and finishes in-flight deliveries.
    ///
    /// ```
    /// use kiket_sdk::{Config, Extension, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let extension = Extension::new(Router::new(), Config::builder().webhook_secret("whsec_test").build()?)?;
    /// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// let server = tokio::spawn(extension.serve_listener(listener, async { let _ = stopped.await; }));
    /// stop.send(()).ok();
    /// server.await??; // returns once in-flight deliveries are done
    /// # Ok(()) }
    /// ```
    pub async fn serve_listener(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartupError> {
        let address = listener.local_addr()?;
        if self.config.options.development_webhook_secret.is_some() && !address.ip().is_loopback() {
            return Err(StartupError::DevelopmentSecretOffLoopback(address));
        }
        let config = &self.config;
        tracing::info!(
            %address,
            routes = %self.registered_events().join(", "),
            verification = config.verification_mode(),
            environment = config.environment().as_str(),
            manifest = %manifest_shown(config),
            replay_guard = if config.options.replay_guard.is_some() { "on" } else { "off" },
            queue = config.options.queue.name(),
            redis = config.options.redis.address().unwrap_or("none"),
            "kiket extension listening"
        );
        let limits = assemble::connection_limits(&self.config);
        #[cfg(feature = "metrics")]
        let metrics_server = self.serve_metrics_apart(limits).await?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let shutdown = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let workers = self.config.role().works().then(|| {
            let mut stopped = stopped.clone();
            tokio::spawn(self.workers().run(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            }))
        });
        // Deliveries skip the router unless a layer must see every request.
        let deliveries = self.layers.is_empty().then(|| self.pipeline.clone());
        let (router, telemetry) = self.into_parts();
        listen::serve(listener, Arc::new(Front::new(router, deliveries)), limits, shutdown).await;
        if let Some(workers) = workers {
            let _ = workers.await;
        }
        #[cfg(feature = "metrics")]
        if let Some(server) = metrics_server {
            server.abort();
        }
        telemetry.flush(std::time::Duration::from_secs(5)).await;
        tracing::info!("kiket extension stopped");
        Ok(())
    }

    /// `GET /metrics` on its own listener, when the endpoint names a separate address.
    #[cfg(feature = "metrics")]
    async fn serve_metrics_apart(
        &self,
        limits: listen::ConnectionLimits,
    ) -> Result<Option<tokio::task::JoinHandle<()>>, StartupError> {
        let (Some(router), Some(address)) =
            (self.metrics.clone(), self.config.metrics_endpoint().and_then(|m| m.listen_address()))
        else {
            return Ok(None);
        };
        let listener = tokio::net::TcpListener::bind(address).await?;
        tracing::info!(address = %listener.local_addr()?, "metrics listening");
        Ok(Some(tokio::spawn(listen::serve(
            listener,
            Arc::new(Front::new(router, None)),
            limits,
            std::future::pending(),
        ))))
    }

    /// Serves on the configured listen address (`HOST`:`PORT` after
    /// [`ConfigBuilder::with_env`](crate::ConfigBuilder::with_env); default `127.0.0.1:8080`), with the
    /// workers of deferred routes beside it; with `KIKET_ROLE=worker`, runs only the workers
    /// (until SIGTERM or Ctrl-C).
    ///
    /// ```
    /// use kiket_sdk::{Config, Extension, Router};
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// // HOST=0.0.0.0 PORT=8080 KIKET_WEBHOOK_SECRET=… (KIKET_ROLE=worker for a worker process)
    /// Extension::new(Router::new(), Config::from_env()?)?.run().await?;
    /// # Ok(()) }
    /// ```
    pub async fn run(self) -> Result<(), StartupError> {
        if !self.config.role().serves() {
            self.workers().run(shutdown_signal()).await;
            return Ok(());
        }
        let address = self.config.listen_address();
        self.serve(address).await
    }

    /// The workers of this extension's deferred routes, to run beside a server of your own
    /// (an extension embedded with [`Self::into_router`]) or in a process of their own.
    /// [`Self::serve`] and [`Self::run`] start them by themselves.
    ///
    /// ```
    /// use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let router = Router::new().raw("crm.sync", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) }).deferred();
    /// let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// let workers = extension.workers();
    /// let app = extension.into_router(); // serve it with your own server…
    /// // …and run the workers beside it until your shutdown signal.
    /// tokio::spawn(workers.run(async { /* your shutdown signal */ })).await?;
    /// # drop(app);
    /// # Ok(()) }
    /// ```
    pub fn workers(&self) -> Workers {
        Workers { pipeline: self.pipeline.clone() }
    }
}

/// The workers of an extension's deferred routes ([`crate::queue`]).
///
/// ```
/// # use kiket_sdk::{Config, Extension, Router};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let extension = Extension::new(Router::new(), Config::builder().webhook_secret("whsec_test").build()?)?;
/// // A worker-only process of your own (what `KIKET_ROLE=worker` does in `Extension::run`).
/// let workers = extension.workers();
/// workers.run(async { let _ = tokio::signal::ctrl_c().await; }).await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Workers {
    pipeline: Arc<Pipeline>,
}

impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workers").field("deferred", &self.pipeline.router.deferred_events()).finish()
    }
}

impl Workers {
    /// Pulls and runs deferred deliveries until `shutdown` completes, then lets the running
    /// ones finish. Returns at once when no route is deferred.
    ///
    /// ```
    /// # use kiket_sdk::{Config, Extension, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let extension = Extension::new(Router::new(), Config::builder().webhook_secret("whsec_test").build()?)?;
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// let workers = tokio::spawn(extension.workers().run(async { let _ = stopped.await; }));
    /// stop.send(()).ok();
    /// workers.await?; // the jobs that were running have finished
    /// # Ok(()) }
    /// ```
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send) {
        if self.pipeline.router.deferred_events().is_empty() {
            return;
        }
        JobRunner::new(self.pipeline, consumer_name()).run(shutdown).await;
    }
}

/// A name unique to this worker process: host, process id, a counter.
fn consumer_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".to_owned());
    let host: String = host.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(64).collect();
    format!("{host}-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Flushes an embedded extension's telemetry queue on shutdown.
#[derive(Clone)]
pub struct TelemetryHandle(Arc<Telemetry>);

impl std::fmt::Debug for TelemetryHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TelemetryHandle")
    }
}

impl TelemetryHandle {
    /// Delivers queued records (hook and POST), waiting at most `deadline`.
    pub async fn flush(&self, deadline: std::time::Duration) {
        self.0.flush(deadline).await;
    }
}

/// The handler of both delivery routes. Every path their patterns match has a delivery's
/// shape; the 404 is for a router that somehow routes another one here.
async fn deliver(State(pipeline): State<Arc<Pipeline>>, request: Request<Body>) -> Response {
    match Target::parse(request.uri().path()) {
        Some(target) => front::deliver(pipeline, target, request).await,
        None => not_found().await,
    }
}

async fn not_found() -> Response {
    json_response(StatusCode::NOT_FOUND, Bytes::from_static(br#"{"error":"Not found"}"#))
}

async fn method_not_allowed() -> Response {
    json_response(StatusCode::METHOD_NOT_ALLOWED, Bytes::from_static(br#"{"error":"Method not allowed"}"#))
}

/// Where the configuration's manifest was read from, for a log line (`none` without one).
fn manifest_shown(config: &Config) -> String {
    config.manifest().and_then(|m| m.source.as_deref()).map_or_else(|| "none".to_owned(), |p| p.display().to_string())
}
