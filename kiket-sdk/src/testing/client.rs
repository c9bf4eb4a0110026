//! [`TestClient`]: the extension's router in-process (no socket), and replay of captured
//! payloads.

use super::request::SignedRequest;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use std::path::Path;
use tower::ServiceExt;

/// What the extension answered.
///
/// ```
/// # use kiket_sdk::testing::{SignedRequest, TestClient};
/// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let router = Router::new().raw("issue.created", "v1", |p: serde_json::Value, _ctx: HandlerContext| async move { Ok(serde_json::json!({"id": p["issue"]["id"]})) });
/// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
/// # let client = TestClient::new(extension.into_router());
/// let response = client.send(&SignedRequest::new("issue.created", "v1", &serde_json::json!({"issue": {"id": 3}})).secret("whsec_test")).await;
/// assert_eq!(response.status, 200);
/// assert_eq!(response.headers["content-type"], "application/json");
/// assert_eq!(response.body["id"], 3);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TestResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as JSON (`Null` when it is not JSON).
    pub body: Value,
}

/// Sends requests straight into an `axum::Router` (the extension's, or a user's app that
/// nests it).
///
/// ```
/// use kiket_sdk::testing::{SignedRequest, TestClient};
/// use kiket_sdk::{Config, Extension, HandlerContext, Router};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let router = Router::new().raw("issue.created", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) });
/// let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
/// let client = TestClient::new(extension.into_router());
///
/// let signed = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).secret("whsec_test");
/// assert_eq!(client.send(&signed).await.status, 200);
/// let forged = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).secret("guessed");
/// assert_eq!(client.send(&forged).await.status, 401);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct TestClient {
    router: axum::Router,
    prefix: String,
}

impl TestClient {
    /// A client for `router` (e.g. `extension.into_router()`).
    ///
    /// ```
    /// # use kiket_sdk::testing::{SignedRequest, TestClient};
    /// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let router = Router::new().raw("issue.created", "v1", |p: serde_json::Value, _ctx: HandlerContext| async move { Ok(serde_json::json!({"id": p["issue"]["id"]})) });
    /// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// // The extension's router, or your own app that nests it.
    /// let client = TestClient::new(extension.into_router());
    /// assert_eq!(client.health().await.status, 200);
    /// # Ok(()) }
    /// ```
    pub fn new(router: axum::Router) -> Self {
        Self { router, prefix: String::new() }
    }

