//! The runtime-token key set is taken from the configured URL only (PROTOCOL §7.2): played
//! against real HTTP servers on loopback, a JWKS endpoint that redirects (to another origin or
//! its own) or serves a huge body gets every token rejected with 401 before any handler runs,
//! and the attacker's server is never asked.

mod support;

use kiket::prelude::*;
use kiket::sdk::testing::{SignedRequest, TestClient, TestKeys};
use kiket::sdk::verify::{Clock, SystemClock};
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use support::{counting_router, Captured};
use wiremock::matchers::{any, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "whsec_jwks_fetch";
const JWKS_PATH: &str = "/.well-known/jwks.json";

/// Sends one signed `issue.created` carrying a runtime token signed by `signer` to an
/// extension whose API (and so JWKS) origin is `api`; returns the status, the answer, whether
/// the handler ran, and the log.
async fn deliver_token(api: &MockServer, signer: &TestKeys) -> (u16, Value, bool, String) {
    let (captured, _guard) = Captured::install(tracing::Level::WARN);
    let (router, runs) = counting_router();
    let config = Config::builder().webhook_secret(SECRET).api_base_url(api.uri()).build().unwrap();
    let client = TestClient::new(Extension::new(router, config).unwrap().into_router());
    let token = signer.runtime_token(&[], SystemClock.now_unix());
    let request =
        SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": 1}})).secret(SECRET).runtime_token(token);
    let response = client.send(&request).await;
    (response.status.as_u16(), response.body, runs.load(Ordering::SeqCst) == 1, captured.text())
}

#[tokio::test]
async fn a_key_set_served_at_the_configured_url_verifies_tokens() {
    let platform = TestKeys::generate("platform");
    let api = MockServer::start().await;
    Mock::given(path(JWKS_PATH))
        .respond_with(ResponseTemplate::new(200).set_body_json(platform.jwks()))
        .mount(&api)
        .await;
    let (status, body, ran, _) = deliver_token(&api, &platform).await;
    assert_eq!((status, body, ran), (200, json!({"ok": true}), true));
}

#[tokio::test]
async fn a_redirect_to_another_origins_key_set_is_refused_and_the_token_is_401() {
    let attacker = TestKeys::generate("platform"); // same kid, the attacker's key
    let foreign = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(200).set_body_json(attacker.jwks())).mount(&foreign).await;
    let api = MockServer::start().await;
    Mock::given(path(JWKS_PATH))
        .respond_with(ResponseTemplate::new(302).insert_header("location", format!("{}/jwks.json", foreign.uri())))
        .mount(&api)
        .await;

    let (status, body, ran, log) = deliver_token(&api, &attacker).await;
    assert_eq!((status, ran), (401, false), "{body}");
    assert_eq!(body["error"], "invalid runtime token: unknown signing key");
    assert!(foreign.received_requests().await.unwrap().is_empty(), "the redirect target was fetched");
    assert!(log.contains("the JWKS endpoint redirected"), "{log}");
}

#[tokio::test]
async fn a_same_origin_redirect_is_refused_too() {
    let platform = TestKeys::generate("platform");
    let api = MockServer::start().await;
    Mock::given(path(JWKS_PATH))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/keys.json"))
        .mount(&api)
        .await;
    Mock::given(path("/keys.json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(platform.jwks()))
        .mount(&api)
        .await;

    let (status, _, ran, log) = deliver_token(&api, &platform).await;
    assert_eq!((status, ran), (401, false));
    assert!(log.contains("keys are only taken from the configured URL"), "{log}");
}

#[tokio::test]
async fn a_ten_mebibyte_key_set_is_not_read() {
    let platform = TestKeys::generate("platform");
    let mut jwks = platform.jwks();
    jwks["padding"] = json!("x".repeat(10 * 1024 * 1024));
    let api = MockServer::start().await;
    Mock::given(path(JWKS_PATH)).respond_with(ResponseTemplate::new(200).set_body_json(jwks)).mount(&api).await;

    let (status, _, ran, log) = deliver_token(&api, &platform).await;
    assert_eq!((status, ran), (401, false), "the genuine key inside the oversized set was not used");
    assert!(log.contains("larger than 64 KiB"), "{log}");
}
