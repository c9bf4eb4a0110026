//! Retries against a mock API: which failures are retried, how long the client waits, and
//! that writes are only retried with an idempotency key (the same key on every attempt).

mod support;

use kiket_client::hooks::ApiState;
use kiket_client::retry::RetryPolicy;
use kiket_client::types::LogEventRequest;
use kiket_client::Client;
use serde_json::json;
use std::time::{Duration, Instant};
use support::endpoints;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const RATE_LIMIT: &str = "/api/v1/ext/rate_limit";

fn window() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"rate_limit": {"limit": 10, "remaining": 9, "window_seconds": 60, "reset_in": 5}}))
}

#[tokio::test]
async fn a_503_then_200_succeeds_after_one_retry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(RATE_LIMIT))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path(RATE_LIMIT)).respond_with(window()).expect(1).mount(&server).await;
    let api = endpoints(&server.uri(), RetryPolicy::default());
    assert_eq!(api.rate_limit().await.unwrap().remaining, 9);
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_429_with_retry_after_waits_that_long() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(RATE_LIMIT))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path(RATE_LIMIT)).respond_with(window()).mount(&server).await;
    let api = endpoints(&server.uri(), RetryPolicy::default());
    let started = Instant::now();
    api.rate_limit().await.unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(950) && waited < Duration::from_secs(3), "waited {waited:?}");
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(RATE_LIMIT))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": "bad project"})))
        .expect(1)
        .mount(&server)
        .await;
    let api = endpoints(&server.uri(), RetryPolicy::default());
    let err = api.rate_limit().await.unwrap_err();
    assert_eq!((err.status().map(|s| s.as_u16()), err.is_retryable()), (Some(400), false));
}

#[tokio::test]
async fn a_post_without_an_idempotency_key_is_not_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/extensions/logs"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let state = ApiState::new().retry_policy(RetryPolicy::default());
    let client = Client::new_with_client(&server.uri(), reqwest::Client::new(), state);
    let body = LogEventRequest { message: "m".into(), metadata: serde_json::Map::new() };
    let err = client.log_event().body(body).send().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
}

#[tokio::test]
async fn ergonomic_posts_are_retried_with_one_key_per_logical_call() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/extensions/logs"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/extensions/logs"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    let api = endpoints(&server.uri(), RetryPolicy { base_delay: Duration::from_millis(10), ..RetryPolicy::default() });
    api.log_event("first").metadata(json!({})).await.unwrap();
    api.log_event("second").await.unwrap();
    let keys: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| r.headers.get("idempotency-key").unwrap().to_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys.len(), 4, "3 attempts for the first call, 1 for the second");
    assert!(keys[0] == keys[1] && keys[1] == keys[2], "one key across the attempts of one call");
    assert_ne!(keys[2], keys[3], "a new call gets a new key");
}

#[tokio::test]
async fn retries_stop_at_the_attempt_limit_within_a_bounded_time() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(RATE_LIMIT))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": "boom"})))
        .expect(3)
        .mount(&server)
        .await;
    let api = endpoints(&server.uri(), RetryPolicy::default());
    let started = Instant::now();
    let err = api.rate_limit().await.unwrap_err();
    assert_eq!(err.to_string(), "Kiket API get_rate_limit failed with status 500: boom");
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_not_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(RATE_LIMIT))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "3600")
                .set_body_json(json!({"error": "slow down"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let api = endpoints(&server.uri(), RetryPolicy::default());
    let started = Instant::now();
    let err = api.rate_limit().await.unwrap_err();
    assert_eq!((err.status().map(|s| s.as_u16()), err.is_retryable()), (Some(429), true));
    assert!(started.elapsed() < Duration::from_secs(1));
}

#[tokio::test]
async fn refused_connections_are_retried_then_reported() {
    // Bind and drop a listener to get a port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let api = endpoints(
        &format!("http://127.0.0.1:{port}"),
        RetryPolicy { base_delay: Duration::from_millis(20), ..RetryPolicy::default() },
    );
    let started = Instant::now();
    let err = api.rate_limit().await.unwrap_err();
    assert!(err.is_retryable() && err.status().is_none(), "{err}");
    assert!(started.elapsed() >= Duration::from_millis(30), "backed off between attempts");
}

#[tokio::test]
async fn error_pages_that_are_not_json_keep_their_status() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(RATE_LIMIT))
        .respond_with(ResponseTemplate::new(502).set_body_raw("<html>Bad Gateway</html>", "text/html"))
        .mount(&server)
        .await;
    let api = endpoints(&server.uri(), RetryPolicy::none());
    let err = api.rate_limit().await.unwrap_err();
    assert_eq!(err.to_string(), "Kiket API get_rate_limit failed with status 502: Bad Gateway");
    assert!(err.is_retryable());
}

/// PROTOCOL §8: the runtime token goes out only while it is valid. A call made before its
/// `exp` carries it; the same call's retry, after a `Retry-After` that outlasts it, does not.
#[tokio::test]
async fn a_retry_after_the_runtime_token_expired_goes_without_it() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(RATE_LIMIT))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "2"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET")).and(path(RATE_LIMIT)).respond_with(window()).mount(&server).await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    // Expires one to two seconds from now; the retry comes two seconds after the first attempt.
    let state = ApiState::new().runtime_token("rt_short_lived").runtime_token_until(now + 2);
    let api = kiket_client::endpoints::Endpoints::new(Client::new_with_client(
        &server.uri(),
        reqwest::Client::new(),
        state.retry_policy(RetryPolicy::default()),
    ));
    api.rate_limit().await.unwrap();
    let sent: Vec<bool> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|request| request.headers.contains_key(kiket_client::hooks::RUNTIME_TOKEN_HEADER))
        .collect();
    assert_eq!(sent, [true, false], "the first attempt had it, the retry after its expiry had not");
}
