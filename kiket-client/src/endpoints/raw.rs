//! The escape hatch: an endpoint the spec does not cover yet, called with the SDK's headers,
//! connection pool, retries, redirect policy and error handling.
//!
//! ```no_run
//! # async fn demo(endpoints: kiket_client::endpoints::Endpoints) -> Result<(), kiket_client::ApiError> {
//! use kiket_client::Method;
//! let labels = endpoints.request(Method::GET, "/api/v1/ext/labels").query("project_id", 12).await?;
//! let created = endpoints
//!     .request(Method::POST, "/api/v1/ext/labels")
//!     .json(&serde_json::json!({"name": "urgent"}))
//!     .await?;
//! # drop((labels, created)); Ok(()) }
//! ```
//!
//! Only paths on the configured API origin are accepted: the path must start with `/`, and a
//! full URL (which could send the credentials elsewhere) is refused before anything is sent.

use super::call::awaitable;
use super::Endpoints;
use crate::error::ApiError;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

/// The name errors of the escape hatch carry in place of an operation id.
const ESCAPE_HATCH: &str = "request";

impl Endpoints {
    /// A request to `path` (`/api/v1/ext/…`) on the API origin, sent with the SDK's headers,
    /// pool and retries (a POST gets an `Idempotency-Key`, so it is retried safely). Add
    /// [`RawRequest::query`] pairs and a [`RawRequest::json`] body, then await: the answer is
    /// its JSON (`Value::Null` for an empty body).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// use kiket_client::Method;
    /// // An operation this SDK does not wrap yet: same headers, pool and retries.
    /// let answer = endpoints.request(Method::GET, "/api/v1/ext/rate_limit").await?;
    /// assert!(answer["rate_limit"]["limit"].is_number());
    /// # Ok(()) }
    /// ```
    pub fn request(&self, method: Method, path: impl Into<String>) -> RawRequest {
        RawRequest { endpoints: self.clone(), method, path: path.into(), query: Vec::new(), body: None }
    }
}

/// A pending [`Endpoints::request`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// use kiket_client::Method;
/// let pending = endpoints.request(Method::GET, "/api/v1/ext/sla/events").query("project_id", 12);
/// let answer = pending.await?;
/// # drop(answer);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct RawRequest {
    endpoints: Endpoints,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Result<Value, String>>,
}

impl RawRequest {
    /// Adds a query pair (repeat for more).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// use kiket_client::Method;
    /// endpoints.request(Method::GET, "/api/v1/ext/sla/events").query("project_id", 12).query("limit", 5).await?;
    /// assert_eq!(api.calls_to("list_sla_events")[0].query_param("limit"), Some("5"));
    /// # Ok(()) }
    /// ```
    pub fn query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Sends `body` as JSON.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// use kiket_client::Method;
    /// endpoints.request(Method::POST, "/api/v1/extensions/logs").json(&serde_json::json!({"message": "raw"})).await?;
    /// api.assert_logged("raw");
    /// # Ok(()) }
    /// ```
    pub fn json(mut self, body: &impl Serialize) -> Self {
        self.body = Some(serde_json::to_value(body).map_err(|e| e.to_string()));
        self
    }

    /// Sends the request (what `.await` does).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// use kiket_client::Method;
    /// let answer = endpoints.request(Method::GET, "/api/v1/ext/rate_limit").send().await?;
    /// assert!(answer.is_object());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Value, ApiError> {
        let client = &self.endpoints.client;
        let url = self.url(client.baseurl())?;
        let mut request = client.client().request(self.method.clone(), url).query(&self.query);
        if let Some(body) = self.body {
            request =
                request
                    .json(&body.map_err(|e| {
                        ApiError::input(ESCAPE_HATCH, format!("the body could not be serialised: {e}"))
                    })?);
        }
        if self.method == Method::POST {
            request = request.header("idempotency-key", self.endpoints.idempotency_key());
        }
        let mut request = request.build().map_err(|e| ApiError::transport(ESCAPE_HATCH, &e))?;
        client.inner().apply(request.headers_mut()).map_err(|e| ApiError::input(ESCAPE_HATCH, e.to_string()))?;
        let info = OperationInfo { operation_id: ESCAPE_HATCH };
        let response = client.exec(request, &info).await.map_err(|e| ApiError::transport(ESCAPE_HATCH, &e))?;
        let status = response.status();
        // Error answers were already cut to ERROR_BODY_LIMIT and made JSON by the hooks.
        let body = response.bytes().await.map_err(|e| ApiError::transport(ESCAPE_HATCH, &e))?;
        if !status.is_success() {
            let platform =
                serde_json::from_slice::<crate::generated::types::ApiError>(&body).ok().and_then(|e| e.error);
            return Err(ApiError::from_status(ESCAPE_HATCH, status, platform));
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&body).map_err(|e| ApiError::InvalidResponse {
            operation: ESCAPE_HATCH,
            reason: format!("the answer is not JSON: {e}"),
        })
    }

    /// The full URL: the base URL and a path that cannot leave its origin.
    fn url(&self, base: &str) -> Result<reqwest::Url, ApiError> {
        let path = self.path.trim();
        if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') || path.chars().any(char::is_control)
        {
            return Err(ApiError::input(
                ESCAPE_HATCH,
                "the path must start with a single `/` and name an endpoint of the API (`/api/v1/ext/…`), not a URL",
            ));
        }
        let base = reqwest::Url::parse(base)
            .map_err(|_| ApiError::input(ESCAPE_HATCH, "the client's base URL is not a URL"))?;
        let joined = reqwest::Url::parse(&format!("{}{path}", base.as_str().trim_end_matches('/')))
            .map_err(|_| ApiError::input(ESCAPE_HATCH, "the path does not form a valid URL"))?;
        if joined.origin() != base.origin() {
            return Err(ApiError::input(ESCAPE_HATCH, "the path leaves the API origin"));
        }
        Ok(joined)
    }
}

awaitable!(RawRequest => Value);
