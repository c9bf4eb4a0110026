//! End-to-end: the real server on a loopback port, every row of the status table of
//! PROTOCOL.md §1 and every verification rule of §2. Each case asserts the status, the body,
//! and whether (how often) the handler ran.

mod support;

use kiket::prelude::*;
use kiket::sdk::testing::{forge_token, SignedRequest, StaticJwks, TestKeys, TestServer, VersionIn};
use kiket::sdk::verify::FixedClock;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

const NOW: i64 = 1_700_000_000;
const SECRET: &str = "whsec_e2e_secret";

/// Counts handler runs per name.
#[derive(Clone, Default)]
struct Runs(Arc<std::sync::Mutex<Vec<&'static str>>>);

impl Runs {
    fn record(&self, name: &'static str) {
        self.0.lock().unwrap().push(name);
    }
    fn count(&self, name: &str) -> usize {
        self.0.lock().unwrap().iter().filter(|n| **n == name).count()
    }
    fn total(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

struct CreatedV1(Runs);

impl IssueCreatedV1Handler for CreatedV1 {
    async fn handle(&self, payload: IssueCreatedV1, ctx: HandlerContext) -> HandlerResult {
        self.0.record("created.v1");
        Ok(Reply::json(json!({
            "title": payload.issue.title,
            "version": ctx.version(),
            "event": ctx.event(),
            "scopes": ctx.auth().scopes(),
            "token_type": ctx.auth().token_type(),
            "org_id": ctx.auth().org_id().map(ToString::to_string),
            "crm_key": ctx.secret("CRM_API_KEY").map(|s| s.expose().to_owned()),
        })))
    }
}

struct Harness {
    keys: TestKeys,
    jwks: StaticJwks,
    runs: Runs,
}

impl Harness {
    fn new() -> Self {
        let keys = TestKeys::generate("kid-1");
        let jwks = keys.jwks_source();
        Self { keys, jwks, runs: Runs::default() }
    }

    fn router(&self) -> Router {
        let runs = self.runs.clone();
        let r2 = runs.clone();
        let r3 = runs.clone();
        let r4 = runs.clone();
        let r5 = runs.clone();
        let r6 = runs.clone();
        let r7 = runs.clone();
        let r8 = runs.clone();
        let r9 = runs.clone();
        let r10 = runs.clone();
        let r11 = runs.clone();
        Router::new()
            .issue_created_v1(CreatedV1(runs.clone()))
            .issue_created_v2(move |payload: IssueCreatedV2, _ctx: HandlerContext| {
                let runs = r2.clone();
                async move {
                    runs.record("created.v2");
                    Ok(Reply::json(json!({"version": "v2", "title": payload.data.issue.title})))
                }
            })
            .workflow_triggered_v1(move |_p: WorkflowTriggeredV1, _c: HandlerContext| {
                let runs = r3.clone();
                async move {
                    runs.record("triggered");
                    Ok(Reply::ok())
                }
            })
            .requires(["workflows.execute"])
            .workflow_before_transition_v1(move |_p: WorkflowBeforeTransitionV1, ctx: HandlerContext| {
                let runs = r4.clone();
                async move {
                    runs.record("before_transition");
                    ctx.require_scopes(["workflows.execute", "custom_data.write"])?;
                    Ok(Reply::json(json!({"status": "allow"})))
                }
            })
            .issue_closed_v1(move |_p: IssueClosedV1, _c: HandlerContext| {
                let runs = r5.clone();
                async move {
                    runs.record("panics");
                    if !SECRET.is_empty() {
                        panic!("boom with {SECRET}");
                    }
                    Ok(())
                }
            })
            .issue_updated_v1(move |_p: IssueUpdatedV1, _c: HandlerContext| {
                let runs = r6.clone();
                async move {
                    runs.record("slow");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    Ok(Reply::ok())
                }
            })
            .issue_assigned_v1(move |_p: IssueAssignedV1, _c: HandlerContext| {
                let runs = r7.clone();
                async move {
                    runs.record("retryable");
                    Err::<(), _>(HandlerError::retryable("CRM is down"))
                }
            })
            .issue_commented_v1(move |_p: IssueCommentedV1, _c: HandlerContext| {
                let runs = r8.clone();
                async move {
                    runs.record("permanent");
                    Err::<(), _>(HandlerError::permanent_with_status(409, "duplicate comment"))
                }
            })
            .comment_created_v1(move |_p: CommentCreatedV1, _c: HandlerContext| {
                let runs = r9.clone();
                async move {
                    runs.record("retry_after");
                    Err::<(), _>(HandlerError::retry_after("rate limited upstream", Duration::from_secs(7)))
                }
            })
            .raw("custom.event", "2", move |_p: Value, _c: HandlerContext| {
                let runs = r10.clone();
                async move {
                    runs.record("raw.2");
                    Ok(Reply::json(json!({"matched": "2"})))
                }
            })
            .raw("custom.event", "v2", move |p: Value, ctx: HandlerContext| {
                let runs = r11.clone();
                async move {
                    runs.record("raw.v2");
                    Ok(Reply::json(json!({"matched": "v2", "echo": p["n"], "version": ctx.version()})))
                }
            })
            .ignore::<SlaBreachV1>()
    }

    fn config(&self) -> kiket::sdk::ConfigBuilder {
        Config::builder()
            // This suite resends identical deliveries on purpose; the replay guard (on by
            // default) has its own tests: tests/replay_guard.rs, tests/hostile_network.rs.
            .replay_guard_off()
            .webhook_secret(SECRET)
            .clock(FixedClock(NOW))
            .jwks_source(self.jwks.clone())
            .jwks_cache(Duration::from_secs(3600), Duration::from_secs(3600))
            .handler_timeout(Duration::from_millis(300))
            .body_limit(64 * 1024)
            .extension("com.example.e2e", "1.2.3")
    }

    async fn start(&self) -> TestServer {
        self.start_with(self.config()).await
    }

    async fn start_with(&self, config: kiket::sdk::ConfigBuilder) -> TestServer {
        let extension = Extension::new(self.router(), config.build().unwrap()).unwrap();
        TestServer::start(extension).await.unwrap()
    }
}

fn issue_payload() -> Value {
    json!({"issue": {"id": 42, "title": "Printer on fire", "status": "todo"}, "secrets": {"CRM_API_KEY": "crm-123"}})
}

fn delivery(event: &str, version: &str, payload: &Value) -> SignedRequest {
    SignedRequest::new(event, version, payload).secret(SECRET).timestamp(NOW)
}

async fn send(server: &TestServer, request: &SignedRequest) -> (u16, Value, reqwest::header::HeaderMap) {
    let response = request.send(&reqwest::Client::new(), &server.url()).await.expect("server answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "application/json", "every answer is JSON");
    let body: Value = response.json().await.expect("JSON body");
    (status, body, headers)
}

#[tokio::test]
async fn typed_handler_runs_with_context_and_payload_secrets() {
    let h = Harness::new();
    let server = h.start().await;
    let (status, body, _) = send(&server, &delivery("issue.created", "v1", &issue_payload())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["title"], "Printer on fire");
    assert_eq!(body["event"], "issue.created");
    assert_eq!(body["version"], "v1");
    assert_eq!(body["crm_key"], "crm-123");
    assert_eq!(body["token_type"], Value::Null);
    assert_eq!(h.runs.count("created.v1"), 1);
}

#[tokio::test]
async fn versions_dispatch_by_path_header_and_query_and_numeric_aliases() {
    let h = Harness::new();
    let server = h.start().await;
    let v2 = json!({"id": "evt_1", "data": {"issue": {"id": 1, "title": "Two"}}});
    for (version, place, payload, expected) in [
        ("v1", VersionIn::Header, issue_payload(), "v1"),
        ("v1", VersionIn::Path, issue_payload(), "v1"),
        ("v1", VersionIn::Query, issue_payload(), "v1"),
        ("1", VersionIn::Query, issue_payload(), "v1"),
        ("1", VersionIn::Path, issue_payload(), "v1"),
        (" v2 ", VersionIn::Header, v2.clone(), "v2"),
        ("v2", VersionIn::Path, v2.clone(), "v2"),
        ("2", VersionIn::Query, v2.clone(), "v2"),
    ] {
        let (status, body, _) = send(&server, &delivery("issue.created", version, &payload).version_in(place)).await;
        assert_eq!(status, 200, "{version} via {place:?}: {body}");
        assert_eq!(body["version"], expected, "{version} via {place:?}");
    }
    assert_eq!(h.runs.count("created.v1"), 5);
    assert_eq!(h.runs.count("created.v2"), 3);
}

#[tokio::test]
async fn path_version_beats_header_and_exact_labels_beat_aliases() {
    let h = Harness::new();
    let server = h.start().await;
    let request = delivery("issue.created", "v1", &issue_payload())
        .version_in(VersionIn::Path)
        .header("x-kiket-event-version", "v2");
    let (status, body, _) = send(&server, &request).await;
    assert_eq!((status, body["version"].as_str()), (200, Some("v1")));

    let (_, body, _) = send(&server, &delivery("custom.event", "2", &json!({"n": 1}))).await;
    assert_eq!(body["matched"], "2");
    let (_, body, _) = send(&server, &delivery("custom.event", "v2", &json!({"n": 5}))).await;
    assert_eq!(body, json!({"matched": "v2", "echo": 5, "version": "v2"}));
    assert_eq!((h.runs.count("raw.2"), h.runs.count("raw.v2")), (1, 1));
}

#[tokio::test]
async fn missing_version_is_400_and_unknown_pairs_are_404() {
    let h = Harness::new();
    let server = h.start().await;
    let (status, body, _) =
        send(&server, &delivery("issue.created", "v1", &issue_payload()).version_in(VersionIn::Omitted)).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"],
        "Event version required. Provide X-Kiket-Event-Version header, version query param, or /v/{version} path."
    );

    let (status, body, _) = send(&server, &delivery("issue.created", "v9", &issue_payload())).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "No handler registered for event 'issue.created' with version 'v9'");
    let (status, body, _) = send(&server, &delivery("issue.exploded", "v1", &issue_payload())).await;
    assert_eq!(status, 404);
    assert_eq!(body["error"], "No handler registered for event 'issue.exploded' with version 'v1'");
    assert_eq!(h.runs.total(), 0);
}

#[tokio::test]
async fn malformed_bodies_are_400_and_schema_mismatches_422_naming_the_field() {
    let h = Harness::new();
    let server = h.start().await;
    let deep = format!("{{\"issue\":{{\"id\":1}},\"x\":{}{}}}", "[".repeat(300), "]".repeat(300));
    for raw in [b"{not json".to_vec(), b"\xff\xfe{}".to_vec(), deep.into_bytes(), Vec::new()] {
        let (status, body, _) = send(&server, &delivery("issue.created", "v1", &json!({})).raw_body(raw)).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"].as_str().unwrap().starts_with("request body"), "{body}");
    }
    let bad = json!({"issue": {"id": 1, "labels": ["ok", 7]}});
    let (status, body, _) = send(&server, &delivery("issue.created", "v1", &bad)).await;
    assert_eq!(status, 422);
    assert_eq!(body["details"][0]["path"], "issue.labels[1]");
    let (status, body, _) = send(&server, &delivery("issue.created", "v1", &json!({"actor": {"id": 1}}))).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["error"].as_str().unwrap().contains("missing field `issue`"), "{body}");
    let (status, _, _) = send(&server, &delivery("issue.created", "v1", &json!([1, 2]))).await;
    assert_eq!(status, 422);
    assert_eq!(h.runs.total(), 0);
}

#[tokio::test]
async fn unknown_fields_and_enum_values_never_fail_a_delivery() {
    let h = Harness::new();
    let server = h.start().await;
    let payload = json!({"issue": {"id": 1, "title": "New world", "status": "quantum", "x_new": {"a": 1}}, "brand_new_top_level": true});
    let (status, body, _) = send(&server, &delivery("issue.created", "v1", &payload)).await;
    assert_eq!((status, body["title"].as_str()), (200, Some("New world")));
}

#[tokio::test]
async fn hmac_rules() {
    let h = Harness::new();
    let server = h.start().await;
    let payload = issue_payload();
    let body = serde_json::to_vec(&payload).unwrap();
    let good = kiket::sdk::verify::sign(SECRET, NOW, &body);
    let unsigned = || SignedRequest::new("issue.created", "v1", &payload);
    let cases: Vec<(&str, SignedRequest, u16, &str)> = vec![
        ("no headers", unsigned(), 401, "missing X-Kiket-Signature header"),
        ("no timestamp", unsigned().header("x-kiket-signature", &good), 401, "missing X-Kiket-Timestamp header"),
        ("bare hex", unsigned().header("x-kiket-timestamp", "1700000000").header("x-kiket-signature", &good), 200, ""),
        (
            "sha256= prefix",
            unsigned().header("x-kiket-timestamp", "1700000000").header("x-kiket-signature", &format!("sha256={good}")),
            200,
            "",
        ),
        (
            "several, one matches",
            unsigned()
                .header("x-kiket-timestamp", "1700000000")
                .header("x-kiket-signature", &format!("{} , {good}", "ab".repeat(32))),
            200,
            "",
        ),
        (
            "wrong secret",
            SignedRequest::new("issue.created", "v1", &payload).secret("other").timestamp(NOW),
            401,
            "signature does not match the request body",
        ),
        ("edge +300", SignedRequest::new("issue.created", "v1", &payload).secret(SECRET).timestamp(NOW + 300), 200, ""),
        ("edge -300", SignedRequest::new("issue.created", "v1", &payload).secret(SECRET).timestamp(NOW - 300), 200, ""),
        (
            "edge +301",
            SignedRequest::new("issue.created", "v1", &payload).secret(SECRET).timestamp(NOW + 301),
            401,
            "X-Kiket-Timestamp is outside the allowed window",
        ),
        (
            "edge -301",
            SignedRequest::new("issue.created", "v1", &payload).secret(SECRET).timestamp(NOW - 301),
            401,
            "X-Kiket-Timestamp is outside the allowed window",
        ),
        (
            "signed timestamp",
            unsigned().header("x-kiket-timestamp", "+1700000000").header("x-kiket-signature", &good),
            401,
            "invalid X-Kiket-Timestamp header: expected unix seconds as digits",
        ),
        (
            "decimal timestamp",
            unsigned().header("x-kiket-timestamp", "1700000000.0").header("x-kiket-signature", &good),
            401,
            "invalid X-Kiket-Timestamp header: expected unix seconds as digits",
        ),
        (
            "bad hex",
            unsigned().header("x-kiket-timestamp", "1700000000").header("x-kiket-signature", &"zz".repeat(32)),
            401,
            "invalid X-Kiket-Signature header: expected 64 hex digits, optionally prefixed by sha256=",
        ),
        (
            "duplicate signature",
            unsigned()
                .header("x-kiket-timestamp", "1700000000")
                .header("x-kiket-signature", &good)
                .header("x-kiket-signature", &good),
            401,
            "duplicate X-Kiket-Signature header",
        ),
        (
            "duplicate timestamp",
            unsigned()
                .header("x-kiket-timestamp", "1700000000")
                .header("x-kiket-timestamp", "1700000000")
                .header("x-kiket-signature", &good),
            401,
            "duplicate X-Kiket-Timestamp header",
        ),
        (
            "body altered after signing",
            unsigned()
                .header("x-kiket-timestamp", "1700000000")
                .header("x-kiket-signature", &good)
                .raw_body(body.iter().copied().chain(*b" ").collect::<Vec<_>>()),
            401,
            "signature does not match the request body",
        ),
    ];
    let mut expected_runs = 0;
    for (name, request, status, error) in cases {
        let (got, body, _) = send(&server, &request).await;
        assert_eq!(got, status, "{name}: {body}");
        if status == 200 {
            expected_runs += 1;
        } else {
            assert_eq!(body["error"], error, "{name}");
            assert!(!body.to_string().contains(SECRET) && !body.to_string().contains(&good), "{name} leaked");
        }
        assert_eq!(h.runs.count("created.v1"), expected_runs, "{name}: handler runs");
    }
}

#[tokio::test]
async fn rotated_secrets_both_verify() {
    let h = Harness::new();
    let server = h.start_with(h.config().webhook_secret("whsec_old")).await;
    for secret in [SECRET, "whsec_old"] {
        let request = SignedRequest::new("issue.created", "v1", &issue_payload()).secret(secret).timestamp(NOW);
        assert_eq!(send(&server, &request).await.0, 200, "{secret}");
    }
    let other = SignedRequest::new("issue.created", "v1", &issue_payload()).secret("whsec_unknown").timestamp(NOW);
    assert_eq!(send(&server, &other).await.0, 401);
    assert_eq!(h.runs.count("created.v1"), 2);
}

#[tokio::test]
async fn runtime_tokens_verify_and_expose_claims() {
    let h = Harness::new();
    let server = h.start().await;
    let token = h.keys.runtime_token(&["issues.read"], NOW);
    let (status, body, _) =
        send(&server, &delivery("issue.created", "v1", &issue_payload()).runtime_token(token.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scopes"], json!(["issues.read"]));
    assert_eq!(body["token_type"], "runtime");
    assert_eq!(body["org_id"], "3");
}

/// A platform clock a little ahead or behind ours does not refuse genuine deliveries: 30 s of
/// leeway by default on `iat` (and `exp`), and not a second more.
#[tokio::test]
async fn the_token_leeway_absorbs_thirty_seconds_of_clock_skew() {
    let h = Harness::new();
    let server = h.start().await;
    let mut answers = Vec::new();
    for (skew, field) in [(1, "iat"), (31, "iat"), (-1, "exp"), (-31, "exp")] {
        let mut claims = h.keys.claims(&[], NOW);
        claims[field] = json!(NOW + skew);
        let request = delivery("issue.created", "v1", &issue_payload()).runtime_token(h.keys.sign(&claims));
        let (status, body, _) = send(&server, &request).await;
        answers.push((field, skew, status, body["error"].as_str().unwrap_or_default().to_owned()));
    }
    assert_eq!(
        answers,
        [
            ("iat", 1, 200, String::new()),
            ("iat", 31, 401, "invalid runtime token: token issued in the future".to_owned()),
            ("exp", -1, 200, String::new()),
            ("exp", -31, 401, "invalid runtime token: token expired".to_owned()),
        ]
    );
    assert_eq!(h.runs.count("created.v1"), 2, "only the tokens within the leeway ran");
    let described = h.config().build().unwrap().describe();
    assert_eq!(described["token_leeway_ms"], 30_000);
}

#[tokio::test]
async fn hostile_runtime_tokens_are_401_and_never_run_the_handler() {
    let h = Harness::new();
    let server = h.start().await;
    let claims = h.keys.claims(&["*"], NOW);
    let header = json!({"alg": "ES256", "typ": "JWT", "kid": "kid-1"});
    let valid = h.keys.sign(&claims);
    let mut tampered_parts: Vec<String> = valid.split('.').map(str::to_owned).collect();
    tampered_parts[1] = forge_token(
        &header,
        &json!({"iss": "kiket.dev", "exp": NOW + 300, "iat": NOW, "scopes": ["*"], "org_id": 999}),
        b"",
    )
    .split('.')
    .nth(1)
    .unwrap()
    .to_owned();
    let tampered = tampered_parts.join(".");
    let hs256 = hmac_sha256_over_public_key(&h.keys, &claims);
    let mut expired = claims.clone();
    expired["exp"] = json!(NOW - 31); // beyond the default 30 s leeway
    let mut issuer = claims.clone();
    issuer["iss"] = json!("evil.example");
    let mut no_exp = claims.clone();
    no_exp.as_object_mut().unwrap().remove("exp");
    let mut no_iat = claims.clone();
    no_iat.as_object_mut().unwrap().remove("iat");
    let mut future = claims.clone();
    future["iat"] = json!(NOW + 60);
    let other_key = TestKeys::generate("kid-1");
    let cases = vec![
        (
            "alg none",
            forge_token(&json!({"alg": "none", "typ": "JWT"}), &claims, b""),
            "invalid runtime token: malformed token",
        ),
        ("HS256 keyed with the public key", hs256, "invalid runtime token: algorithm must be ES256"),
        ("tampered claims", tampered, "invalid runtime token: signature does not verify"),
        ("signed by another key", other_key.sign(&claims), "invalid runtime token: signature does not verify"),
        ("expired", h.keys.sign(&expired), "invalid runtime token: token expired"),
        ("wrong issuer", h.keys.sign(&issuer), "invalid runtime token: issuer must be kiket.dev"),
        ("missing exp", h.keys.sign(&no_exp), "invalid runtime token: exp claim missing"),
        ("missing iat", h.keys.sign(&no_iat), "invalid runtime token: iat claim missing"),
        ("issued in the future", h.keys.sign(&future), "invalid runtime token: token issued in the future"),
        (
            "ES384 header",
            forge_token(&json!({"alg": "ES384", "kid": "kid-1"}), &claims, &[0; 96]),
            "invalid runtime token: algorithm must be ES256",
        ),
        ("garbage", "not.a.jwt".to_owned(), "invalid runtime token: malformed token"),
    ];
    for (name, token, error) in cases {
        let (status, body, _) =
            send(&server, &delivery("issue.created", "v1", &issue_payload()).runtime_token(token.clone())).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(body["error"], error, "{name}");
        assert!(!body.to_string().contains(&token), "{name}: token echoed");
    }
    assert_eq!(h.runs.total(), 0);
}

/// HS256 over the token, keyed with the JWK's public coordinates: the classic algorithm
/// confusion attack.
fn hmac_sha256_over_public_key(keys: &TestKeys, claims: &Value) -> String {
    use hmac::{Hmac, Mac};
    let header = json!({"alg": "HS256", "typ": "JWT", "kid": keys.kid()});
    let unsigned = forge_token(&header, claims, b"");
    let signing_input = unsigned.trim_end_matches('.');
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(keys.jwk().to_string().as_bytes()).unwrap();
    mac.update(signing_input.as_bytes());
    forge_token(&header, claims, &mac.finalize().into_bytes())
}

#[tokio::test]
async fn jwks_filtering_unknown_kid_refetch_and_outages() {
    let h = Harness::new();
    // A key set that also serves an `oct` and an RSA entry under other kids.
    h.jwks.set(json!({"keys": [
        {"kty": "oct", "kid": "oct-1", "k": "c2VjcmV0"},
        {"kty": "RSA", "kid": "rsa-1", "n": "sXch", "e": "AQAB"},
        h.keys.jwk(),
    ]}));
    // Wide windows so a loaded CI machine cannot reorder the steps: 1 s cooldown, 2.5 s TTL.
    let server = h.start_with(h.config().jwks_cache(Duration::from_millis(2500), Duration::from_millis(1000))).await;
    let claims = h.keys.claims(&[], NOW);
    let oct_token = forge_token(&json!({"alg": "HS256", "kid": "oct-1"}), &claims, b"x");
    let (status, _, _) =
        send(&server, &delivery("issue.created", "v1", &issue_payload()).runtime_token(oct_token)).await;
    assert_eq!(status, 401);

    let ok = h.keys.runtime_token(&[], NOW);
    assert_eq!(
        send(&server, &delivery("issue.created", "v1", &issue_payload()).runtime_token(ok.clone())).await.0,
        200
    );
    assert_eq!(h.jwks.fetch_count(), 1, "the ES256 key was found among oct and RSA entries");

    // Unknown kid: refetched at most once per cooldown, however many arrive at once.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let stranger = TestKeys::generate("kid-unknown");
    let burst = (0..5).map(|_| {
        let request = delivery("issue.created", "v1", &issue_payload()).runtime_token(stranger.runtime_token(&[], NOW));
        let url = server.url();
        async move { request.send(&reqwest::Client::new(), &url).await.unwrap().json::<Value>().await.unwrap() }
    });
    for body in futures_util::future::join_all(burst).await {
        assert_eq!(body["error"], "invalid runtime token: unknown signing key");
    }
    assert_eq!(h.jwks.fetch_count(), 2, "one refetch for a burst of unknown kids");

    // Key rotation: the platform starts signing with a new kid; after the cooldown it is fetched.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    h.jwks.set(json!({"keys": [h.keys.jwk(), stranger.jwk()]}));
    assert_eq!(
        send(
            &server,
            &delivery("issue.created", "v1", &issue_payload()).runtime_token(stranger.runtime_token(&[], NOW))
        )
        .await
        .0,
        200
    );
    assert_eq!(h.jwks.fetch_count(), 3);

    // JWKS down and the cache stale: the refresh fails, the cached keys still verify.
    h.jwks.set_unavailable();
    tokio::time::sleep(Duration::from_millis(2600)).await;
    assert_eq!(send(&server, &delivery("issue.created", "v1", &issue_payload()).runtime_token(ok)).await.0, 200);
    assert_eq!(h.jwks.fetch_count(), 4, "the stale cache triggered one (failed) refresh");
}

#[tokio::test]
async fn jwks_down_with_a_cold_cache_is_503() {
    let h = Harness::new();
    h.jwks.set_unavailable();
    let server = h.start().await;
    let (status, body, _) =
        send(&server, &delivery("issue.created", "v1", &issue_payload()).runtime_token(h.keys.runtime_token(&[], NOW)))
            .await;
    assert_eq!(status, 503);
    assert_eq!(body["error"], "runtime token keys are unavailable; retry later");
    assert_eq!(h.runs.total(), 0);
}

#[tokio::test]
async fn scopes_checked_at_registration_and_inside_handlers() {
    let h = Harness::new();
    let server = h.start().await;
    let wf = json!({"workflow": {"id": 1}});
    let (status, body, _) = send(
        &server,
        &delivery("workflow.triggered", "v1", &wf).runtime_token(h.keys.runtime_token(&["issues.read"], NOW)),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"error": "Insufficient scopes", "required_scopes": ["workflows.execute"], "missing_scopes": ["workflows.execute"]})
    );
    assert_eq!(h.runs.count("triggered"), 0, "registration scopes are checked before the handler");
    let (status, _, _) = send(
        &server,
        &delivery("workflow.triggered", "v1", &wf).runtime_token(h.keys.runtime_token(&["workflows.execute"], NOW)),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, _) =
        send(&server, &delivery("workflow.triggered", "v1", &wf).runtime_token(h.keys.runtime_token(&["*"], NOW)))
            .await;
    assert_eq!(status, 200, "the literal * grants everything");
    let (status, _, _) = send(&server, &delivery("workflow.triggered", "v1", &wf)).await;
    assert_eq!(status, 403, "no token, no scopes");

    let tr = json!({"issue": {"id": 1}, "transition": {"from": "a", "to": "b"}});
    let (status, body, _) = send(
        &server,
        &delivery("workflow.before_transition", "v1", &tr)
            .runtime_token(h.keys.runtime_token(&["workflows.execute"], NOW)),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(body["missing_scopes"], json!(["custom_data.write"]));
    assert_eq!(body["required_scopes"], json!(["workflows.execute", "custom_data.write"]));
    assert_eq!(h.runs.count("before_transition"), 1);
}

#[tokio::test]
async fn handler_outcomes_map_to_statuses() {
    let h = Harness::new();
    let server = h.start().await;
    let issue = json!({"issue": {"id": 1}, "comment": {"id": 2}});
    let (status, body, _) = send(&server, &delivery("issue.assigned", "v1", &issue)).await;
    assert_eq!((status, body), (500, json!({"error": "CRM is down"})));
    let (status, body, _) = send(&server, &delivery("issue.commented", "v1", &issue)).await;
    assert_eq!((status, body), (409, json!({"error": "duplicate comment"})));
    let (status, body, headers) = send(&server, &delivery("comment.created", "v1", &issue)).await;
    assert_eq!((status, body), (503, json!({"error": "rate limited upstream"})));
    assert_eq!(headers["retry-after"], "7");
    let (status, body, _) = send(&server, &delivery("sla.breach", "v1", &json!({"sla": {"state": "breached"}}))).await;
    assert_eq!((status, body), (200, json!({"ok": true})), "explicitly ignored events are acknowledged");
    assert_eq!((h.runs.count("retryable"), h.runs.count("permanent"), h.runs.count("retry_after")), (1, 1, 1));
}

#[tokio::test]
async fn panics_are_500_with_a_fixed_body_and_timeouts_503() {
    let h = Harness::new();
    let server = h.start().await;
    let (status, body, _) = send(&server, &delivery("issue.closed", "v1", &issue_payload())).await;
    assert_eq!((status, body), (500, json!({"error": "Internal error"})));
    assert_eq!(h.runs.count("panics"), 1);
    let started = std::time::Instant::now();
    let (status, body, _) = send(&server, &delivery("issue.updated", "v1", &issue_payload())).await;
    assert_eq!((status, body), (503, json!({"error": "Handler timed out"})));
    assert!(started.elapsed() < Duration::from_secs(3), "the timeout cut the 5 s handler short");
    // The server keeps serving after both.
    assert_eq!(send(&server, &delivery("issue.created", "v1", &issue_payload())).await.0, 200);
}

#[tokio::test]
async fn oversize_bodies_are_413_before_buffering() {
    let h = Harness::new();
    let server = h.start().await;
    let big = json!({"issue": {"id": 1, "description": "x".repeat(70 * 1024)}});
    let (status, body, _) = send(&server, &delivery("issue.created", "v1", &big)).await;
    assert_eq!((status, body), (413, json!({"error": "Request body exceeds the limit of 65536 bytes"})));

    // Chunked, no Content-Length: cut off while streaming.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..100).map(|_| Ok(vec![b' '; 1024])).collect();
    let response = reqwest::Client::new()
        .post(format!("{}/webhooks/issue.created", server.url()))
        .header("x-kiket-event-version", "v1")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(h.runs.total(), 0);
}

#[tokio::test]
async fn overload_is_503_with_retry_after() {
    let h = Harness::new();
    let server = h.start_with(h.config().max_concurrency(1).handler_timeout(Duration::from_secs(2))).await;
    let slow = delivery("issue.updated", "v1", &issue_payload());
    let url = server.url();
    let in_flight =
        tokio::spawn(async move { slow.send(&reqwest::Client::new(), &url).await.unwrap().status().as_u16() });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, body, headers) = send(&server, &delivery("issue.created", "v1", &issue_payload())).await;
    assert_eq!((status, body), (503, json!({"error": "Server is busy; retry later"})));
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(in_flight.await.unwrap(), 503, "the slow one times out at 2 s");
    assert_eq!(h.runs.count("created.v1"), 0);
}

#[tokio::test]
async fn wrong_methods_unknown_paths_and_health() {
    let h = Harness::new();
    let server = h.start().await;
    let client = reqwest::Client::new();
    let response = client.get(format!("{}/webhooks/issue.created", server.url())).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"error": "Method not allowed"}));
    for path in ["/nope", "/webhooks", "/webhooks/a/b"] {
        let response = client.post(format!("{}{path}", server.url())).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 404, "{path}");
        assert_eq!(response.json::<Value>().await.unwrap(), json!({"error": "Not found"}));
    }
    let health: Value = client.get(format!("{}/health", server.url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["extension_id"], "com.example.e2e");
    assert_eq!(health["extension_version"], "1.2.3");
    let events: Vec<&str> =
        health["registered_events"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let mut sorted = events.clone();
    sorted.sort_unstable();
    assert_eq!(events, sorted);
    assert!(
        events.contains(&"issue.created@v1") && events.contains(&"custom.event@2") && events.contains(&"sla.breach@v1")
    );
}

#[tokio::test]
async fn runtime_token_only_mode_requires_a_token_and_no_signature() {
    let h = Harness::new();
    let config = Config::builder().runtime_token_only().clock(FixedClock(NOW)).jwks_source(h.jwks.clone());
    let server = h.start_with(config).await;
    let unsigned = SignedRequest::new("issue.created", "v1", &issue_payload());
    let (status, body, _) = send(&server, &unsigned).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("missing runtime token (authentication.runtime_token)")));
    let with_token =
        SignedRequest::new("issue.created", "v1", &issue_payload()).runtime_token(h.keys.runtime_token(&[], NOW));
    assert_eq!(send(&server, &with_token).await.0, 200);
    assert_eq!(h.runs.count("created.v1"), 1);
}

