//! The outbound side against real HTTP servers on loopback (wiremock), played as the platform
//! and as a hostile network position (PROTOCOL §7.2, §7.3): credentials never leave the API
//! origin, bodies are read with caps, any 2xx is success, the platform's field names decode,
//! blank path parameters send nothing.

mod support;

use kiket_client::endpoints::Endpoints;
use kiket_client::operations::{self, Operation};
use kiket_client::retry::RetryPolicy;
use kiket_client::types::{IntakeForm, IntakeFormStats, IntakeSubmission, VerifyProofRequest};
use kiket_client::{ApiError, KiketClient, Method};
use serde_json::{json, Map, Value};
use support::endpoints;
use wiremock::matchers::{any, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// Whether a request carried anything of the test credentials (`wk_test`, `rt_test`).
fn carries_credentials(request: &Request) -> bool {
    request.headers.contains_key("authorization")
        || request.headers.contains_key("x-kiket-runtime-token")
        || request.headers.values().any(|v| v.to_str().is_ok_and(|v| v.contains("wk_test") || v.contains("rt_test")))
        || request.url.as_str().contains("wk_test")
}

/// A server playing the other origin: it must receive nothing.
async fn foreign_origin() -> MockServer {
    let foreign = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": []})))
        .mount(&foreign)
        .await;
    foreign
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_and_no_credential_leaves() {
    let api = MockServer::start().await;
    let foreign = foreign_origin().await;
    for status in [301, 302, 303, 307, 308] {
        api.reset().await;
        Mock::given(any())
            .respond_with(ResponseTemplate::new(status).insert_header("location", format!("{}/collect", foreign.uri())))
            .mount(&api)
            .await;
        let client = endpoints(&api.uri(), RetryPolicy::none());

        let read = client.rate_limit().await.unwrap_err();
        assert_eq!(read.status().map(|s| s.as_u16()), Some(status));
        assert!(read.to_string().contains("not followed"), "{read}");
        let write = client.custom_data(12).create("crm", "contacts", &json!({"email": "a@example.com"})).await;
        assert_eq!(write.unwrap_err().status().map(|s| s.as_u16()), Some(status));
        let raw = client.request(Method::GET, "/api/v1/ext/labels").await.unwrap_err();
        assert_eq!(raw.status().map(|s| s.as_u16()), Some(status));

        assert_eq!(api.received_requests().await.unwrap().len(), 3, "{status}: the API got each call once");
        let leaked = foreign.received_requests().await.unwrap();
        assert!(leaked.is_empty(), "{status}: the other origin received {} requests", leaked.len());
    }
}

#[tokio::test]
async fn a_permissive_redirect_policy_handed_in_is_replaced() {
    let api = MockServer::start().await;
    let foreign = foreign_origin().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(302).insert_header("location", format!("{}/collect", foreign.uri())))
        .mount(&api)
        .await;
    let kiket = KiketClient::builder()
        .base_url(api.uri())
        .workspace_token("wk_test")
        .runtime_token("rt_test")
        .http_client(reqwest::Client::builder().redirect(reqwest::redirect::Policy::limited(10)))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    assert_eq!(kiket.rate_limit().await.unwrap_err().status().map(|s| s.as_u16()), Some(302));
    assert!(foreign.received_requests().await.unwrap().is_empty(), "the handed-in policy would have followed");
}

/// The documented same-origin policy: followed, with the credentials (they stay on the
/// origin), at most `MAX_REDIRECTS` times.
#[tokio::test]
async fn a_same_origin_redirect_is_followed_with_the_credentials_a_few_times_at_most() {
    let api = MockServer::start().await;
    Mock::given(path("/api/v1/ext/rate_limit"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/api/v2/ext/rate_limit"))
        .mount(&api)
        .await;
    Mock::given(path("/api/v2/ext/rate_limit"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"rate_limit": {"limit": 10, "remaining": 9, "window_seconds": 60, "reset_in": 5}}),
            ),
        )
        .mount(&api)
        .await;
    let client = endpoints(&api.uri(), RetryPolicy::none());
    assert_eq!(client.rate_limit().await.unwrap().remaining, 9);
    let received = api.received_requests().await.unwrap();
    assert_eq!(received.len(), 2);
    assert!(received.iter().all(carries_credentials), "same origin: the credentials go along");

    let looping = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/again"))
        .mount(&looping)
        .await;
    let err = endpoints(&looping.uri(), RetryPolicy::none()).rate_limit().await.unwrap_err();
    assert!(matches!(err, ApiError::Transport { .. }), "{err}");
    let hops = looping.received_requests().await.unwrap().len();
    assert_eq!(hops, kiket_client::transport::MAX_REDIRECTS + 1, "the first request and its redirects");
}

#[tokio::test]
async fn a_ten_mebibyte_error_body_is_cut_at_the_cap() {
    let api = MockServer::start().await;
    let huge = json!({ "error": "x".repeat(10 * 1024 * 1024) });
    Mock::given(any()).respond_with(ResponseTemplate::new(500).set_body_json(huge)).mount(&api).await;
    let client = endpoints(&api.uri(), RetryPolicy::none());

    for err in
        [client.rate_limit().await.unwrap_err(), client.request(Method::GET, "/api/v1/ext/labels").await.unwrap_err()]
    {
        let ApiError::Status { status, message, .. } = &err else { panic!("{err}") };
        assert_eq!(
            (status.as_u16(), message.as_str()),
            (500, "Internal Server Error"),
            "past the cap, only the reason"
        );
        assert!(err.to_string().len() < 200, "{} bytes of message", err.to_string().len());
    }
    // Within the cap, the platform's message is kept.
    api.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({"error": "table is read-only"})))
        .mount(&api)
        .await;
    let err = client.rate_limit().await.unwrap_err();
    assert!(err.to_string().ends_with("table is read-only"), "{err}");
}

