//! Telemetry stays off the response path: records reach the hook with the right fields, a
//! hanging or failing endpoint adds no latency and never fails a handler, opt-out sends
//! nothing, and shutdown flushes what is queued.

use kiket::prelude::*;
use kiket::sdk::telemetry::{feedback_hook, ErrorClass, TelemetryRecord, TelemetryStatus};
use kiket::sdk::testing::{SignedRequest, TestServer};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "whsec_telemetry";

fn router() -> Router {
    Router::new()
        .issue_created_v1(|_p: IssueCreatedV1, _c: HandlerContext| async { Ok(Reply::ok()) })
        .issue_assigned_v1(|_p: IssueAssignedV1, _c: HandlerContext| async {
            Err::<(), _>(HandlerError::retryable("CRM is down"))
        })
}

fn config() -> kiket::sdk::ConfigBuilder {
    // This suite resends identical deliveries on purpose; the replay guard (on by default)
    // has its own tests: tests/replay_guard.rs, tests/hostile_network.rs.
    Config::builder().replay_guard_off().webhook_secret(SECRET).extension("com.example.telemetry", "9.9.9")
}

fn channel_hook() -> (kiket::sdk::telemetry::FeedbackHook, mpsc::UnboundedReceiver<TelemetryRecord>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (
        feedback_hook(move |record| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(record);
            }
        }),
        rx,
    )
}

async fn deliver(server: &TestServer, event: &str) -> (u16, Duration) {
    let request = SignedRequest::new(event, "v1", &json!({"issue": {"id": 1}})).secret(SECRET);
    let started = Instant::now();
    let status = request.send(&reqwest::Client::new(), &server.url()).await.unwrap().status().as_u16();
    (status, started.elapsed())
}

async fn next(rx: &mut mpsc::UnboundedReceiver<TelemetryRecord>) -> TelemetryRecord {
    tokio::time::timeout(Duration::from_secs(5), rx.recv()).await.expect("a record within 5 s").unwrap()
}

#[tokio::test]
async fn hook_receives_ok_and_error_records_with_every_field() {
    let (hook, mut rx) = channel_hook();
    let extension = Extension::new(router(), config().feedback_hook(hook).build().unwrap()).unwrap();
    let metrics = extension.metrics();
    let server = TestServer::start(extension).await.unwrap();

    assert_eq!(deliver(&server, "issue.created").await.0, 200);
    let ok = next(&mut rx).await;
    assert_eq!((ok.event.as_str(), ok.version.as_str(), ok.status), ("issue.created", "v1", TelemetryStatus::Ok));
    assert_eq!(
        (ok.extension_id.as_deref(), ok.extension_version.as_deref()),
        (Some("com.example.telemetry"), Some("9.9.9"))
    );
    assert!(ok.duration_ms >= 0.0 && ok.duration_ms < 1000.0);
    assert!(
        ok.timestamp.len() == 24 && ok.timestamp.ends_with('Z') && ok.timestamp.as_bytes()[10] == b'T',
        "{}",
        ok.timestamp
    );
    assert_eq!((ok.error_message, ok.error_class), (None, None));

    assert_eq!(deliver(&server, "issue.assigned").await.0, 500);
    let error = next(&mut rx).await;
    assert_eq!(error.status, TelemetryStatus::Error);
    assert_eq!(error.error_message.as_deref(), Some("CRM is down"));
    assert_eq!(error.error_class.map(ErrorClass::as_str), Some("Retryable"));
    let wire = serde_json::to_value(&error).unwrap();
    assert_eq!(wire["status"], "error");

    let snapshot = metrics.snapshot();
    assert_eq!(snapshot.count("issue.created", "v1", "ok"), 1);
    assert_eq!(snapshot.count("issue.assigned", "v1", "error"), 1);
    assert_eq!(snapshot.duration_buckets.iter().sum::<u64>(), 2);
}

#[tokio::test]
async fn a_hanging_telemetry_endpoint_adds_no_latency() {
    // Accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = Arc::new(Mutex::new(Vec::new()));
    let keep = held.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            keep.lock().unwrap().push(socket);
        }
    });
    let server = TestServer::start(Extension::new(router(), config().telemetry_url(url).build().unwrap()).unwrap())
        .await
        .unwrap();
    let mut slowest = Duration::ZERO;
    for _ in 0..20 {
        let (status, took) = deliver(&server, "issue.created").await;
        assert_eq!(status, 200);
        slowest = slowest.max(took);
    }
    // Waiting for the endpoint would take at least its 5 s request timeout; the bound leaves
    // room for a loaded CI machine.
    assert!(slowest < Duration::from_secs(2), "slowest webhook answer {slowest:?}");
    assert!(!held.lock().unwrap().is_empty(), "telemetry was attempted");
}

