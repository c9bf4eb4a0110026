//! Counters a user can read or export: deliveries by event, version and status, a duration
//! histogram, and what telemetry could not deliver.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds (ms) of the duration histogram buckets; the last bucket is unbounded.
pub const DURATION_BUCKETS_MS: [f64; 11] = [1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0];

/// Counters of one route: updated on the delivery path with atomics only.
#[derive(Debug, Default)]
pub(crate) struct RouteCounters {
    ok: AtomicU64,
    error: AtomicU64,
}

/// Live counters.
#[derive(Debug, Default)]
pub struct Metrics {
    /// One entry per registered route, created when the extension is built.
    routes: Mutex<BTreeMap<(String, String), Arc<RouteCounters>>>,
    buckets: [AtomicU64; DURATION_BUCKETS_MS.len() + 1],
    dropped: AtomicU64,
    failed_sends: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct MetricsSnapshot {
    /// Invocations by `(event, version, "ok" | "error")` (pairs never invoked are left out).
    pub deliveries: BTreeMap<(String, String, &'static str), u64>,
    /// Histogram counts per bucket of [`DURATION_BUCKETS_MS`], plus the overflow bucket.
    pub duration_buckets: Vec<u64>,
    /// Records dropped because the telemetry queue was full.
    pub dropped_records: u64,
    /// Records whose POST failed after every retry.
    pub failed_sends: u64,
}

impl MetricsSnapshot {
    /// Invocations of one event, version and status.
    pub fn count(&self, event: &str, version: &str, status: &str) -> u64 {
        self.deliveries.iter().find(|((e, v, s), _)| e == event && v == version && *s == status).map_or(0, |(_, n)| *n)
    }
}

impl Metrics {
    /// The counters of `event`@`version`, created on first request (at registration).
    pub(crate) fn route(&self, event: &str, version: &str) -> Arc<RouteCounters> {
        let mut routes = self.routes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        routes.entry((event.to_owned(), version.to_owned())).or_default().clone()
    }

    /// Counts one invocation: two relaxed atomic increments, no lock, no allocation.
    pub(crate) fn observe(&self, route: &RouteCounters, ok: bool, duration: Duration) {
        let ms = duration.as_secs_f64() * 1000.0;
        let bucket = DURATION_BUCKETS_MS.iter().position(|le| ms <= *le).unwrap_or(DURATION_BUCKETS_MS.len());
        self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let counter = if ok { &route.ok } else { &route.error };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn dropped(&self) {
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn failed_send(&self) {
        self.failed_sends.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters now.
    pub fn snapshot(&self) -> MetricsSnapshot {
        let routes = self.routes.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut deliveries = BTreeMap::new();
        for ((event, version), counters) in routes.iter() {
            for (status, counter) in [("ok", &counters.ok), ("error", &counters.error)] {
                let count = counter.load(Ordering::Relaxed);
                if count > 0 {
                    deliveries.insert((event.clone(), version.clone(), status), count);
                }
            }
        }
        MetricsSnapshot {
            deliveries,
            duration_buckets: self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect(),
            dropped_records: self.dropped.load(Ordering::Relaxed),
            failed_sends: self.failed_sends.load(Ordering::Relaxed),
        }
    }
}
