//! The SDK's own server hands deliveries straight to the pipeline and everything else to the
//! axum router (`kiket-sdk/src/server/front.rs`). Here the same requests, byte for byte, go to
//! that server and to the extension's router served by plain `axum::serve`: every answer must
//! be the same (status line, headers but `date`, body), and so must the handler's runs.

mod support;

use kiket::prelude::*;
use kiket::sdk::testing::{SignedRequest, TestServer};
use serde_json::json;
use std::sync::atomic::Ordering;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SECRET: &str = "whsec_front_door";

/// One HTTP/1.1 request as sent on the wire, `Connection: close`.
fn raw(method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// The signed delivery `request` as sent to `path` (its own path when `None`).
fn signed(request: &SignedRequest, path: Option<&str>) -> Vec<u8> {
    let body = request.body();
    let own_path = request.path_and_query();
    raw("POST", path.unwrap_or(&own_path), &request.header_pairs(&body), &body)
}

/// The answer to `request` from the server at `address`: status line, headers without `date`
/// (sorted), body.
async fn answer(address: &str, request: &[u8]) -> (String, Vec<String>, String) {
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("the server accepts");
    stream.write_all(request).await.expect("the request is sent");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("the answer is read");
    let text = String::from_utf8(bytes).expect("a UTF-8 answer");
    let (head, body) = text.split_once("\r\n\r\n").expect("a head and a body");
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap_or_default().to_owned();
    let mut headers: Vec<String> =
        lines.filter(|line| !line.to_ascii_lowercase().starts_with("date:")).map(str::to_owned).collect();
    headers.sort();
    (status, headers, body.to_owned())
}

fn config() -> Config {
    Config::builder().webhook_secret(SECRET).body_limit(4096).build().unwrap()
}

#[tokio::test]
async fn deliveries_and_everything_else_are_answered_as_the_router_answers_them() {
    let (router, own_runs) = support::counting_router();
    let own = TestServer::start(Extension::new(router, config()).unwrap()).await.unwrap();
    let own_address = own.url().trim_start_matches("http://").to_owned();

    let (router, router_runs) = support::counting_router();
    let app = Extension::new(router, config()).unwrap().into_router();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let router_address = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let delivery = |id: u64| SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": id}})).secret(SECRET);
    let plain = [("Content-Type".to_owned(), "application/json".to_owned())];
    let requests: Vec<(&str, Vec<u8>)> = vec![
        ("a signed delivery", signed(&delivery(1), None)),
        ("the version in the path", signed(&delivery(2), Some("/v/v1/webhooks/issue.created"))),
        ("a forged signature", signed(&delivery(3).secret("whsec_someone_else"), None)),
        ("an event nothing handles", signed(&delivery(4), Some("/webhooks/issue.closed"))),
        ("a path that is not UTF-8", signed(&delivery(5), Some("/webhooks/%FF"))),
        ("an empty event", signed(&delivery(6), Some("/webhooks/"))),
        ("a segment too many", signed(&delivery(7), Some("/webhooks/issue.created/more"))),
        ("an empty path version (the header names it)", signed(&delivery(8), Some("/v//webhooks/issue.created"))),
        ("a body over the limit", raw("POST", "/webhooks/issue.created", &plain, &[b' '; 5000])),
        ("GET on a delivery route", raw("GET", "/webhooks/issue.created", &[], b"")),
        ("the health check", raw("GET", "/health", &[], b"")),
        ("an unknown path", raw("POST", "/elsewhere", &plain, b"{}")),
    ];
    let mut statuses = Vec::new();
    for (what, request) in &requests {
        let from_own = answer(&own_address, request).await;
        let from_router = answer(&router_address, request).await;
        assert_eq!(from_own, from_router, "{what}: the SDK's server answers as the router does");
        statuses.push(from_own.0);
    }
    let expected = [
        "200 OK",
        "200 OK",
        "401 Unauthorized",
        "404 Not Found",
        "400 Bad Request",
        "404 Not Found",
        "404 Not Found",
        "200 OK",
        "413 Payload Too Large",
        "405 Method Not Allowed",
        "200 OK",
        "404 Not Found",
    ];
    for ((status, expected), (what, _)) in statuses.iter().zip(expected).zip(&requests) {
        assert_eq!(status.trim_start_matches("HTTP/1.1 "), expected, "{what}");
    }
    assert_eq!(own_runs.load(Ordering::SeqCst), 3, "the three genuine deliveries ran");
    assert_eq!(router_runs.load(Ordering::SeqCst), 3, "and ran through the router too");
    own.shutdown().await;
}
