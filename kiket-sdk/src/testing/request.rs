//! [`SignedRequest`]: a delivery exactly as the platform sends it.

use crate::verify::{signature_headers, Clock, SystemClock};
use axum::body::Body;
use axum::http::{Method, Request};
use serde::Serialize;

/// Where the request states the event version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionIn {
    /// `/v/{version}/webhooks/{event}`.
    Path,
    /// `X-Kiket-Event-Version` (the default, as the platform does).
    Header,
    /// `?version=`.
    Query,
    /// Nowhere (to test the 400).
    Omitted,
}

/// Builds a signed delivery: body, `X-Kiket-Signature`, `X-Kiket-Timestamp`, version, and an
/// optional runtime token placed at `authentication.runtime_token`.
///
/// ```
/// # use kiket_sdk::testing::{SignedRequest, TestClient};
/// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let router = Router::new().raw("issue.created", "v1", |p: serde_json::Value, _ctx: HandlerContext| async move { Ok(serde_json::json!({"id": p["issue"]["id"]})) });
/// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
/// # let client = TestClient::new(extension.into_router());
/// let request = SignedRequest::new("issue.created", "v1", &serde_json::json!({"issue": {"id": 1}})).secret("whsec_test");
/// assert_eq!(client.send(&request).await.status, 200);
/// // Stale: older than the signature tolerance (5 minutes by default).
/// let stale = request.clone().timestamp(1_600_000_000);
/// assert_eq!(client.send(&stale).await.status, 401);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct SignedRequest {
    event: String,
    version: String,
    version_in: VersionIn,
    payload: serde_json::Value,
    raw_body: Option<Vec<u8>>,
    secret: Option<String>,
    timestamp: Option<i64>,
    runtime_token: Option<String>,
    headers: Vec<(String, String)>,
}

