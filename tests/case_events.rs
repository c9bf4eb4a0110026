//! The `case.*` vocabulary (PROTOCOL §9.2): a handler registered once for `case.created`
//! receives both a `case.created` delivery (entity under `case`) and a legacy `issue.created`
//! one (entity under `issue`), typed; a handler for the legacy name, when there is one, keeps
//! its deliveries; unknown fields stay in `extra`.

use kiket::prelude::*;
use kiket::sdk::testing::{load_fixture, SignedRequest, TestClient};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

const SECRET: &str = "whsec_case";

/// A captured payload without its (made-up) runtime token: these deliveries are HMAC-only.
fn fixture(event: &str, version: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{event}/{version}.json"));
    let mut body: Value = load_fixture(&path).unwrap();
    body.as_object_mut().unwrap().remove("authentication");
    body
}

fn client(router: Router) -> TestClient {
    let config = Config::builder().webhook_secret(SECRET).replay_guard_off().build().unwrap();
    TestClient::new(Extension::new(router, config).unwrap().into_router())
}

/// What the handlers saw: (handler, the event name that arrived, the case's title).
type Seen = Arc<Mutex<Vec<(&'static str, String, String)>>>;

fn case_router(seen: &Seen) -> Router {
    let seen = seen.clone();
    Router::new().case_created_v1(move |payload: CaseCreatedV1, ctx: HandlerContext| {
        let seen = seen.clone();
        async move {
            let title = payload.case.title.clone().unwrap_or_default();
            seen.lock().unwrap().push(("case", ctx.event().to_owned(), title));
            Ok(Reply::ok())
        }
    })
}

#[tokio::test]
async fn one_case_handler_receives_both_sides_of_the_cut_over() {
    let seen = Seen::default();
    let client = client(case_router(&seen));
    let current = fixture("case.created", "v1");
    let legacy = fixture("issue.created", "v1");
    assert!(current.get("case").is_some() && current.get("issue").is_none());
    assert!(legacy.get("issue").is_some() && legacy.get("case").is_none());
    for (event, body) in [("case.created", &current), ("issue.created", &legacy)] {
        let response = client.send(&SignedRequest::new(event, "v1", body).secret(SECRET)).await;
        assert_eq!(response.status, 200, "{event}: {:?}", response.body);
    }
    let title = legacy["issue"]["title"].as_str().unwrap().to_owned();
    assert_eq!(
        *seen.lock().unwrap(),
        [("case", "case.created".to_owned(), title.clone()), ("case", "case.created".to_owned(), title)],
        "the typed handler ran once per delivery, with the entity from either key (its context names its own event)"
    );
}

#[tokio::test]
async fn a_handler_for_the_legacy_name_keeps_its_deliveries() {
    let seen = Seen::default();
    let legacy_seen = seen.clone();
    let router = case_router(&seen).issue_created_v1(move |payload: IssueCreatedV1, ctx: HandlerContext| {
        let seen = legacy_seen.clone();
        async move {
            seen.lock().unwrap().push(("issue", ctx.event().to_owned(), payload.issue.title.unwrap_or_default()));
            Ok(Reply::ok())
        }
    });
    let client = client(router);
    let response =
        client.send(&SignedRequest::new("issue.created", "v1", &fixture("issue.created", "v1")).secret(SECRET)).await;
    assert_eq!(response.status, 200);
    let handlers: Vec<&str> = seen.lock().unwrap().iter().map(|(handler, _, _)| *handler).collect();
    assert_eq!(handlers, ["issue"]);
}

#[tokio::test]
async fn v2_envelopes_decode_from_either_key_and_both_keys_lose_nothing() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let router = Router::new().case_created_v2(move |payload: CaseCreatedV2, _ctx: HandlerContext| {
        let sink = sink.clone();
        async move {
            sink.lock().unwrap().push((payload.data.case.id.to_string(), payload.data.extra.clone()));
            Ok(Reply::ok())
        }
    });
    let client = client(router);
    let mut legacy = fixture("issue.created", "v2");
    legacy["type"] = json!("issue.created");
    let response = client.send(&SignedRequest::new("issue.created", "v2", &legacy).secret(SECRET)).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    // Both keys in one delivery: `case` wins, `issue` is kept in `extra`.
    let mut both = fixture("case.created", "v2");
    both["data"]["issue"] = json!({"id": 999, "title": "the legacy copy"});
    let response = client.send(&SignedRequest::new("case.created", "v2", &both).secret(SECRET)).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].0, legacy["data"]["issue"]["id"].to_string());
    assert_eq!(seen[1].0, both["data"]["case"]["id"].to_string());
    assert_eq!(seen[1].1["issue"]["title"], "the legacy copy");
}

#[tokio::test]
async fn case_assigned_keeps_an_unknown_field_in_extra() {
    let kept = Arc::new(Mutex::new(None));
    let sink = kept.clone();
    let router = Router::new().case_assigned_v1(move |payload: CaseAssignedV1, _ctx: HandlerContext| {
        let sink = sink.clone();
        async move {
            *sink.lock().unwrap() =
                Some((payload.extra.get("escalation_level").cloned(), payload.case.extra.get("sla_tier").cloned()));
            Ok(Reply::ok())
        }
    });
    let mut body = fixture("case.assigned", "v1");
    body["escalation_level"] = json!(3);
    body["case"]["sla_tier"] = json!("gold");
    let response = client(router).send(&SignedRequest::new("case.assigned", "v1", &body).secret(SECRET)).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(*kept.lock().unwrap(), Some((Some(json!(3)), Some(json!("gold")))));
}

#[tokio::test]
async fn a_body_must_name_the_event_it_was_posted_to_or_its_twin() {
    let seen = Seen::default();
    let client = client(case_router(&seen));
    let mut body = fixture("case.created", "v1");
    body["event"] = json!("issue.created"); // the twin: the same entity, the same handler
    let response = client.send(&SignedRequest::new("case.created", "v1", &body).secret(SECRET)).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    body["event"] = json!("issue.assigned"); // another event: a replayed body, refused
    let response = client.send(&SignedRequest::new("case.created", "v1", &body).secret(SECRET)).await;
    assert_eq!(response.status, 401, "{:?}", response.body);
    assert_eq!(seen.lock().unwrap().len(), 1, "the refused delivery did not run");
}