    /// Prefixes every path (when the extension is nested under `prefix`).
    ///
    /// ```
    /// # use kiket_sdk::testing::{SignedRequest, TestClient};
    /// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let router = Router::new().raw("issue.created", "v1", |p: serde_json::Value, _ctx: HandlerContext| async move { Ok(serde_json::json!({"id": p["issue"]["id"]})) });
    /// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// let app = axum::Router::new().nest("/kiket", extension.into_router());
    /// let client = TestClient::new(app).with_prefix("/kiket");
    /// assert_eq!(client.health().await.status, 200);
    /// # Ok(()) }
    /// ```
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// Sends a signed request and reads the whole answer.
    ///
    /// ```
    /// # use kiket_sdk::testing::{SignedRequest, TestClient};
    /// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let router = Router::new().raw("issue.created", "v1", |p: serde_json::Value, _ctx: HandlerContext| async move { Ok(serde_json::json!({"id": p["issue"]["id"]})) });
    /// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// # let client = TestClient::new(extension.into_router());
    /// let response = client.send(&SignedRequest::new("issue.created", "v1", &serde_json::json!({"issue": {"id": 5}})).secret("whsec_test")).await;
    /// assert_eq!((response.status.as_u16(), response.body["id"].as_i64()), (200, Some(5)));
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, request: &SignedRequest) -> TestResponse {
        self.call(request.to_http_request_at(&self.prefix)).await
    }

    /// `GET /health`.
    ///
    /// ```
    /// # use kiket_sdk::testing::{SignedRequest, TestClient};
    /// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let router = Router::new().raw("issue.created", "v1", |p: serde_json::Value, _ctx: HandlerContext| async move { Ok(serde_json::json!({"id": p["issue"]["id"]})) });
    /// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// # let client = TestClient::new(extension.into_router());
    /// let health = client.health().await;
    /// assert_eq!(health.status, 200);
    /// assert_eq!(health.body["status"], "ok");
    /// # Ok(()) }
    /// ```
    pub async fn health(&self) -> TestResponse {
        let request =
            axum::http::Request::get(format!("{}/health", self.prefix)).body(Body::empty()).unwrap_or_default();
        self.call(request).await
    }

    /// Runs any request through the router and reads the whole answer.
    ///
    /// ```
    /// # use kiket_sdk::testing::{SignedRequest, TestClient};
    /// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let router = Router::new().raw("issue.created", "v1", |p: serde_json::Value, _ctx: HandlerContext| async move { Ok(serde_json::json!({"id": p["issue"]["id"]})) });
    /// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// # let client = TestClient::new(extension.into_router());
    /// // Anything, not only signed deliveries: here a GET where only POST is served.
    /// let request = axum::http::Request::get("/webhooks/issue.created").body(axum::body::Body::empty())?;
    /// assert_eq!(client.call(request).await.status, 405);
    /// # Ok(()) }
    /// ```
    pub async fn call(&self, request: axum::http::Request<Body>) -> TestResponse {
        let response = match self.router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap_or_default();
        TestResponse { status, headers, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
    }

    /// Replays a captured payload file as `event`@`version`, signed with `secret` now.
    ///
    /// A captured `authentication.runtime_token` was issued by the platform for another
    /// moment and cannot verify here, so it is removed; use [`Self::replay_with_token`] to
    /// attach a token from [`TestKeys`](super::TestKeys).
    ///
    /// ```
    /// # use kiket_sdk::testing::{SignedRequest, TestClient};
    /// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let router = Router::new().raw("issue.created", "v1", |p: serde_json::Value, _ctx: HandlerContext| async move { Ok(serde_json::json!({"id": p["issue"]["id"]})) });
    /// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// # let client = TestClient::new(extension.into_router());
    /// let file = std::env::temp_dir().join(format!("kiket-doc-replay-{}.json", std::process::id()));
    /// std::fs::write(&file, r#"{"issue": {"id": 11}, "authentication": {"runtime_token": "captured"}}"#)?;
    /// let response = client.replay(&file, "issue.created", "v1", "whsec_test").await?;
    /// assert_eq!(response.body["id"], 11);
    /// # std::fs::remove_file(&file)?;
    /// # Ok(()) }
    /// ```
    pub async fn replay(&self, file: &Path, event: &str, version: &str, secret: &str) -> std::io::Result<TestResponse> {
        self.replay_with_token(file, event, version, secret, None).await
    }

    /// [`Self::replay`], attaching `token` as the runtime token.
    ///
    /// ```
    /// use kiket_sdk::testing::{TestClient, TestKeys};
    /// use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let keys = TestKeys::generate("kid-1");
    /// let router = Router::new().raw("issue.created", "v1", |_p: serde_json::Value, ctx: HandlerContext| async move {
    ///     Ok(serde_json::json!({"scopes": ctx.auth().scopes()}))
    /// });
    /// let config = Config::builder().webhook_secret("whsec_test").jwks_source(keys.jwks_source()).build()?;
    /// let client = TestClient::new(Extension::new(router, config)?.into_router());
    ///
    /// let file = std::env::temp_dir().join(format!("kiket-doc-replay-token-{}.json", std::process::id()));
    /// std::fs::write(&file, r#"{"issue": {"id": 12}}"#)?;
    /// let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
    /// let token = keys.runtime_token(&["custom_data.read"], now);
    /// let response = client.replay_with_token(&file, "issue.created", "v1", "whsec_test", Some(token)).await?;
    /// assert_eq!(response.body["scopes"], serde_json::json!(["custom_data.read"]));
    /// # std::fs::remove_file(&file)?;
    /// # Ok(()) }
    /// ```
    pub async fn replay_with_token(
        &self,
        file: &Path,
        event: &str,
        version: &str,
        secret: &str,
        token: Option<String>,
    ) -> std::io::Result<TestResponse> {
        let bytes = std::fs::read(file)?;
        let mut payload: Value =
            serde_json::from_slice(&bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        if let Some(object) = payload.as_object_mut() {
            object.remove("authentication");
        }
        let mut request = SignedRequest::new(event, version, &payload).secret(secret);
        if let Some(token) = token {
            request = request.runtime_token(token);
        }
        Ok(self.send(&request).await)
    }
}

/// A sample payload of a catalogued event (from its schema), or `None` if not catalogued.
///
/// ```
/// let body = kiket_sdk::testing::sample("sla.breach", "v1").expect("catalogued");
/// // Valid for its schema: it decodes into the payload type.
/// let _typed: kiket_types::SlaBreachV1 = serde_json::from_value(body)?;
/// assert!(kiket_sdk::testing::sample("billing.invoice_paid", "v1").is_none());
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn sample(event: &str, version: &str) -> Option<Value> {
    kiket_types::catalog::find(event, version).map(kiket_types::catalog::EventSchema::sample)
}

/// Loads a JSON fixture file and decodes it as `T` (a payload type or `Value`).
///
/// ```
/// let file = std::env::temp_dir().join(format!("kiket-doc-fixture-{}.json", std::process::id()));
/// std::fs::write(&file, r#"{"issue": {"id": 3, "title": "From a capture"}}"#)?;
/// let payload: kiket_types::IssueCreatedV1 = kiket_sdk::testing::load_fixture(&file)?;
/// assert_eq!(payload.issue.title.as_deref(), Some("From a capture"));
/// # std::fs::remove_file(&file)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_fixture<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} does not decode: {e}", file.display()))
}