#[tokio::test]
async fn a_failing_endpoint_never_fails_the_handler_and_is_counted() {
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/collect/telemetry"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&api)
        .await;
    let extension =
        Extension::new(router(), config().telemetry_url(format!("{}/collect", api.uri())).build().unwrap()).unwrap();
    let metrics = extension.metrics();
    let server = TestServer::start(extension).await.unwrap();
    assert_eq!(deliver(&server, "issue.created").await.0, 200);
    let deadline = Instant::now() + Duration::from_secs(5);
    while metrics.snapshot().failed_sends == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(metrics.snapshot().failed_sends, 1);
    assert_eq!(api.received_requests().await.unwrap().len(), 3, "bounded retries: 3 attempts");
}

#[tokio::test]
async fn records_are_posted_with_the_token_to_the_api_origin_and_opt_out_sends_nothing() {
    let api = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/ext/telemetry"))
        .and(header("authorization", "Bearer wk_tel"))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&api)
        .await;
    let (hook, mut rx) = channel_hook();
    let posting = config()
        .workspace_token("wk_tel")
        .api_base_url(api.uri())
        .telemetry_url(format!("{}/api/v1/ext", api.uri()))
        .feedback_hook(hook);
    let server = TestServer::start(Extension::new(router(), posting.build().unwrap()).unwrap()).await.unwrap();
    deliver(&server, "issue.created").await;
    next(&mut rx).await;
    let sent: serde_json::Value = api.received_requests().await.unwrap()[0].body_json().unwrap();
    assert_eq!(sent["event"], "issue.created");
    assert_eq!(sent["status"], "ok");
    assert!(sent["duration_ms"].is_number() && sent["timestamp"].is_string());

    let quiet = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(202)).expect(0).mount(&quiet).await;
    let (hook, mut rx) = channel_hook();
    let env = move |key: &str| (key == "KIKET_SDK_TELEMETRY_OPTOUT").then(|| "yes".to_owned());
    let opted_out = config().telemetry_url(quiet.uri()).feedback_hook(hook).with_env_from(env);
    let server = TestServer::start(Extension::new(router(), opted_out.build().unwrap()).unwrap()).await.unwrap();
    deliver(&server, "issue.created").await;
    next(&mut rx).await; // the worker has handled the record, and sent nothing
    assert!(quiet.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn telemetry_to_a_foreign_origin_carries_no_workspace_token() {
    let api = MockServer::start().await;
    let collector = MockServer::start().await; // another port: another origin
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(202)).expect(1).mount(&collector).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(202)).expect(0).mount(&api).await;
    let (hook, mut rx) = channel_hook();
    let config = config()
        .workspace_token("wk_must_stay_home")
        .api_base_url(api.uri())
        .telemetry_url(collector.uri())
        .feedback_hook(hook)
        .build()
        .unwrap();
    let server = TestServer::start(Extension::new(router(), config).unwrap()).await.unwrap();
    deliver(&server, "issue.created").await;
    next(&mut rx).await;
    let received = collector.received_requests().await.unwrap();
    assert_eq!(received.len(), 1, "the record reached the collector");
    let record: serde_json::Value = received[0].body_json().unwrap();
    assert_eq!(record["event"], "issue.created");
    assert!(!received[0].headers.contains_key("authorization"), "{:?}", received[0].headers);
    let everything = format!("{:?} {}", received[0].headers, String::from_utf8_lossy(&received[0].body));
    assert!(!everything.contains("wk_must_stay_home"), "the workspace token left the API origin");
}

#[tokio::test]
async fn shutdown_flushes_queued_records() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let store = seen.clone();
    let hook = feedback_hook(move |record: TelemetryRecord| {
        let store = store.clone();
        async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            store.lock().unwrap().push(record.event);
        }
    });
    let server = TestServer::start(Extension::new(router(), config().feedback_hook(hook).build().unwrap()).unwrap())
        .await
        .unwrap();
    for _ in 0..3 {
        deliver(&server, "issue.created").await;
    }
    server.shutdown().await;
    assert_eq!(seen.lock().unwrap().len(), 3, "every queued record was delivered before shutdown returned");
}