/// A hostile API position streams an endless chunked error body with no `Content-Length`:
/// the client stops reading at the cap and hangs up, long before the stream ends.
#[tokio::test]
async fn a_chunked_error_body_without_length_is_cut_and_the_connection_dropped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const TOTAL: usize = 64 * 1024 * 1024;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut head = [0u8; 4096];
        let _ = socket.read(&mut head).await.unwrap();
        socket
            .write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
            .await
            .unwrap();
        let chunk = vec![b'x'; 64 * 1024];
        let mut sent = 0;
        while sent < TOTAL {
            let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
            if socket.write_all(&framed).await.is_err() {
                break; // the client hung up
            }
            sent += chunk.len();
        }
        sent
    });
    let client = endpoints(&format!("http://{address}"), RetryPolicy::none());
    let err = client.rate_limit().await.unwrap_err();
    assert_eq!(
        (err.status().map(|s| s.as_u16()), err.to_string().ends_with("Internal Server Error")),
        (Some(500), true),
        "{err}"
    );
    drop(client);
    let sent = tokio::time::timeout(std::time::Duration::from_secs(10), server).await.unwrap().unwrap();
    assert!(sent < TOTAL, "the client read all {TOTAL} bytes");
}

/// What a 201 answer carries for each write of the spec (what the platform echoes).
fn created_body(operation: &str) -> Value {
    match operation {
        "create_custom_data_record" | "update_custom_data_record" => {
            json!({"data": {"id": 7, "email": "a@example.com"}})
        }
        "create_intake_submission" | "approve_intake_submission" | "reject_intake_submission" => {
            json!({"id": 7, "intake_form_id": 1, "status": "pending"})
        }
        "verify_audit_proof" => json!({"valid": true}),
        _ => json!({"ok": true}),
    }
}

fn value(echoed: Option<impl serde::Serialize>) -> Option<Value> {
    echoed.map(|v| serde_json::to_value(v).unwrap())
}

