//! What the delivery benchmarks share: the signed ~1 KB `issue.created` v1 delivery, built
//! into a fresh request per run as a server receives it.

use kiket_sdk::testing::{sample, SignedRequest};

/// The webhook secret the benchmarks' extensions are configured with.
pub const SECRET: &str = "whsec_bench";

/// A ~1 KB issue.created v1 body.
pub fn issue_body() -> Vec<u8> {
    let mut payload = sample("issue.created", "v1").expect("catalogued");
    payload["issue"]["description"] = serde_json::Value::String("x".repeat(200));
    serde_json::to_vec(&payload).expect("serialises")
}

/// The delivery, signed once with [`SECRET`]: each run only builds the request.
pub struct SignedDelivery {
    /// The body as sent.
    pub body: axum::body::Bytes,
    path: String,
    headers: Vec<(String, String)>,
}

impl SignedDelivery {
    /// [`issue_body`], signed now.
    pub fn new() -> Self {
        let body = issue_body();
        let request =
            SignedRequest::new("issue.created", "v1", &serde_json::Value::Null).raw_body(body.clone()).secret(SECRET);
        Self { headers: request.header_pairs(&body), path: request.path_and_query(), body: body.into() }
    }

    /// A request of the delivery, as the server's router receives it.
    pub fn request(&self) -> axum::http::Request<axum::body::Body> {
        let mut builder = axum::http::Request::post(self.path.as_str());
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.body(axum::body::Body::from(self.body.clone())).expect("valid request")
    }
}

/// The benchmarks' extension: one `issue.created` v1 handler answering
/// `{"ok":true,"title":…}`, signed with [`SECRET`]. The replay guard is off: the benchmarks
/// send one delivery over and over, and with the guard on every copy after the first would
/// be answered from the replay store without decoding or running the handler.
pub fn app(runtime: &tokio::runtime::Runtime, config: kiket_sdk::ConfigBuilder) -> axum::Router {
    use kiket_sdk::{Extension, HandlerContext, Reply, Router};
    use kiket_types::IssueCreatedV1;
    let router = Router::new().on::<IssueCreatedV1, _>(|payload: IssueCreatedV1, _ctx: HandlerContext| async move {
        Ok(Reply::json(serde_json::json!({"ok": true, "title": payload.issue.title})))
    });
    let config = config.webhook_secret(SECRET).replay_guard_off().build().expect("config");
    runtime.block_on(async { Extension::new(router, config).expect("extension").into_router() })
}