impl std::fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedRequest")
            .field("event", &self.event)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl SignedRequest {
    /// A delivery of `event`@`version` carrying `payload` (serialised to JSON).
    ///
    /// ```
    /// let request = kiket_sdk::testing::SignedRequest::new("issue.created", "v1", &serde_json::json!({"issue": {"id": 1}}));
    /// assert_eq!(request.body(), br#"{"issue":{"id":1}}"#);
    /// ```
    pub fn new(event: &str, version: &str, payload: &impl Serialize) -> Self {
        Self {
            event: event.to_owned(),
            version: version.to_owned(),
            version_in: VersionIn::Header,
            payload: serde_json::to_value(payload).unwrap_or(serde_json::Value::Null),
            raw_body: None,
            secret: None,
            timestamp: None,
            runtime_token: None,
            headers: Vec::new(),
        }
    }

    /// Signs with `secret` (without it the request is unsigned).
    ///
    /// ```
    /// use kiket_sdk::testing::SignedRequest;
    /// let signed = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).secret("whsec_test");
    /// let names: Vec<String> = signed.header_pairs(&signed.body()).into_iter().map(|(name, _)| name.to_lowercase()).collect();
    /// assert!(names.contains(&"x-kiket-signature".to_owned()));
    /// ```
    pub fn secret(mut self, secret: &str) -> Self {
        self.secret = Some(secret.to_owned());
        self
    }

    /// Uses `timestamp` (unix seconds) instead of now.
    ///
    /// ```
    /// use kiket_sdk::testing::SignedRequest;
    /// let request = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).secret("s").timestamp(1_700_000_000);
    /// let http = request.to_http_request();
    /// assert_eq!(http.headers()["x-kiket-timestamp"], "1700000000");
    /// ```
    pub fn timestamp(mut self, timestamp: i64) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// Puts `token` at `authentication.runtime_token` of the body.
    ///
    /// ```
    /// use kiket_sdk::testing::{SignedRequest, TestKeys};
    /// let keys = TestKeys::generate("kid-1");
    /// let request = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).runtime_token(keys.runtime_token(&["custom_data.read"], 1_700_000_000));
    /// let body: serde_json::Value = serde_json::from_slice(&request.body())?;
    /// assert!(body["authentication"]["runtime_token"].is_string());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn runtime_token(mut self, token: impl Into<String>) -> Self {
        self.runtime_token = Some(token.into());
        self
    }

    /// States the version in the path, a header, the query, or nowhere.
    ///
    /// ```
    /// use kiket_sdk::testing::{SignedRequest, VersionIn};
    /// let request = SignedRequest::new("issue.created", "v2", &serde_json::json!({})).version_in(VersionIn::Path);
    /// assert_eq!(request.path_and_query(), "/v/v2/webhooks/issue.created");
    /// ```
    pub fn version_in(mut self, place: VersionIn) -> Self {
        self.version_in = place;
        self
    }

    /// Sends these exact bytes as the body (signed as given), instead of the payload.
    ///
    /// ```
    /// use kiket_sdk::testing::SignedRequest;
    /// // Bytes that are not JSON, signed as given: the extension answers 400 after verifying.
    /// let request = SignedRequest::new("issue.created", "v1", &()).raw_body(&b"{not json"[..]).secret("whsec_test");
    /// assert_eq!(request.body(), b"{not json");
    /// ```
    pub fn raw_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.raw_body = Some(body.into());
        self
    }

    /// Adds a header (also used to send duplicates or garbage).
    ///
    /// ```
    /// use kiket_sdk::testing::SignedRequest;
    /// let request = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).header("x-request-id", "req-1");
    /// assert_eq!(request.to_http_request().headers()["x-request-id"], "req-1");
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The body bytes that will be sent.
    ///
    /// ```
    /// use kiket_sdk::testing::SignedRequest;
    /// let request = SignedRequest::new("issue.created", "v1", &serde_json::json!({"a": 1}));
    /// assert_eq!(request.body(), br#"{"a":1}"#);
    /// ```
    pub fn body(&self) -> Vec<u8> {
        if let Some(raw) = &self.raw_body {
            return raw.clone();
        }
        let mut payload = self.payload.clone();
        if let (Some(token), Some(object)) = (&self.runtime_token, payload.as_object_mut()) {
            let auth = object.entry("authentication").or_insert_with(|| serde_json::json!({}));
            if let Some(auth) = auth.as_object_mut() {
                auth.insert("runtime_token".into(), serde_json::Value::String(token.clone()));
            }
        }
        serde_json::to_vec(&payload).unwrap_or_default()
    }

    /// Path and query of the request (relative to the extension's mount point).
    ///
    /// ```
    /// use kiket_sdk::testing::{SignedRequest, VersionIn};
    /// let request = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).version_in(VersionIn::Query);
    /// assert_eq!(request.path_and_query(), "/webhooks/issue.created?version=v1");
    /// ```
    pub fn path_and_query(&self) -> String {
        match self.version_in {
            VersionIn::Path => format!("/v/{}/webhooks/{}", self.version, self.event),
            VersionIn::Query => format!("/webhooks/{}?version={}", self.event, self.version),
            VersionIn::Header | VersionIn::Omitted => format!("/webhooks/{}", self.event),
        }
    }

    /// Headers of the request, signature included.
    ///
    /// ```
    /// use kiket_sdk::testing::SignedRequest;
    /// let request = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).secret("whsec_test").timestamp(1_700_000_000);
    /// let headers = request.header_pairs(&request.body());
    /// assert!(headers.iter().any(|(name, value)| name.eq_ignore_ascii_case("x-kiket-timestamp") && value == "1700000000"));
    /// ```
    pub fn header_pairs(&self, body: &[u8]) -> Vec<(String, String)> {
        let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
        if self.version_in == VersionIn::Header {
            headers.push((kiket_types::headers::EVENT_VERSION.name().into(), self.version.clone()));
        }
        if let Some(secret) = &self.secret {
            let timestamp = self.timestamp.unwrap_or_else(|| SystemClock.now_unix());
            headers.extend(signature_headers(secret, timestamp, body).map(|(name, value)| (name.to_owned(), value)));
        }
        headers.extend(self.headers.iter().cloned());
        headers
    }

    /// The request for in-process use (`tower::ServiceExt::oneshot`), under `prefix`-less paths.
    ///
    /// ```
    /// use kiket_sdk::testing::SignedRequest;
    /// let http = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).to_http_request();
    /// assert_eq!((http.method().as_str(), http.uri().path()), ("POST", "/webhooks/issue.created"));
    /// ```
    pub fn to_http_request(&self) -> Request<Body> {
        self.to_http_request_at("")
    }

    /// The request for in-process use, with the extension nested under `prefix`.
    ///
    /// ```
    /// use kiket_sdk::testing::SignedRequest;
    /// let http = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).to_http_request_at("/kiket");
    /// assert_eq!(http.uri().path(), "/kiket/webhooks/issue.created");
    /// ```
    pub fn to_http_request_at(&self, prefix: &str) -> Request<Body> {
        let body = self.body();
        let mut builder = Request::builder().method(Method::POST).uri(format!("{prefix}{}", self.path_and_query()));
        for (name, value) in self.header_pairs(&body) {
            builder = builder.header(name, value);
        }
        builder.body(Body::from(body)).unwrap_or_else(|_| Request::new(Body::empty()))
    }

    /// Sends the request to `base_url` (e.g. a [`TestServer`](super::TestServer)'s URL).
    ///
    /// ```
    /// use kiket_sdk::testing::{SignedRequest, TestServer};
    /// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let router = Router::new().raw("issue.created", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) });
    /// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// let server = TestServer::start(extension).await?;
    /// let request = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).secret("whsec_test");
    /// let response = request.send(&reqwest::Client::new(), &server.url()).await?;
    /// assert_eq!(response.status(), 200);
    /// server.shutdown().await;
    /// # Ok(()) }
    /// ```
    pub async fn send(&self, client: &reqwest::Client, base_url: &str) -> reqwest::Result<reqwest::Response> {
        let body = self.body();
        let mut request = client.post(format!("{}{}", base_url.trim_end_matches('/'), self.path_and_query()));
        for (name, value) in self.header_pairs(&body) {
            request = request.header(name, value);
        }
        request.body(body).send().await
    }
}
