//! The server tried as an attacker on the network would try it (PROTOCOL §7.1), on 127.0.0.1
//! against the real server: stalled and idle connections, floods of unverified uploads,
//! cleartext HTTP/2 stream floods, re-spelled signatures, disconnects mid-handler, bodies
//! posted to another event's route, control characters and bad bytes in the path, values in
//! 422 answers, and the extension API's own error text. Every test asserts whether the handler
//! ran, not only the status. Loops are bounded in count and time.

mod support;

use kiket::prelude::*;
use kiket::sdk::testing::{MockKiketApi, SignedRequest, TestKeys, TestServer};
use kiket::sdk::verify::sign;
use kiket::sdk::ConfigBuilder;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use support::{counting_router, now, raise_open_file_limit, Captured, STALLED_UPLOAD};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "whsec_hostile_network";

/// A server whose `issue.created` v1 and `automation.dispatch` v1 handlers count their runs;
/// `issue.created` sleeps `sleep` first.
async fn server(config: ConfigBuilder, sleep: Duration) -> (TestServer, Arc<AtomicUsize>) {
    let runs = Arc::new(AtomicUsize::new(0));
    let (issue_runs, automation_runs) = (runs.clone(), runs.clone());
    let router = Router::new()
        .issue_created_v1(move |p: IssueCreatedV1, _c: HandlerContext| {
            let runs = issue_runs.clone();
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(sleep).await;
                Ok(Reply::json(json!({"handled": p.issue.id})))
            }
        })
        .automation_dispatch_v1(move |_p: AutomationDispatchV1, _c: HandlerContext| {
            let runs = automation_runs.clone();
            async move {
                runs.fetch_add(1, Ordering::SeqCst);
                Ok(Reply::ok())
            }
        });
    let extension = Extension::new(router, config.webhook_secret(SECRET).build().unwrap()).unwrap();
    (TestServer::start(extension).await.unwrap(), runs)
}

fn genuine() -> SignedRequest {
    SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": 7}})).secret(SECRET).timestamp(now())
}

