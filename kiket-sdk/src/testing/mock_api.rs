//! [`MockKiketApi`]: the extension API on a loopback port, recording every call.
//!
//! Every operation of the spec answers with a realistic default; custom data and secrets are
//! kept in memory (create then list returns the record, `filters` match fields by equality);
//! any operation can be programmed to answer something else, or to fail. It also serves `/.well-known/jwks.json` for
//! [`TestKeys`](super::TestKeys), so runtime tokens verify against it.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use kiket_client::operations::{self, Operation};
use serde_json::{json, Map, Value};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// One call the mock received.
#[derive(Debug, Clone)]
pub struct RecordedCall {
    /// Operation id (`list_custom_data`, `log_event`, …; `unknown` for other paths).
    pub operation: &'static str,
    /// HTTP method.
    pub method: Method,
    /// Raw (percent-encoded) path.
    pub path: String,
    /// Decoded path parameters, in path order.
    pub params: Vec<String>,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// JSON body, when there was one.
    pub body: Option<Value>,
    /// Request headers.
    pub headers: HeaderMap,
}

impl RecordedCall {
    /// A query parameter's value.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Served beside the API's operations: the key set that runtime tokens verify against.
const JWKS: Operation = Operation { id: "jwks", method: "GET", path: "/.well-known/jwks.json" };

/// The operation `method` + `path` calls, from the client's generated operation table, with its
/// decoded path parameters.
fn route(method: &Method, path: &str) -> Option<(&'static str, Vec<String>)> {
    operations::ALL.iter().chain([&JWKS]).find_map(|operation| {
        if operation.method != method.as_str() {
            return None;
        }
        let params = operation.match_path(path)?;
        Some((operation.id, params.into_iter().map(percent_decode).collect()))
    })
}

fn percent_decode(segment: &str) -> String {
    form_urlencoded::parse(format!("x={}", segment.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[derive(Default)]
struct MockState {
    calls: Vec<RecordedCall>,
    programmed: HashMap<&'static str, VecDeque<(u16, Value)>>,
    records: HashMap<(String, String, String), Vec<Map<String, Value>>>,
    next_id: u64,
    secrets: HashMap<String, String>,
    sla_events: Vec<Value>,
    rate_limit: Value,
    jwks: Option<Value>,
    /// Successful answers by `Idempotency-Key`.
    idempotent: HashMap<String, (u16, Value)>,
    /// Calls answered from `idempotent`.
    repeated: usize,
}

/// A mock of the whole extension API, served on `127.0.0.1:<free port>`.
pub struct MockKiketApi {
    address: SocketAddr,
    state: Arc<Mutex<MockState>>,
    task: tokio::task::JoinHandle<()>,
}

impl std::fmt::Debug for MockKiketApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockKiketApi").field("address", &self.address).finish_non_exhaustive()
    }
}

impl Drop for MockKiketApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MockKiketApi {
    /// Starts the mock.
    pub async fn start() -> std::io::Result<Self> {
        let state = Arc::new(Mutex::new(MockState {
            rate_limit: json!({"limit": 1000, "remaining": 999, "window_seconds": 60, "reset_in": 60}),
            ..MockState::default()
        }));
        let app = axum::Router::new().fallback(handle).with_state(state.clone());
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self { address, state, task })
    }

    /// `http://127.0.0.1:<port>`: use it as the configuration's API base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Serves `jwks` at `/.well-known/jwks.json` (e.g. `TestKeys::jwks()`).
    pub fn serve_jwks(&self, jwks: Value) -> &Self {
        self.lock().jwks = Some(jwks);
        self
    }

    /// The next call of `operation` answers `status` with `body` (queue several to script a
    /// sequence; unprogrammed calls get the default answer).
    pub fn respond(&self, operation: &'static str, status: u16, body: Value) -> &Self {
        self.lock().programmed.entry(operation).or_default().push_back((status, body));
        self
    }

    /// The next call of `operation` fails with `status` and `{"error": message}`.
    pub fn fail(&self, operation: &'static str, status: u16, message: &str) -> &Self {
        self.respond(operation, status, json!({ "error": message }))
    }

    /// SLA events returned by `list_sla_events` (filtered by its `state` and `issue_id`).
    pub fn set_sla_events(&self, events: Vec<Value>) -> &Self {
        self.lock().sla_events = events;
        self
    }

    /// The rate-limit window `get_rate_limit` reports.
    pub fn set_rate_limit(&self, limit: i64, remaining: i64, window_seconds: i64, reset_in: i64) -> &Self {
        self.lock().rate_limit =
            json!({"limit": limit, "remaining": remaining, "window_seconds": window_seconds, "reset_in": reset_in});
        self
    }

    /// Every call so far, in order.
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.lock().calls.clone()
    }

    /// The calls of one operation.
    pub fn calls_to(&self, operation: &str) -> Vec<RecordedCall> {
        self.lock().calls.iter().filter(|c| c.operation == operation).cloned().collect()
    }

