//! Request hooks: what every call to the extension API carries.
//!
//! The generated client calls [`ClientHooks::pre`] before sending each request. It adds:
//! - `Authorization: Bearer <workspace token>` when one is configured;
//! - `X-Kiket-Runtime-Token` and `X-Kiket-Event-Version` when the client acts for a handler
//!   invocation;
//! - `User-Agent: kiket-sdk-rust/<version>` and `Accept: application/json`.
//!
//! Tokens are [`SecretString`]s: they never appear in `Debug` output, and header values are
//! marked sensitive so HTTP-level logging redacts them too.

use crate::retry::{is_retryable_status, retry_after, RetryPolicy};
use crate::transport::{read_capped, ERROR_BODY_LIMIT};
use kiket_types::SecretString;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, USER_AGENT};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tracing::Instrument;

/// Header carrying the per-invocation runtime token (named in [`kiket_types::headers`]).
pub const RUNTIME_TOKEN_HEADER: &str = kiket_types::headers::RUNTIME_TOKEN.name();
/// Header carrying the resolved event version of the invocation (named in
/// [`kiket_types::headers`]).
pub const EVENT_VERSION_HEADER: &str = kiket_types::headers::EVENT_VERSION.name();

/// What the hooks add to each request: credentials and invocation context.
///
/// Cheap to clone; a handler's client shares the workspace token with the process-wide one.
#[derive(Clone, Debug, Default)]
pub struct ApiState {
    workspace_token: Option<Arc<SecretString>>,
    runtime_token: Option<Arc<SecretString>>,
    /// When the runtime token expires (its `exp`): from then on it is no longer sent.
    runtime_token_expires: Option<SystemTime>,
    event_version: Option<Arc<str>>,
    retry: RetryPolicy,
    idempotency: Option<Arc<IdempotencySeed>>,
}

/// Where the idempotency keys of one run come from: a seed and a call counter.
#[derive(Debug)]
struct IdempotencySeed {
    seed: SecretString,
    next: std::sync::atomic::AtomicU64,
}

impl ApiState {
    /// No credentials, no invocation context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends `Authorization: Bearer <token>` on every request. A blank token is ignored.
    pub fn workspace_token(mut self, token: impl Into<SecretString>) -> Self {
        let token = token.into();
        self.workspace_token = (!token.is_blank()).then(|| Arc::new(token));
        self
    }

    /// Sends `X-Kiket-Runtime-Token` (the invocation's runtime token). A blank token is ignored.
    pub fn runtime_token(mut self, token: impl Into<SecretString>) -> Self {
        let token = token.into();
        self.runtime_token = (!token.is_blank()).then(|| Arc::new(token));
        self
    }

    /// Sends the runtime token only until `expires` (its `exp` claim, Unix seconds): a request
    /// made after it, or an attempt retried after it, goes without (PROTOCOL §8).
    ///
    /// ```
    /// use kiket_client::hooks::{ApiState, RUNTIME_TOKEN_HEADER};
    /// let mut headers = reqwest::header::HeaderMap::new();
    /// ApiState::new().runtime_token("rt_expired").runtime_token_until(1_600_000_000).apply(&mut headers)?;
    /// assert!(headers.get(RUNTIME_TOKEN_HEADER).is_none(), "expired in 2020: not sent");
    /// # Ok::<(), kiket_client::hooks::InvalidHeader>(())
    /// ```
    pub fn runtime_token_until(mut self, expires_unix: i64) -> Self {
        let since_epoch = Duration::from_secs(u64::try_from(expires_unix).unwrap_or(0));
        self.runtime_token_expires = Some(SystemTime::UNIX_EPOCH + since_epoch);
        self
    }

    /// `true` when the runtime token has passed its expiry (and is not sent any more).
    pub fn runtime_token_expired(&self) -> bool {
        self.runtime_token_expires.is_some_and(|expires| SystemTime::now() >= expires)
    }

    /// Sends `X-Kiket-Event-Version` (the invocation's resolved event version).
    pub fn event_version(mut self, version: impl AsRef<str>) -> Self {
        let version = version.as_ref().trim();
        self.event_version = (!version.is_empty()).then(|| Arc::from(version));
        self
    }

    /// Retry policy of every request (default: 3 attempts, see [`RetryPolicy`]).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Derives the `Idempotency-Key` of every POST from `seed` and the call's position (first,
    /// second, … call made with this state and its clones) instead of drawing a random one.
    /// A run repeated with the same seed (a deferred delivery re-run after its worker died)
    /// sends the same keys for the same calls, so the platform applies each effect once. The
    /// keys are SHA-256 digests: the seed never leaves the process.
    pub fn idempotency_seed(mut self, seed: impl Into<String>) -> Self {
        let seed = IdempotencySeed { seed: SecretString::new(seed.into()), next: Default::default() };
        self.idempotency = Some(Arc::new(seed));
        self
    }

