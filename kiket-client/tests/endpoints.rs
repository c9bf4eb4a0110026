//! Every extension-API operation of the ergonomic layer against a mock API on loopback:
//! exact method, percent-encoded path, exact query, JSON body, headers, decoded response.

mod support;

use kiket_client::endpoints::StatsPeriod;
use kiket_client::retry::RetryPolicy;
use kiket_client::types::{NotificationLevel, VerifyProofRequest};
use kiket_client::ApiError;
use serde_json::{json, Value};
use support::{endpoints, ExactQuery, NoBody, StandardHeaders};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Mounts a mock that must be hit exactly once with exactly this request.
async fn expect(
    server: &MockServer,
    verb: &str,
    raw_path: &str,
    query: &[(&str, &str)],
    body: Option<Value>,
    status: u16,
    reply: Value,
) {
    let mock = Mock::given(method(verb)).and(path(raw_path)).and(ExactQuery::of(query)).and(StandardHeaders);
    let mock = match body {
        Some(body) => mock.and(body_json(body)),
        None => mock.and(NoBody),
    };
    let response = if reply.is_null() {
        ResponseTemplate::new(status)
    } else {
        ResponseTemplate::new(status).set_body_json(reply)
    };
    mock.respond_with(response).expect(1).named(format!("{verb} {raw_path}")).mount(server).await;
}

#[tokio::test]
async fn custom_data_crud_with_encoded_segments_and_typed_records() {
    let server = MockServer::start().await;
    let api = endpoints(&server.uri(), RetryPolicy::none());
    let base = "/api/v1/ext/custom_data/com.example.crm%2Fcontacts/automation%20records";

    expect(
        &server,
        "GET",
        base,
        &[("project_id", "12"), ("limit", "25"), ("filters", r#"{"status":"active"}"#)],
        None,
        200,
        json!({"data": [{"id": 1, "email": "a@example.com"}, {"id": 2, "email": "b@example.com"}]}),
    )
    .await;
    let records = api
        .custom_data(12)
        .list("com.example.crm/contacts", "automation records")
        .filter("status", "active")
        .limit(25)
        .await
        .unwrap();
    assert_eq!(records, vec![json!({"id": 1, "email": "a@example.com"}), json!({"id": 2, "email": "b@example.com"})]);

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    struct Lead {
        email: String,
        metadata: Value,
    }
    let lead = Lead { email: "lead@example.com".into(), metadata: json!({"source": "webhook"}) };
    expect(
        &server,
        "POST",
        base,
        &[("project_id", "12")],
        Some(json!({"record": {"email": "lead@example.com", "metadata": {"source": "webhook"}}})),
        200,
        json!({"data": {"email": "lead@example.com", "metadata": {"source": "webhook"}, "id": 9}}),
    )
    .await;
    let created = api
        .custom_data(12)
        .typed::<Lead>()
        .create("com.example.crm/contacts", "automation records", &lead)
        .await
        .unwrap();
    assert_eq!(created, Some(lead));

    expect(&server, "GET", &format!("{base}/9"), &[("project_id", "12")], None, 200, json!({"data": {"id": 9}})).await;
    assert_eq!(
        api.custom_data(12).get("com.example.crm/contacts", "automation records", 9).await.unwrap(),
        json!({"id": 9})
    );

    expect(
        &server,
        "PATCH",
        &format!("{base}/9"),
        &[("project_id", "12")],
        Some(json!({"record": {"status": "won"}})),
        200,
        json!({"data": {"id": 9, "status": "won"}}),
    )
    .await;
    let updated = api
        .custom_data(12)
        .update("com.example.crm/contacts", "automation records", 9, &json!({"status": "won"}))
        .await
        .unwrap()
        .expect("the platform echoed the record");
    assert_eq!(updated["status"], "won");

    expect(&server, "DELETE", &format!("{base}/9"), &[("project_id", "12")], None, 204, Value::Null).await;
    api.custom_data(12).delete("com.example.crm/contacts", "automation records", 9).await.unwrap();

    let err = api.custom_data(12).create("m", "t", &json!(["not", "an", "object"])).await.unwrap_err();
    assert!(matches!(err, ApiError::InvalidInput { operation: "create_custom_data_record", .. }), "{err}");
}

#[tokio::test]
async fn sla_events_rate_limit_logs_metrics_notifications_and_extension_info() {
    let server = MockServer::start().await;
    let api = endpoints(&server.uri(), RetryPolicy::none());

    expect(&server, "GET", "/api/v1/ext/sla/events", &[("project_id", "12"), ("state", "imminent"), ("limit", "5"), ("issue_id", "ISS-1")], None, 200,
        json!({"data": [{"id": 77, "issue_id": 1042, "project_id": 12, "state": "imminent", "definition": {"status": "in_review"}, "metrics": {"elapsed": 230}}]})).await;
    let events = api.sla_events(12).list().state("imminent").limit(5).issue("ISS-1").await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].issue_id.as_ref().map(ToString::to_string).as_deref(), Some("1042"));
    assert_eq!(events[0].state, kiket_types::SlaState::Imminent);
    assert_eq!(events[0].definition.as_ref().and_then(|d| d.status.as_deref()), Some("in_review"));

    expect(
        &server,
        "GET",
        "/api/v1/ext/rate_limit",
        &[],
        None,
        200,
        json!({"rate_limit": {"limit": 600, "remaining": 3, "window_seconds": 60, "reset_in": 41}}),
    )
    .await;
    let window = api.rate_limit().await.unwrap();
    assert_eq!((window.limit, window.remaining, window.window_seconds, window.reset_in), (600, 3, 60, 41));

    expect(
        &server,
        "POST",
        "/api/v1/extensions/logs",
        &[],
        Some(json!({"message": "issue.created", "metadata": {"summary": "Printer on fire"}})),
        202,
        Value::Null,
    )
    .await;
    api.log_event("issue.created").metadata(json!({"summary": "Printer on fire"})).await.unwrap();

    expect(
        &server,
        "POST",
        "/api/v1/extensions/metrics",
        &[],
        Some(json!({"name": "leads.imported", "value": 3.0, "unit": "count"})),
        200,
        json!({"ok": true}),
    )
    .await;
    api.emit_metric("leads.imported", 3.0).await.unwrap();
    assert!(api.emit_metric("bad", f64::NAN).await.is_err());

    expect(
        &server,
        "POST",
        "/api/v1/extensions/notifications",
        &[],
        Some(json!({"title": "SLA warning", "body": "Issue #1042 is imminent", "level": "warning"})),
        201,
        json!({}),
    )
    .await;
    api.notify("SLA warning", "Issue #1042 is imminent").level(NotificationLevel::Warning).await.unwrap();

    expect(
        &server,
        "GET",
        "/api/v1/extensions/com.example%2Fext",
        &[],
        None,
        200,
        json!({"id": "com.example/ext", "name": "CRM sync"}),
    )
    .await;
    let info = api.extension_info().await.unwrap();
    assert_eq!(info.0["name"], "CRM sync");
}

