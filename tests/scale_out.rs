//! Several replicas on one real Redis (`redis-server`, started by the tests on a free loopback
//! port): the replay guard shared across processes, fail-closed when Redis is down.
//!
//! Replicas are this test binary run again as child processes (`replica_process`, ignored in
//! a normal run; see `support::replica`). Effects are counted where a user would see them:
//! the handler logs one event per run to the mock Kiket API.

mod support;

use kiket::prelude::*;
use kiket::sdk::redis::{RedisConnection, RedisReplayStore};
use kiket::sdk::replay::{Claim, ReplayStore};
use kiket::sdk::testing::{MockKiketApi, SignedRequest, TestServer};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::Duration;
use support::redis_server::RedisServer;
use support::replica::{self, Replica, ROLE};

const SECRET: &str = "whsec_scale_out";
const ENTRY: &str = "replica_process";

/// The handler every replica runs: one `effect` event per run on the API, then a pause so
/// that concurrent copies overlap, then an answer naming the process that ran it.
fn router() -> Router {
    Router::new().issue_created_v1(|p: IssueCreatedV1, ctx: HandlerContext| async move {
        let pid = std::process::id();
        ctx.endpoints().log_event("effect").metadata(json!({"issue": p.issue.id, "pid": pid})).await?;
        tokio::time::sleep(Duration::from_millis(100)).await;
        Ok(Reply::json(json!({"issue": p.issue.id, "pid": pid})))
    })
}

/// Entry point of the child processes (run with `--ignored` by `Replica::spawn`).
#[test]
#[ignore = "entry point of replica processes, not a test"]
fn replica_process() {
    let role = std::env::var(ROLE).expect("run by Replica::spawn");
    replica::exit_with_parent();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        match role.as_str() {
            "server" => {
                let config = Config::builder().with_env().build().expect("the replica's configuration");
                let server = TestServer::start(Extension::new(router(), config).unwrap()).await.unwrap();
                replica::announce(&server.url());
                std::future::pending::<()>().await;
            }
            other => panic!("unknown replica role {other}"),
        }
    });
}

fn replica_env(redis: &RedisServer, api: &MockKiketApi) -> HashMap<&'static str, String> {
    HashMap::from([
        ("KIKET_WEBHOOK_SECRET", SECRET.to_owned()),
        ("KIKET_REDIS_URL", redis.url()),
        ("KIKET_BASE_URL", api.url()),
        ("KIKET_SDK_TELEMETRY_OPTOUT", "1".to_owned()),
    ])
}

fn now() -> i64 {
    kiket::sdk::verify::Clock::now_unix(&kiket::sdk::verify::SystemClock)
}

fn delivery(issue: i64) -> SignedRequest {
    SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": issue}})).secret(SECRET).timestamp(now())
}

/// Runs per issue id, as the mock API saw them.
fn effects(api: &MockKiketApi) -> HashMap<i64, usize> {
    let mut runs = HashMap::new();
    for (message, metadata) in api.logged() {
        if message == "effect" {
            *runs.entry(metadata["issue"].as_i64().expect("an issue id")).or_default() += 1;
        }
    }
    runs
}