    /// POSTs answered from an earlier call with the same `Idempotency-Key` (no effect, not in
    /// [`Self::calls`]), as the platform answers a repeated key.
    pub fn idempotent_repeats(&self) -> usize {
        self.lock().repeated
    }

    /// Messages of `log_event` calls.
    pub fn logged(&self) -> Vec<(String, Value)> {
        self.calls_to("log_event")
            .into_iter()
            .filter_map(|c| c.body)
            .map(|b| (b["message"].as_str().unwrap_or_default().to_owned(), b["metadata"].clone()))
            .collect()
    }

    /// Panics unless `log_event` was called with `message`; returns its metadata.
    pub fn assert_logged(&self, message: &str) -> Value {
        let logged = self.logged();
        match logged.iter().find(|(m, _)| m == message) {
            Some((_, metadata)) => metadata.clone(),
            None => panic!("no log_event {message:?}; logged: {:?}", logged.iter().map(|(m, _)| m).collect::<Vec<_>>()),
        }
    }

    /// Records created in `module`/`table` (any project), in order.
    pub fn custom_data_created(&self, module: &str, table: &str) -> Vec<Value> {
        self.calls_to("create_custom_data_record")
            .into_iter()
            .filter(|c| {
                c.params.first().map(String::as_str) == Some(module)
                    && c.params.get(1).map(String::as_str) == Some(table)
            })
            .filter_map(|c| c.body.map(|b| b["record"].clone()))
            .collect()
    }

    /// Bodies of `send_notification` calls.
    pub fn notifications(&self) -> Vec<Value> {
        self.calls_to("send_notification").into_iter().filter_map(|c| c.body).collect()
    }

    /// Panics unless a notification titled `title` was sent; returns it.
    pub fn assert_notified(&self, title: &str) -> Value {
        let sent = self.notifications();
        sent.iter()
            .find(|n| n["title"] == title)
            .cloned()
            .unwrap_or_else(|| panic!("no notification {title:?}; sent: {sent:?}"))
    }

    /// The value of a secret as stored through the mock.
    pub fn secret(&self, key: &str) -> Option<String> {
        self.lock().secrets.get(key).cloned()
    }

    /// Forgets every recorded call (programmed answers and stored data stay).
    pub fn clear_calls(&self) {
        self.lock().calls.clear();
    }
}

async fn handle(
    State(state): State<Arc<Mutex<MockState>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let (operation, params) = route(&method, &path).unwrap_or(("unknown", Vec::new()));
    let query: Vec<(String, String)> = form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let json_body = serde_json::from_slice::<Value>(&body).ok();
    let idempotency_key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let call = RecordedCall { operation, method, path, params, query, body: json_body, headers };
    let mut state = state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // As the platform does: a POST whose key was answered with success before gets that
    // answer again and has no effect (it is counted, not recorded).
    if let Some(answer) = idempotency_key.as_ref().and_then(|key| state.idempotent.get(key)).cloned() {
        state.repeated += 1;
        drop(state);
        return respond(answer);
    }
    let programmed = state.programmed.get_mut(operation).and_then(VecDeque::pop_front);
    let (status, reply) = match programmed {
        Some(answer) => answer,
        None => default_answer(&mut state, &call).unwrap_or_else(|| {
            let error = match call.operation {
                "unknown" => format!("the mock does not know {} {}", call.method, call.path),
                operation => format!("the mock has no default answer for operation {operation}"),
            };
            (if call.operation == "unknown" { 404 } else { 501 }, json!({ "error": error }))
        }),
    };
    state.calls.push(call);
    if let Some(key) = idempotency_key.filter(|_| (200..300).contains(&status)) {
        state.idempotent.insert(key, (status, reply.clone()));
    }
    drop(state);
    respond((status, reply))
}

fn respond((status, reply): (u16, Value)) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if reply.is_null() {
        status.into_response()
    } else {
        (status, axum::Json(reply)).into_response()
    }
}