#[tokio::test]
async fn intake_forms_and_submissions() {
    let server = MockServer::start().await;
    let api = endpoints(&server.uri(), RetryPolicy::none());
    let forms = api.intake_forms(12);

    expect(
        &server,
        "GET",
        "/api/v1/ext/intake_forms",
        &[("project_id", "12"), ("active", "true"), ("public", "false"), ("limit", "10")],
        None,
        200,
        json!({"data": [{"id": 1, "key": "contact", "name": "Contact us", "active": true}]}),
    )
    .await;
    let list = forms.list().active(true).public_only(false).limit(10).await.unwrap();
    assert_eq!(list[0].key.as_deref(), Some("contact"));

    expect(
        &server,
        "GET",
        "/api/v1/ext/intake_forms/contact%20us",
        &[("project_id", "12")],
        None,
        200,
        json!({"key": "contact us", "public": true, "form_url": "https://kiket.dev/f/abc", "embed_allowed": true, "submissions_count": 4}),
    )
    .await;
    assert_eq!(forms.public_url("contact us").await.unwrap().as_deref(), Some("https://kiket.dev/f/abc"));

    expect(
        &server,
        "GET",
        "/api/v1/ext/intake_forms/contact/submissions",
        &[("project_id", "12"), ("status", "pending"), ("limit", "3"), ("since", "2026-11-01T00:00:00Z")],
        None,
        200,
        json!({"data": [{"id": "sub_1", "status": "pending", "data": {"email": "x@example.com"}}]}),
    )
    .await;
    let since = "2026-11-01T00:00:00Z".parse().unwrap();
    let subs = forms.submissions("contact").status("pending").limit(3).since(since).await.unwrap();
    assert_eq!(subs[0].data["email"], "x@example.com");

    expect(
        &server,
        "GET",
        "/api/v1/ext/intake_forms/contact/submissions/sub_1",
        &[("project_id", "12")],
        None,
        200,
        json!({"id": "sub_1", "status": "pending"}),
    )
    .await;
    assert_eq!(forms.submission("contact", "sub_1").await.unwrap().status.as_deref(), Some("pending"));

    expect(
        &server,
        "POST",
        "/api/v1/ext/intake_forms/contact/submissions",
        &[],
        Some(json!({"project_id": "12", "data": {"email": "y@example.com"}})),
        200,
        json!({"id": "sub_2", "status": "pending"}),
    )
    .await;
    let mut data = serde_json::Map::new();
    data.insert("email".into(), json!("y@example.com"));
    let submitted = forms.submit("contact", data).await.unwrap().expect("echoed");
    assert_eq!(submitted.id.map(|i| i.to_string()).as_deref(), Some("sub_2"));

    expect(
        &server,
        "POST",
        "/api/v1/ext/intake_forms/contact/submissions/sub_2/approve",
        &[],
        Some(json!({"project_id": "12", "notes": "looks good"})),
        200,
        json!({"id": "sub_2", "status": "approved"}),
    )
    .await;
    assert_eq!(
        forms.approve("contact", "sub_2").notes("looks good").await.unwrap().unwrap().status.as_deref(),
        Some("approved")
    );

    expect(
        &server,
        "POST",
        "/api/v1/ext/intake_forms/contact/submissions/sub_3/reject",
        &[],
        Some(json!({"project_id": "12"})),
        200,
        json!({"id": "sub_3", "status": "rejected"}),
    )
    .await;
    assert_eq!(forms.reject("contact", "sub_3").await.unwrap().unwrap().status.as_deref(), Some("rejected"));

    expect(
        &server,
        "GET",
        "/api/v1/ext/intake_forms/contact/stats",
        &[("project_id", "12"), ("period", "week")],
        None,
        200,
        json!({"period": "week", "total_submissions": 9, "pending": 2}),
    )
    .await;
    let stats = forms.stats("contact").period(StatsPeriod::Week).await.unwrap();
    assert_eq!((stats.total_submissions, stats.pending), (Some(9), Some(2)));
    assert!(stats.extra.is_empty(), "every field the platform sends has a name: {:?}", stats.extra);
}

