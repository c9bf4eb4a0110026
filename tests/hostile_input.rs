//! The bad-input corpus: hostile or broken requests against the real server. Every case
//! asserts the status, how many times the handler ran, and — over the captured `tracing`
//! output of the whole run — that no secret, signature, token or body content was logged.

mod support;

use kiket::prelude::*;
use kiket::sdk::testing::{forge_token, MockKiketApi, SignedRequest, TestKeys, TestServer, VersionIn};
use kiket::sdk::verify::{sign, FixedClock};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use support::Captured;

const NOW: i64 = 1_700_000_000;
const SECRET: &str = "whsec_corpus_secret_value";
const OLD_SECRET: &str = "whsec_corpus_old_secret";
const WORKSPACE_TOKEN: &str = "wk_corpus_workspace_token";
const BODY_MARKER: &str = "body-marker-7f3a9c";

enum Send {
    Signed(SignedRequest),
    Raw { method: &'static str, path: &'static str, headers: Vec<(&'static str, Vec<u8>)>, body: Vec<u8> },
}

struct Case {
    name: &'static str,
    send: Send,
    status: u16,
    runs: usize,
}

fn payload() -> Value {
    json!({"project_id": 12, "issue": {"id": 1, "title": BODY_MARKER}})
}

fn signed() -> SignedRequest {
    SignedRequest::new("issue.created", "v1", &payload()).secret(SECRET).timestamp(NOW)
}

fn unsigned() -> SignedRequest {
    SignedRequest::new("issue.created", "v1", &payload())
}

fn body() -> Vec<u8> {
    unsigned().body()
}

fn with_headers(signature: &str, timestamp: &str) -> SignedRequest {
    unsigned().header("x-kiket-signature", signature).header("x-kiket-timestamp", timestamp)
}

fn good_signature() -> String {
    sign(SECRET, NOW, &body())
}

fn case(name: &'static str, request: SignedRequest, status: u16, runs: usize) -> Case {
    Case { name, send: Send::Signed(request), status, runs }
}

fn raw(
    name: &'static str,
    method: &'static str,
    path: &'static str,
    headers: Vec<(&'static str, Vec<u8>)>,
    body: Vec<u8>,
    status: u16,
) -> Case {
    Case { name, send: Send::Raw { method, path, headers, body }, status, runs: 0 }
}

fn corpus(keys: &TestKeys, evil_url: &str) -> Vec<Case> {
    let sig = good_signature();
    let ts = NOW.to_string();
    let claims = keys.claims(&["*"], NOW);
    let with = |field: &str, value: Value| {
        let mut c = claims.clone();
        c[field] = value;
        keys.sign(&c)
    };
    let without = |field: &str| {
        let mut c = claims.clone();
        c.as_object_mut().unwrap().remove(field);
        keys.sign(&c)
    };
    let valid_token = keys.sign(&claims);
    let mut tampered: Vec<String> = valid_token.split('.').map(str::to_owned).collect();
    tampered[1] = forge_token(
        &json!({}),
        &json!({"iss": "kiket.dev", "exp": NOW + 300, "iat": NOW, "scopes": ["*"], "org_id": 666}),
        b"",
    )
    .split('.')
    .nth(1)
    .unwrap()
    .to_owned();
    let other_body = serde_json::to_vec(&json!({"issue": {"id": 2}})).unwrap();
    let big = json!({"issue": {"id": 1, "description": "x".repeat(70 * 1024)}});
    let deep = format!("{{\"issue\":{{\"id\":1}},\"x\":{}{}}}", "[".repeat(400), "]".repeat(400));
    let hs256 = {
        use hmac::{Hmac, Mac};
        let header = json!({"alg": "HS256", "kid": keys.kid()});
        let unsigned_token = forge_token(&header, &claims, b"");
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(keys.jwk().to_string().as_bytes()).unwrap();
        mac.update(unsigned_token.trim_end_matches('.').as_bytes());
        forge_token(&header, &claims, &mac.finalize().into_bytes())
    };
    let mut evil = payload();
    evil["api"] = json!({"base_url": evil_url});
    vec![
        case("valid delivery", signed(), 200, 1),
        case("valid, runtime token", signed().runtime_token(valid_token.clone()), 200, 1),
        case(
            "oversize with Content-Length",
            SignedRequest::new("issue.created", "v1", &big).secret(SECRET).timestamp(NOW),
            413,
            0,
        ),
        case("missing signature", unsigned().header("x-kiket-timestamp", &ts), 401, 0),
        case("missing timestamp", unsigned().header("x-kiket-signature", &sig), 401, 0),
        case("no auth headers at all", unsigned(), 401, 0),
        case("duplicate signature", with_headers(&sig, &ts).header("x-kiket-signature", &sig), 401, 0),
        case("duplicate timestamp", with_headers(&sig, &ts).header("x-kiket-timestamp", &ts), 401, 0),
        case("garbled signature", with_headers("not-a-signature", &ts), 401, 0),
        case("non-hex signature", with_headers(&"zx".repeat(32), &ts), 401, 0),
        case("signature too short", with_headers(&sig[..63], &ts), 401, 0),
        case("signature too long", with_headers(&format!("{sig}a"), &ts), 401, 0),
        case("wrong prefix sha1=", with_headers(&format!("sha1={sig}"), &ts), 401, 0),
        case("wrong prefix sha256:", with_headers(&format!("sha256:{sig}"), &ts), 401, 0),
        case("empty signature", with_headers("", &ts), 401, 0),
        case("nine signatures", with_headers(&[sig.as_str(); 9].join(" "), &ts), 401, 0),
        case("signed timestamp", with_headers(&sig, &format!("+{ts}")), 401, 0),
        // Spaces around a header value are HTTP framing (stripped by the parser); inside it they arrive.
        case("timestamp with an inner space", with_headers(&sig, &format!("{} {}", &ts[..5], &ts[5..])), 401, 0),
        case("decimal timestamp", with_headers(&sig, &format!("{ts}.0")), 401, 0),
        case("overflowing timestamp", with_headers(&sig, "99999999999999999999"), 401, 0),
        case("negative timestamp", with_headers(&sig, "-1"), 401, 0),
        case("hex timestamp", with_headers(&sig, "0x6553f100"), 401, 0),
        case("301 s in the future", signed().timestamp(NOW + 301), 401, 0),
        case("301 s in the past", signed().timestamp(NOW - 301), 401, 0),
        case("300 s in the future", signed().timestamp(NOW + 300), 200, 1),
        case("300 s in the past", signed().timestamp(NOW - 300), 200, 1),
        case(
            "body altered after signing",
            with_headers(&sig, &ts).raw_body([body().as_slice(), b" "].concat()),
            401,
            0,
        ),
        case("signature of another delivery spliced in", with_headers(&sign(SECRET, NOW, &other_body), &ts), 401, 0),
        case("signature for another timestamp", with_headers(&sign(SECRET, NOW - 10, &body()), &ts), 401, 0),
        case("rotated: old secret", unsigned().secret(OLD_SECRET).timestamp(NOW), 200, 1),
        case("unknown secret", unsigned().secret("whsec_attacker").timestamp(NOW), 401, 0),
        case("not JSON", signed().raw_body(b"{not json".to_vec()), 400, 0),
        case("not UTF-8", signed().raw_body(b"\xff\xfe\xfd".to_vec()), 400, 0),
        case("deeply nested", signed().raw_body(deep.into_bytes()), 400, 0),
        case("empty body", signed().raw_body(Vec::new()), 400, 0),
        case("JSON array", signed().raw_body(b"[1,2,3]".to_vec()), 422, 0),
        case(
            "schema violation",
            SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": {"no": "object"}}}))
                .secret(SECRET)
                .timestamp(NOW),
            422,
            0,
        ),
        // The typed payload is decoded before the token is verified (to read the token from
        // it), so these pin that a forged token still wins over what decoding found.
        case(
            "schema violation carrying a forged token",
            SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": {"no": "object"}}}))
                .secret(SECRET)
                .timestamp(NOW)
                .runtime_token(tampered.join(".")),
            401,
            0,
        ),
        case(
            "unknown event carrying a forged token",
            SignedRequest::new("issue.vanished", "v1", &payload())
                .secret(SECRET)
                .timestamp(NOW)
                .runtime_token(tampered.join(".")),
            401,
            0,
        ),
        case(
            "runtime token that is not a string",
            SignedRequest::new(
                "issue.created",
                "v1",
                &json!({"issue": {"id": 1}, "authentication": {"runtime_token": 7}}),
            )
            .secret(SECRET)
            .timestamp(NOW),
            422,
            0,
        ),
        case("token alg=none", signed().runtime_token(forge_token(&json!({"alg": "none"}), &claims, b"")), 401, 0),
        case("token HS256 over the public key", signed().runtime_token(hs256), 401, 0),
        case(
            "token on another curve (ES384)",
            signed().runtime_token(forge_token(&json!({"alg": "ES384", "kid": keys.kid()}), &claims, &[7; 96])),
            401,
            0,
        ),
        case("token with tampered claims", signed().runtime_token(tampered.join(".")), 401, 0),
        case("expired token (beyond the 30 s leeway)", signed().runtime_token(with("exp", json!(NOW - 31))), 401, 0),
        case("token from another issuer", signed().runtime_token(with("iss", json!("evil.example"))), 401, 0),
        case("token without exp", signed().runtime_token(without("exp")), 401, 0),
        case(
            "token with an unknown kid",
            signed().runtime_token(TestKeys::generate("kid-unknown").sign(&claims)),
            401,
            0,
        ),
        case(
            "payload api.base_url elsewhere",
            SignedRequest::new("issue.created", "v1", &evil).secret(SECRET).timestamp(NOW),
            200,
            1,
        ),
        case(
            "unknown event",
            SignedRequest::new("issue.vanished", "v1", &payload()).secret(SECRET).timestamp(NOW),
            404,
            0,
        ),
        case(
            "unknown version",
            SignedRequest::new("issue.created", "v7", &payload()).secret(SECRET).timestamp(NOW),
            404,
            0,
        ),
        case("no version anywhere", signed().version_in(VersionIn::Omitted), 400, 0),
        raw("GET on a webhook", "GET", "/webhooks/issue.created", vec![], vec![], 405),
        raw("PUT on a webhook", "PUT", "/webhooks/issue.created", vec![], body(), 405),
        raw("DELETE on health", "DELETE", "/health", vec![], vec![], 405),
        raw(
            "non-UTF-8 signature header",
            "POST",
            "/webhooks/issue.created",
            vec![
                ("x-kiket-signature", vec![0xff, 0xfe]),
                ("x-kiket-timestamp", ts.clone().into_bytes()),
                ("x-kiket-event-version", b"v1".to_vec()),
            ],
            body(),
            401,
        ),
        raw(
            "oversize, chunked, no Content-Length",
            "POST",
            "/webhooks/issue.created",
            vec![("transfer-encoding", b"chunked".to_vec())],
            vec![b' '; 70 * 1024],
            413,
        ),
    ]
}

#[tokio::test]
async fn every_hostile_input_is_answered_as_specified_without_leaking() {
    let (captured, _guard) = Captured::install(tracing::Level::TRACE);

    let api = MockKiketApi::start().await.unwrap();
    let evil = MockKiketApi::start().await.unwrap();
    let keys = TestKeys::generate("corpus-key");
    api.serve_jwks(keys.jwks());
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let router = Router::new().issue_created_v1(move |_p: IssueCreatedV1, ctx: HandlerContext| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            ctx.endpoints().log_event("handled").await?;
            Ok(Reply::ok())
        }
    });
    let config = Config::builder()
        // This suite resends identical deliveries on purpose; the replay guard (on by default)
        // has its own tests: tests/replay_guard.rs, tests/hostile_network.rs.
        .replay_guard_off()
        .webhook_secret(SECRET)
        .webhook_secret(OLD_SECRET)
        .workspace_token(WORKSPACE_TOKEN)
        .api_base_url(api.url())
        .clock(FixedClock(NOW))
        .body_limit(64 * 1024)
        .jwks_cache(Duration::from_secs(3600), Duration::from_secs(3600));
    let server = TestServer::start(Extension::new(router, config.build().unwrap()).unwrap()).await.unwrap();
    let client = reqwest::Client::new();

    let cases = corpus(&keys, &evil.url());
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let mut secrets_to_hide: Vec<String> =
        vec![SECRET.into(), OLD_SECRET.into(), WORKSPACE_TOKEN.into(), BODY_MARKER.into(), good_signature()];
    for case in cases {
        let before = runs.load(Ordering::SeqCst);
        let response = match &case.send {
            Send::Signed(request) => request.send(&client, &server.url()).await.unwrap(),
            Send::Raw { method, path, headers, body } => {
                let mut request = client.request(method.parse().unwrap(), format!("{}{path}", server.url()));
                for (name, value) in headers {
                    request = request.header(*name, reqwest::header::HeaderValue::from_bytes(value).unwrap());
                }
                let request = if headers.iter().any(|(n, _)| *n == "transfer-encoding") {
                    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
                        body.chunks(1024).map(|c| Ok(c.to_vec())).collect();
                    request.body(reqwest::Body::wrap_stream(futures_util::stream::iter(chunks)))
                } else {
                    request.body(body.clone())
                };
                request.send().await.unwrap()
            }
        };
        let status = response.status().as_u16();
        let content_type = response.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_owned());
        let text = response.text().await.unwrap();
        assert_eq!(status, case.status, "{}: {text}", case.name);
        assert_eq!(content_type.as_deref(), Some("application/json"), "{}: every answer is JSON", case.name);
        assert_eq!(runs.load(Ordering::SeqCst) - before, case.runs, "{}: handler runs", case.name);
        assert!(
            !text.contains(SECRET) && !text.contains(BODY_MARKER) && !text.contains(&good_signature()),
            "{}: the answer leaked: {text}",
            case.name
        );
        if let Send::Signed(request) = &case.send
            && let Some(token) = serde_json::from_slice::<Value>(&request.body())
                .ok()
                .and_then(|b| b["authentication"]["runtime_token"].as_str().map(str::to_owned))
        {
            assert!(!text.contains(&token), "{}: token echoed", case.name);
            secrets_to_hide.push(token);
        }
    }
    assert!(evil.calls().is_empty(), "a request reached the payload's api.base_url");
    assert_eq!(api.calls_to("log_event").len(), 6, "the configured API got every handler call");
    assert!(api
        .calls_to("log_event")
        .iter()
        .all(|c| c.header("authorization") == Some("Bearer wk_corpus_workspace_token")));

    let logs = captured.text();
    assert!(logs.contains("delivery refused"), "the capture works");
    for secret in &secrets_to_hide {
        assert!(
            !logs.contains(secret.as_str()),
            "the logs contain a secret, token, signature or body: {}…",
            &secret[..secret.len().min(12)]
        );
    }
}
