//! Micro-benchmarks of the delivery path: signature verification (typed decoding of every
//! event is `benches/decode.rs`), route lookup, handler-context construction, and full in-process dispatch of a 1 KB
//! signed delivery.
//!
//! `cargo bench -p kiket-sdk --features testing`
//! `cargo bench -p kiket-sdk --features testing,metrics -- dispatch` (also with the
//! Prometheus recorder installed, side by side)

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
#[path = "support/mod.rs"]
mod support;

use kiket_sdk::testing::TestContext;
use kiket_sdk::verify::{sign, SignatureScheme, SignatureVerifier};
use kiket_sdk::{Config, HandlerContext, Reply, Router};
use kiket_types::{IssueCreatedV1, SecretString};
use std::hint::black_box;
use tower::ServiceExt;

const NOW: i64 = 1_700_000_000;

fn verification(c: &mut Criterion) {
    let verifier =
        SignatureVerifier::new(vec![SecretString::new("whsec_bench")], 300, SignatureScheme::TimestampedBody);
    let mut group = c.benchmark_group("verify");
    for size in [1024usize, 64 * 1024] {
        let body = vec![b'a'; size];
        let signature = sign("whsec_bench", NOW, &body);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &body, |b, body| {
            b.iter(|| verifier.verify(Some(signature.as_bytes()), Some(b"1700000000"), black_box(body), NOW))
        });
    }
    group.finish();
}

fn routing(c: &mut Criterion) {
    let mut router = Router::new();
    macro_rules! register {
        ($ty:ident, $event:literal, $version:literal) => {
            router =
                router.on::<kiket_types::$ty, _>(|_p: kiket_types::$ty, _c: HandlerContext| async { Ok(Reply::ok()) });
        };
    }
    kiket_types::for_each_event!(register);
    c.bench_function("route/lookup exact", |b| {
        b.iter(|| router.lookup(black_box("workflow.sla_status"), black_box("v1")))
    });
    c.bench_function("route/lookup numeric alias", |b| {
        b.iter(|| router.lookup(black_box("issue.created"), black_box("2")))
    });
}

fn dispatch(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    // Built before any recorder is installed: its series are no-ops, as without `KIKET_METRICS`.
    let app = support::app(&runtime, Config::builder());
    #[cfg(feature = "metrics")]
    let with_metrics = support::app(&runtime, Config::builder().metrics(kiket_sdk::telemetry::MetricsEndpoint::new()));
    // Signed once: the timed loop only builds the request, as a server receives it.
    let delivery = support::SignedDelivery::new();
    let mut group = c.benchmark_group("dispatch");
    group.throughput(Throughput::Bytes(delivery.body.len() as u64));
    #[cfg_attr(not(feature = "metrics"), allow(unused_mut))]
    let mut apps = vec![("signed 1 KB issue.created v1 (verify + route + decode + handler + encode)", app)];
    #[cfg(feature = "metrics")]
    apps.push(("signed 1 KB issue.created v1, Prometheus metrics on", with_metrics));
    for (name, app) in apps {
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| {
                let app = app.clone();
                let http = delivery.request();
                async move {
                    let response = app.oneshot(http).await.expect("infallible");
                    assert_eq!(response.status(), 200);
                    axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body")
                }
            })
        });
    }
    group.finish();
}

/// What a handler's context costs to build: event, version, headers, payload secrets and the
/// shared API state. Built with the test kit's `TestContext`, which allocates the event and
/// version names the server shares from its routes, so this is an upper bound.
fn context(c: &mut Criterion) {
    c.bench_function("context/construction (2 headers, 1 payload secret)", |b| {
        b.iter(|| {
            TestContext::for_payload::<IssueCreatedV1>()
                .header("content-type", "application/json")
                .header("x-kiket-event-version", "v1")
                .payload_secret("CRM_API_KEY", "crm-123")
                .build()
        });
    });
}

criterion_group!(benches, verification, routing, context, dispatch);
criterion_main!(benches);
