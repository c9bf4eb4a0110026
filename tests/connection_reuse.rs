//! One connection pool per process: 50 handler invocations, each making 3 extension-API
//! calls, open no more connections than deliveries run at once. A TCP proxy in front of the
//! mock API counts the connections it accepts.

use kiket::prelude::*;
use kiket::sdk::testing::{SignedRequest, TestServer};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "whsec_pool";
const DELIVERIES: usize = 50;
const CONCURRENCY: usize = 5;

/// Forwards every accepted connection to `target`, counting connections.
async fn counting_proxy(target: std::net::SocketAddr) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if let Ok(mut outbound) = TcpStream::connect(target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                }
            });
        }
    });
    (format!("http://{address}"), accepted)
}

#[tokio::test]
async fn handler_calls_share_one_connection_pool() {
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/ext/rate_limit"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"rate_limit": {"limit": 100, "remaining": 99, "window_seconds": 60, "reset_in": 1}}),
            ),
        )
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/extensions/logs"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/ext/custom_data/crm/contacts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .mount(&api)
        .await;
    let (proxy_url, accepted) = counting_proxy(*api.address()).await;

    let router = Router::new().issue_created_v1(|payload: IssueCreatedV1, ctx: HandlerContext| async move {
        let endpoints = ctx.endpoints();
        endpoints.rate_limit().await?;
        endpoints.log_event("issue.created").metadata(json!({"id": payload.issue.id})).await?;
        endpoints.custom_data(1).list("crm", "contacts").limit(1).await?;
        Ok(Reply::ok())
    });
    let config = Config::builder().webhook_secret(SECRET).api_base_url(&proxy_url).build().unwrap();
    let server = TestServer::start(Extension::new(router, config).unwrap()).await.unwrap();

    let client = reqwest::Client::new();
    let url = server.url();
    let mut batches = Vec::new();
    for batch in 0..DELIVERIES / CONCURRENCY {
        let mut tasks = Vec::new();
        for i in 0..CONCURRENCY {
            let request = SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": batch * CONCURRENCY + i}}))
                .secret(SECRET);
            let (client, url) = (client.clone(), url.clone());
            tasks.push(tokio::spawn(async move { request.send(&client, &url).await.unwrap().status().as_u16() }));
        }
        for task in tasks {
            batches.push(task.await.unwrap());
        }
    }
    assert!(batches.iter().all(|s| *s == 200), "{batches:?}");
    assert_eq!(api.received_requests().await.unwrap().len(), DELIVERIES * 3);
    let connections = accepted.load(Ordering::SeqCst);
    assert!(connections <= CONCURRENCY, "{connections} connections for {} calls", DELIVERIES * 3);
}
