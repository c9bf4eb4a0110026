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
    pub fn secret(mut self, secret: &str) -> Self {
        self.secret = Some(secret.to_owned());
        self
    }

    /// Uses `timestamp` (unix seconds) instead of now.
    pub fn timestamp(mut self, timestamp: i64) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// Puts `token` at `authentication.runtime_token` of the body.
    pub fn runtime_token(mut self, token: impl Into<String>) -> Self {
        self.runtime_token = Some(token.into());
        self
    }

    /// States the version in the path, a header, the query, or nowhere.
    pub fn version_in(mut self, place: VersionIn) -> Self {
        self.version_in = place;
        self
    }

    /// Sends these exact bytes as the body (signed as given), instead of the payload.
    pub fn raw_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.raw_body = Some(body.into());
        self
    }

    /// Adds a header (also used to send duplicates or garbage).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// The body bytes that will be sent.
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
    pub fn path_and_query(&self) -> String {
        match self.version_in {
            VersionIn::Path => format!("/v/{}/webhooks/{}", self.version, self.event),
            VersionIn::Query => format!("/webhooks/{}?version={}", self.event, self.version),
            VersionIn::Header | VersionIn::Omitted => format!("/webhooks/{}", self.event),
        }
    }

    /// Headers of the request, signature included.
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
    pub fn to_http_request(&self) -> Request<Body> {
        self.to_http_request_at("")
    }

    /// The request for in-process use, with the extension nested under `prefix`.
    pub fn to_http_request_at(&self, prefix: &str) -> Request<Body> {
        let body = self.body();
        let mut builder = Request::builder().method(Method::POST).uri(format!("{prefix}{}", self.path_and_query()));
        for (name, value) in self.header_pairs(&body) {
            builder = builder.header(name, value);
        }
        builder.body(Body::from(body)).unwrap_or_else(|_| Request::new(Body::empty()))
    }

    /// Sends the request to `base_url` (e.g. a [`TestServer`](super::TestServer)'s URL).
    pub async fn send(&self, client: &reqwest::Client, base_url: &str) -> reqwest::Result<reqwest::Response> {
        let body = self.body();
        let mut request = client.post(format!("{}{}", base_url.trim_end_matches('/'), self.path_and_query()));
        for (name, value) in self.header_pairs(&body) {
            request = request.header(name, value);
        }
        request.body(body).send().await
    }
}
