//! `GET /metrics` (cargo feature `metrics`): the Prometheus text rendered from the recorder,
//! behind the endpoint's bearer token when it has one.

use crate::delivery::HandlerPermits;
use crate::queue::Queue;
use crate::telemetry::MetricsEndpoint;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kiket_types::SecretString;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;
use std::time::Duration;
use subtle::ConstantTimeEq;

/// How long a scrape waits for the queue's numbers.
const QUEUE_READ_TIMEOUT: Duration = Duration::from_secs(1);

/// A router with `GET /metrics` only; `kiket_in_flight` is read from `permits`, and the
/// queue gauges from `queue` (when routes are deferred), when rendered.
pub(crate) fn router(
    handle: PrometheusHandle,
    endpoint: &MetricsEndpoint,
    permits: HandlerPermits,
    queue: Option<Arc<dyn Queue>>,
) -> axum::Router {
    let token = endpoint.bearer_token().cloned();
    axum::Router::new().route(
        "/metrics",
        get(move |headers: HeaderMap| {
            let (handle, token, permits, queue) = (handle.clone(), token.clone(), permits.clone(), queue.clone());
            async move {
                if token.as_ref().is_none_or(|token| bearer_matches(&headers, token))
                    && let Some(queue) = queue
                {
                    read_queue(&*queue).await;
                }
                render(&handle, token.as_ref(), &headers, &permits)
            }
        }),
    )
}

/// Sets the queue gauges from `queue`, each within [`QUEUE_READ_TIMEOUT`].
async fn read_queue(queue: &dyn Queue) {
    let depth = tokio::time::timeout(QUEUE_READ_TIMEOUT, queue.depth()).await.ok().and_then(Result::ok);
    let dead = tokio::time::timeout(QUEUE_READ_TIMEOUT, queue.dead_letter_count()).await.ok().and_then(Result::ok);
    crate::telemetry::prometheus::set_queue(depth, dead);
}

fn render(
    handle: &PrometheusHandle,
    token: Option<&SecretString>,
    headers: &HeaderMap,
    permits: &HandlerPermits,
) -> Response {
    if let Some(token) = token
        && !bearer_matches(headers, token)
    {
        let mut response = (StatusCode::UNAUTHORIZED, "metrics need a bearer token\n").into_response();
        response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    }
    crate::telemetry::prometheus::set_in_flight(permits.in_use());
    handle.run_upkeep();
    let mut response = handle.render().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    response
}

/// `Authorization: Bearer <token>`, compared in constant time.
fn bearer_matches(headers: &HeaderMap, token: &SecretString) -> bool {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return false;
    };
    let Some(sent) = value.as_bytes().strip_prefix(b"Bearer ") else {
        return false;
    };
    sent.ct_eq(token.expose().as_bytes()).into()
}