#[tokio::test]
async fn secrets_manager() {
    let server = MockServer::start().await;
    let api = endpoints(&server.uri(), RetryPolicy::none());
    let secrets = api.secrets();
    let base = "/api/v1/extensions/com.example%2Fext/secrets";

    expect(
        &server,
        "GET",
        base,
        &[],
        None,
        200,
        json!([{"key": "A", "created_at": "2026-01-01T00:00:00Z", "updated_at": null}]),
    )
    .await;
    let keys = secrets.list().await.unwrap();
    assert_eq!((keys[0].key.as_str(), keys[0].created_at.as_deref()), ("A", Some("2026-01-01T00:00:00Z")));
    server.reset().await;
    expect(&server, "GET", base, &[], None, 200, json!({"keys": ["A", {"key": "B", "updated_at": "2026-02-01"}]}))
        .await;
    let keys: Vec<String> = secrets.list().await.unwrap().into_iter().map(|k| k.key).collect();
    assert_eq!(keys, ["A", "B"]);

    expect(
        &server,
        "GET",
        &format!("{base}/WEBHOOK%2FTOKEN"),
        &[],
        None,
        200,
        json!({"key": "WEBHOOK/TOKEN", "value": "abc123"}),
    )
    .await;
    let secret = secrets.get("WEBHOOK/TOKEN").await.unwrap().unwrap();
    assert_eq!((secret.key.as_str(), secret.value.expose()), ("WEBHOOK/TOKEN", "abc123"));
    assert!(!format!("{secret:?}").contains("abc123"), "{secret:?}");
    expect(&server, "GET", &format!("{base}/MISSING"), &[], None, 404, json!({"error": "not found"})).await;
    assert!(secrets.get("MISSING").await.unwrap().is_none(), "404 means not set");

    expect(
        &server,
        "POST",
        base,
        &[],
        Some(json!({"secret": {"key": "WEBHOOK_TOKEN", "value": "abc123"}})),
        201,
        Value::Null,
    )
    .await;
    secrets.set("WEBHOOK_TOKEN", "abc123").await.unwrap();
    let err = secrets.set("WEBHOOK_TOKEN", "   ").await.unwrap_err();
    assert_eq!(err.to_string(), "Kiket API set_secret not sent: the value for secret \"WEBHOOK_TOKEN\" is blank");

    expect(&server, "DELETE", &format!("{base}/OLD"), &[], None, 204, Value::Null).await;
    secrets.delete("OLD").await.unwrap();
    server.verify().await;

    // Rotation writes the new value and never deletes.
    server.reset().await;
    expect(
        &server,
        "POST",
        base,
        &[],
        Some(json!({"secret": {"key": "API_KEY", "value": "new-value"}})),
        200,
        Value::Null,
    )
    .await;
    Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(204)).expect(0).mount(&server).await;
    secrets.rotate("API_KEY", "new-value").await.unwrap();
}