async fn send(http: &reqwest::Client, url: &str, request: &SignedRequest) -> (u16, Option<String>, Value) {
    let response = support::post_signed(http, url, request).await;
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (response.status().as_u16(), retry_after, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_delivery_sent_fifty_times_to_two_server_processes_runs_once() {
    let redis = RedisServer::start();
    let api = MockKiketApi::start().await.unwrap();
    let env = replica_env(&redis, &api);
    let servers = [Replica::spawn(ENTRY, "server", &env), Replica::spawn(ENTRY, "server", &env)];
    let http = reqwest::Client::new();
    let request = delivery(41);
    let sends = (0..100).map(|i| {
        let (http, url, request) = (http.clone(), servers[i % 2].url.clone(), request.clone());
        tokio::spawn(async move { send(&http, &url, &request).await })
    });
    let answers: Vec<_> = futures_util::future::join_all(sends).await.into_iter().map(Result::unwrap).collect();

    assert_eq!(effects(&api), HashMap::from([(41, 1)]), "the handler's effect happened once across both processes");
    let first = &answers[0];
    assert_eq!(first.0, 200, "{first:?}");
    assert!(answers.iter().all(|answer| answer == first), "every copy got the first answer: {answers:?}");
    let pid = first.2["pid"].as_u64().unwrap();
    assert_ne!(pid, u64::from(std::process::id()), "a replica process ran it, not the test");

    // A different delivery is handled (by whichever replica it reaches).
    let (status, _, _) = send(&http, &servers[1].url, &delivery(42)).await;
    assert_eq!(status, 200);
    assert_eq!(effects(&api), HashMap::from([(41, 1), (42, 1)]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_refuses_with_503_and_retry_after_and_nothing_runs_then_resumes() {
    let mut redis = RedisServer::start();
    let api = MockKiketApi::start().await.unwrap();
    let config = Config::builder()
        .webhook_secret(SECRET)
        .api_base_url(api.url())
        .redis(redis.url())
        .telemetry_opt_out(true)
        .build()
        .unwrap();
    let server = TestServer::start(Extension::new(router(), config).unwrap()).await.unwrap();
    let http = reqwest::Client::new();
    assert_eq!(send(&http, &server.url(), &delivery(1)).await.0, 200, "Redis up: handled");

    redis.stop();
    let while_down = delivery(2);
    for _ in 0..3 {
        let (status, retry_after, body) = send(&http, &server.url(), &while_down).await;
        assert_eq!((status, retry_after.as_deref()), (503, Some("2")), "{body}");
        assert_eq!(body, json!({"error": "Delivery store is unavailable; retry later"}), "no Redis detail leaks");
    }
    assert_eq!(effects(&api), HashMap::from([(1, 1)]), "nothing ran while its claim could not be stored");

    redis.restart();
    let mut status = 0;
    for _ in 0..50 {
        status = send(&http, &server.url(), &while_down).await.0;
        if status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "processing resumed once Redis was back");
    assert_eq!(send(&http, &server.url(), &while_down).await.0, 200, "its copy is repeated");
    assert_eq!(effects(&api), HashMap::from([(1, 1), (2, 1)]), "the retried delivery ran once");
}

#[tokio::test]
async fn redis_claims_expire_with_their_lease_and_answers_with_their_window() {
    let redis = RedisServer::start();
    let store = RedisReplayStore::new(RedisConnection::new(&redis.url(), Some("com.example.test")).unwrap());
    let (lease, window) = (Duration::from_millis(300), Duration::from_secs(60));

    assert!(matches!(store.claim("k1", lease, window).await.unwrap(), Claim::New));
    assert!(matches!(store.claim("k1", lease, window).await.unwrap(), Claim::InFlight(None)));
    let ttl: i64 =
        redis.command("PTTL kiket:com.example.test:replay:k1").trim_start_matches(':').trim().parse().unwrap();
    assert!((1..=300).contains(&ttl), "a claim in flight lives for its lease: {ttl} ms");
    // The replica holding it dies: after the lease, a copy claims it again.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(matches!(store.claim("k1", lease, window).await.unwrap(), Claim::New));

    store.complete("k1", window, 202, axum::body::Bytes::from_static(b"{\"ok\":true}")).await.unwrap();
    let ttl: i64 =
        redis.command("PTTL kiket:com.example.test:replay:k1").trim_start_matches(':').trim().parse().unwrap();
    assert!(ttl > 50_000, "an answer lives for the window: {ttl} ms");
    store.release("k1").await.unwrap();
    match store.claim("k1", lease, window).await.unwrap() {
        Claim::Done { status, body } => assert_eq!((status, &body[..]), (202, &b"{\"ok\":true}"[..])),
        other => panic!("release must not forget an answer: {other:?}"),
    }
    // A late completion never overwrites the answer stored first.
    store.complete("k1", window, 500, axum::body::Bytes::from_static(b"{}")).await.unwrap();
    assert!(matches!(store.claim("k1", lease, window).await.unwrap(), Claim::Done { status: 202, .. }));

    assert!(matches!(store.claim("k2", lease, window).await.unwrap(), Claim::New));
    store.release("k2").await.unwrap();
    assert!(matches!(store.claim("k2", lease, window).await.unwrap(), Claim::New), "a released claim is free");
}
