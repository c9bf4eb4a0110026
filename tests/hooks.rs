//! Hooks around handlers (`Router::hook`): they see the verified delivery and the handler's
//! result, can answer instead of the handler, run in registration order, and never run for a
//! forged, unrouted, ignored or replayed delivery.

mod support;

use kiket::prelude::*;
use kiket::sdk::testing::{SignedRequest, TestClient};
use kiket::sdk::{Hook, Next};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const SECRET: &str = "whsec_hooks";

/// What happened, in order: hooks and the handler append to it.
#[derive(Clone, Default)]
struct Journal(Arc<Mutex<Vec<String>>>);

impl Journal {
    fn push(&self, entry: impl Into<String>) {
        self.0.lock().unwrap().push(entry.into());
    }

    fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

/// Writes what it sees before the handler and the handler's result after it.
struct Recorder {
    name: &'static str,
    journal: Journal,
}

impl Hook for Recorder {
    async fn around(&self, ctx: &HandlerContext, next: Next<'_>) -> HandlerResult {
        let delivery = ctx.delivery();
        self.journal.push(format!(
            "{} before {}@{} key={}",
            self.name,
            delivery.event(),
            delivery.version(),
            delivery.key().unwrap_or("none")
        ));
        let result = next.run().await;
        let outcome = match &result {
            Ok(reply) => String::from_utf8_lossy(reply.body().unwrap_or_default()).into_owned(),
            Err(error) => format!("error {}", error.status()),
        };
        self.journal.push(format!("{} after {outcome}", self.name));
        result
    }
}

/// Answers instead of the handler when the payload's issue is in the paused set (a feature
/// flag), or refuses with 429 for one organisation (a rate limit).
struct Gate {
    calls: Arc<AtomicUsize>,
}

impl Hook for Gate {
    async fn around(&self, ctx: &HandlerContext, next: Next<'_>) -> HandlerResult {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match ctx.headers().get("x-test-gate").and_then(|v| v.to_str().ok()) {
            Some("flag-off") => Ok(Reply::json(json!({"ok": true, "skipped": "flag off"}))),
            Some("rate-limited") => Err(HandlerError::permanent_with_status(429, "organisation over its rate")),
            _ => next.run().await,
        }
    }
}

fn handler(
    journal: Journal,
) -> impl Fn(IssueCreatedV1, HandlerContext) -> std::future::Ready<Result<Value, HandlerError>> {
    move |issue: IssueCreatedV1, _ctx: HandlerContext| {
        journal.push(format!("handler issue={}", issue.issue.id));
        std::future::ready(Ok(json!({"handled": issue.issue.id.to_string()})))
    }
}

fn client(router: Router) -> TestClient {
    let config = Config::builder().webhook_secret(SECRET).replay_guard_in_memory().build().unwrap();
    TestClient::new(Extension::new(router, config).unwrap().into_router())
}

fn delivery(id: u64) -> SignedRequest {
    SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": id}})).secret(SECRET)
}

#[tokio::test]
async fn hooks_see_the_verified_delivery_and_the_result_outermost_first() {
    let journal = Journal::default();
    let router = Router::new()
        .hook(Recorder { name: "outer", journal: journal.clone() })
        .issue_created_v1(handler(journal.clone()))
        .hook(Recorder { name: "inner", journal: journal.clone() });
    let client = client(router);

    let response = client.send(&delivery(7)).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.body["handled"], "7");

    let entries = journal.entries();
    assert_eq!(entries.len(), 5, "{entries:#?}");
    let key = entries[0].split("key=").nth(1).unwrap().to_owned();
    assert!(key.starts_with("sig:"), "the hook sees the delivery key: {entries:#?}");
    assert_eq!(
        entries,
        [
            format!("outer before issue.created@v1 key={key}"),
            format!("inner before issue.created@v1 key={key}"),
            "handler issue=7".to_owned(),
            r#"inner after {"handled":"7"}"#.to_owned(),
            r#"outer after {"handled":"7"}"#.to_owned(),
        ]
    );
}

