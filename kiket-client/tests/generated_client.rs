//! The generated client against a mock extension API on loopback: the hooks' headers reach
//! the wire and typed responses decode.

use kiket_client::hooks::ApiState;
use kiket_client::Client;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn hooks_add_credentials_and_invocation_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/ext/rate_limit"))
        .and(header("authorization", "Bearer wk_test"))
        .and(header("x-kiket-runtime-token", "rt_test"))
        .and(header("x-kiket-event-version", "v2"))
        .and(header("accept", "application/json"))
        .and(header("user-agent", concat!("kiket-sdk-rust/", env!("CARGO_PKG_VERSION"))))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "rate_limit": {"limit": 600, "remaining": 4, "window_seconds": 60, "reset_in": 17, "burst": 10}
        })))
        .expect(1)
        .mount(&server)
        .await;

    let state = ApiState::new().workspace_token("wk_test").runtime_token("rt_test").event_version("v2");
    let client = Client::new_with_client(&server.uri(), reqwest::Client::new(), state);
    let response = client.get_rate_limit().send().await.expect("mock answers");
    let limit = &response.into_inner().rate_limit;
    assert_eq!((limit.limit, limit.remaining, limit.window_seconds, limit.reset_in), (600, 4, 60, 17));
}

#[tokio::test]
async fn query_parameters_and_error_bodies_are_typed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/ext/custom_data/com.example.crm/contacts"))
        .and(query_param("project_id", "12"))
        .and(query_param("limit", "25"))
        .and(query_param("filters", r#"{"status":"active"}"#))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({"error": "module not permitted"})))
        .mount(&server)
        .await;

    let client = Client::new_with_client(&server.uri(), reqwest::Client::new(), ApiState::new());
    let error = client
        .list_custom_data()
        .module("com.example.crm")
        .table("contacts")
        .project_id("12")
        .limit(25u32)
        .filters(r#"{"status":"active"}"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(403));
    match error {
        kiket_client::ProgenitorError::ErrorResponse(body) => {
            assert_eq!(body.into_inner().error.as_deref(), Some("module not permitted"));
        }
        other => panic!("expected a typed error body, got {other:?}"),
    }
}
