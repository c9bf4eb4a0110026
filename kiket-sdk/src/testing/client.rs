//! [`TestClient`]: the extension's router in-process (no socket), and replay of captured
//! payloads.

use super::request::SignedRequest;
use axum::body::Body;
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;
use std::path::Path;
use tower::ServiceExt;

/// What the extension answered.
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
#[derive(Debug, Clone)]
pub struct TestClient {
    router: axum::Router,
    prefix: String,
}

impl TestClient {
    /// A client for `router` (e.g. `extension.into_router()`).
    pub fn new(router: axum::Router) -> Self {
        Self { router, prefix: String::new() }
    }

    /// Prefixes every path (when the extension is nested under `prefix`).
    pub fn with_prefix(mut self, prefix: &str) -> Self {
        self.prefix = prefix.trim_end_matches('/').to_owned();
        self
    }

    /// Sends a signed request and reads the whole answer.
    pub async fn send(&self, request: &SignedRequest) -> TestResponse {
        self.call(request.to_http_request_at(&self.prefix)).await
    }

    /// `GET /health`.
    pub async fn health(&self) -> TestResponse {
        let request =
            axum::http::Request::get(format!("{}/health", self.prefix)).body(Body::empty()).unwrap_or_default();
        self.call(request).await
    }

    /// Runs any request through the router and reads the whole answer.
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
    pub async fn replay(&self, file: &Path, event: &str, version: &str, secret: &str) -> std::io::Result<TestResponse> {
        self.replay_with_token(file, event, version, secret, None).await
    }

    /// [`Self::replay`], attaching `token` as the runtime token.
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
pub fn sample(event: &str, version: &str) -> Option<Value> {
    kiket_types::catalog::find(event, version).map(kiket_types::catalog::EventSchema::sample)
}

/// Loads a JSON fixture file and decodes it as `T` (a payload type or `Value`).
pub fn load_fixture<T: serde::de::DeserializeOwned>(file: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} does not decode: {e}", file.display()))
}
