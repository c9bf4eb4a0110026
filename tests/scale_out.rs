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
use support::now;
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

/// The deferred version: the same effect, run by a worker, then a pause
/// (`TEST_HANDLER_PAUSE_MS`, default 5) standing for more slow work: a worker killed during
/// it has made its effect but not finished the run.
fn deferred_router() -> Router {
    let pause = Duration::from_millis(std::env::var("TEST_HANDLER_PAUSE_MS").map_or(5, |ms| ms.parse().unwrap()));
    Router::new()
        .issue_created_v1(move |p: IssueCreatedV1, ctx: HandlerContext| async move {
            ctx.endpoints()
                .log_event("effect")
                .metadata(json!({"issue": p.issue.id, "pid": std::process::id()}))
                .await?;
            tokio::time::sleep(pause).await;
            Ok(Reply::ok())
        })
        .deferred()
}

/// Entry point of the child processes (run with `--ignored` by `Replica::spawn`): `server`
/// (inline handler) or `deferred` (deferred handler; `KIKET_ROLE` says server or worker).
#[test]
#[ignore = "entry point of replica processes, not a test"]
fn replica_process() {
    let role = std::env::var(ROLE).expect("run by Replica::spawn");
    replica::exit_with_parent();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async move {
        let router = match role.as_str() {
            "server" => router(),
            "deferred" => deferred_router(),
            other => panic!("unknown replica role {other}"),
        };
        let mut config = Config::builder().with_env();
        if let Ok(ms) = std::env::var("TEST_VISIBILITY_MS") {
            config = config.visibility_timeout(Duration::from_millis(ms.parse().unwrap()));
        }
        let config = config.build().expect("the replica's configuration");
        let works_only = !config.role().serves();
        let extension = Extension::new(router, config).expect("the replica starts");
        if works_only {
            replica::announce("worker");
            // Until SIGTERM (or Ctrl-C), as a worker process runs in production.
            extension.workers().run(kiket::sdk::shutdown_signal()).await;
        } else {
            let server = TestServer::start(extension).await.unwrap();
            replica::announce(&server.url());
            std::future::pending::<()>().await;
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

/// The sealing key every deferred replica shares (`KIKET_QUEUE_KEY`).
const QUEUE_KEY: &str = "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=";

fn deferred_env(redis: &RedisServer, api: &MockKiketApi, role: &str) -> HashMap<&'static str, String> {
    let mut env = replica_env(redis, api);
    env.insert("KIKET_QUEUE_KEY", QUEUE_KEY.to_owned());
    env.insert("KIKET_ROLE", role.to_owned());
    env
}

/// Sends every request to its server, 64 at a time; the statuses, in order.
async fn send_all(requests: Vec<(SignedRequest, String)>) -> Vec<u16> {
    use futures_util::StreamExt;
    let http = reqwest::Client::new();
    futures_util::stream::iter(requests)
        .map(|(request, url)| {
            let http = http.clone();
            async move { support::post_signed(&http, &url, &request).await.status().as_u16() }
        })
        .buffered(64)
        .collect()
        .await
}

/// Waits (bounded) until the API saw an effect for `distinct` issues; then a little longer,
/// so that a late duplicate would be seen too.
async fn wait_for_effects(api: &MockKiketApi, distinct: usize, limit: Duration) -> HashMap<i64, usize> {
    let deadline = tokio::time::Instant::now() + limit;
    while effects(api).len() < distinct && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    effects(api)
}

/// A connection to the test's Redis for looking at (and tampering with) the stored jobs.
async fn redis_client(redis: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis.url()).unwrap().get_multiplexed_async_connection().await.unwrap()
}

const STREAM: &str = "kiket:_:jobs";

async fn depth(redis: &RedisServer) -> (u64, u64) {
    let mut connection = redis_client(redis).await;
    redis::pipe().xlen(STREAM).zcard("kiket:_:delayed").query_async(&mut connection).await.unwrap()
}

/// Calls per command since the last `CONFIG RESETSTAT` (commands a script runs count too).
async fn command_calls(connection: &mut redis::aio::MultiplexedConnection) -> HashMap<String, u64> {
    let info: String = redis::cmd("INFO").arg("commandstats").query_async(connection).await.unwrap();
    info.lines()
        .filter_map(|line| line.strip_prefix("cmdstat_")?.split_once(":calls="))
        .map(|(name, rest)| (name.to_owned(), rest.split(',').next().unwrap().parse().unwrap()))
        .collect()
}

/// Scripts run (`EVALSHA`, or `EVAL` when a script was not loaded yet) among `calls`.
fn scripts_run(calls: &HashMap<String, u64>) -> u64 {
    calls.get("evalsha").unwrap_or(&0) + calls.get("eval").unwrap_or(&0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_copies_sent_to_two_servers_are_stored_once_in_one_step() {
    let redis = RedisServer::start();
    let api = MockKiketApi::start().await.unwrap();
    let env = deferred_env(&redis, &api, "server");
    let servers = [Replica::spawn(ENTRY, "deferred", &env), Replica::spawn(ENTRY, "deferred", &env)];
    let http = reqwest::Client::new();
    // Each server's first delivery also creates the consumer group and loads the script.
    for (server, issue) in servers.iter().zip([1, 2]) {
        assert_eq!(send(&http, &server.url, &delivery(issue)).await.0, 202);
    }
    let mut connection = redis_client(&redis).await;
    let () = redis::cmd("CONFIG").arg("RESETSTAT").query_async(&mut connection).await.unwrap();

    let request = delivery(3);
    let sends = (0..100).map(|i| {
        let (http, url, request) = (http.clone(), servers[i % 2].url.clone(), request.clone());
        tokio::spawn(async move { send(&http, &url, &request).await })
    });
    let answers: Vec<_> = futures_util::future::join_all(sends).await.into_iter().map(Result::unwrap).collect();
    let queued = (202, None, json!({"ok": true, "queued": true}));
    assert!(answers.iter().all(|answer| *answer == queued), "every copy got the first 202: {answers:?}");
    assert_eq!(depth(&redis).await.0, 3, "stored once (beside the two warm-up deliveries)");
    let calls = command_calls(&mut connection).await;
    assert_eq!(calls.get("xadd"), Some(&1), "{calls:?}");
    let scripts = scripts_run(&calls);
    // Three steps would be at least 101 (claim and answer for the first, a claim per copy).
    assert_eq!(scripts, 100, "one script per copy (claim, store and answer in one step): {calls:?}");

    // Many deliveries at once, each twice, to both servers: each stored once.
    let () = redis::cmd("CONFIG").arg("RESETSTAT").query_async(&mut connection).await.unwrap();
    let requests: Vec<(SignedRequest, String)> = (100..400)
        .flat_map(|issue| {
            let request = delivery(issue);
            [(request.clone(), servers[0].url.clone()), (request, servers[1].url.clone())]
        })
        .collect();
    let statuses = send_all(requests).await;
    assert!(statuses.iter().all(|&status| status == 202), "{statuses:?}");
    assert_eq!(depth(&redis).await.0, 3 + 300, "each of the 300 stored once");
    let calls = command_calls(&mut connection).await;
    assert_eq!(calls.get("xadd"), Some(&300), "{calls:?}");
    let scripts = scripts_run(&calls);
    assert_eq!(scripts, 600, "one script per copy: {calls:?}");
    assert!(effects(&api).is_empty(), "no worker runs here: nothing ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_servers_two_workers_ten_thousand_deferred_deliveries_with_duplicates_each_run_once() {
    support::raise_open_file_limit();
    let redis = RedisServer::start();
    let api = MockKiketApi::start().await.unwrap();
    let servers: Vec<Replica> =
        (0..3).map(|_| Replica::spawn(ENTRY, "deferred", &deferred_env(&redis, &api, "server"))).collect();
    let _workers: Vec<Replica> =
        (0..2).map(|_| Replica::spawn(ENTRY, "deferred", &deferred_env(&redis, &api, "worker"))).collect();

    const DISTINCT: usize = 10_000;
    let originals: Vec<SignedRequest> = (0..DISTINCT as i64).map(delivery).collect();
    let mut requests: Vec<(SignedRequest, String)> =
        originals.iter().enumerate().map(|(i, r)| (r.clone(), servers[i % 3].url.clone())).collect();
    // 20 %: every fifth delivery again, to another server, interleaved with the rest.
    for (i, request) in originals.iter().enumerate().filter(|(i, _)| i % 5 == 0) {
        requests.insert(i + i / 5 + 1, (request.clone(), servers[(i + 1) % 3].url.clone()));
    }
    assert_eq!(requests.len(), DISTINCT + DISTINCT / 5);
    let statuses = send_all(requests).await;
    let accepted = statuses.iter().filter(|&&s| s == 202).count();
    assert_eq!(accepted, statuses.len(), "every copy answered 202: {:?}", statuses.iter().find(|&&s| s != 202));

    let runs = wait_for_effects(&api, DISTINCT, Duration::from_secs(180)).await;
    let lost: Vec<i64> = (0..DISTINCT as i64).filter(|i| !runs.contains_key(i)).collect();
    let doubled: Vec<(&i64, &usize)> = runs.iter().filter(|(_, n)| **n > 1).collect();
    assert!(lost.is_empty(), "{} lost, e.g. {:?}", lost.len(), &lost[..lost.len().min(5)]);
    assert!(doubled.is_empty(), "{} doubled, e.g. {:?}", doubled.len(), &doubled[..doubled.len().min(5)]);
    assert_eq!(runs.len(), DISTINCT);
    assert_eq!(depth(&redis).await, (0, 0), "the stream is empty once everything ran");
    let pids: std::collections::HashSet<u64> = api.logged().iter().filter_map(|(_, m)| m["pid"].as_u64()).collect();
    assert_eq!(pids.len(), 2, "both worker processes ran jobs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_and_foreign_jobs_are_dead_lettered_not_run_and_the_cli_requeues() {
    let redis = RedisServer::start();
    let api = MockKiketApi::start().await.unwrap();
    let server = Replica::spawn(ENTRY, "deferred", &deferred_env(&redis, &api, "server"));
    let mut foreign_env = deferred_env(&redis, &api, "server");
    foreign_env.insert("KIKET_QUEUE_KEY", "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=".to_owned());
    let foreign = Replica::spawn(ENTRY, "deferred", &foreign_env);
    let http = reqwest::Client::new();
    assert_eq!(send(&http, &server.url, &delivery(1)).await.0, 202);
    assert_eq!(send(&http, &foreign.url, &delivery(2)).await.0, 202, "a replica with another key stores a job too");

    // Flip one byte of the first job's sealed delivery, as someone with write access to Redis might.
    let mut connection = redis_client(&redis).await;
    let entries: redis::streams::StreamRangeReply =
        redis::AsyncCommands::xrange_all(&mut connection, STREAM).await.unwrap();
    assert_eq!(entries.ids.len(), 2);
    let first = &entries.ids[0];
    let mut sealed: Vec<u8> = first.get("s").unwrap();
    let at = sealed.len() - 3;
    sealed[at] ^= 0x40;
    let fields: Vec<(&str, Vec<u8>)> =
        vec![("e", b"issue.created".to_vec()), ("v", b"v1".to_vec()), ("a", b"0".to_vec()), ("s", sealed)];
    let _: String = redis::AsyncCommands::xadd(&mut connection, STREAM, "*", &fields).await.unwrap();
    let _: i64 = redis::AsyncCommands::xdel(&mut connection, STREAM, &[&first.id]).await.unwrap();

    let _worker = Replica::spawn(ENTRY, "deferred", &deferred_env(&redis, &api, "worker"));
    let letters = wait_for_dead_letters(&redis, 2).await;
    assert!(effects(&api).is_empty(), "neither job ran its handler");
    assert!(letters.contains("authentication failed"), "{letters}");
    assert!(letters.contains("unknown key"), "{letters}");
    assert!(!letters.contains(QUEUE_KEY), "{letters}");

    // A job that failed for a reason since fixed: the API refused it (permanent), then accepts.
    api.fail("log_event", 422, "project archived");
    assert_eq!(send(&http, &server.url, &delivery(3)).await.0, 202);
    let letters = wait_for_dead_letters(&redis, 3).await;
    let line = letters.lines().find(|l| l.contains("handler failed (422)")).unwrap_or_else(|| panic!("{letters}"));
    let id = line.split('\t').next().unwrap().to_owned();
    api.respond("log_event", 200, json!({"ok": true}));
    api.clear_calls(); // the refused call reached the API but had no effect
    let requeued = kiket_cli(&redis, &["queue", "requeue", &id]);
    assert!(requeued.status.success(), "{}", String::from_utf8_lossy(&requeued.stderr));
    assert_eq!(String::from_utf8_lossy(&requeued.stdout).trim(), format!("requeued {id}"));
    let runs = wait_for_effects(&api, 1, Duration::from_secs(20)).await;
    assert_eq!(runs, HashMap::from([(3, 1)]), "the requeued job ran, the unreadable ones did not");
    let again = kiket_cli(&redis, &["queue", "requeue", &id]);
    assert_eq!(again.status.code(), Some(1), "it is no longer a dead letter");
}

/// `kiket …` against the test's Redis (extension id `_`: no manifest).
fn kiket_cli(redis: &RedisServer, args: &[&str]) -> std::process::Output {
    std::process::Command::new(support::kiket_cli())
        .args(args)
        .env("KIKET_REDIS_URL", redis.url())
        .env_remove("KIKET_WEBHOOK_SECRET")
        .output()
        .expect("the CLI runs")
}

/// `kiket queue dead-letters` once it lists `count` letters (bounded wait).
async fn wait_for_dead_letters(redis: &RedisServer, count: usize) -> String {
    let mut listed = String::new();
    for _ in 0..100 {
        let out = kiket_cli(redis, &["queue", "dead-letters"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        listed = String::from_utf8_lossy(&out.stdout).into_owned();
        if listed.starts_with(&format!("{count} dead letter(s)")) {
            return listed;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("expected {count} dead letters, the CLI lists:\n{listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deferred_delivery_is_never_answered_2xx_unless_stored() {
    let mut redis = RedisServer::start();
    let api = MockKiketApi::start().await.unwrap();
    let server = Replica::spawn(ENTRY, "deferred", &deferred_env(&redis, &api, "server"));
    let http = reqwest::Client::new();
    assert_eq!(send(&http, &server.url, &delivery(1)).await.0, 202);
    redis.stop();
    let while_down = delivery(2);
    let (status, retry_after, _) = send(&http, &server.url, &while_down).await;
    assert_eq!((status, retry_after.as_deref()), (503, Some("2")));
    redis.restart();
    let mut status = 0;
    for _ in 0..50 {
        status = send(&http, &server.url, &while_down).await.0;
        if status == 202 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 202, "accepted once Redis is back");
    let _worker = Replica::spawn(ENTRY, "deferred", &deferred_env(&redis, &api, "worker"));
    let runs = wait_for_effects(&api, 2, Duration::from_secs(20)).await;
    assert_eq!(runs, HashMap::from([(1, 1), (2, 1)]), "both stored deliveries ran once, after the restart too");
}

/// One POST; `None` when the server is gone (the platform would retry it elsewhere).
async fn try_send(http: &reqwest::Client, url: &str, request: &SignedRequest) -> Option<u16> {
    let body = request.body();
    let mut builder = http.post(format!("{url}{}", request.path_and_query()));
    for (name, value) in request.header_pairs(&body) {
        builder = builder.header(name, value);
    }
    builder.body(body).send().await.ok().map(|response| response.status().as_u16())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_killed_mid_run_and_a_server_killed_after_202_lose_nothing_and_double_nothing() {
    use futures_util::StreamExt;
    support::raise_open_file_limit();
    let redis = RedisServer::start();
    let api = MockKiketApi::start().await.unwrap();
    let mut server_env = deferred_env(&redis, &api, "server");
    server_env.insert("TEST_VISIBILITY_MS", "2000".to_owned());
    let mut worker_env = deferred_env(&redis, &api, "worker");
    worker_env.insert("TEST_VISIBILITY_MS", "2000".to_owned());
    worker_env.insert("TEST_HANDLER_PAUSE_MS", "50".to_owned());
    let mut servers: Vec<Replica> = (0..3).map(|_| Replica::spawn(ENTRY, "deferred", &server_env)).collect();
    let mut workers: Vec<Replica> = (0..2).map(|_| Replica::spawn(ENTRY, "deferred", &worker_env)).collect();
    let urls: Vec<String> = servers.iter().map(|s| s.url.clone()).collect();

    const DISTINCT: usize = 2_000;
    let originals: Vec<SignedRequest> = (0..DISTINCT as i64).map(|i| delivery(100_000 + i)).collect();
    let mut requests: Vec<(SignedRequest, usize)> = Vec::new();
    for (i, request) in originals.iter().enumerate() {
        requests.push((request.clone(), i % 3));
        if i % 5 == 0 {
            requests.push((request.clone(), (i + 1) % 3));
        }
    }
    let http = reqwest::Client::new();
    let send_batch = |batch: Vec<(SignedRequest, usize)>| {
        let (http, urls) = (http.clone(), urls.clone());
        async move {
            futures_util::stream::iter(batch)
                .map(|(request, server)| {
                    let (http, urls) = (http.clone(), urls.clone());
                    async move {
                        let status = try_send(&http, &urls[server], &request).await;
                        (request, status)
                    }
                })
                .buffer_unordered(32)
                .collect::<Vec<_>>()
                .await
        }
    };
    let second_half = requests.split_off(requests.len() / 2);
    let first = send_batch(requests).await;
    assert!(first.iter().all(|(_, status)| *status == Some(202)), "all stored before any kill");

    // Kill one worker while it runs jobs (some mid-pause: effect made, run not finished) and
    // one server that has answered 202s; the rest of the deliveries go on meanwhile.
    let busy = tokio::time::Instant::now() + Duration::from_secs(60);
    while effects(&api).len() < DISTINCT / 4 && tokio::time::Instant::now() < busy {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    workers[0].kill();
    servers[2].kill();
    let second = send_batch(second_half).await;
    // What the killed server did not answer, the platform retries at another replica.
    let unanswered: Vec<(SignedRequest, usize)> =
        second.into_iter().filter(|(_, status)| *status != Some(202)).map(|(request, _)| (request, 0)).collect();
    let retried = unanswered.len();
    let retry_statuses = send_batch(unanswered).await;
    assert!(retry_statuses.iter().all(|(_, status)| *status == Some(202)), "{retry_statuses:?}");

    let runs = wait_for_effects(&api, DISTINCT, Duration::from_secs(120)).await;
    let lost: Vec<i64> = (0..DISTINCT as i64).map(|i| 100_000 + i).filter(|i| !runs.contains_key(i)).collect();
    let doubled: Vec<(&i64, &usize)> = runs.iter().filter(|(_, n)| **n > 1).collect();
    assert!(lost.is_empty(), "{} lost, e.g. {:?}", lost.len(), &lost[..lost.len().min(5)]);
    assert!(doubled.is_empty(), "{} doubled, e.g. {:?}", doubled.len(), &doubled[..doubled.len().min(5)]);
    assert_eq!(depth(&redis).await, (0, 0), "nothing left in the queue");
    eprintln!(
        "kill test: {retried} deliveries retried after the server died; {} API calls repeated a key (re-runs after the worker died)",
        api.idempotent_repeats()
    );
    assert!(
        api.idempotent_repeats() > 0,
        "the killed worker left runs that were repeated (else the kill tested nothing)"
    );
}

/// Redis restarted empty (no persistence, a failover, `FLUSHALL`): the consumer group is gone
/// with everything else. The server's next intake recreates the stream, and the worker, whose
/// reads now fail with `NOGROUP`, must create the group again and run what arrives, without
/// a restart of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_keeps_working_after_redis_restarts_empty() {
    let mut redis = RedisServer::start();
    let api = MockKiketApi::start().await.unwrap();
    let replica = Replica::spawn(ENTRY, "deferred", &deferred_env(&redis, &api, "both"));
    let http = reqwest::Client::new();
    assert_eq!(send(&http, &replica.url, &delivery(1)).await.0, 202);
    assert_eq!(wait_for_effects(&api, 1, Duration::from_secs(20)).await, HashMap::from([(1, 1)]));

    redis.restart_empty();
    let mut status = 0;
    for _ in 0..50 {
        // The first attempts may meet the connection Redis dropped (503, retried by the platform).
        status = send(&http, &replica.url, &delivery(2)).await.0;
        if status == 202 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, 202, "the server stores into the new, empty Redis");
    let runs = wait_for_effects(&api, 2, Duration::from_secs(20)).await;
    assert_eq!(runs, HashMap::from([(1, 1), (2, 1)]), "the worker ran the delivery stored after the restart");
}

/// A dead letter's text comes from Redis, which anyone with write access to it can fill:
/// `kiket queue dead-letters` prints it escaped (no terminal escape sequence, no forged row).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_prints_dead_letter_text_from_redis_escaped() {
    let redis = RedisServer::start();
    let mut connection = redis_client(&redis).await;
    let hostile = "issue.created\u{1b}]0;owned\u{7}\u{1b}[2J\nforged-id\tfake@v1\tattempts=0";
    let fields: Vec<(&str, &str)> = vec![
        ("e", hostile),
        ("v", "v1\r\u{1b}[1A"),
        ("a", "3"),
        ("s", ""),
        ("reason", "gave up\u{1b}[31m"),
        ("at", "1"),
    ];
    let id = "1-0\u{1b}[2K";
    let () = redis::AsyncCommands::hset_multiple(&mut connection, format!("kiket:_:dead:{id}"), &fields).await.unwrap();
    let _: i64 = redis::AsyncCommands::zadd(&mut connection, "kiket:_:dead", id, 1).await.unwrap();

    let out = kiket_cli(&redis, &["queue", "dead-letters"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(!listed.chars().any(|c| c.is_control() && c != '\n' && c != '\t'), "{listed:?}");
    assert_eq!(listed.lines().count(), 2, "the header and one row: {listed}");
    assert_eq!(listed.lines().nth(1).unwrap().matches('\t').count(), 4, "five columns, none forged: {listed}");
    assert!(listed.contains("issue.created\\u{1b}]0;owned\\u{7}"), "shown, escaped: {listed}");
}

/// SIGTERM reaches a worker that is backing off from an unreachable Redis at once, not after
/// its pause (up to 5 s), and the process exits cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_ends_a_workers_back_off_at_once() {
    let mut redis = RedisServer::start();
    let api = MockKiketApi::start().await.unwrap();
    let mut worker = Replica::spawn(ENTRY, "deferred", &deferred_env(&redis, &api, "worker"));
    redis.stop();
    // Pauses of 0.1, 0.2, 0.4, 0.8, 1.6, 3.2 s: by 4 s it is in a pause of 1.6 s or more.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let (took, clean) = worker.terminate();
    assert!(clean, "the worker exited with an error");
    assert!(took < Duration::from_millis(1_200), "SIGTERM took {took:?} to end the back-off");
}
