//! The delivery pipeline: limit → read → verify → route → decode → authorise → handle.
//!
//! Each step either passes the delivery on or answers with the one status its
//! [`DeliveryError`] maps to. Nothing after verification runs for a forged request, and no
//! handler runs twice for one request.
//!
//! The body is parsed once: the typed decode also yields the runtime token, secrets and API
//! address. A decode error is held until the token and scopes are checked, so a forged token is
//! still 401 and missing scopes 403 whatever is wrong with the payload's schema. Only a body
//! whose signature verified is decoded before its token; otherwise the runtime fields are
//! scanned first (a borrowing scan that skips everything else, cheaper than decoding the
//! generated `DeliveryRuntime`, whose `extra` map would copy the whole body) and the decode
//! follows the check.

use super::panic_guard::{self, Guarded};
use super::rejection::{json_response, DeliveryError};
use super::replay::{Claim, ReplayStore};
use crate::config::{origin_of, Config};
use crate::handler::{AuthContext, ContextParts, ContextShared, HandlerContext};
use crate::payload::PayloadError;
use crate::routing::{version, Decoded, Route, Router};
use crate::telemetry::{Pending, Telemetry};
use crate::verify::{SignatureVerifier, TokenVerifier, VerifyError, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::FutureExt;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use kiket_types::catalog::RuntimeFields;
use kiket_types::{SecretString, Secrets};
use serde::Deserialize;
use std::borrow::Cow;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Semaphore;
use tracing::Instrument;

/// Everything the pipeline needs, shared by all requests.
pub(crate) struct Pipeline {
    pub(crate) router: Router,
    pub(crate) config: Config,
    pub(crate) signatures: Option<SignatureVerifier>,
    pub(crate) tokens: TokenVerifier,
    pub(crate) shared: Arc<ContextShared>,
    pub(crate) permits: Arc<Semaphore>,
    pub(crate) telemetry: Arc<Telemetry>,
}

/// Claims a delivery in the replay store, waiting while another copy is being handled.
/// Returns the stored answer when the delivery was already handled.
async fn claim(store: &dyn ReplayStore, key: &str, ttl: std::time::Duration) -> Option<(u16, Bytes)> {
    loop {
        match store.claim(key, ttl).await {
            Claim::New => return None,
            Claim::Done { status, body } => return Some((status, body)),
            // Re-check at least every 100 ms, so a wake-up that raced the wait is never lost.
            Claim::InFlight(notify) => {
                let _ = tokio::time::timeout(std::time::Duration::from_millis(100), notify.notified()).await;
            }
        }
    }
}

/// The fields of a delivery the runtime reads itself; everything else is skipped here and
/// decoded by the handler's payload type.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    authentication: Option<AuthenticationBlock>,
    #[serde(default)]
    secrets: Option<Secrets>,
    #[serde(default, borrow)]
    api: Option<ApiBlock<'a>>,
}

impl Envelope<'_> {
    fn fields(&self) -> RuntimeFields<'_> {
        RuntimeFields::new(
            self.authentication.as_ref().and_then(|a| a.runtime_token.as_ref()),
            self.secrets.as_ref(),
            self.api.as_ref().and_then(|a| a.base_url.as_deref()),
        )
    }
}

#[derive(Deserialize)]
struct AuthenticationBlock {
    #[serde(default)]
    runtime_token: Option<SecretString>,
}

#[derive(Deserialize)]
struct ApiBlock<'a> {
    #[serde(default, borrow)]
    base_url: Option<Cow<'a, str>>,
}

impl Pipeline {
    /// Handles one request to `/webhooks/{event}` or `/v/{version}/webhooks/{event}`.
    pub(crate) async fn deliver(
        self: Arc<Self>,
        event: String,
        path_version: Option<String>,
        request: Request<Body>,
    ) -> Response {
        let started = Instant::now();
        let span = tracing::info_span!("kiket.delivery", event = %event, version = tracing::field::Empty, status = tracing::field::Empty, duration_ms = tracing::field::Empty);
        let outcome = self.run(event, path_version, request).instrument(span.clone()).await;
        let response = match outcome {
            Ok(body) => json_response(StatusCode::OK, body),
            Err(error) => {
                let status = error.status();
                if matches!(error, DeliveryError::Replayed { .. }) {
                    span.in_scope(|| tracing::debug!(%status, "delivery replayed; first answer repeated"));
                } else if status.is_server_error() {
                    span.in_scope(|| tracing::warn!(%status, error = %error, "delivery failed"));
                } else {
                    span.in_scope(|| tracing::info!(%status, error = %error, "delivery rejected"));
                }
                error.into_response()
            }
        };
        span.record("status", response.status().as_u16());
        span.record("duration_ms", started.elapsed().as_secs_f64() * 1000.0);
        response
    }