/// Calls `operation` through the ergonomic layer; returns what it echoed, as JSON.
async fn call_write(api: &Endpoints, operation: &str) -> Result<Option<Value>, ApiError> {
    let echoed = |value: Option<Value>| Ok(value);
    let form = api.intake_forms(12);
    let data = Map::from_iter([("email".to_owned(), json!("a@example.com"))]);
    let proof = VerifyProofRequest {
        content_hash: "01".into(),
        merkle_root: "ab".into(),
        proof: vec![],
        leaf_index: 0,
        tx_hash: None,
    };
    match operation {
        "create_custom_data_record" => echoed(api.custom_data(12).create("crm", "contacts", &data).await?),
        "update_custom_data_record" => echoed(api.custom_data(12).update("crm", "contacts", 7, &data).await?),
        "delete_custom_data_record" => api.custom_data(12).delete("crm", "contacts", 7).await.map(|()| None),
        "create_intake_submission" => echoed(value(form.submit("bugs", data).await?)),
        "approve_intake_submission" => echoed(value(form.approve("bugs", 7).await?)),
        "reject_intake_submission" => echoed(value(form.reject("bugs", 7).notes("dup").await?)),
        "set_secret" => api.secrets().set("API_KEY", "v").await.map(|()| None),
        "delete_secret" => api.secrets().delete("API_KEY").await.map(|()| None),
        "log_event" => api.log_event("hello").await.map(|()| None),
        "record_metric" => api.emit_metric("n", 1.0).await.map(|()| None),
        "send_notification" => api.notify("t", "b").await.map(|()| None),
        "verify_audit_proof" => echoed(value(api.audit().verify(proof).await?)),
        "send_telemetry" => {
            let record: kiket_client::types::TelemetryRecord = serde_json::from_value(json!({"event": "e", "version": "v1", "status": "ok", "duration_ms": 1.0, "timestamp": "2026-12-02T00:00:00Z"})).unwrap();
            let sent = api.client().send_telemetry().body(record).send().await;
            sent.map(|_| None).map_err(|e| ApiError::Transport { operation: "send_telemetry", reason: e.to_string() })
        }
        other => panic!("a write operation without a call in this test: {other}; add it to call_write"),
    }
}

/// The path template as a regex (`{param}` → one segment).
fn path_pattern(operation: &Operation) -> String {
    let segments: Vec<String> = operation
        .path
        .split('/')
        .map(|s| if s.starts_with('{') { "[^/]+".to_owned() } else { regex_escape(s) })
        .collect();
    format!("^{}$", segments.join("/"))
}

fn regex_escape(text: &str) -> String {
    text.chars().flat_map(|c| if c.is_ascii_alphanumeric() || c == '_' { vec![c] } else { vec!['\\', c] }).collect()
}

#[tokio::test]
async fn every_post_patch_and_delete_accepts_201_and_204() {
    let writes: Vec<&Operation> = operations::ALL.iter().filter(|op| op.method != "GET").collect();
    assert!(writes.len() >= 13, "the table lists the spec's writes: {writes:?}");
    for operation in writes {
        for status in [201u16, 204] {
            let server = MockServer::start().await;
            let answer = match status {
                201 => ResponseTemplate::new(201).set_body_json(created_body(operation.id)),
                _ => ResponseTemplate::new(204),
            };
            Mock::given(method(operation.method))
                .and(path_regex(path_pattern(operation)))
                .respond_with(answer)
                .expect(1)
                .mount(&server)
                .await;
            let api = endpoints(&server.uri(), RetryPolicy::none());
            let result = call_write(&api, operation.id).await;
            let echoed = result.unwrap_or_else(|e| panic!("{} answered {status}: {e}", operation.id));
            if status == 204 {
                assert_eq!(echoed, None, "{}: a 204 carries nothing", operation.id);
            } else if let Some(echoed) = echoed {
                let sent = created_body(operation.id);
                let expected = sent.get("data").unwrap_or(&sent);
                for (field, value) in expected.as_object().unwrap() {
                    assert_eq!(echoed.get(field), Some(value), "{}: the 201 body decodes ({field})", operation.id);
                }
            }
            server.verify().await;
        }
    }
}

