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
///
/// ```
/// # use kiket_sdk::testing::{MockKiketApi, TestContext};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let api = MockKiketApi::start().await?;
/// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
/// ctx.endpoints().custom_data(12).list("com.example.crm", "contacts").filter("email", "a@example.com").await?;
/// let call: kiket_sdk::testing::RecordedCall = api.calls_to("list_custom_data").remove(0);
/// assert_eq!(call.method, "GET");
/// assert_eq!(call.params, ["com.example.crm", "contacts"]);
/// # Ok(()) }
/// ```
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
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// ctx.endpoints().custom_data(12).list("com.example.crm", "contacts").limit(5).await?;
    /// assert_eq!(api.calls_to("list_custom_data")[0].query_param("limit"), Some("5"));
    /// # Ok(()) }
    /// ```
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// A header's value as text.
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// ctx.endpoints().log_event("hello").await?;
    /// let call = &api.calls_to("log_event")[0];
    /// assert!(call.header("user-agent").is_some_and(|agent| agent.starts_with("kiket-sdk-rust/")));
    /// # Ok(()) }
    /// ```
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
///
/// ```
/// use kiket_sdk::testing::{MockKiketApi, TestContext};
/// use kiket_sdk::{HandlerContext, HandlerResult, Reply};
///
/// async fn escalate(payload: serde_json::Value, ctx: HandlerContext) -> HandlerResult {
///     let api = ctx.endpoints();
///     if api.rate_limit().await?.remaining > 0 {
///         api.notify("SLA breached", payload["issue"]["title"].as_str().unwrap_or("?")).await?;
///     }
///     Ok(Reply::ok())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let api = MockKiketApi::start().await?;
/// let ctx = TestContext::new("sla.breach", "v1").api_base_url(api.url()).build();
/// escalate(serde_json::json!({"issue": {"title": "Printer on fire"}}), ctx.clone()).await?;
/// assert_eq!(api.assert_notified("SLA breached")["body"], "Printer on fire");
///
/// // Out of quota: nothing is sent.
/// api.clear_calls();
/// api.set_rate_limit(100, 0, 60, 30);
/// escalate(serde_json::json!({"issue": {"title": "Again"}}), ctx).await?;
/// assert!(api.notifications().is_empty());
/// # Ok(()) }
/// ```
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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// assert!(api.url().starts_with("http://127.0.0.1:"));
    /// # Ok(()) }
    /// ```
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
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").api_base_url(api.url()).build()?;
    /// assert_eq!(config.api_base_url(), api.url());
    /// # Ok(()) }
    /// ```
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MockState> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Serves `jwks` at `/.well-known/jwks.json` (e.g. `TestKeys::jwks()`).
    ///
    /// ```
    /// use kiket_sdk::testing::{MockKiketApi, TestKeys};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let keys = TestKeys::generate("kid-1");
    /// api.serve_jwks(keys.jwks());
    /// // Runtime tokens then verify against the mock, as they would against the platform.
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").jwks_url(format!("{}/.well-known/jwks.json", api.url())).build()?;
    /// # drop(config);
    /// # Ok(()) }
    /// ```
    pub fn serve_jwks(&self, jwks: Value) -> &Self {
        self.lock().jwks = Some(jwks);
        self
    }

    /// The next call of `operation` answers `status` with `body` (queue several to script a
    /// sequence; unprogrammed calls get the default answer).
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// api.respond("get_custom_data_record", 200, serde_json::json!({"data": {"id": 7, "name": "ACME"}}));
    /// let record = ctx.endpoints().custom_data(12).get("com.example.crm", "contacts", 7).await?;
    /// assert_eq!(record["name"], "ACME");
    /// # Ok(()) }
    /// ```
    pub fn respond(&self, operation: &'static str, status: u16, body: Value) -> &Self {
        self.lock().programmed.entry(operation).or_default().push_back((status, body));
        self
    }

    /// The next call of `operation` fails with `status` and `{"error": message}`.
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// api.fail("list_custom_data", 404, "no such table");
    /// let error = ctx.endpoints().custom_data(12).list("com.example.crm", "contacts").await.unwrap_err();
    /// assert_eq!(error.status().map(|status| status.as_u16()), Some(404));
    /// // A 5xx is retried by the client: program one failure per attempt to see it fail.
    /// # Ok(()) }
    /// ```
    pub fn fail(&self, operation: &'static str, status: u16, message: &str) -> &Self {
        self.respond(operation, status, json!({ "error": message }))
    }

    /// SLA events returned by `list_sla_events` (filtered by its `state` and `issue_id`).
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// api.set_sla_events(vec![serde_json::json!({"id": 1, "issue_id": 7, "state": "breached"})]);
    /// let events = ctx.endpoints().sla_events(12).list().state("breached").await?;
    /// assert_eq!(events.len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn set_sla_events(&self, events: Vec<Value>) -> &Self {
        self.lock().sla_events = events;
        self
    }

    /// The rate-limit window `get_rate_limit` reports.
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// api.set_rate_limit(100, 3, 60, 20);
    /// let window = ctx.endpoints().rate_limit().await?;
    /// assert_eq!((window.limit, window.remaining), (100, 3));
    /// # Ok(()) }
    /// ```
    pub fn set_rate_limit(&self, limit: i64, remaining: i64, window_seconds: i64, reset_in: i64) -> &Self {
        self.lock().rate_limit =
            json!({"limit": limit, "remaining": remaining, "window_seconds": window_seconds, "reset_in": reset_in});
        self
    }

    /// Every call so far, in order.
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// ctx.endpoints().log_event("one").await?;
    /// ctx.endpoints().emit_metric("synced", 1.0).await?;
    /// let operations: Vec<&str> = api.calls().iter().map(|call| call.operation).collect();
    /// assert_eq!(operations, ["log_event", "record_metric"]);
    /// # Ok(()) }
    /// ```
    pub fn calls(&self) -> Vec<RecordedCall> {
        self.lock().calls.clone()
    }

    /// The calls of one operation.
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// ctx.endpoints().log_event("one").await?;
    /// ctx.endpoints().log_event("two").await?;
    /// assert_eq!(api.calls_to("log_event").len(), 2);
    /// # Ok(()) }
    /// ```
    pub fn calls_to(&self, operation: &str) -> Vec<RecordedCall> {
        self.lock().calls.iter().filter(|c| c.operation == operation).cloned().collect()
    }

    /// POSTs answered from an earlier call with the same `Idempotency-Key` (no effect, not in
    /// [`Self::calls`]), as the platform answers a repeated key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// assert_eq!(api.idempotent_repeats(), 0); // a re-run deferred handler repeats its keys; the mock counts it
    /// # Ok(()) }
    /// ```
    pub fn idempotent_repeats(&self) -> usize {
        self.lock().repeated
    }

    /// Messages of `log_event` calls.
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// ctx.endpoints().log_event("synced").metadata(serde_json::json!({"contacts": 3})).await?;
    /// assert_eq!(api.logged(), [("synced".to_owned(), serde_json::json!({"contacts": 3}))]);
    /// # Ok(()) }
    /// ```
    pub fn logged(&self) -> Vec<(String, Value)> {
        self.calls_to("log_event")
            .into_iter()
            .filter_map(|c| c.body)
            .map(|b| (b["message"].as_str().unwrap_or_default().to_owned(), b["metadata"].clone()))
            .collect()
    }

    /// Panics unless `log_event` was called with `message`; returns its metadata.
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// ctx.endpoints().log_event("synced").metadata(serde_json::json!({"contacts": 3})).await?;
    /// assert_eq!(api.assert_logged("synced")["contacts"], 3);
    /// # Ok(()) }
    /// ```
    pub fn assert_logged(&self, message: &str) -> Value {
        let logged = self.logged();
        match logged.iter().find(|(m, _)| m == message) {
            Some((_, metadata)) => metadata.clone(),
            None => panic!("no log_event {message:?}; logged: {:?}", logged.iter().map(|(m, _)| m).collect::<Vec<_>>()),
        }
    }

    /// Records created in `module`/`table` (any project), in order.
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// ctx.endpoints().custom_data(12).create("com.example.crm", "contacts", &serde_json::json!({"email": "a@example.com"})).await?;
    /// assert_eq!(api.custom_data_created("com.example.crm", "contacts")[0]["email"], "a@example.com");
    /// # Ok(()) }
    /// ```
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
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// ctx.endpoints().notify("Deal won", "ACME").await?;
    /// assert_eq!(api.notifications()[0]["title"], "Deal won");
    /// # Ok(()) }
    /// ```
    pub fn notifications(&self) -> Vec<Value> {
        self.calls_to("send_notification").into_iter().filter_map(|c| c.body).collect()
    }

    /// Panics unless a notification titled `title` was sent; returns it.
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// ctx.endpoints().notify("Deal won", "ACME signed").await?;
    /// assert_eq!(api.assert_notified("Deal won")["body"], "ACME signed");
    /// # Ok(()) }
    /// ```
    pub fn assert_notified(&self, title: &str) -> Value {
        let sent = self.notifications();
        sent.iter()
            .find(|n| n["title"] == title)
            .cloned()
            .unwrap_or_else(|| panic!("no notification {title:?}; sent: {sent:?}"))
    }

    /// The value of a secret as stored through the mock.
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).extension_id("com.example.crm").build();
    /// ctx.secrets().set("CRM_TOKEN", "t0ken").await?;
    /// assert_eq!(api.secret("CRM_TOKEN").as_deref(), Some("t0ken"));
    /// # Ok(()) }
    /// ```
    pub fn secret(&self, key: &str) -> Option<String> {
        self.lock().secrets.get(key).cloned()
    }

    /// Forgets every recorded call (programmed answers and stored data stay).
    ///
    /// ```
    /// # use kiket_sdk::testing::{MockKiketApi, TestContext};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = MockKiketApi::start().await?;
    /// let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// ctx.endpoints().log_event("setup").await?;
    /// api.clear_calls();
    /// ctx.endpoints().log_event("under test").await?;
    /// assert_eq!(api.calls().len(), 1);
    /// # Ok(()) }
    /// ```
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
    // What a handler called, readable in development mode (`kiket::run` with KIKET_ENV=development).
    tracing::info!(operation = call.operation, method = %call.method, path = %call.path.escape_debug(), status, "the local mock of the Kiket API answered");
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
            let filters: Map<String, Value> =
                call.query_param("filters").and_then(|f| serde_json::from_str(f).ok()).unwrap_or_default();
            let matching = records.into_iter().filter(|record| filters.iter().all(|(k, v)| record.get(k) == Some(v)));
            (200, json!({ "data": matching.take(limit).collect::<Vec<_>>() }))
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