    async fn run(
        &self,
        event: String,
        path_version: Option<String>,
        request: Request<Body>,
    ) -> Result<Bytes, DeliveryError> {
        let _permit = self.permits.clone().try_acquire_owned().map_err(|_| DeliveryError::Overloaded)?;
        let (parts, body) = request.into_parts();
        let mut replay_key: Option<String> = None;
        let body = self.read_body(&parts.headers, body).await?;

        let mut signature_verified = false;
        if self.config.insecure_skip_verification {
            tracing::warn!(
                "delivery accepted WITHOUT verification (insecure_skip_verification is on; never use it in production)"
            );
        } else if let Some(signatures) = &self.signatures {
            let signature = single_header(&parts.headers, SIGNATURE_HEADER, "X-Kiket-Signature")?;
            let timestamp = single_header(&parts.headers, TIMESTAMP_HEADER, "X-Kiket-Timestamp")?;
            signatures.verify(signature, timestamp, &body, self.config.clock.now_unix())?;
            signature_verified = true;
            if self.config.replay_store.is_some() {
                let text = |v: Option<&[u8]>| String::from_utf8_lossy(v.unwrap_or_default()).into_owned();
                replay_key = Some(format!("sig:{}:{}", text(timestamp), text(signature)));
            }
        }

        let requested = version::resolve(path_version.as_deref(), &parts.headers, parts.uri.query())
            .ok_or(DeliveryError::VersionMissing)?;
        let route = self.router.find(&event, &requested);
        // A body whose signature verified is the platform's own: decode it now, and read the
        // runtime fields from the typed payload rather than scanning the body a second time.
        // Without a verified signature, nothing is decoded before the runtime token is.
        let mut decoded = match route {
            Some(route) if signature_verified => Some(decode(route, &body)),
            _ => None,
        };
        let (auth, payload_secrets, api_base_url_override) = {
            let from_payload = match &decoded {
                Some(Ok(call)) => call.runtime_fields(),
                _ => None,
            };
            let envelope;
            let fields = match from_payload {
                Some(fields) => fields,
                None => {
                    envelope = parse_envelope(&event, &requested, &body)?;
                    envelope.fields()
                }
            };
            let auth = self.authenticate(fields.runtime_token).await?;
            (auth, fields.secrets.cloned(), self.trusted_base_url(fields.api_base_url))
        };

        let route = route.ok_or_else(|| DeliveryError::NoHandler {
            event: event.clone(),
            version: requested.clone().into_owned(),
        })?;
        let (event, version) = (route.event.clone(), route.version.clone());
        tracing::Span::current().record("version", tracing::field::display(&version));
        crate::handler::check_scopes_for(&auth, &route.required_scopes)?;

        // Names for a telemetry record, only when a hook or URL will read it.
        let names = self.telemetry.wants_records().then(|| (event.to_string(), version.to_string()));
        let context = HandlerContext::new(
            ContextParts { event, version, headers: parts.headers, auth, payload_secrets, api_base_url_override },
            self.shared.clone(),
        );
        if replay_key.is_none() && self.config.replay_store.is_some() {
            replay_key = context.auth().claims().and_then(|c| c.jti.as_ref()).map(|jti| format!("jti:{jti}"));
        }
        let replay = self.config.replay_store.as_deref().zip(replay_key.as_deref());
        if let Some((store, key)) = replay {
            if let Some((status, body)) = claim(store, key, self.config.signature_tolerance * 2).await {
                return Err(DeliveryError::Replayed { status, body });
            }
        }
        let started = Instant::now();
        let result = match decoded.take().unwrap_or_else(|| decode(route, &body)) {
            Ok(call) => self.invoke(call, context).await,
            Err(error) => Err(error),
        };
        if let Some((store, key)) = replay {
            match &result {
                Ok(body) => store.complete(key, 200, body.clone()).await,
                Err(error) if error.status().is_server_error() => store.release(key).await,
                Err(error) => store.complete(key, error.status().as_u16(), error.body_bytes()).await,
            }
        }
        let duration = started.elapsed();
        if let Some(counters) = &route.counters {
            self.telemetry.count(counters, result.is_ok(), duration);
        }
        if let Some((event, version)) = names {
            self.telemetry.record(Pending {
                event,
                version,
                duration,
                finished_at: std::time::SystemTime::now(),
                error: result.as_ref().err().map(|e| (e.to_string(), e.class())),
            });
        }
        result
    }