#[tokio::test]
async fn the_platforms_field_names_decode_into_named_fields() {
    let server = MockServer::start().await;
    let form = json!({
        "id": 3, "key": "bugs", "name": "Bug report", "description": null, "active": true, "public": true,
        "fields": [{"key": "email", "label": "E-mail", "field_type": "email", "required": true, "options": null,
                    "placeholder": "you@example.com", "help_text": null}],
        "form_url": "https://kiket.dev/f/bugs", "embed_allowed": false, "submissions_count": 12,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-02-03T04:05:06.789+01:00"
    });
    let submission = json!({
        "id": 9, "intake_form_id": 3, "status": "approved", "data": {"email": "x@example.com"},
        "metadata": {"ip": "203.0.113.9"}, "submitted_by_email": "x@example.com", "reviewed_by": "ops@example.com",
        "reviewed_at": "2026-03-01T10:00:00Z", "notes": "ok", "created_at": "2026-03-01T09:00:00Z",
        "updated_at": "2026-03-01T10:00:00Z"
    });
    let stats =
        json!({"total_submissions": 12, "pending": 2, "approved": 8, "rejected": 1, "converted": 1, "period": "week"});
    for (route, body) in [
        ("/api/v1/ext/intake_forms/bugs", form.clone()),
        ("/api/v1/ext/intake_forms/bugs/submissions/9", submission.clone()),
        ("/api/v1/ext/intake_forms/bugs/stats", stats.clone()),
    ] {
        Mock::given(path(route)).respond_with(ResponseTemplate::new(200).set_body_json(body)).mount(&server).await;
    }
    let api = endpoints(&server.uri(), RetryPolicy::none());
    let forms = api.intake_forms(12);

    let got: IntakeForm = forms.get("bugs").await.unwrap();
    assert!(got.extra.is_empty(), "unnamed form fields: {:?}", got.extra);
    assert_eq!(got.public_url(), Some("https://kiket.dev/f/bugs"));
    assert_eq!((got.embed_allowed, got.submissions_count), (Some(false), Some(12)));
    assert_eq!(got.fields[0].field_type.as_deref(), Some("email"));
    assert_eq!(got.updated_at().map(|t| t.as_second()), Some(1_770_087_906));
    assert_eq!(serde_json::to_value(&got).unwrap()["form_url"], form["form_url"]);

    let got: IntakeSubmission = forms.submission("bugs", 9).await.unwrap();
    assert!(got.extra.is_empty(), "unnamed submission fields: {:?}", got.extra);
    assert_eq!(got.reviewed_by.as_deref(), Some("ops@example.com"));
    assert_eq!(got.intake_form_id.as_ref().map(ToString::to_string).as_deref(), Some("3"));
    assert!(got.reviewed_at().is_some() && got.created_at() < got.updated_at());

    let got: IntakeFormStats = forms.stats("bugs").await.unwrap();
    assert!(got.extra.is_empty(), "unnamed stats fields: {:?}", got.extra);
    assert_eq!((got.total_submissions, got.converted), (Some(12), Some(1)));

    // A private form has no public URL, and finding that out takes one request.
    server.reset().await;
    let private = json!({"key": "hr", "public": false, "form_url": "https://kiket.dev/f/hr"});
    Mock::given(path("/api/v1/ext/intake_forms/hr"))
        .respond_with(ResponseTemplate::new(200).set_body_json(private))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(forms.public_url("hr").await.unwrap(), None);
}