#[tokio::test]
async fn audit_anchors_proofs_and_verification() {
    let server = MockServer::start().await;
    let api = endpoints(&server.uri(), RetryPolicy::none());
    let audit = api.audit();

    expect(&server, "GET", "/api/v1/audit/anchors", &[("page", "2"), ("per_page", "50"), ("status", "confirmed"), ("network", "polygon"), ("from", "2026-01-01T00:00:00Z"), ("to", "2026-02-01T00:00:00Z")], None, 200,
        json!({"anchors": [{"merkle_root": "ab", "status": "confirmed"}], "pagination": {"page": 2, "per_page": 50, "total": 51}})).await;
    let (from, to) = ("2026-01-01T00:00:00Z".parse().unwrap(), "2026-02-01T00:00:00Z".parse().unwrap());
    let page =
        audit.anchors().page(2).per_page(50).status("confirmed").network("polygon").from(from).to(to).await.unwrap();
    assert_eq!(page.anchors[0].merkle_root.as_deref(), Some("ab"));
    assert!(audit.anchors().per_page(101).await.is_err());

    expect(
        &server,
        "GET",
        "/api/v1/audit/anchors/ab",
        &[("include_records", "true")],
        None,
        200,
        json!({"merkle_root": "ab", "leaf_count": 4}),
    )
    .await;
    assert_eq!(audit.anchor("ab").include_records(true).await.unwrap().leaf_count, Some(4));

    expect(
        &server,
        "GET",
        "/api/v1/audit/records/r1/proof",
        &[("record_type", "issue")],
        None,
        200,
        json!({"merkle_root": "ab", "leaf_index": 2, "proof": ["cd"]}),
    )
    .await;
    assert_eq!(audit.record_proof("r1").record_type("issue").await.unwrap().proof, vec!["cd".to_owned()]);

    expect(
        &server,
        "POST",
        "/api/v1/audit/verify",
        &[],
        Some(json!({"content_hash": "01", "merkle_root": "ab", "proof": ["cd"], "leaf_index": 2})),
        200,
        json!({"valid": true}),
    )
    .await;
    let request = VerifyProofRequest {
        content_hash: "01".into(),
        merkle_root: "ab".into(),
        proof: vec!["cd".into()],
        leaf_index: 2,
        tx_hash: None,
    };
    assert_eq!(audit.verify(request).await.unwrap().and_then(|r| r.valid), Some(true));
}

#[tokio::test]
async fn errors_name_the_operation_status_and_platform_message_without_tokens() {
    let server = MockServer::start().await;
    let api = endpoints(&server.uri(), RetryPolicy::none());
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"error": "module not permitted"})))
        .mount(&server)
        .await;
    let err = api.custom_data(1).list("m", "t").await.unwrap_err();
    assert_eq!(err.to_string(), "Kiket API list_custom_data failed with status 403: module not permitted");
    assert_eq!(
        (err.operation(), err.status().map(|s| s.as_u16()), err.is_retryable()),
        ("list_custom_data", Some(403), false)
    );
    let printed = format!("{err:?} {err}");
    assert!(!printed.contains("wk_test") && !printed.contains("rt_test"));

    let unreachable = endpoints("http://127.0.0.1:9", RetryPolicy::none());
    let err = unreachable.rate_limit().await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(err.to_string().starts_with("Kiket API get_rate_limit failed: could not reach the API"), "{err}");

    let no_id = kiket_client::endpoints::Endpoints::new(kiket_client::Client::new(
        &server.uri(),
        kiket_client::hooks::ApiState::new(),
    ));
    let err = no_id.secrets().list().await.unwrap_err();
    assert!(err.to_string().contains("extension id is not configured"), "{err}");
}

#[tokio::test]
async fn telemetry_operation_of_the_generated_client() {
    let server = MockServer::start().await;
    let api = endpoints(&server.uri(), RetryPolicy::none());
    let record = json!({"event": "issue.created", "version": "v1", "status": "ok", "duration_ms": 1.5, "timestamp": "2026-11-26T00:00:00.000Z", "extension_id": "com.example.ext"});
    expect(&server, "POST", "/api/v1/ext/telemetry", &[], Some(record.clone()), 202, Value::Null).await;
    let body: kiket_client::types::TelemetryRecord = serde_json::from_value(record).unwrap();
    api.client().send_telemetry().idempotency_key("k-1").body(body).send().await.unwrap();
}
