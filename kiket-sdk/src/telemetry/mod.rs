//! Telemetry (PROTOCOL.md §6), kept off the response path.
//!
//! A leaf (imports no other module of this crate): routes are known here only by their id
//! (an index into the per-route counters) and names.
//!
//! The delivery path counts the invocation in [`Metrics`] (atomics only) and, when a feedback
//! hook or a telemetry URL will consume it, pushes a small pending value into a bounded queue
//! (`try_send`: never waits; a full queue drops the record and counts it). A background
//! worker turns it into a [`TelemetryRecord`], calls the feedback hook, and — when a
//! telemetry URL is configured and not opted out — POSTs it with bounded retries. A slow or dead endpoint therefore adds no latency and never fails a
//! handler. On graceful shutdown the queue is drained (bounded by a deadline).

mod endpoint;
mod metrics;
#[cfg(feature = "otel")]
pub mod otel;
#[cfg(feature = "metrics")]
pub mod prometheus;
mod record;

pub use endpoint::MetricsEndpoint;
use metrics::RouteCounters;
pub use metrics::{Metrics, MetricsSnapshot, DURATION_BUCKETS_MS};
pub(crate) use record::Pending;
pub use record::{ErrorClass, TelemetryRecord, TelemetryStatus};

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, Notify};

/// A user callback receiving every record, off the response path.
pub type FeedbackHook = Arc<dyn Fn(TelemetryRecord) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

/// Wraps an async closure as a [`FeedbackHook`].
///
/// ```
/// let hook = kiket_sdk::telemetry::feedback_hook(|record| async move {
///     println!("{} {} took {:.1} ms", record.event, record.version, record.duration_ms);
/// });
/// # drop(hook);
/// ```
pub fn feedback_hook<F, Fut>(hook: F) -> FeedbackHook
where
    F: Fn(TelemetryRecord) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    Arc::new(move |record| Box::pin(hook(record)))
}

/// `<url>/telemetry` unless the URL already ends with `/telemetry`.
pub fn telemetry_endpoint(url: &str) -> String {
    let trimmed = url.trim().trim_end_matches('/');
    if trimmed.ends_with("/telemetry") {
        trimmed.to_owned()
    } else {
        format!("{trimmed}/telemetry")
    }
}

/// Records waiting for the telemetry worker at most; more are dropped (and counted).
pub const TELEMETRY_QUEUE_CAPACITY: usize = 1024;

/// Where telemetry records go: a URL (unless opted out) and a hook.
#[derive(Clone, Default)]
pub(crate) struct TelemetryConfig {
    pub(crate) url: Option<String>,
    pub(crate) opt_out: bool,
    pub(crate) hook: Option<FeedbackHook>,
}

impl std::fmt::Debug for TelemetryConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryConfig")
            .field("url", &self.url)
            .field("opt_out", &self.opt_out)
            .field("hook", &self.hook.as_ref().map(|_| "fn"))
            .finish()
    }
}

/// The running telemetry pipeline of one extension.
pub(crate) struct Telemetry {
    queue: mpsc::Sender<Pending>,
    worker: Mutex<Option<Outbox>>,
    started: std::sync::Once,
    stop: Arc<Notify>,
    done: Mutex<Option<tokio::task::JoinHandle<()>>>,
    metrics: Arc<Metrics>,
    /// What each route counts, indexed by route id.
    routes: Vec<RouteSlot>,
    consumers: bool,
    /// The process-wide Prometheus series.
    #[cfg(feature = "metrics")]
    series: prometheus::Series,
}

/// One route's counters, and its Prometheus series (feature `metrics`), by route id.
#[derive(Default)]
struct RouteSlot {
    counters: Arc<RouteCounters>,
    #[cfg(feature = "metrics")]
    series: Option<prometheus::RouteSeries>,
}

/// How a delivery was answered, for the Prometheus series (feature `metrics`; otherwise
/// nothing reads it).
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) struct Answered {
    /// The route that answered, if the delivery reached one.
    pub(crate) route: Option<usize>,
    pub(crate) status: u16,
    pub(crate) elapsed: Duration,
    /// The replay guard answered with the first answer.
    pub(crate) replayed: bool,
    /// `VerifyError::reason` when signature or token checks refused it.
    pub(crate) verification_failure: Option<&'static str>,
}

struct Outbox {
    receiver: mpsc::Receiver<Pending>,
    config: TelemetryConfig,
    http: reqwest::Client,
    extension_id: Option<String>,
    extension_version: Option<String>,
    workspace_token: Option<kiket_types::SecretString>,
}

/// Identity and credentials the worker reports with.
pub(crate) struct Reporter {
    pub(crate) http: reqwest::Client,
    pub(crate) extension_id: Option<String>,
    pub(crate) extension_version: Option<String>,
    pub(crate) workspace_token: Option<kiket_types::SecretString>,
}

