//! The replay guard (on by default): copies of a verified delivery are answered with the first
//! answer and not handled twice — also when ten arrive at once; a retryable failure releases the
//! delivery so the platform's retry is handled.

use kiket::prelude::*;
use kiket::sdk::testing::{SignedRequest, TestServer};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const SECRET: &str = "whsec_replay";

/// A server whose `issue.created` handler counts runs, sleeps 200 ms, and fails the first
/// `failures` runs with `failure`.
async fn server(guard: bool, failures: usize, failure: fn() -> HandlerError) -> (TestServer, Arc<AtomicUsize>) {
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let router = Router::new().issue_created_v1(move |p: IssueCreatedV1, _c: HandlerContext| {
        let counter = counter.clone();
        async move {
            let run = counter.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(200)).await;
            if run < failures {
                return Err(failure());
            }
            Ok(Reply::json(json!({"handled": p.issue.id, "run": run})))
        }
    });
    let mut config = Config::builder().webhook_secret(SECRET);
    if !guard {
        config = config.replay_guard_off();
    }
    (TestServer::start(Extension::new(router, config.build().unwrap()).unwrap()).await.unwrap(), runs)
}

fn now() -> i64 {
    kiket::sdk::verify::Clock::now_unix(&kiket::sdk::verify::SystemClock)
}

/// One delivery: its timestamp is fixed, so every send of it is the same signed request
/// (without it, two sends straddling a second boundary would be two deliveries).
fn delivery() -> SignedRequest {
    SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": 7}})).secret(SECRET).timestamp(now())
}

async fn send(server: &TestServer, request: &SignedRequest) -> (u16, Value) {
    let response = request.send(&reqwest::Client::new(), &server.url()).await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_copy_gets_the_first_answer_without_a_second_run() {
    let (server, runs) = server(true, 0, || HandlerError::retryable("unused")).await;
    let request = delivery();
    let first = send(&server, &request).await;
    assert_eq!(first, (200, json!({"handled": 7, "run": 0})));
    assert_eq!(send(&server, &request).await, first);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    // A new delivery (new timestamp and signature) is handled.
    let later = delivery().timestamp(now() + 1);
    assert_eq!(send(&server, &later).await.0, 200);
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn ten_concurrent_copies_run_the_handler_once() {
    let (server, runs) = server(true, 0, || HandlerError::retryable("unused")).await;
    let request = delivery();
    let url = server.url();
    let copies = (0..10).map(|_| {
        let (request, url) = (request.clone(), url.clone());
        async move {
            let response = request.send(&reqwest::Client::new(), &url).await.unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap())
        }
    });
    let answers = futures_util::future::join_all(copies).await;
    assert!(answers.iter().all(|a| *a == (200, json!({"handled": 7, "run": 0}))), "{answers:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_retryable_failure_releases_the_delivery_for_the_retry() {
    let (server, runs) = server(true, 1, || HandlerError::retryable("CRM is down")).await;
    let request = delivery();
    assert_eq!(send(&server, &request).await, (500, json!({"error": "CRM is down"})));
    assert_eq!(send(&server, &request).await, (200, json!({"handled": 7, "run": 1})));
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_permanent_failure_is_repeated_not_rerun() {
    let (server, runs) = server(true, 1, || HandlerError::permanent_with_status(409, "duplicate")).await;
    let request = delivery();
    let first = send(&server, &request).await;
    assert_eq!(first, (409, json!({"error": "duplicate"})));
    assert_eq!(send(&server, &request).await, first);
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn without_the_guard_copies_are_handled_again() {
    let (server, runs) = server(false, 0, || HandlerError::retryable("unused")).await;
    let request = delivery();
    send(&server, &request).await;
    send(&server, &request).await;
    assert_eq!(runs.load(Ordering::SeqCst), 2, "replay_guard_off() turns the guard off");
}

/// Posts `body` with the given signature header text, timestamp `ts`.
async fn send_raw(server: &TestServer, body: &'static [u8], ts: i64, signature: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{}/webhooks/issue.created", server.url()))
        .header("content-type", "application/json")
        .header("x-kiket-event-version", "v1")
        .header("x-kiket-timestamp", ts.to_string())
        .header("x-kiket-signature", signature)
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn re_encoded_signature_headers_are_the_same_delivery() {
    let (server, runs) = server(true, 0, || HandlerError::retryable("unused")).await;
    const BODY: &[u8] = br#"{"issue":{"id":7}}"#;
    let ts = now();
    let mac = kiket::sdk::verify::sign(SECRET, ts, BODY);
    let decoy = "ab".repeat(32);
    let first = send_raw(&server, BODY, ts, &mac).await;
    assert_eq!(first, (200, json!({"handled": 7, "run": 0})));
    for spelling in [
        mac.to_ascii_uppercase(),
        format!("sha256={mac}"),
        format!("{mac},"),
        format!("{decoy} {mac}"),
        format!("{mac},{mac}"),
        format!("sha256={}, sha256={decoy}", mac.to_ascii_uppercase()),
    ] {
        assert_eq!(send_raw(&server, BODY, ts, &spelling).await, first, "spelling {spelling:?}");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1, "a re-spelled signature ran the handler again");
}

#[tokio::test]
async fn a_sender_that_disconnects_mid_handler_releases_the_claim() {
    let (server, runs) = server(true, 0, || HandlerError::retryable("unused")).await;
    let request = delivery();
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(50)).build().unwrap();
    assert!(request.send(&impatient, &server.url()).await.is_err(), "the first send should time out");
    // The handler of the abandoned request is dropped with its connection; the platform's
    // retry of the same delivery must be handled, not left waiting on the abandoned claim.
    let retry = tokio::time::timeout(Duration::from_secs(5), send(&server, &request)).await;
    let (status, body) = retry.expect("the retry waited on a claim nobody holds");
    assert_eq!(status, 200);
    assert_eq!(body["handled"], 7);
    assert!(runs.load(Ordering::SeqCst) >= 1);
}
