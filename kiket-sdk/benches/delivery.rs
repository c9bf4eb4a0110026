//! Micro-benchmarks of the delivery path: signature verification (typed decoding of every
//! event is `benches/decode.rs`), route lookup, handler-context construction, and full in-process dispatch of a 1 KB
//! signed delivery.
//!
//! `cargo bench -p kiket-sdk --features testing`
//! `cargo bench -p kiket-sdk --features testing,metrics -- dispatch` (also with the
//! Prometheus recorder installed, side by side)

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use kiket_sdk::testing::{sample, SignedRequest, TestContext};
use kiket_sdk::verify::{sign, SignatureScheme, SignatureVerifier};
use kiket_sdk::{Config, Extension, HandlerContext, Reply, Router};
use kiket_types::{IssueCreatedV1, SecretString};
use std::hint::black_box;
use tower::ServiceExt;

const NOW: i64 = 1_700_000_000;

/// A ~1 KB issue.created v1 body.
fn issue_body() -> Vec<u8> {
    let mut payload = sample("issue.created", "v1").expect("catalogued");
    payload["issue"]["description"] = serde_json::Value::String("x".repeat(200));
    serde_json::to_vec(&payload).expect("serialises")
}

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
    let extension = |config: kiket_sdk::ConfigBuilder| {
        let router =
            Router::new().on::<IssueCreatedV1, _>(|payload: IssueCreatedV1, _ctx: HandlerContext| async move {
                Ok(Reply::json(serde_json::json!({"ok": true, "title": payload.issue.title})))
            });
        let config = config.webhook_secret("whsec_bench").build().expect("config");
        runtime.block_on(async { Extension::new(router, config).expect("extension").into_router() })
    };
    // Built before any recorder is installed: its series are no-ops, as without `KIKET_METRICS`.
    let app = extension(Config::builder());
    #[cfg(feature = "metrics")]
    let with_metrics = extension(Config::builder().metrics(kiket_sdk::telemetry::MetricsEndpoint::new()));
    let body = issue_body();
    // Signed once: the timed loop only builds the request, as a server receives it.
    let request = SignedRequest::new("issue.created", "v1", &serde_json::Value::Null)
        .raw_body(body.clone())
        .secret("whsec_bench");
    let headers = request.header_pairs(&body);
    let path = request.path_and_query();
    let body = axum::body::Bytes::from(body);
    let mut group = c.benchmark_group("dispatch");
    group.throughput(Throughput::Bytes(body.len() as u64));
    let mut apps = vec![("signed 1 KB issue.created v1 (verify + route + decode + handler + encode)", app)];
    #[cfg(feature = "metrics")]
    apps.push(("signed 1 KB issue.created v1, Prometheus metrics on", with_metrics));
    for (name, app) in apps {
        group.bench_function(name, |b| {
            b.to_async(&runtime).iter(|| {
                let app = app.clone();
                let mut builder = axum::http::Request::post(path.as_str());
                for (name, value) in &headers {
                    builder = builder.header(name.as_str(), value.as_str());
                }
                let http = builder.body(axum::body::Body::from(body.clone())).expect("valid request");
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
