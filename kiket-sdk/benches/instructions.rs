//! A fixed amount of delivery work for an instruction counter: `N` signed 1 KB
//! `issue.created` v1 deliveries dispatched in process (verify, route, decode, handler,
//! encode; no socket), with Prometheus metrics switched on (`on`: the recorder installed, the
//! extension's series live) or not (`off`; build without the feature `metrics` to measure it
//! compiled out). Timers on this machine move by ±20 % within minutes; instruction
//! counts do not, so this is how the cost of a change too small to time is measured.
//!
//! ```text
//! cargo bench -p kiket-sdk --features testing,metrics --bench instructions --no-run
//! for mode in off on; do for n in 1000 3000; do
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null <bench binary> $mode $n 2>&1 | grep refs
//! done; done
//! ```
//!
//! The cost of one delivery is the difference of two counts divided by the difference of
//! their `N` (start-up and warm-up cancel out). Valgrind hides SHA-NI, so the HMAC runs in
//! software and is a larger share of the count than on the hardware.

#[path = "support/mod.rs"]
mod support;

use kiket_sdk::Config;
use tower::ServiceExt;

fn main() {
    let mut args = std::env::args().skip(1).filter(|arg| arg != "--bench");
    let usage = "usage: instructions <off|on> <deliveries>";
    let metrics = match args.next().as_deref() {
        Some("on") => true,
        Some("off") => false,
        _ => panic!("{usage}"),
    };
    let deliveries: usize = args.next().and_then(|n| n.parse().ok()).expect(usage);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let config = if metrics { metrics_config() } else { Config::builder() };
    let app = support::app(&runtime, config);
    let delivery = support::SignedDelivery::new();
    runtime.block_on(async {
        for _ in 0..deliveries {
            let response = app.clone().oneshot(delivery.request()).await.expect("infallible");
            assert_eq!(response.status(), 200);
            std::hint::black_box(axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body"));
        }
    });
}

/// Metrics switched on: the extension installs the Prometheus recorder before it registers
/// its series, as the server does under `KIKET_METRICS=1`.
#[cfg(feature = "metrics")]
fn metrics_config() -> kiket_sdk::ConfigBuilder {
    Config::builder().metrics(kiket_sdk::telemetry::MetricsEndpoint::new())
}

#[cfg(not(feature = "metrics"))]
fn metrics_config() -> kiket_sdk::ConfigBuilder {
    panic!("`on` needs the cargo feature `metrics`")
}
