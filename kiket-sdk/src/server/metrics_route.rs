//! `GET /metrics` (cargo feature `metrics`): the Prometheus text rendered from the recorder,
//! behind the endpoint's bearer token when it has one.

use crate::delivery::HandlerPermits;
use crate::telemetry::MetricsEndpoint;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kiket_types::SecretString;
use metrics_exporter_prometheus::PrometheusHandle;
use subtle::ConstantTimeEq;

/// A router with `GET /metrics` only; `kiket_in_flight` is read from `permits` when rendered.
pub(crate) fn router(handle: PrometheusHandle, endpoint: &MetricsEndpoint, permits: HandlerPermits) -> axum::Router {
    let token = endpoint.bearer_token().cloned();
    axum::Router::new().route(
        "/metrics",
        get(move |headers: HeaderMap| std::future::ready(render(&handle, token.as_ref(), &headers, &permits))),
    )
}

fn render(
    handle: &PrometheusHandle,
    token: Option<&SecretString>,
    headers: &HeaderMap,
    permits: &HandlerPermits,
) -> Response {
    if let Some(token) = token {
        if !bearer_matches(headers, token) {
            let mut response = (StatusCode::UNAUTHORIZED, "metrics need a bearer token\n").into_response();
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
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
