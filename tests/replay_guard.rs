//! The replay guard (on by default): copies of a verified delivery are answered with the first
//! answer and not handled twice — also when ten arrive at once; a retryable failure releases the
//! delivery so the platform's retry is handled.

mod support;

use kiket::prelude::*;
use kiket::sdk::testing::{SignedRequest, TestServer};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::now;

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