    /// The `Idempotency-Key` of the next POST: derived (see [`Self::idempotency_seed`]) or
    /// random.
    ///
    /// ```
    /// use kiket_client::hooks::ApiState;
    /// let run = ApiState::new().idempotency_seed("job:sig:1700000000:ab12");
    /// let again = ApiState::new().idempotency_seed("job:sig:1700000000:ab12");
    /// let (first, second) = (run.idempotency_key(), run.clone().idempotency_key());
    /// assert_ne!(first, second, "each call has its own key");
    /// assert_eq!((first, second), (again.idempotency_key(), again.idempotency_key()), "a re-run repeats them");
    /// assert_ne!(ApiState::new().idempotency_key(), ApiState::new().idempotency_key());
    /// ```
    pub fn idempotency_key(&self) -> String {
        let Some(idempotency) = &self.idempotency else { return crate::retry::new_idempotency_key() };
        use sha2::{Digest, Sha256};
        let call = idempotency.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut digest = Sha256::new();
        digest.update(idempotency.seed.expose().as_bytes());
        digest.update(b"\n");
        digest.update(call.to_be_bytes());
        format!("kiket-rs-{}", hex::encode(&digest.finalize()[..16]))
    }

    /// Whether a workspace token is configured.
    pub fn has_workspace_token(&self) -> bool {
        self.workspace_token.is_some()
    }

    /// The resolved event version this state sends, if any.
    pub fn current_event_version(&self) -> Option<&str> {
        self.event_version.as_deref()
    }

    /// Adds this state's headers to `request`. Values that are not valid header text (a token
    /// with a newline, say) are rejected rather than sent.
    pub fn apply(&self, headers: &mut reqwest::header::HeaderMap) -> Result<(), InvalidHeader> {
        static USER_AGENT_VALUE: &str = concat!("kiket-sdk-rust/", env!("CARGO_PKG_VERSION"));
        headers.insert(USER_AGENT, HeaderValue::from_static(USER_AGENT_VALUE));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        if let Some(token) = &self.workspace_token {
            headers.insert(AUTHORIZATION, sensitive(&format!("Bearer {}", token.expose()), "Authorization")?);
        }
        if let Some(token) = self.runtime_token.as_ref().filter(|_| !self.runtime_token_expired()) {
            headers.insert(
                HeaderName::from_static(RUNTIME_TOKEN_HEADER),
                sensitive(token.expose(), kiket_types::headers::RUNTIME_TOKEN.display())?,
            );
        }
        if let Some(version) = &self.event_version {
            let value = HeaderValue::from_str(version)
                .map_err(|_| InvalidHeader(kiket_types::headers::EVENT_VERSION.display()))?;
            headers.insert(HeaderName::from_static(EVENT_VERSION_HEADER), value);
        }
        Ok(())
    }
}

/// A configured value cannot be sent as an HTTP header (it contains control characters).
/// Names the header, never the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the value configured for the {0} header is not valid header text")]
pub struct InvalidHeader(pub &'static str);

fn sensitive(value: &str, name: &'static str) -> Result<HeaderValue, InvalidHeader> {
    let mut value = HeaderValue::from_str(value).map_err(|_| InvalidHeader(name))?;
    value.set_sensitive(true);
    Ok(value)
}

impl ClientHooks<ApiState> for crate::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner().apply(request.headers_mut()).map_err(|e| progenitor_client::Error::Custom(e.to_string()))
    }

    async fn exec(&self, request: reqwest::Request, info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
        // One span per API call (a child of the delivery's span inside a handler).
        let span = tracing::info_span!("kiket.api", operation = info.operation_id, status = tracing::field::Empty);
        let call = async {
            #[cfg(feature = "otel")]
            let mut request = request;
            #[cfg(feature = "otel")]
            inject_trace_context(request.headers_mut());
            let result = self.exec_with_retries(request, info).await;
            if let Ok(response) = &result {
                tracing::Span::current().record("status", response.status().as_u16());
            }
            #[cfg(feature = "metrics")]
            count_request(info.operation_id, &result);
            match result {
                Ok(response) if !response.status().is_success() => Ok(json_error_body(response).await),
                other => other,
            }
        };
        call.instrument(span).await
    }
}

impl crate::Client {
    async fn exec_with_retries(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let policy = self.inner().retry;
        if !policy.may_retry(request.method(), request.headers()) {
            return self.client().execute(request).await;
        }
        let started = Instant::now();
        let mut attempt = 1;
        loop {
            let Some(mut copy) = request.try_clone() else {
                return self.client().execute(request).await;
            };
            if self.inner().runtime_token_expired() {
                // Expired while waiting to retry: this attempt goes without it.
                copy.headers_mut().remove(RUNTIME_TOKEN_HEADER);
            }
            let result = self.client().execute(copy).await;
            let server_wait = match &result {
                Ok(response) if is_retryable_status(response.status()) => retry_after(response.headers()),
                Err(error) if error.is_connect() || error.is_timeout() => None,
                _ => return result,
            };
            if attempt >= policy.max_attempts {
                return result;
            }
            let Some(delay) = policy.delay(attempt, server_wait) else {
                return result;
            };
            if started.elapsed() + delay > policy.total_budget {
                return result;
            }
            tracing::debug!(
                operation = info.operation_id,
                attempt,
                delay_ms = delay.as_millis() as u64,
                "retrying Kiket API call"
            );
            #[cfg(feature = "metrics")]
            metrics::counter!(API_RETRIES, "operation" => info.operation_id).increment(1);
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }
}

/// Writes the current span's OpenTelemetry context as W3C `traceparent` (and `tracestate`)
/// with the globally set propagator; nothing when no context is active.
#[cfg(feature = "otel")]
fn inject_trace_context(headers: &mut reqwest::header::HeaderMap) {
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let context = tracing::Span::current().context();
    opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut opentelemetry_http::HeaderInjector(headers));
    });
}