#[tokio::test]
async fn a_hook_answers_instead_of_the_handler() {
    let journal = Journal::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let router = Router::new().hook(Gate { calls: calls.clone() }).issue_created_v1(handler(journal.clone()));
    let client = client(router);

    let skipped = client.send(&delivery(1).header("x-test-gate", "flag-off")).await;
    assert_eq!(skipped.status, 200);
    assert_eq!(skipped.body, json!({"ok": true, "skipped": "flag off"}));
    let limited = client.send(&delivery(2).header("x-test-gate", "rate-limited")).await;
    assert_eq!(limited.status, 429);
    assert!(limited.body.to_string().contains("organisation over its rate"), "{}", limited.body.to_string());
    assert!(journal.entries().is_empty(), "the handler ran: {:?}", journal.entries());

    let passed = client.send(&delivery(3)).await;
    assert_eq!(passed.status, 200);
    assert_eq!(journal.entries(), ["handler issue=3"]);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn hooks_never_run_for_forged_unrouted_ignored_or_replayed_deliveries() {
    let journal = Journal::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let router = Router::new()
        .hook(Gate { calls: calls.clone() })
        .issue_created_v1(handler(journal.clone()))
        .ignore::<IssueUpdatedV1>();
    let client = client(router);

    let forged = delivery(1).secret("whsec_someone_else");
    assert_eq!(client.send(&forged).await.status, 401);
    let unrouted = SignedRequest::new("comment.created", "v1", &json!({})).secret(SECRET);
    assert_eq!(client.send(&unrouted).await.status, 404);
    let ignored = SignedRequest::new("issue.updated", "v1", &json!({})).secret(SECRET);
    let answer = client.send(&ignored).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body, json!({"ok": true}));
    assert_eq!(calls.load(Ordering::SeqCst), 0, "a hook ran for a forged, unrouted or ignored delivery");

    let genuine = delivery(2);
    assert_eq!(client.send(&genuine).await.status, 200);
    let again = client.send(&genuine).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["handled"], "2", "the replay guard repeats the first answer");
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the hook ran for the replayed delivery");
    assert_eq!(journal.entries(), ["handler issue=2"]);
}

/// Panics in the middle of the chain.
struct Panicking;

impl Hook for Panicking {
    async fn around(&self, _ctx: &HandlerContext, _next: Next<'_>) -> HandlerResult {
        panic!("hook bug with a secret-looking message whsec_do_not_print");
    }
}

#[tokio::test]
async fn a_panicking_hook_is_a_500_without_its_message_and_the_handler_does_not_run() {
    let journal = Journal::default();
    let router = Router::new().hook(Panicking).issue_created_v1(handler(journal.clone()));
    let response = client(router).send(&delivery(1)).await;
    assert_eq!(response.status, 500);
    assert!(!response.body.to_string().contains("whsec_do_not_print"), "{}", response.body.to_string());
    assert!(journal.entries().is_empty());
}

#[tokio::test]
async fn a_layer_wraps_every_route_of_the_real_server_verified_or_not() {
    use axum::http::HeaderValue;
    use kiket::sdk::testing::TestServer;

    let journal = Journal::default();
    let config = Config::builder().webhook_secret(SECRET).build().unwrap();
    let extension = Extension::new(Router::new().issue_created_v1(handler(journal.clone())), config).unwrap().layer(
        axum::middleware::map_response(|mut response: axum::response::Response| async move {
            response.headers_mut().insert("x-layer", HeaderValue::from_static("outer"));
            response
        }),
    );
    let server = TestServer::start(extension).await.unwrap();
    let http = reqwest::Client::new();
    let url = server.url();
    let genuine = support::post_signed(&http, &url, &delivery(5)).await;
    assert_eq!(genuine.status(), 200);
    assert_eq!(genuine.headers()["x-layer"], "outer");
    let forged = support::post_signed(&http, &url, &delivery(6).secret("whsec_someone_else")).await;
    assert_eq!(forged.status(), 401);
    assert_eq!(forged.headers()["x-layer"], "outer", "a layer sees refused requests too");
    let health = http.get(format!("{}/health", server.url())).send().await.unwrap();
    assert_eq!(health.headers()["x-layer"], "outer");
    assert_eq!(journal.entries(), ["handler issue=5"]);
    server.shutdown().await;
}