#[tokio::test]
async fn policy_is_fail_closed_and_the_dev_switch_is_explicit() {
    let h = Harness::new();
    let err = Config::builder().with_env_from(|_| None).build().unwrap_err();
    assert!(err.to_string().starts_with("no delivery verification is configured"), "{err}");

    let server = h.start_with(Config::builder().insecure_skip_verification()).await;
    let unsigned = SignedRequest::new("issue.created", "v1", &issue_payload());
    assert_eq!(send(&server, &unsigned).await.0, 200);
}

#[tokio::test]
async fn duplicate_registrations_and_unhandled_subscriptions_fail_at_startup() {
    let handler = |_p: IssueCreatedV1, _c: HandlerContext| async { Ok(Reply::ok()) };
    let router = Router::new().issue_created_v1(handler).issue_created_v1(handler);
    let config = || Config::builder().webhook_secret(SECRET).build().unwrap();
    let err = Extension::new(router, config()).unwrap_err();
    assert_eq!(err.to_string(), "handlers registered more than once: issue.created@v1");

    let extension = Extension::new(Router::new().issue_created_v1(handler), config()).unwrap();
    assert!(extension.check_subscriptions(["issue.created"]).is_ok());
    let err = extension.check_subscriptions(["issue.created", "sla.breach", "approval.granted"]).unwrap_err();
    assert_eq!(err.to_string(), "the extension subscribes to events without a handler: sla.breach, approval.granted; register a handler (or `ignore`) for each");
}

