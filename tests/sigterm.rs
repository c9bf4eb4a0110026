//! SIGTERM during 100 in-flight slow deliveries: every delivery completes with 2xx, new
//! connections are refused, and the server stops within the deadline. The real signal is
//! sent to this test process; the server's `shutdown_signal()` catches it.

#![cfg(unix)]

use kiket::prelude::*;
use kiket::sdk::shutdown_signal;
use kiket::sdk::testing::SignedRequest;
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "whsec_sigterm";
const IN_FLIGHT: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_in_flight_deliveries_and_refuses_new_ones() {
    let started_handlers = Arc::new(AtomicUsize::new(0));
    let counter = started_handlers.clone();
    let router = Router::new().issue_created_v1(move |p: IssueCreatedV1, _c: HandlerContext| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(1500)).await;
            Ok(Reply::json(json!({"done": p.issue.id})))
        }
    });
    let config = Config::builder().webhook_secret(SECRET).build().unwrap();
    let extension = Extension::new(router, config).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(extension.serve_listener(listener, shutdown_signal()));
    // Let the signal handler register before anything can send SIGTERM.
    tokio::time::sleep(Duration::from_millis(100)).await;

    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let deliveries: Vec<_> = (0..IN_FLIGHT)
        .map(|i| {
            let (client, url) = (client.clone(), url.clone());
            tokio::spawn(async move {
                let request = SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": i}})).secret(SECRET);
                let response = request.send(&client, &url).await.expect("in-flight deliveries are answered");
                (response.status().as_u16(), response.json::<serde_json::Value>().await.unwrap())
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    while started_handlers.load(Ordering::SeqCst) < IN_FLIGHT {
        assert!(Instant::now() < deadline, "only {} handlers started", started_handlers.load(Ordering::SeqCst));
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let signalled = Instant::now();
    // SAFETY: sending a signal to our own process; tokio's handler is installed.
    assert_eq!(unsafe { libc::kill(libc::getpid(), libc::SIGTERM) }, 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = reqwest::Client::new().get(format!("{url}/health")).timeout(Duration::from_secs(2)).send().await;
    assert!(refused.is_err(), "new connections are refused after SIGTERM");

    for (i, delivery) in deliveries.into_iter().enumerate() {
        let (status, body) = delivery.await.unwrap();
        assert_eq!(status, 200, "delivery {i}");
        assert!(body["done"].is_number());
    }
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stopped within 5 s")
        .unwrap()
        .unwrap();
    assert!(signalled.elapsed() < Duration::from_secs(5));
}