#[tokio::test]
async fn blank_path_parameters_are_refused_locally_and_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(200).set_body_json(json!({}))).mount(&server).await;
    let api = endpoints(&server.uri(), RetryPolicy::none());
    let record = json!({"a": 1});
    let data = Map::new();
    let cases: Vec<(&str, Result<(), ApiError>)> = vec![
        ("project id", api.custom_data("").list("crm", "contacts").await.map(drop)),
        ("project id", api.custom_data(" ").get("crm", "contacts", 1).await.map(drop)),
        ("project id", api.sla_events("").list().await.map(drop)),
        ("project id", api.intake_forms("\t").list().await.map(drop)),
        ("module", api.custom_data(12).list("", "contacts").await.map(drop)),
        ("module", api.custom_data(12).create(" ", "contacts", &record).await.map(drop)),
        ("table", api.custom_data(12).list("crm", "").await.map(drop)),
        ("table", api.custom_data(12).delete("crm", "  ", 1).await.map(drop)),
        ("record id", api.custom_data(12).get("crm", "contacts", "").await.map(drop)),
        ("record id", api.custom_data(12).update("crm", "contacts", " ", &record).await.map(drop)),
        ("record id", api.custom_data(12).delete("crm", "contacts", "").await.map(drop)),
        ("record id", api.audit().record_proof("").await.map(drop)),
        ("form key", api.intake_forms(12).get("").await.map(drop)),
        ("form key", api.intake_forms(12).submissions(" ").await.map(drop)),
        ("form key", api.intake_forms(12).submit("", data.clone()).await.map(drop)),
        ("form key", api.intake_forms(12).stats("").await.map(drop)),
        ("form key", api.intake_forms(12).approve("", 1).await.map(drop)),
        ("submission id", api.intake_forms(12).submission("bugs", "").await.map(drop)),
        ("submission id", api.intake_forms(12).reject("bugs", " ").await.map(drop)),
        ("secret key", api.secrets().get("").await.map(drop)),
        ("secret key", api.secrets().set(" ", "value").await),
        ("secret key", api.secrets().delete("").await),
        ("merkle root", api.audit().anchor("").await.map(drop)),
        ("issue id", api.sla_events(12).list().issue("").await.map(drop)),
    ];
    for (what, result) in cases {
        let err = result.expect_err(what);
        assert!(matches!(err, ApiError::InvalidInput { .. }), "{what}: {err}");
        assert!(err.to_string().contains(&format!("{what} is blank")), "{what}: {err}");
    }
    assert!(server.received_requests().await.unwrap().is_empty(), "a blank parameter sent a request");
    // The same calls with the parameter present do reach the API (the check is not vacuous).
    api.intake_forms(12).get("bugs").await.unwrap();
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_escape_hatch_sends_the_sdks_headers_and_stays_on_the_origin() {
    let api = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/ext/labels"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [{"name": "urgent"}]})))
        .mount(&api)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/ext/labels"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&api)
        .await;
    Mock::given(path("/api/v1/ext/missing"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"error": "no such endpoint"})))
        .mount(&api)
        .await;
    let client = endpoints(&api.uri(), RetryPolicy::none());

    let labels = client.request(Method::GET, "/api/v1/ext/labels").query("project_id", 12).await.unwrap();
    assert_eq!(labels["data"][0]["name"], "urgent");
    let created = client.request(Method::POST, "/api/v1/ext/labels").json(&json!({"name": "new"})).await.unwrap();
    assert_eq!(created, Value::Null, "204: no body");
    let err = client.request(Method::GET, "/api/v1/ext/missing").await.unwrap_err();
    assert_eq!(
        (err.status().map(|s| s.as_u16()), err.to_string().ends_with("no such endpoint")),
        (Some(404), true),
        "{err}"
    );

    let sent = api.received_requests().await.unwrap();
    assert_eq!(sent[0].url.query(), Some("project_id=12"));
    assert!(sent.iter().all(carries_credentials), "the SDK's headers go along");
    assert!(sent[0].headers.get("idempotency-key").is_none() && sent[1].headers.get("idempotency-key").is_some());
    assert_eq!(sent[1].body_json::<Value>().unwrap(), json!({"name": "new"}));

    for path in
        ["https://elsewhere.example/x", "//elsewhere.example/x", "api/v1/ext/labels", "@elsewhere.example/x", "/a\r\nb"]
    {
        let err = client.request(Method::GET, path).await.unwrap_err();
        assert!(matches!(err, ApiError::InvalidInput { .. }), "{path}: {err}");
    }
    assert_eq!(api.received_requests().await.unwrap().len(), 3, "refused paths sent nothing");
}

#[tokio::test]
async fn a_standalone_client_sends_a_runtime_token_and_event_version_and_notify_defaults_to_info() {
    let api = MockServer::start().await;
    Mock::given(any()).respond_with(ResponseTemplate::new(202)).mount(&api).await;
    let kiket = KiketClient::builder()
        .base_url(api.uri())
        .runtime_token("rt_script")
        .event_version("v2")
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    kiket.notify("Done", "42 contacts synced").await.unwrap();
    let sent = &api.received_requests().await.unwrap()[0];
    assert_eq!(sent.headers.get("x-kiket-runtime-token").unwrap(), "rt_script");
    assert_eq!(sent.headers.get("x-kiket-event-version").unwrap(), "v2");
    assert_eq!(
        sent.body_json::<Value>().unwrap(),
        json!({"title": "Done", "body": "42 contacts synced", "level": "info"})
    );
    assert!(!format!("{kiket:?}").contains("rt_script"));
}
