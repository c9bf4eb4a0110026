//! Deferred handlers on the default in-process queue: the server answers 202 once the
//! delivery is stored, a worker runs the handler with the same typed payload and context, once
//! per delivery; retryable errors run again, permanent ones and exhausted retries go to the
//! dead-letter list. (Redis, several processes, sealing: `tests/scale_out.rs`.)

mod support;

use kiket::prelude::*;
use kiket::sdk::queue::{Backoff, InMemoryQueue, Queue};
use kiket::sdk::testing::{MockKiketApi, SignedRequest, TestServer};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::now;

const SECRET: &str = "whsec_deferred";

fn delivery(issue: i64) -> SignedRequest {
    SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": issue, "title": "Printer on fire"}}))
        .secret(SECRET)
        .timestamp(now())
}

/// Waits (bounded) until `done` holds.
async fn eventually(what: &str, done: impl Fn() -> bool) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// Runs of the handler: (issue id, delivery key, event seen in the context).
type Runs = Arc<Mutex<Vec<(i64, Option<String>, String)>>>;

async fn start(failures: Vec<HandlerError>, queue: Arc<InMemoryQueue>, api: &MockKiketApi) -> (TestServer, Runs) {
    let runs: Runs = Arc::default();
    let failures = Arc::new(Mutex::new(failures));
    let seen = runs.clone();
    let handler = move |p: IssueCreatedV1, ctx: HandlerContext| {
        let (seen, failures) = (seen.clone(), failures.clone());
        async move {
            seen.lock().unwrap().push((
                p.issue.id.to_string().parse::<i64>().unwrap(),
                ctx.delivery().key().map(str::to_owned),
                ctx.event().to_owned(),
            ));
            if let Some(error) = failures.lock().unwrap().pop() {
                return Err(error);
            }
            ctx.endpoints().log_event("synced").metadata(json!({"issue": p.issue.id})).await?;
            Ok(Reply::ok())
        }
    };
    let router = Router::new().issue_created_v1(handler).deferred();
    let config = Config::builder()
        .webhook_secret(SECRET)
        .api_base_url(api.url())
        .queue(queue)
        .deferred_retries(Backoff { first: Duration::from_millis(20), max: Duration::from_millis(50), attempts: 3 })
        .telemetry_opt_out(true)
        .build()
        .unwrap();
    (TestServer::start(Extension::new(router, config).unwrap()).await.unwrap(), runs)
}