    /// Reads the body, refusing anything over the limit before buffering it.
    async fn read_body(&self, headers: &HeaderMap, body: Body) -> Result<Bytes, DeliveryError> {
        let limit = self.config.body_limit;
        let declared =
            headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(DeliveryError::BodyTooLarge { limit });
        }
        match Limited::new(body, limit).collect().await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
                Err(DeliveryError::BodyTooLarge { limit })
            }
            Err(_) => Err(DeliveryError::BodyUnreadable),
        }
    }

    /// Runs the decoded handler under the panic guard and the handler timeout.
    async fn invoke(&self, call: Box<dyn Decoded<'_> + '_>, context: HandlerContext) -> Result<Bytes, DeliveryError> {
        let call = Guarded(call.call(context));
        match tokio::time::timeout(self.config.handler_timeout, AssertUnwindSafe(call).catch_unwind()).await {
            Err(_elapsed) => Err(DeliveryError::TimedOut),
            Ok(Err(_panic)) => Err(DeliveryError::Panicked),
            Ok(Ok(Err(error))) => Err(DeliveryError::Handler(error)),
            Ok(Ok(Ok(reply))) => reply.into_bytes().map_err(|reason| {
                tracing::error!(%reason, "handler reply could not be encoded as JSON");
                DeliveryError::ReplyEncoding
            }),
        }
    }

    async fn authenticate(&self, token: Option<&SecretString>) -> Result<AuthContext, DeliveryError> {
        let token = token.filter(|t| !t.is_blank());
        if self.config.insecure_skip_verification {
            return Ok(AuthContext::default());
        }
        match token {
            Some(token) => {
                let claims = self.tokens.verify(token.expose()).await?;
                Ok(AuthContext::verified(token.clone(), claims))
            }
            None if self.config.runtime_token_required => Err(VerifyError::MissingRuntimeToken.into()),
            None => Ok(AuthContext::default()),
        }
    }

    /// The payload's `api.base_url`, only when its origin is allow-listed in configuration.
    fn trusted_base_url(&self, claimed: Option<&str>) -> Option<String> {
        let claimed = claimed?;
        if self.config.allowed_api_origins.is_empty() {
            tracing::debug!("ignoring api.base_url from the payload: no API origin is allow-listed");
            return None;
        }
        let origin = origin_of(claimed)?;
        if self.config.allowed_api_origins.contains(&origin) {
            Some(claimed.trim().trim_end_matches('/').to_owned())
        } else {
            tracing::debug!("ignoring api.base_url from the payload: its origin is not allow-listed");
            None
        }
    }
}

/// Decodes the body for `route`'s handler; a panic while decoding is answered like a
/// handler's (500, message withheld).
fn decode<'a>(route: &'a Route, body: &[u8]) -> Result<Box<dyn Decoded<'a> + 'a>, DeliveryError> {
    match panic_guard::catch(|| route.handler.decode(&route.event, &route.version, body)) {
        Some(Ok(call)) => Ok(call),
        Some(Err(error)) => Err(DeliveryError::Payload(error)),
        None => Err(DeliveryError::Panicked),
    }
}

/// The value of a header that must appear at most once.
fn single_header<'a>(
    headers: &'a HeaderMap,
    name: &'static str,
    display: &'static str,
) -> Result<Option<&'a [u8]>, DeliveryError> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(VerifyError::DuplicateHeader(display).into());
    }
    Ok(first.map(HeaderValue::as_bytes))
}

fn parse_envelope<'a>(event: &str, version: &str, body: &'a [u8]) -> Result<Envelope<'a>, DeliveryError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        None => return Err(PayloadError::Malformed("request body is empty".into()).into()),
        Some(b'{') => {}
        Some(_) => {
            // Valid JSON that is not an object is a schema problem; anything else is malformed.
            return Err(match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
                Ok(_) => PayloadError::Schema {
                    event: event.to_owned(),
                    version: version.to_owned(),
                    path: ".".into(),
                    message: "a delivery must be a JSON object".into(),
                },
                Err(e) => PayloadError::Malformed(e.to_string()),
            }
            .into());
        }
    }
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => PayloadError::Schema {
                event: event.to_owned(),
                version: version.to_owned(),
                path: "authentication/secrets/api".into(),
                message: "runtime fields have the wrong type".into(),
            },
            _ => PayloadError::Malformed(e.to_string()),
        }
        .into()
    })
}