/// API calls by operation (the spec's `operationId` in snake_case, or `request` for the escape hatch) and
/// final status (`error` when no answer came), through the `metrics` facade.
#[cfg(feature = "metrics")]
pub const API_REQUESTS: &str = "kiket_api_requests_total";
/// Retries by operation, through the `metrics` facade.
#[cfg(feature = "metrics")]
pub const API_RETRIES: &str = "kiket_api_retries_total";

#[cfg(feature = "metrics")]
fn count_request(operation: &'static str, result: &reqwest::Result<reqwest::Response>) {
    let status = match result {
        Ok(response) => status_label(response.status().as_u16()),
        Err(_) => metrics::SharedString::const_str("error"),
    };
    metrics::counter!(API_REQUESTS, "operation" => operation, "status" => status).increment(1);
}

#[cfg(feature = "metrics")]
/// An HTTP status as a `status` label value: static text for the statuses the SDK answers and
/// the API commonly returns, formatted otherwise. Shared by the client's and the server's
/// series.
pub fn status_label(status: u16) -> metrics::SharedString {
    let known = match status {
        200 => "200",
        201 => "201",
        202 => "202",
        204 => "204",
        400 => "400",
        401 => "401",
        403 => "403",
        404 => "404",
        405 => "405",
        408 => "408",
        409 => "409",
        413 => "413",
        422 => "422",
        429 => "429",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        other => return metrics::SharedString::from(other.to_string()),
    };
    metrics::SharedString::const_str(known)
}

/// Error answers are decoded as the spec's `ApiError` JSON. A proxy's HTML page, an empty
/// body or one longer than [`ERROR_BODY_LIMIT`] (read no further) would fail that decoding and
/// lose the status, so such bodies are replaced by `{"error": "<status reason>"}`; JSON bodies
/// within the cap pass unchanged. A redirect's body is not read (`ApiError` names it).
async fn json_error_body(response: reqwest::Response) -> reqwest::Response {
    let status = response.status();
    let mut headers = response.headers().clone();
    let body =
        if status.is_redirection() { None } else { read_capped(response, ERROR_BODY_LIMIT).await.ok().flatten() };
    let body = match body {
        Some(bytes) if serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|v| v.is_object()) => bytes,
        _ => {
            let reason = status.canonical_reason().unwrap_or("unexpected status");
            headers.insert(reqwest::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            serde_json::json!({ "error": reason }).to_string().into()
        }
    };
    headers.remove(reqwest::header::CONTENT_LENGTH);
    headers.remove(reqwest::header::TRANSFER_ENCODING);
    let mut rebuilt = http::Response::new(body);
    *rebuilt.status_mut() = status;
    *rebuilt.headers_mut() = headers;
    reqwest::Response::from(rebuilt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderMap;

    #[test]
    fn adds_every_configured_header() {
        let state = ApiState::new().workspace_token("wk").runtime_token("rt").event_version(" v2 ");
        let mut headers = HeaderMap::new();
        state.apply(&mut headers).unwrap();
        assert_eq!(headers[AUTHORIZATION], "Bearer wk");
        assert_eq!(headers[RUNTIME_TOKEN_HEADER], "rt");
        assert_eq!(headers[EVENT_VERSION_HEADER], "v2");
        assert_eq!(headers[USER_AGENT], concat!("kiket-sdk-rust/", env!("CARGO_PKG_VERSION")));
        assert!(headers[AUTHORIZATION].is_sensitive());
    }

    #[test]
    fn blank_values_send_nothing() {
        let state = ApiState::new().workspace_token("  ").runtime_token("").event_version("");
        let mut headers = HeaderMap::new();
        state.apply(&mut headers).unwrap();
        assert!(!headers.contains_key(AUTHORIZATION));
        assert!(!headers.contains_key(RUNTIME_TOKEN_HEADER));
        assert!(!headers.contains_key(EVENT_VERSION_HEADER));
    }

    #[test]
    fn tokens_never_print_and_bad_values_are_named_not_shown() {
        let state = ApiState::new().workspace_token("wk_secret_1").runtime_token("rt\nsecret");
        assert!(!format!("{state:?}").contains("secret"));
        let err = state.apply(&mut HeaderMap::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the value configured for the X-Kiket-Runtime-Token header is not valid header text"
        );
    }
}