impl Telemetry {
    /// A telemetry pipeline counting `routes`: `(id, event, version)` of every route, ids
    /// below `slots`.
    pub(crate) fn new<'a>(
        config: TelemetryConfig,
        reporter: Reporter,
        slots: usize,
        routes: impl IntoIterator<Item = (usize, &'a str, &'a str)>,
    ) -> Self {
        let Reporter { http, extension_id, extension_version, workspace_token } = reporter;
        let (queue, receiver) = mpsc::channel(TELEMETRY_QUEUE_CAPACITY);
        let consumers = config.hook.is_some() || (config.url.is_some() && !config.opt_out);
        Self {
            consumers,
            queue,
            worker: Mutex::new(Some(Outbox {
                receiver,
                config,
                http,
                extension_id,
                extension_version,
                workspace_token,
            })),
            started: std::sync::Once::new(),
            stop: Arc::new(Notify::new()),
            done: Mutex::new(None),
            routes: Vec::new(),
            metrics: Arc::new(Metrics::default()),
            #[cfg(feature = "metrics")]
            series: prometheus::Series::new(),
        }
        .with_routes(slots, routes)
    }

    fn with_routes<'a>(mut self, slots: usize, routes: impl IntoIterator<Item = (usize, &'a str, &'a str)>) -> Self {
        self.routes.resize_with(slots, RouteSlot::default);
        for (id, event, version) in routes {
            if let Some(slot) = self.routes.get_mut(id) {
                *slot = RouteSlot {
                    counters: self.metrics.route(event, version),
                    #[cfg(feature = "metrics")]
                    series: Some(prometheus::RouteSeries::new(event, version)),
                };
            }
        }
        self
    }

    /// Counts an answered delivery in the Prometheus series (no-op without feature `metrics`).
    #[cfg_attr(not(feature = "metrics"), allow(clippy::unused_self))]
    pub(crate) fn answered(&self, answered: Answered) {
        #[cfg(feature = "metrics")]
        {
            let seconds = answered.elapsed.as_secs_f64();
            match answered.route.and_then(|id| self.routes.get(id)).and_then(|slot| slot.series.as_ref()) {
                Some(route) => route.answered(answered.status, seconds),
                None => prometheus::answered_unrouted(answered.status, seconds),
            }
            if answered.replayed {
                self.series.replayed();
            }
            if let Some(reason) = answered.verification_failure {
                prometheus::verification_failed(reason);
            }
        }
        #[cfg(not(feature = "metrics"))]
        let _ = answered;
    }

    pub(crate) fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Counts an invocation of route `route` (atomics only) and, when anything consumes
    /// records (a hook, or a URL that is not opted out), queues the one `record` builds;
    /// otherwise no record is built at all.
    pub(crate) fn observe(&self, route: usize, ok: bool, duration: Duration, record: impl FnOnce() -> Pending) {
        if let Some(slot) = self.routes.get(route) {
            self.metrics.observe(&slot.counters, ok, duration);
        }
        if self.consumers {
            self.record(record());
        }
    }

    /// Hands a record to the worker without waiting. Must run inside a tokio runtime.
    fn record(&self, pending: Pending) {
        self.started.call_once(|| self.start());
        if let Err(error) = self.queue.try_send(pending) {
            self.metrics.dropped();
            #[cfg(feature = "metrics")]
            prometheus::telemetry_dropped();
            tracing::debug!(reason = %error, "telemetry record dropped");
        }
    }

    fn start(&self) {
        let Some(worker) = self.worker.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take() else {
            return;
        };
        let handle = tokio::spawn(worker.run(self.metrics.clone(), self.stop.clone()));
        *self.done.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(handle);
    }

    /// Delivers what is queued, then stops the worker; gives up after `deadline`.
    pub(crate) async fn flush(&self, deadline: Duration) {
        self.stop.notify_one();
        let handle = self.done.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
        if let Some(handle) = handle
            && tokio::time::timeout(deadline, handle).await.is_err()
        {
            tracing::debug!("telemetry flush deadline passed; remaining records dropped");
        }
    }
}

impl Outbox {
    async fn run(mut self, metrics: Arc<Metrics>, stop: Arc<Notify>) {
        loop {
            tokio::select! {
                next = self.receiver.recv() => match next {
                    Some(pending) => self.deliver(pending, &metrics).await,
                    None => return,
                },
                () = stop.notified() => {
                    self.receiver.close();
                    while let Some(pending) = self.receiver.recv().await {
                        self.deliver(pending, &metrics).await;
                    }
                    return;
                }
            }
        }
    }

    async fn deliver(&self, pending: Pending, metrics: &Metrics) {
        let record = pending.into_record(self.extension_id.as_deref(), self.extension_version.as_deref());
        if let (Some(url), false) = (&self.config.url, self.config.opt_out)
            && !self.post(url, &record).await
        {
            metrics.failed_send();
        }
        if let Some(hook) = &self.config.hook
            && tokio::time::timeout(Duration::from_secs(5), hook(record)).await.is_err()
        {
            tracing::debug!("telemetry feedback hook took longer than 5 s; moved on");
        }
    }

    /// POSTs with up to 3 attempts (5 s each, 100/200 ms backoff). `true` on success.
    async fn post(&self, url: &str, record: &TelemetryRecord) -> bool {
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            }
            let mut request = self.http.post(url).json(record).timeout(Duration::from_secs(5));
            if let Some(token) = &self.workspace_token {
                request = request.bearer_auth(token.expose());
            }
            let sent = request.send().await;
            match sent {
                Ok(response) if response.status().is_success() => return true,
                Ok(response) if response.status().is_client_error() && response.status().as_u16() != 429 => break,
                Ok(response) => {
                    tracing::debug!(status = %response.status(), "telemetry endpoint refused a record")
                }
                Err(error) => tracing::debug!(%error, "telemetry endpoint unreachable"),
            }
        }
        false
    }
}