async fn send(server: &TestServer, request: &SignedRequest) -> (u16, Value) {
    let response = request.send(&reqwest::Client::new(), &server.url()).await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

/// Opens a connection and sends `head` (and nothing more).
async fn stall(server: &TestServer, head: &[u8]) -> Option<TcpStream> {
    let mut stream = TcpStream::connect(server.address()).await.ok()?;
    stream.write_all(head).await.ok()?;
    Some(stream)
}

#[tokio::test]
async fn a_genuine_delivery_is_answered_while_1100_uploads_stall() {
    raise_open_file_limit();
    let (server, runs) = server(Config::builder(), Duration::ZERO).await;
    let mut stalled = Vec::new();
    for _ in 0..1_100 {
        stalled.extend(stall(&server, STALLED_UPLOAD).await);
    }
    assert!(stalled.len() >= 1_000, "only {} stalled connections opened", stalled.len());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = Instant::now();
    let (status, body) = send(&server, &genuine()).await;
    let took = started.elapsed();
    println!("genuine delivery with {} stalled uploads open: {status} in {took:?}", stalled.len());
    assert_eq!((status, body), (200, json!({"handled": 7})));
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[cfg(feature = "h2c")]
#[tokio::test]
async fn a_genuine_delivery_is_answered_while_h2c_streams_stall() {
    raise_open_file_limit();
    let (server, runs) = server(Config::builder().http2_cleartext(100), Duration::ZERO).await;
    let mut held = Vec::new();
    let mut clients = Vec::new();
    let mut most_streams_on_one_connection = 0;
    for _ in 0..6 {
        let tcp = TcpStream::connect(server.address()).await.unwrap();
        let (mut client, connection) = h2::client::handshake(tcp).await.unwrap();
        tokio::spawn(connection);
        // One request first, so the server's SETTINGS (its stream limit) have arrived.
        let health = axum::http::Request::get(format!("http://{}/health", server.address())).body(()).unwrap();
        let (response, _) = client.send_request(health, true).unwrap();
        assert_eq!(response.await.unwrap().status(), 200);
        // What the server advertised: streams past it stay queued in the client, never reach it.
        most_streams_on_one_connection = most_streams_on_one_connection.max(client.current_max_send_streams());
        for _ in 0..200 {
            let Ok(Ok(ready)) = tokio::time::timeout(Duration::from_millis(200), client.clone().ready()).await else {
                break;
            };
            let request = axum::http::Request::post(format!("http://{}/webhooks/issue.created", server.address()))
                .header("x-kiket-event-version", "v1")
                .header("content-length", "1048576")
                .body(())
                .unwrap();
            let Ok((response, mut body)) = ready.clone().send_request(request, false) else { break };
            let _ = body.send_data(axum::body::Bytes::from_static(b"{"), false);
            held.push((response, body));
        }
        clients.push(client);
    }
    println!(
        "h2c: the server allows {most_streams_on_one_connection} concurrent streams per connection; {} requests sent",
        held.len()
    );
    assert_eq!(most_streams_on_one_connection, 100, "the configured stream limit");
    assert_eq!(held.len(), 6 * 200, "every request of the flood was sent or queued");
    let started = Instant::now();
    let (status, _) = send(&server, &genuine()).await;
    assert_eq!(status, 200, "answered in {:?}", started.elapsed());
    assert!(started.elapsed() < Duration::from_secs(1));
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

/// Seconds until the server closes `stream` (EOF or reset), reading and discarding anything
/// it answers; gives up after `limit`.
async fn closed_after(mut stream: TcpStream, limit: Duration) -> (Option<Duration>, Vec<u8>) {
    let started = Instant::now();
    let mut answer = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        match tokio::time::timeout_at((started + limit).into(), stream.read(&mut buffer)).await {
            Err(_) => return (None, answer),
            Ok(Ok(0) | Err(_)) => return (Some(started.elapsed()), answer),
            Ok(Ok(n)) => answer.extend_from_slice(&buffer[..n]),
        }
    }
}

#[tokio::test]
async fn idle_stalled_header_and_stalled_body_connections_are_cut_off() {
    let config =
        Config::builder().header_read_timeout(Duration::from_millis(500)).body_timeout(Duration::from_millis(500));
    let (server, runs) = server(config, Duration::ZERO).await;
    let idle = TcpStream::connect(server.address()).await.unwrap();
    let header = stall(&server, b"POST /webhooks/issue.created HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    let body = stall(&server, STALLED_UPLOAD).await.unwrap();
    let limit = Duration::from_secs(5);
    let ((idle_at, _), (header_at, _), (body_at, answer)) =
        tokio::join!(closed_after(idle, limit), closed_after(header, limit), closed_after(body, limit));
    println!("closed after: idle {idle_at:?}, stalled header {header_at:?}, stalled body {body_at:?}");
    for (what, at) in [("idle", idle_at), ("stalled header", header_at), ("stalled body", body_at)] {
        let at = at.unwrap_or_else(|| panic!("{what} connection still open after {limit:?}"));
        assert!(at >= Duration::from_millis(400) && at < Duration::from_secs(2), "{what} closed after {at:?}");
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "stalled body answered {answer:?}");
    assert!(answer.contains("application/json"), "{answer}");
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

/// The header-read deadline starts again each time a kept-alive connection waits for its next
/// head: a connection that was answered and then sends half a head is cut off that long after
/// its answer, neither at the deadline of its first head nor never.
#[tokio::test]
async fn a_kept_alive_connection_gets_a_fresh_header_deadline_after_each_answer() {
    let timeout = Duration::from_millis(500);
    let (server, runs) = server(Config::builder().header_read_timeout(timeout), Duration::ZERO).await;
    let request = genuine();
    let body = request.body();
    let mut head = format!("POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\n", request.path_and_query());
    for (name, value) in request.header_pairs(&body) {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut stream = TcpStream::connect(server.address()).await.unwrap();
    let connected = Instant::now();
    // The first head arrives late in its window: 300 of 500 ms.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body).await.unwrap();
    let mut answer = [0u8; 1024];
    let n = stream.read(&mut answer).await.unwrap();
    assert!(answer[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&answer[..n]));
    let answered = Instant::now();
    stream.write_all(b"POST /webhooks/issue.created HTTP/1.1\r\nHost: 127.0.0.1\r\n").await.unwrap();
    let (closed, _) = closed_after(stream, Duration::from_secs(5)).await;
    let closed = closed.expect("the half-sent head is cut off");
    let since_answer = answered.elapsed();
    println!("closed {since_answer:?} after the answer, {:?} after connecting", connected.elapsed());
    assert!(since_answer >= Duration::from_millis(400), "not at the first head's deadline: {since_answer:?}");
    assert!(closed < Duration::from_secs(2), "but within the timeout of the answer: {closed:?}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

async fn send_with_signature(server: &TestServer, body: &'static [u8], ts: i64, signature: &str) -> (u16, Value) {
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
    (response.status().as_u16(), response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn six_spellings_of_one_signature_run_the_handler_once_with_the_default_guard() {
    let (server, runs) = server(Config::builder(), Duration::ZERO).await;
    const BODY: &[u8] = br#"{"issue":{"id":7}}"#;
    let ts = now();
    let mac = sign(SECRET, ts, BODY);
    let decoy = "ab".repeat(32);
    let spellings = [
        mac.clone(),
        mac.to_ascii_uppercase(),
        format!("sha256={mac}"),
        format!("{mac},"),
        format!("{decoy} {mac}"),
        format!("{mac},{mac}"),
    ];
    for spelling in &spellings {
        assert_eq!(send_with_signature(&server, BODY, ts, spelling).await, (200, json!({"handled": 7})), "{spelling}");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1, "one delivery, six spellings");
}

#[tokio::test]
async fn a_disconnect_mid_handler_releases_the_delivery_for_the_retry() {
    let (server, runs) = server(Config::builder(), Duration::from_millis(300)).await;
    let request = genuine();
    let impatient = reqwest::Client::builder().timeout(Duration::from_millis(50)).build().unwrap();
    assert!(request.send(&impatient, &server.url()).await.is_err(), "the first send gives up");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let retry = tokio::time::timeout(Duration::from_secs(5), send(&server, &request)).await;
    assert_eq!(retry.expect("the retry waited on an abandoned claim"), (200, json!({"handled": 7})));
    assert_eq!(runs.load(Ordering::SeqCst), 2, "the abandoned run and the retry");
}

#[tokio::test]
async fn a_body_posted_to_another_events_route_is_refused() {
    let (server, runs) = server(Config::builder(), Duration::ZERO).await;
    for named in
        [json!({"event": "issue.created"}), json!({"event_type": "issue.created"}), json!({"type": "issue.created"})]
    {
        let mut payload = json!({"action": "sync"});
        payload.as_object_mut().unwrap().extend(named.as_object().unwrap().clone());
        let request = SignedRequest::new("automation.dispatch", "v1", &payload).secret(SECRET).timestamp(now());
        let (status, body) = send(&server, &request).await;
        assert_eq!(status, 401, "{named}: {body}");
        assert_eq!(body["error"], "signed body is for event 'issue.created', not 'automation.dispatch'");
    }
    let matching = SignedRequest::new("automation.dispatch", "v1", &json!({"event": "automation.dispatch"}))
        .secret(SECRET)
        .timestamp(now());
    assert_eq!(send(&server, &matching).await.0, 200);
    assert_eq!(runs.load(Ordering::SeqCst), 1, "only the matching body ran");
}

async fn post_raw(server: &TestServer, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(server.address()).await.unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Kiket-Event-Version: v1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let status = answer.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    (status, head.to_ascii_lowercase(), body.to_owned())
}

#[tokio::test]
async fn request_text_is_escaped_in_logs_and_every_answer_is_json() {
    let (captured, _guard) = Captured::install(tracing::Level::INFO);
    let (server, runs) = server(Config::builder(), Duration::ZERO).await;

    for path in ["/webhooks/issue.created%0Aforged%20line%20INFO%20admin", "/webhooks/x%0D%0Aforged%20line"] {
        let (status, head, body) = post_raw(&server, path).await;
        assert_eq!(status, 401, "{path}: {body}");
        assert!(head.contains("content-type: application/json"), "{head}");
    }
    let logs = captured.text();
    assert!(logs.contains("forged line"), "the request was logged at all: {logs}");
    assert!(!logs.lines().any(|line| line.trim_start().starts_with("forged")), "a forged log line: {logs}");

    let (status, head, body) = post_raw(&server, "/webhooks/%FF%FE").await;
    assert_eq!(status, 400, "{body}");
    assert!(head.contains("content-type: application/json"), "{head}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"], "Request path is not valid UTF-8");
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_422_names_the_field_and_type_never_the_value() {
    let (server, runs) = server(Config::builder(), Duration::ZERO).await;
    let request = SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": 7, "title": 424242}}))
        .secret(SECRET)
        .timestamp(now());
    let (status, body) = send(&server, &request).await;
    assert_eq!(status, 422, "{body}");
    let text = body.to_string();
    assert_eq!(body["details"][0]["path"], "issue.title");
    assert!(text.contains("invalid type: integer, expected a string"), "{text}");
    assert!(!text.contains("424242"), "the value was echoed: {text}");
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_extension_apis_error_text_never_reaches_the_answer_or_the_logs() {
    let (captured, _guard) = Captured::install(tracing::Level::INFO);
    let api = MockKiketApi::start().await.unwrap();
    api.fail("create_custom_data_record", 503, "rejected credential wk_live_4f9a8b7c6d5e4f3a2b1c0d9e8f7a");
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let router = Router::new().issue_created_v1(move |_p: IssueCreatedV1, ctx: HandlerContext| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            ctx.endpoints().custom_data(1).create("crm", "contacts", &json!({"a": 1})).await?;
            Ok(Reply::ok())
        }
    });
    let config = Config::builder()
        .webhook_secret(SECRET)
        .api_base_url(api.url())
        .api_retry(kiket::client::retry::RetryPolicy::none())
        .build()
        .unwrap();
    let server = TestServer::start(Extension::new(router, config).unwrap()).await.unwrap();
    let (status, body) = send(&server, &genuine()).await;
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"], "extension API call create_custom_data_record failed: 503");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    let logs = captured.text();
    assert!(logs.contains("create_custom_data_record"), "the failure was logged: {logs}");
    assert!(!logs.contains("wk_live_4f9a8b7c6d5e4f3a2b1c0d9e8f7a"), "the credential reached the logs: {logs}");
}

#[tokio::test]
async fn pinned_claims_refuse_a_token_for_another_extension() {
    let api = MockKiketApi::start().await.unwrap();
    let keys = TestKeys::generate("pin-key");
    api.serve_jwks(keys.jwks());
    let config = Config::builder().api_base_url(api.url()).expect_extension_id("ext-1").replay_guard_off();
    let (server, runs) = server(config, Duration::ZERO).await;
    for (ext_id, status) in [("ext-1", 200), ("ext-2", 401)] {
        let mut claims = keys.claims(&[], now());
        claims["ext_id"] = json!(ext_id);
        let request = genuine().runtime_token(keys.sign(&claims));
        let (answered, body) = send(&server, &request).await;
        assert_eq!(answered, status, "{ext_id}: {body}");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 1, "only the token for this extension ran");
}

#[tokio::test]
async fn a_published_development_secret_warns_on_every_delivery_and_stays_on_loopback() {
    let (captured, _guard) = Captured::install(tracing::Level::INFO);
    let development = || Config::builder().development_webhook_secret(SECRET).with_env_from(|_| None);

    let open = Extension::new(Router::new().ignore::<IssueCreatedV1>(), development().build().unwrap()).unwrap();
    let anywhere = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let refused = open.serve_listener(anywhere, std::future::ready(())).await.unwrap_err();
    assert!(refused.to_string().contains("DEVELOPMENT secret"), "{refused}");

    let (router, runs) = counting_router();
    let server = TestServer::start(Extension::new(router, development().build().unwrap()).unwrap()).await.unwrap();
    for id in [1, 2] {
        let request =
            SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": id}})).secret(SECRET).timestamp(now());
        assert_eq!(send(&server, &request).await.0, 200);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    let warnings = captured.text().matches("delivery verified with a published DEVELOPMENT secret").count();
    assert_eq!(warnings, 2, "one warning per delivery");
    // A real secret wins over the development one, and then nothing warns.
    let real = development().webhook_secret("whsec_real").build().unwrap();
    assert_eq!(real.describe()["verification"], "hmac");
}
