//! The quickstart's handlers (examples/quickstart/handlers.rs) against the mock Kiket API:
//! every outbound call, exactly.

#[path = "../examples/quickstart/handlers.rs"]
#[allow(dead_code)]
mod handlers;

use kiket::prelude::*;
use kiket::sdk::testing::{MockKiketApi, SignedRequest, TestClient, TestContext, TestKeys};
use serde_json::{json, Value};

const SECRET: &str = "whsec_quickstart_test";

async fn setup() -> (MockKiketApi, TestClient, TestKeys) {
    let mock = MockKiketApi::start().await.unwrap();
    let keys = TestKeys::generate("quickstart-key");
    mock.serve_jwks(keys.jwks());
    let config = Config::builder()
        // This suite resends identical deliveries on purpose; the replay guard (on by default)
        // has its own tests: tests/replay_guard.rs, tests/hostile_network.rs.
        .replay_guard_off()
        .webhook_secret(SECRET)
        .api_base_url(mock.url())
        .workspace_token("wk_quickstart")
        .extension("com.example.quickstart", "0.1.0")
        .build()
        .unwrap();
    let client = TestClient::new(Extension::new(handlers::router(), config).unwrap().into_router());
    (mock, client, keys)
}

fn issue(project_id: i64) -> Value {
    json!({"project_id": project_id, "issue": {"id": 1042, "title": "Import leads", "project_id": project_id}})
}

