//! Exhaustive registration (every catalogued event has a slot) and embedding the extension
//! in a user's own axum app under a prefix, tested in-process with `oneshot`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use kiket::prelude::*;
use kiket::sdk::testing::SignedRequest;
use serde_json::{json, Value};
use tower::ServiceExt;

const SECRET: &str = "whsec_embed";

struct Created;

impl IssueCreatedV1Handler for Created {
    async fn handle(&self, payload: IssueCreatedV1, _ctx: HandlerContext) -> HandlerResult {
        Ok(Reply::json(json!({"handled": payload.issue.id})))
    }
}

fn all_handlers() -> AllHandlers {
    AllHandlers {
        approval_denied_v1: Slot::ignore(),
        approval_granted_v1: Slot::ignore(),
        approval_requested_v1: Slot::ignore(),
        automation_dispatch_v1: Slot::ignore(),
        case_assigned_v1: Slot::ignore(),
        case_commented_v1: Slot::ignore(),
        case_created_v1: Slot::ignore(),
        case_created_v2: Slot::ignore(),
        case_transitioned_v1: Slot::ignore(),
        case_transitioned_v2: Slot::ignore(),
        comment_created_v1: Slot::ignore(),
        external_webhook_inbound_email_v1: Slot::ignore(),
        issue_assigned_v1: Slot::ignore(),
        issue_closed_v1: Slot::ignore(),
        issue_commented_v1: Slot::ignore(),
        issue_created_v1: Slot::handle(Created),
        issue_created_v2: Slot::handle(|p: IssueCreatedV2, _c: HandlerContext| async move {
            Ok(Reply::json(json!({"v2": p.data.issue.id})))
        }),
        issue_transitioned_v1: Slot::ignore(),
        issue_transitioned_v2: Slot::ignore(),
        issue_updated_v1: Slot::ignore(),
        sla_breach_v1: Slot::ignore(),
        sla_warning_v1: Slot::ignore(),
        workflow_after_transition_v1: Slot::ignore(),
        workflow_before_transition_v1: Slot::ignore(),
        workflow_sla_breach_v1: Slot::ignore(),
        workflow_sla_status_v1: Slot::ignore(),
        workflow_triggered_v1: Slot::ignore(),
    }
}

async fn body_json(response: axum::response::Response) -> Value {
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn exhaustive_mode_registers_every_catalog_entry() {
    let router = all_handlers().into_router();
    let expected: Vec<String> = Event::CATALOG.iter().map(|(e, v)| format!("{e}@{v}")).collect();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(router.registered_events(), expected_sorted);
}

#[tokio::test]
async fn nested_under_a_prefix_in_a_users_app() {
    let config = Config::builder().webhook_secret(SECRET).build().unwrap();
    let extension = Extension::new(all_handlers().into_router(), config).unwrap();
    let app = axum::Router::new()
        .route("/status", axum::routing::get(|| async { "user app ok" }))
        .nest("/integrations/kiket", extension.into_router());

    let request = SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": 7}})).secret(SECRET);
    let response = app.clone().oneshot(request.to_http_request_at("/integrations/kiket")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_json(response).await, json!({"handled": 7}));

    let v2 = SignedRequest::new("issue.created", "v2", &json!({"data": {"issue": {"id": "ISS-9"}}})).secret(SECRET);
    let response = app.clone().oneshot(v2.to_http_request_at("/integrations/kiket")).await.unwrap();
    assert_eq!(body_json(response).await, json!({"v2": "ISS-9"}));

    let ignored = SignedRequest::new("sla.warning", "v1", &json!({"sla": {"state": "imminent"}})).secret(SECRET);
    let response = app.clone().oneshot(ignored.to_http_request_at("/integrations/kiket")).await.unwrap();
    assert_eq!((response.status(), body_json(response).await), (StatusCode::OK, json!({"ok": true})));

    let forged = SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": 7}})).secret("wrong");
    let response = app.clone().oneshot(forged.to_http_request_at("/integrations/kiket")).await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let health =
        app.clone().oneshot(Request::get("/integrations/kiket/health").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(body_json(health).await["registered_events"].as_array().unwrap().len(), Event::CATALOG.len());
    let own = app.oneshot(Request::get("/status").body(Body::empty()).unwrap()).await.unwrap();
    assert_eq!(own.status(), StatusCode::OK, "the user's own routes are untouched");
}
