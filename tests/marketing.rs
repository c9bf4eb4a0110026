//! The marketing example (examples/marketing) with its real manifest, against the mock API.

#[path = "../examples/marketing/campaigns.rs"]
mod campaigns;

use kiket::prelude::*;
use kiket::sdk::testing::{MockKiketApi, SignedRequest, TestClient, TestKeys};
use serde_json::{json, Value};

const SECRET: &str = "whsec_marketing_test";

async fn setup() -> (MockKiketApi, TestClient, TestKeys) {
    let mock = MockKiketApi::start().await.unwrap();
    let keys = TestKeys::generate("marketing");
    mock.serve_jwks(keys.jwks());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/marketing/extension.yaml");
    let env = move |key: &str| match key {
        "MARKETING_WEBHOOK_SECRET" => Some(SECRET.to_owned()),
        _ => None,
    };
    // This suite resends identical deliveries on purpose; the replay guard (on by default) has
    // its own tests: tests/replay_guard.rs, tests/hostile_network.rs.
    let config = Config::builder()
        .replay_guard_off()
        .manifest_path(manifest)
        .api_base_url(mock.url())
        .with_env_from(env)
        .build()
        .unwrap();
    assert_eq!(config.extension_id(), Some("com.example.marketing"));
    let client = TestClient::new(Extension::new(campaigns::router(), config).unwrap().into_router());
    (mock, client, keys)
}

fn issue(budget: f64) -> Value {
    json!({"id": 501, "project_id": 12, "title": "Spring launch", "custom_fields": {"campaign": "spring-2027", "budget": budget}})
}

async fn send(client: &TestClient, event: &str, payload: Value) -> (u16, Value) {
    let response = client.send(&SignedRequest::new(event, "v1", &payload).secret(SECRET)).await;
    (response.status.as_u16(), response.body)
}

#[tokio::test]
async fn a_campaign_is_registered_once_gated_on_budget_and_launched() {
    let (mock, client, _) = setup().await;
    assert_eq!(
        send(&client, "issue.created", json!({"issue": issue(20_000.0)})).await,
        (200, json!({"ok": true, "campaign": "spring-2027", "created": true}))
    );
    assert_eq!(
        send(&client, "issue.created", json!({"issue": issue(20_000.0)})).await.1["created"],
        false,
        "registered once"
    );
    assert_eq!(mock.custom_data_created(campaigns::CAMPAIGNS, "campaigns").len(), 1);
    assert_eq!(mock.assert_logged("campaign.planned"), json!({"campaign": "spring-2027", "issue": "501"}));

    let gate = |budget: f64| json!({"issue": issue(budget), "transition": {"from": "review", "to": "done"}});
    let (status, body) = send(&client, "workflow.before_transition", gate(20_000.0)).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("allow")));
    assert_eq!(body["metadata"]["output_fields"], json!({"campaign_budget": "20000"}));
    let (_, body) = send(&client, "workflow.before_transition", gate(90_000.0)).await;
    assert_eq!(
        body,
        json!({"status": "deny", "message": "Budget 90000 exceeds the limit of 50000", "metadata": {"budget": 90000.0, "max_budget": 50000.0}})
    );

    let launched = json!({"issue": issue(20_000.0), "from": "review", "to": "done"});
    let (status, body) = send(&client, "issue.transitioned", launched).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"actions": [{"kind": "add_comment", "body": "Campaign **spring-2027** launched."}]}));
    let update = &mock.calls_to("update_custom_data_record")[0];
    assert_eq!(update.params, [campaigns::CAMPAIGNS, "campaigns", "1"]);
    assert_eq!(update.body, Some(json!({"record": {"status": "launched"}})));
    assert_eq!(
        mock.calls_to("record_metric")[0].body,
        Some(json!({"name": "campaign.launched", "value": 1.0, "unit": "count"}))
    );
}

#[tokio::test]
async fn breached_slas_alert_and_lead_sync_respects_the_rate_limit_and_scopes() {
    let (mock, client, keys) = setup().await;
    let sla = json!({"issue": issue(1.0), "sla": {"state": "breached"}});
    assert_eq!(send(&client, "workflow.sla_status", sla).await, (200, json!({"alerted": true})));
    assert_eq!(mock.assert_notified("Campaign SLA breached")["level"], "error");

    let now = kiket::sdk::verify::Clock::now_unix(&kiket::sdk::verify::SystemClock);
    let dispatch = json!({"project_id": 12, "automation": {"id": 3, "action": "sync_leads"}});
    let unscoped = client.send(&SignedRequest::new("automation.dispatch", "v1", &dispatch).secret(SECRET)).await;
    assert_eq!(unscoped.status.as_u16(), 403);

    let token = keys.runtime_token(&["custom_data.read"], now);
    let request = SignedRequest::new("automation.dispatch", "v1", &dispatch).secret(SECRET).runtime_token(token);
    let response = client.send(&request).await;
    assert_eq!((response.status.as_u16(), response.body), (200, json!({"synced": 0})));
    let listed = &mock.calls_to("list_custom_data")[0];
    assert_eq!(
        (listed.query_param("limit"), listed.query_param("filters")),
        (Some("100"), Some(r#"{"status":"new"}"#))
    );

    mock.set_rate_limit(1000, 3, 60, 20);
    let response = client.send(&request).await;
    assert_eq!(response.status.as_u16(), 503);
    assert_eq!(response.headers["retry-after"], "20");
}