#[tokio::test]
async fn graceful_shutdown_completes_in_flight_deliveries_and_refuses_new_connections() {
    let started_handlers = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = started_handlers.clone();
    let router = Router::new().issue_created_v1(move |_p: IssueCreatedV1, _c: HandlerContext| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(Reply::json(json!({"finished": true})))
        }
    });
    // Ten copies of one delivery must all run here: the replay guard (on by default) is off.
    let config = Config::builder().replay_guard_off().webhook_secret(SECRET).build().unwrap();
    let server = TestServer::start(Extension::new(router, config).unwrap()).await.unwrap();
    let (url, client) = (server.url(), reqwest::Client::new());
    let in_flight: Vec<_> = (0..10)
        .map(|_| {
            let (url, client) = (url.clone(), client.clone());
            tokio::spawn(async move {
                let request = SignedRequest::new("issue.created", "v1", &issue_payload()).secret(SECRET);
                let response = request.send(&client, &url).await.unwrap();
                (response.status().as_u16(), response.json::<Value>().await.unwrap())
            })
        })
        .collect();
    while started_handlers.load(std::sync::atomic::Ordering::SeqCst) < 10 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let started = std::time::Instant::now();
    server.shutdown().await;
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "shutdown returned after {:?}, before the handlers finished",
        started.elapsed()
    );
    for task in in_flight {
        assert_eq!(task.await.unwrap(), (200, json!({"finished": true})));
    }
    let refused = reqwest::Client::new().get(format!("{url}/health")).send().await;
    assert!(refused.is_err(), "no new connections after shutdown");
}

/// PROTOCOL §8: a runtime token that expires while its handler runs is not sent any more. A
/// handler with a token of two seconds' life calls the API, waits past the expiry, calls again:
/// the mock API sees the token on the first call only.
#[tokio::test]
async fn a_runtime_token_that_expires_during_a_slow_handler_is_not_sent_after() {
    let api = kiket::sdk::testing::MockKiketApi::start().await.unwrap();
    let keys = TestKeys::generate("kid-short");
    let now = support::now();
    let mut claims = keys.claims(&["notifications.write"], now);
    claims["exp"] = json!(now + 2);
    let token = keys.sign(&claims);
    let ctx = kiket::sdk::testing::TestContext::new("issue.created", "v1")
        .runtime_token(&token, serde_json::from_value(claims).unwrap())
        .api_base_url(api.url())
        .build();
    ctx.endpoints().log_event("before").await.unwrap();
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    ctx.endpoints().log_event("after").await.unwrap();
    let carried: Vec<bool> = api
        .calls_to("log_event")
        .iter()
        .map(|call| call.headers.contains_key(kiket::client::hooks::RUNTIME_TOKEN_HEADER))
        .collect();
    assert_eq!(carried, [true, false], "sent while valid, not after its exp");
}