#[tokio::test]
async fn issue_created_v1_logs_stores_a_secret_lists_and_creates_contacts() {
    let (mock, client, _) = setup().await;
    let response = client.send(&SignedRequest::new("issue.created", "v1", &issue(12)).secret(SECRET)).await;
    assert_eq!((response.status.as_u16(), response.body), (200, json!({"ok": true})));

    let calls = mock.calls();
    let summary: Vec<(&str, String)> = calls.iter().map(|c| (c.operation, c.method.to_string())).collect();
    assert_eq!(
        summary,
        [
            ("log_event", "POST".to_owned()),
            ("set_secret", "POST".to_owned()),
            ("list_custom_data", "GET".to_owned()),
            ("create_custom_data_record", "POST".to_owned())
        ]
    );
    assert_eq!(calls[0].path, "/api/v1/extensions/logs");
    assert_eq!(calls[0].body, Some(json!({"message": "issue.created", "metadata": {"summary": "Import leads"}})));
    assert_eq!(calls[1].path, "/api/v1/extensions/com.example.quickstart/secrets");
    assert_eq!(calls[1].body, Some(json!({"secret": {"key": "WEBHOOK_TOKEN", "value": "abc123"}})));
    assert_eq!(mock.secret("WEBHOOK_TOKEN").as_deref(), Some("abc123"));
    assert_eq!(calls[2].path, "/api/v1/ext/custom_data/com.example.crm.contacts/automation_records");
    let mut query = calls[2].query.clone();
    query.sort();
    assert_eq!(
        query,
        [
            ("filters".to_owned(), r#"{"status":"active"}"#.to_owned()),
            ("limit".to_owned(), "25".to_owned()),
            ("project_id".to_owned(), "12".to_owned())
        ]
    );
    assert_eq!(calls[3].path, "/api/v1/ext/custom_data/com.example.crm.contacts/automation_records");
    assert_eq!(calls[3].query_param("project_id"), Some("12"));
    assert_eq!(
        mock.custom_data_created("com.example.crm.contacts", "automation_records"),
        [json!({"email": "lead@example.com", "metadata": {"source": "webhook"}})]
    );
    for call in &calls {
        assert_eq!(call.header("authorization"), Some("Bearer wk_quickstart"), "{}", call.operation);
        assert_eq!(call.header("x-kiket-event-version"), Some("v1"), "{}", call.operation);
    }
}

#[tokio::test]
async fn issue_created_v2_logs_with_the_schema_marker() {
    let (mock, client, _) = setup().await;
    let payload = json!({"id": "evt_1", "type": "issue.created", "data": {"issue": {"id": 7, "title": "V2 title"}}});
    let response = client.send(&SignedRequest::new("issue.created", "v2", &payload).secret(SECRET)).await;
    assert_eq!((response.status.as_u16(), response.body), (200, json!({"ok": true, "version": "v2"})));
    assert_eq!(mock.calls().len(), 1);
    assert_eq!(mock.assert_logged("issue.created"), json!({"summary": "V2 title", "schema": "v2"}));
    assert_eq!(mock.calls()[0].header("x-kiket-event-version"), Some("v2"));
}

#[tokio::test]
async fn sla_status_acknowledges_quietly_or_notifies() {
    let (mock, client, _) = setup().await;
    let payload = json!({"issue": {"id": 1042, "project_id": 12}});
    let request = SignedRequest::new("workflow.sla_status", "v1", &payload).secret(SECRET);
    let response = client.send(&request).await;
    assert_eq!((response.status.as_u16(), response.body), (200, json!({"ok": true})));
    let listed = mock.calls_to("list_sla_events");
    assert_eq!(listed.len(), 1);
    let mut query = listed[0].query.clone();
    query.sort();
    assert_eq!(
        query,
        [
            ("limit".to_owned(), "5".to_owned()),
            ("project_id".to_owned(), "12".to_owned()),
            ("state".to_owned(), "imminent".to_owned())
        ]
    );
    assert!(mock.notifications().is_empty());

    mock.set_sla_events(vec![json!({"id": 77, "issue_id": 1042, "project_id": 12, "state": "imminent", "definition": {"status": "in_review"}})]);
    let response = client.send(&request).await;
    assert_eq!((response.status.as_u16(), response.body), (200, json!({"acknowledged": true})));
    assert_eq!(
        mock.notifications(),
        [json!({"title": "SLA warning", "body": "Issue #1042 is imminent for in_review", "level": "warning"})]
    );
}

#[tokio::test]
async fn automation_dispatch_defers_when_the_rate_limit_runs_low() {
    let (mock, client, _) = setup().await;
    let request = SignedRequest::new("automation.dispatch", "v1", &json!({"automation": {"id": 1}})).secret(SECRET);
    let response = client.send(&request).await;
    assert_eq!((response.status.as_u16(), response.body), (200, json!({"ok": true})));
    assert_eq!(mock.calls_to("get_rate_limit").len(), 1);
    assert!(mock.notifications().is_empty());

    mock.set_rate_limit(600, 3, 60, 42);
    let response = client.send(&request).await;
    assert_eq!((response.status.as_u16(), response.body), (200, json!({"deferred": true, "reset_in": 42})));
    assert_eq!(
        mock.notifications(),
        [json!({"title": "Rate limit warning", "body": "Only 3 calls remain in this window", "level": "warning"})]
    );
}

#[tokio::test]
async fn workflow_triggered_requires_both_scopes() {
    let (mock, client, keys) = setup().await;
    let now = kiket::sdk::verify::Clock::now_unix(&kiket::sdk::verify::SystemClock);
    let payload = json!({"workflow": {"id": 1}});
    let partial = SignedRequest::new("workflow.triggered", "v1", &payload)
        .secret(SECRET)
        .runtime_token(keys.runtime_token(&["workflows.execute"], now));
    let response = client.send(&partial).await;
    assert_eq!(response.status.as_u16(), 403);
    assert_eq!(response.body["missing_scopes"], json!(["custom_data.write"]));

    let granted = SignedRequest::new("workflow.triggered", "v1", &payload)
        .secret(SECRET)
        .runtime_token(keys.runtime_token(&["workflows.execute", "custom_data.write"], now));
    let response = client.send(&granted).await;
    assert_eq!((response.status.as_u16(), response.body), (200, json!({"ok": true})));
    assert_eq!(mock.calls_to("jwks").len(), 1, "the runtime token verified against the mock's JWKS");
    assert!(mock.calls().iter().all(|c| c.operation == "jwks"), "no other API call");
}

#[tokio::test]
async fn replaying_a_captured_fixture_through_the_router() {
    let (mock, client, _) = setup().await;
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/issue.created/v1.json");
    let response = client.replay(&file, "issue.created", "v1", SECRET).await.unwrap();
    assert_eq!(response.status.as_u16(), 200);
    assert_eq!(mock.assert_logged("issue.created"), json!({"summary": "Import leads from the spring fair"}));
}

#[tokio::test]
async fn a_handler_called_directly_with_a_test_context_reaches_the_mock_api() {
    let mock = MockKiketApi::start().await.unwrap();
    let payload: IssueCreatedV2 =
        serde_json::from_value(json!({"data": {"issue": {"id": 7, "title": "Direct call"}}})).unwrap();
    let ctx = TestContext::for_payload::<IssueCreatedV2>().api_base_url(mock.url()).build();
    let reply = handlers::issue_created_v2(payload, ctx).await.unwrap();
    assert_eq!(reply.body(), Some(&br#"{"ok":true,"version":"v2"}"#[..]));
    assert_eq!(mock.logged(), [("issue.created".to_owned(), json!({"summary": "Direct call", "schema": "v2"}))]);
}