/// The answer of an operation nobody programmed; `None` when the mock has none for it (a
/// test checks that every operation of the spec has one).
fn default_answer(state: &mut MockState, call: &RecordedCall) -> Option<(u16, Value)> {
    let project = call.query_param("project_id").unwrap_or_default().to_owned();
    let p = |i: usize| call.params.get(i).cloned().unwrap_or_default();
    Some(match call.operation {
        "get_rate_limit" => (200, json!({ "rate_limit": state.rate_limit })),
        "list_custom_data" => {
            let records = state.records.get(&(p(0), p(1), project)).cloned().unwrap_or_default();
            let limit = call.query_param("limit").and_then(|l| l.parse().ok()).unwrap_or(usize::MAX);
            (200, json!({ "data": records.into_iter().take(limit).collect::<Vec<_>>() }))
        }
        "create_custom_data_record" => {
            let mut record = call.body.as_ref().and_then(|b| b["record"].as_object().cloned()).unwrap_or_default();
            state.next_id += 1;
            record.entry("id").or_insert(json!(state.next_id));
            state.records.entry((p(0), p(1), project)).or_default().push(record.clone());
            (201, json!({ "data": record }))
        }
        "get_custom_data_record" | "update_custom_data_record" | "delete_custom_data_record" => {
            let records = state.records.entry((p(0), p(1), project)).or_default();
            let Some(index) =
                records.iter().position(|r| r.get("id").map(value_text).as_deref() == Some(p(2).as_str()))
            else {
                return Some((404, json!({"error": "record not found"})));
            };
            match call.operation {
                "delete_custom_data_record" => {
                    records.remove(index);
                    (204, Value::Null)
                }
                "update_custom_data_record" => {
                    if let Some(changes) = call.body.as_ref().and_then(|b| b["record"].as_object()) {
                        records[index].extend(changes.clone());
                    }
                    (200, json!({ "data": records[index] }))
                }
                _ => (200, json!({ "data": records[index] })),
            }
        }
        "list_sla_events" => {
            let wanted = |field: &str, event: &Value| match call.query_param(field) {
                Some(expected) => event.get(field).map(value_text).as_deref() == Some(expected),
                None => true,
            };
            let mut events: Vec<Value> =
                state.sla_events.iter().filter(|e| wanted("state", e) && wanted("issue_id", e)).cloned().collect();
            if let Some(limit) = call.query_param("limit").and_then(|l| l.parse().ok()) {
                events.truncate(limit);
            }
            (200, json!({ "data": events }))
        }
        "list_intake_forms" | "list_intake_submissions" => (200, json!({ "data": [] })),
        "get_intake_form" => (200, intake_form(&p(0))),
        "get_intake_submission" => (200, submission(&p(1), "pending", None)),
        "create_intake_submission" => {
            (201, submission("1", "pending", call.body.as_ref().and_then(|b| b["data"].as_object())))
        }
        "approve_intake_submission" => (200, submission(&p(1), "approved", None)),
        "reject_intake_submission" => (200, submission(&p(1), "rejected", None)),
        "get_intake_form_stats" => (
            200,
            json!({"total_submissions": 0, "pending": 0, "approved": 0, "rejected": 0, "converted": 0,
                   "period": call.query_param("period").unwrap_or("week")}),
        ),
        "list_secrets" => (200, json!(state.secrets.keys().map(|k| json!({"key": k})).collect::<Vec<_>>())),
        "set_secret" => {
            let secret = call.body.as_ref().map(|b| b["secret"].clone()).unwrap_or_default();
            if let (Some(key), Some(value)) = (secret["key"].as_str(), secret["value"].as_str()) {
                state.secrets.insert(key.to_owned(), value.to_owned());
            }
            (201, Value::Null)
        }
        "get_secret" => match state.secrets.get(&p(1)) {
            Some(value) => {
                (200, json!({"key": p(1), "value": value, "created_at": MOCK_TIME, "updated_at": MOCK_TIME}))
            }
            None => (404, json!({"error": "secret not found"})),
        },
        "delete_secret" => {
            state.secrets.remove(&p(1));
            (204, Value::Null)
        }
        "log_event" | "record_metric" | "send_notification" | "send_telemetry" => (202, Value::Null),
        "get_extension" => (200, json!({"id": p(0)})),
        "list_audit_anchors" => (200, json!({"anchors": [], "pagination": {"page": 1, "per_page": 25, "total": 0}})),
        "get_audit_anchor" => (200, json!({"merkle_root": p(0), "status": "confirmed"})),
        "get_record_proof" => (200, json!({"record_id": p(0), "proof": [], "leaf_index": 0})),
        "verify_audit_proof" => (200, json!({"valid": true})),
        "jwks" => match &state.jwks {
            Some(jwks) => (200, jwks.clone()),
            None => (404, json!({"error": "no JWKS configured on the mock"})),
        },
        _ => return None,
    })
}

/// The time the mock stamps on what it answers.
const MOCK_TIME: &str = "2026-01-01T00:00:00.000Z";

/// A form as the platform answers it (PROTOCOL §7.3): public, with its `form_url`.
fn intake_form(key: &str) -> Value {
    json!({
        "id": 1, "key": key, "name": key, "description": null, "active": true, "public": true,
        "fields": [{"key": "email", "label": "E-mail", "field_type": "email", "required": true}],
        "form_url": format!("https://kiket.dev/forms/{key}"), "embed_allowed": true,
        "submissions_count": 0, "created_at": MOCK_TIME, "updated_at": MOCK_TIME,
    })
}

/// A submission as the platform answers it (PROTOCOL §7.3).
fn submission(id: &str, status: &str, data: Option<&Map<String, Value>>) -> Value {
    let id = id.parse::<u64>().map_or_else(|_| json!(id), |n| json!(n));
    json!({
        "id": id, "intake_form_id": 1, "status": status, "data": data.cloned().unwrap_or_default(),
        "metadata": {}, "submitted_by_email": null, "reviewed_by": null, "reviewed_at": null,
        "notes": null, "created_at": MOCK_TIME, "updated_at": MOCK_TIME,
    })
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