async fn post(server: &TestServer, request: &SignedRequest) -> (u16, Value) {
    let response = support::post_signed(&reqwest::Client::new(), &server.url(), request).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn the_server_answers_202_and_a_worker_runs_the_handler_once_with_its_context() {
    let api = MockKiketApi::start().await.unwrap();
    let queue = Arc::new(InMemoryQueue::default());
    let (server, runs) = start(Vec::new(), queue.clone(), &api).await;
    let request = delivery(7);
    assert_eq!(post(&server, &request).await, (202, json!({"ok": true, "queued": true})));
    assert_eq!(post(&server, &request).await, (202, json!({"ok": true, "queued": true})), "a copy: same answer");
    eventually("the worker ran it", || api.logged().len() == 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let runs = runs.lock().unwrap().clone();
    assert_eq!(runs.len(), 1, "one run for the delivery and its copy: {runs:?}");
    let (issue, key, event) = &runs[0];
    assert_eq!((*issue, event.as_str()), (7, "issue.created"));
    assert!(key.as_deref().is_some_and(|k| k.starts_with("sig:")), "the context keeps the delivery key: {key:?}");
    assert_eq!(api.logged()[0].1, json!({"issue": 7}), "the handler's API call carried the payload");
    assert_eq!(queue.depth().await.unwrap(), 0);
}

#[tokio::test]
async fn a_payload_that_does_not_decode_is_refused_now_not_queued() {
    let api = MockKiketApi::start().await.unwrap();
    let queue = Arc::new(InMemoryQueue::default());
    let (server, runs) = start(Vec::new(), queue.clone(), &api).await;
    let bad = SignedRequest::new("issue.created", "v1", &json!({"issue": "not an object"})).secret(SECRET);
    assert_eq!(post(&server, &bad).await.0, 422);
    assert_eq!(queue.depth().await.unwrap(), 0, "nothing stored");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(runs.lock().unwrap().is_empty());
}

#[tokio::test]
async fn retryable_errors_run_again_and_permanent_ones_are_dead_lettered() {
    let api = MockKiketApi::start().await.unwrap();
    let queue = Arc::new(InMemoryQueue::default());
    // Failures pop from the end: a retryable one, then success.
    let (server, runs) = start(vec![HandlerError::retryable("CRM is down")], queue.clone(), &api).await;
    assert_eq!(post(&server, &delivery(1)).await.0, 202);
    eventually("the retry succeeded", || api.logged().len() == 1).await;
    assert_eq!(runs.lock().unwrap().len(), 2, "one failure, one success");
    assert!(queue.dead_letters().await.unwrap().is_empty());

    let queue = Arc::new(InMemoryQueue::default());
    let permanent = vec![HandlerError::permanent("unknown customer")];
    let (server, runs) = start(permanent, queue.clone(), &api).await;
    assert_eq!(post(&server, &delivery(2)).await.0, 202);
    eventually("dead-lettered", || {
        futures_util::FutureExt::now_or_never(queue.dead_letters()).is_some_and(|d| d.unwrap().len() == 1)
    })
    .await;
    let dead = queue.dead_letters().await.unwrap();
    assert_eq!((dead[0].event.as_str(), dead[0].attempts), ("issue.created", 1));
    assert!(dead[0].reason.contains("unknown customer"), "{}", dead[0].reason);
    assert_eq!(runs.lock().unwrap().len(), 1, "a permanent error is not retried");

    let queue = Arc::new(InMemoryQueue::default());
    let always = (0..3).map(|_| HandlerError::retryable("still down")).collect();
    let (server, runs) = start(always, queue.clone(), &api).await;
    assert_eq!(post(&server, &delivery(3)).await.0, 202);
    eventually("gave up", || {
        futures_util::FutureExt::now_or_never(queue.dead_letters()).is_some_and(|d| d.unwrap().len() == 1)
    })
    .await;
    let dead = queue.dead_letters().await.unwrap();
    assert!(dead[0].reason.starts_with("gave up after 3 runs"), "{}", dead[0].reason);
    assert_eq!(runs.lock().unwrap().len(), 3, "three runs in all (Backoff::attempts)");

    // Requeued, it runs again (and now succeeds: the failures are used up).
    assert!(queue.requeue(&dead[0].id).await.unwrap());
    eventually("the requeued job ran", || api.logged().iter().any(|(_, m)| m["issue"] == 3)).await;
    assert!(queue.dead_letters().await.unwrap().is_empty());
}

#[cfg(feature = "metrics")]
#[tokio::test]
async fn metrics_show_the_queue_depth_and_the_dead_letters() {
    use kiket::sdk::telemetry::MetricsEndpoint;
    let api = MockKiketApi::start().await.unwrap();
    let queue = Arc::new(InMemoryQueue::default());
    let handler = |p: IssueCreatedV1, _ctx: HandlerContext| async move {
        match p.issue.id.to_string().as_str() {
            "1" => Err(HandlerError::permanent("unknown customer")),
            _ => Ok(Reply::ok()),
        }
    };
    let config = Config::builder()
        .webhook_secret(SECRET)
        .api_base_url(api.url())
        .queue(queue.clone())
        .metrics(MetricsEndpoint::new())
        .telemetry_opt_out(true)
        .build()
        .unwrap();
    let router = Router::new().issue_created_v1(handler).deferred();
    let server = TestServer::start(Extension::new(router, config).unwrap()).await.unwrap();
    let scrape = || async {
        let page = reqwest::get(format!("{}/metrics", server.url())).await.unwrap().text().await.unwrap();
        let gauge = |name: &str| {
            page.lines().find_map(|line| line.strip_prefix(name)?.trim().parse::<f64>().ok()).unwrap_or(-1.0)
        };
        (gauge("kiket_queue_depth "), gauge("kiket_dead_letters "))
    };
    assert_eq!(post(&server, &delivery(1)).await.0, 202);
    assert_eq!(post(&server, &delivery(2)).await.0, 202);
    eventually("one dead letter", || {
        futures_util::FutureExt::now_or_never(queue.dead_letters()).is_some_and(|d| d.unwrap().len() == 1)
    })
    .await;
    assert_eq!(scrape().await, (0.0, 1.0), "nothing waiting, one dead letter");
}

#[tokio::test]
async fn a_deferred_run_sees_the_runtime_token_only_while_it_is_valid() {
    use kiket::sdk::testing::TestKeys;
    let keys = TestKeys::generate("deferred-key");
    let mut claims = keys.claims(&[], now());
    claims["exp"] = json!(now() + 2);
    let token = keys.sign(&claims);
    let api = MockKiketApi::start().await.unwrap();
    // Each run: whether it had the token, and the organisation from the claims.
    type Seen = Arc<Mutex<Vec<(bool, Option<String>)>>>;
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let handler = move |_p: IssueCreatedV1, ctx: HandlerContext| {
        let record = record.clone();
        async move {
            let first = {
                let mut seen = record.lock().unwrap();
                seen.push((ctx.auth().runtime_token().is_some(), ctx.auth().org_id().map(ToString::to_string)));
                seen.len() == 1
            };
            if first {
                // Outlive the token, then fail: the retry runs after `exp`.
                tokio::time::sleep(Duration::from_millis(2_500)).await;
                return Err(HandlerError::retryable("try again"));
            }
            Ok(Reply::ok())
        }
    };
    let config = Config::builder()
        .webhook_secret(SECRET)
        .api_base_url(api.url())
        .jwks_source(keys.jwks_source())
        .deferred_retries(Backoff { first: Duration::from_millis(20), max: Duration::from_millis(50), attempts: 3 })
        .telemetry_opt_out(true)
        .build()
        .unwrap();
    let router = Router::new().issue_created_v1(handler).deferred();
    let server = TestServer::start(Extension::new(router, config).unwrap()).await.unwrap();
    assert_eq!(post(&server, &delivery(5).runtime_token(token)).await.0, 202);
    eventually("the retry ran", || seen.lock().unwrap().len() == 2).await;
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen[0], (true, Some("3".to_owned())), "the first run had the valid token");
    assert_eq!(seen[1], (false, Some("3".to_owned())), "after exp: no token, the verified claims stay");
}

#[cfg(feature = "redis")]
#[test]
fn deferred_routes_on_redis_refuse_to_start_without_a_sealing_key() {
    let config = Config::builder().webhook_secret(SECRET).redis("redis://127.0.0.1:1").build().unwrap();
    let router =
        Router::new().issue_created_v1(|_p: IssueCreatedV1, _c: HandlerContext| async { Ok(Reply::ok()) }).deferred();
    let error = Extension::new(router, config).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("KIKET_QUEUE_KEY") && text.contains("issue.created@v1"), "{text}");
    // Inline routes on the same Redis need no key (nothing is stored but claims).
    let config = Config::builder().webhook_secret(SECRET).redis("redis://127.0.0.1:1").build().unwrap();
    let inline = Router::new().issue_created_v1(|_p: IssueCreatedV1, _c: HandlerContext| async { Ok(Reply::ok()) });
    assert!(Extension::new(inline, config).is_ok());
}
