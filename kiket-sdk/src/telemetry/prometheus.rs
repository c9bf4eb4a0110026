//! Prometheus metrics (cargo feature `metrics`): the SDK's series through the `metrics`
//! facade, and the exporter whose handle renders `GET /metrics`.
//!
//! Series (no label carries request-derived text: an event or version no route answers is
//! counted as [`UNKNOWN`]):
//!
//! | Name | Type | Labels |
//! |---|---|---|
//! | `kiket_deliveries_total` | counter | `event`, `version`, `status` |
//! | `kiket_delivery_duration_seconds` | histogram | `event`, `version` |
//! | `kiket_verification_failures_total` | counter | `reason` (`VerifyError::reason`) |
//! | `kiket_replays_total` | counter | — |
//! | `kiket_in_flight` | gauge (set when `/metrics` is rendered) | — |
//! | `kiket_queue_depth` | gauge: deferred deliveries waiting, due for retry or running (read from the queue when `/metrics` is rendered) | — |
//! | `kiket_dead_letters` | gauge: the dead-letter list's length (likewise) | — |
//! | `kiket_telemetry_dropped_total` | counter | — |
//! | `kiket_api_requests_total` | counter | `operation`, `status` (kiket-client) |
//! | `kiket_api_retries_total` | counter | `operation` (kiket-client) |
//!
//! The handles of each route's answered-200 counter and duration histogram are registered
//! when the extension is built, so the usual delivery costs two atomic updates and no lookup.
//! A recorder the process installed before the extension was built receives the same series.

use kiket_client::hooks::status_label;
use metrics::{Counter, Histogram, SharedString};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Deliveries answered, by event, version and HTTP status.
pub const DELIVERIES: &str = "kiket_deliveries_total";
/// Time from the request to the answer, by event and version.
pub const DELIVERY_DURATION: &str = "kiket_delivery_duration_seconds";
/// Deliveries refused by signature or token checks, by reason.
pub const VERIFICATION_FAILURES: &str = "kiket_verification_failures_total";
/// Deliveries answered by the replay guard with their first answer.
pub const REPLAYS: &str = "kiket_replays_total";
/// Verified deliveries being handled now (those holding a handler permit), read from the
/// permits when `/metrics` is rendered: nothing is counted per delivery.
pub const IN_FLIGHT: &str = "kiket_in_flight";
/// Deferred deliveries in the queue (new, due for retry, being run), read from the queue
/// when `/metrics` is rendered.
pub const QUEUE_DEPTH: &str = "kiket_queue_depth";
/// Deferred deliveries in the dead-letter list, read likewise.
pub const DEAD_LETTERS: &str = "kiket_dead_letters";
/// Telemetry records dropped because the queue was full.
pub const TELEMETRY_DROPPED: &str = "kiket_telemetry_dropped_total";
/// The `event` and `version` label of deliveries that no route answers.
pub const UNKNOWN: &str = "unknown";

/// Upper bounds (seconds) of the duration histogram's buckets.
pub const DURATION_BUCKETS_SECONDS: [f64; 12] =
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

/// Why the Prometheus recorder could not be installed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot serve /metrics: {0}")]
pub struct MetricsError(String);

/// Installs the Prometheus recorder as the process's `metrics` recorder (once; later calls
/// return the same handle). Fails when another recorder was installed first: serve that
/// one yourself, or let the SDK install its own.
pub fn install() -> Result<PrometheusHandle, MetricsError> {
    static HANDLE: OnceLock<Result<PrometheusHandle, MetricsError>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(DELIVERY_DURATION.to_owned()), &DURATION_BUCKETS_SECONDS)
                .map_err(|e| MetricsError(e.to_string()))?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder)
                .map_err(|_| MetricsError("another `metrics` recorder is already installed in this process".into()))?;
            // Histogram samples are buffered until upkeep folds them in: without a scrape they
            // would grow without bound.
            let upkeep = handle.clone();
            std::thread::Builder::new()
                .name("kiket-metrics-upkeep".into())
                .spawn(move || loop {
                    std::thread::sleep(std::time::Duration::from_secs(5));
                    upkeep.run_upkeep();
                })
                .map_err(|e| MetricsError(format!("cannot start the upkeep thread: {e}")))?;
            Ok(handle)
        })
        .clone()
}

/// The pre-registered series of one route.
pub(crate) struct RouteSeries {
    event: SharedString,
    version: SharedString,
    answered_ok: Counter,
    duration: Histogram,
}

impl RouteSeries {
    pub(crate) fn new(event: &str, version: &str) -> Self {
        let (event, version) = (SharedString::from(event.to_owned()), SharedString::from(version.to_owned()));
        Self {
            answered_ok: metrics::counter!(DELIVERIES, "event" => event.clone(), "version" => version.clone(), "status" => "200"),
            duration: metrics::histogram!(DELIVERY_DURATION, "event" => event.clone(), "version" => version.clone()),
            event,
            version,
        }
    }

    pub(crate) fn answered(&self, status: u16, seconds: f64) {
        if status == 200 {
            self.answered_ok.increment(1);
        } else {
            metrics::counter!(DELIVERIES, "event" => self.event.clone(), "version" => self.version.clone(), "status" => status_label(status)).increment(1);
        }
        self.duration.record(seconds);
    }
}

/// A delivery that reached no route (its event and version are [`UNKNOWN`]).
pub(crate) fn answered_unrouted(status: u16, seconds: f64) {
    metrics::counter!(DELIVERIES, "event" => UNKNOWN, "version" => UNKNOWN, "status" => status_label(status))
        .increment(1);
    metrics::histogram!(DELIVERY_DURATION, "event" => UNKNOWN, "version" => UNKNOWN).record(seconds);
}

pub(crate) fn verification_failed(reason: &'static str) {
    metrics::counter!(VERIFICATION_FAILURES, "reason" => reason).increment(1);
}

pub(crate) fn telemetry_dropped() {
    metrics::counter!(TELEMETRY_DROPPED).increment(1);
}

/// The process-wide series, registered once when the extension is built.
pub(crate) struct Series {
    replays: Counter,
}

impl Series {
    pub(crate) fn new() -> Self {
        Self { replays: metrics::counter!(REPLAYS) }
    }

    pub(crate) fn replayed(&self) {
        self.replays.increment(1);
    }
}

/// Sets `kiket_queue_depth` and `kiket_dead_letters` (called when `/metrics` is rendered; a
/// value the queue could not give leaves the gauge as it was).
pub fn set_queue(depth: Option<u64>, dead_letters: Option<u64>) {
    #[allow(clippy::cast_precision_loss)]
    if let Some(depth) = depth {
        metrics::gauge!(QUEUE_DEPTH).set(depth as f64);
    }
    #[allow(clippy::cast_precision_loss)]
    if let Some(dead) = dead_letters {
        metrics::gauge!(DEAD_LETTERS).set(dead as f64);
    }
}

/// Sets `kiket_in_flight` to `handled_now` (called when `/metrics` is rendered).
pub fn set_in_flight(handled_now: usize) {
    #[allow(clippy::cast_precision_loss)]
    metrics::gauge!(IN_FLIGHT).set(handled_now as f64);
}
