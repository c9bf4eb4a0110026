//! OpenTelemetry (feature `otel`): a delivery that carries `traceparent` is exported as one
//! trace — the `kiket.delivery` span a child of the platform's span, one `kiket.api` span per
//! API call under it — to an in-process OTLP/HTTP receiver, and the API saw `traceparent`
//! with the same trace id on every call.
//!
//! The tracing subscriber is global to the process: this binary holds one test.

mod support;

use axum::body::Bytes;
use kiket::prelude::*;
use kiket::sdk::telemetry::otel::OtelTracing;
use kiket::sdk::testing::{SignedRequest, TestClient};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue};
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use serde_json::json;
use std::sync::{Arc, Mutex};
use tracing_subscriber::prelude::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "whsec_otel";
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PLATFORM_SPAN_ID: &str = "00f067aa0ba902b7";

/// What the receiver got: the spans, and the `service.name` of their resource.
#[derive(Default)]
struct Received {
    spans: Vec<Span>,
    service_names: Vec<String>,
}

/// An OTLP/HTTP trace receiver on a free loopback port.
async fn receiver() -> (String, Arc<Mutex<Received>>) {
    let received = Arc::new(Mutex::new(Received::default()));
    let store = received.clone();
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(move |body: Bytes| {
            let store = store.clone();
            async move {
                let request = ExportTraceServiceRequest::decode(body).expect("OTLP protobuf");
                let mut store = store.lock().unwrap();
                for resource in request.resource_spans {
                    let attributes = resource.resource.map(|r| r.attributes).unwrap_or_default();
                    for attribute in attributes.into_iter().filter(|a| a.key == "service.name") {
                        if let Some(AnyValue { value: Some(any_value::Value::StringValue(name)) }) = attribute.value {
                            store.service_names.push(name);
                        }
                    }
                    for scope in resource.scope_spans {
                        store.spans.extend(scope.spans);
                    }
                }
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1/traces", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_with_traceparent_is_one_trace_with_a_child_span_per_api_call() {
    let (traces_url, exported) = receiver().await;
    // The standard variables choose the endpoint and the service name.
    // SAFETY: this binary's only test sets them before anything reads the environment; the
    // runtime's other threads are idle (the receiver task waits on its socket).
    unsafe {
        std::env::set_var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", &traces_url);
        std::env::set_var("OTEL_SERVICE_NAME", "kiket-otel-test");
    }
    let traces = Arc::new(OtelTracing::from_env().unwrap());
    tracing_subscriber::registry().with(traces.layer()).init();

    let api = MockServer::start().await;
    support::mount_rate_limit(&api).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/extensions/logs"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&api)
        .await;

    let router = Router::new().issue_created_v1(|_issue: IssueCreatedV1, ctx: HandlerContext| async move {
        let endpoints = ctx.endpoints();
        endpoints.rate_limit().await.map_err(|e| HandlerError::permanent(e.to_string()))?;
        endpoints.log_event("traced").await.map_err(|e| HandlerError::permanent(e.to_string()))?;
        Ok(())
    });
    let config =
        Config::builder().webhook_secret(SECRET).api_base_url(api.uri()).workspace_token("wt_otel").build().unwrap();
    let client = TestClient::new(Extension::new(router, config).unwrap().into_router());
    let traceparent = format!("00-{TRACE_ID}-{PLATFORM_SPAN_ID}-01");
    let delivery = SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": 1}}))
        .secret(SECRET)
        .header("traceparent", &traceparent);
    assert_eq!(client.send(&delivery).await.status, 200);

    let flushing = traces.clone();
    tokio::task::spawn_blocking(move || flushing.flush()).await.unwrap().unwrap();
    let (spans, service_names) = {
        let received = exported.lock().unwrap();
        (received.spans.clone(), received.service_names.clone())
    };
    assert!(!service_names.is_empty() && service_names.iter().all(|n| n == "kiket-otel-test"), "{service_names:?}");
    let named = |name: &str| spans.iter().filter(|s| s.name == name).cloned().collect::<Vec<_>>();
    let deliveries = named("kiket.delivery");
    assert_eq!(deliveries.len(), 1, "one delivery span: {spans:#?}");
    let delivery_span = &deliveries[0];
    assert_eq!(hex(&delivery_span.trace_id), TRACE_ID, "the delivery joined the platform's trace");
    assert_eq!(hex(&delivery_span.parent_span_id), PLATFORM_SPAN_ID);
    let calls = named("kiket.api");
    assert_eq!(calls.len(), 2, "one span per API call: {spans:#?}");
    for call in &calls {
        assert_eq!(hex(&call.trace_id), TRACE_ID);
        assert_eq!(call.parent_span_id, delivery_span.span_id, "an API call's span is a child of the delivery's");
    }

    let call_span_ids: Vec<String> = calls.iter().map(|c| hex(&c.span_id)).collect();
    let received = api.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    for request in received {
        let sent = request.headers.get("traceparent").expect("traceparent on every API call").to_str().unwrap();
        let parts: Vec<&str> = sent.split('-').collect();
        assert_eq!(parts[1], TRACE_ID, "{sent}");
        assert!(call_span_ids.contains(&parts[2].to_owned()), "{sent} names the call's own span");
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
