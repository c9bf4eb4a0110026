//! The delivery: one request to `/webhooks/{event}` taken through eight stages, in order.
//!
//! | # | Stage | Call | Value | Refused with |
//! |---|---|---|---|---|
//! | 1 | admit | [`Admission::admit`] (deadline, unverified-body budget) | head, body | 503, 413, 408, 400 |
//! | 2 | signature | `verify::SignatureVerifier::verify_headers` | canonical `Signed` (or none) | 401 |
//! | 3 | route | `routing::version::resolve`, `Router::find` | version, route (if any) | 400 |
//! | 4 | prepare | `routing::prepare` | runtime fields; payload decoded or pending | 400 / 422 (runtime fields only) |
//! | 5 | authorise | `verify::TokenPolicy`, the route, route binding, `verify::check_scopes`; then a handler permit | `HandlerContext` | 401 / 503, 404, 401, 403, 503 |
//! | 6 | dedupe | `replay::Guard::claim` (a deferred route with a one-step intake: skipped, see 7) | proceed, or the first answer again | 503 (store unavailable) |
//! | 7 | handle | by the route's mode: **invoke** ([`invoke::invoke`]: the router's hooks, panic guard, timeout) or **defer** ([`Deferral::store`]: sealed and stored; with the replay store and queue on one Redis, claimed, stored and answered in one step) | an [`Answer`]: the reply; `{"ok":true,"queued":true}` or the first answer again | handler's (or hook's) status, 422, 500, 503 |
//! | 8 | answer | `Guard::finish`, `Telemetry::observe` (invoke mode), one response builder | the response | — |
//!
//! A deferred delivery's worker ([`JobRunner`]) re-enters at stage 7 with a context restored
//! from the sealed job, and goes through stages 7 (invoke) and 8 like an inline one.
//!
//! Invariants: the body is parsed once (a verified body is decoded in stage 4 and its runtime
//! fields read from the typed payload; otherwise only the runtime fields are scanned); nothing
//! after verification runs for a forged request; a forged token is 401 and missing scopes 403
//! whatever is wrong with the payload (a decoding error is held until stage 7); no handler runs
//! twice, and a 5xx or a cancelled request releases the replay key; telemetry is counted with
//! atomics and queued, never awaited.
//!
//! This module never sees `Config`: `server` assembles a [`Pipeline`] from it once.

mod admit;
mod allowance;
mod deadline;
mod defer;
mod error;
mod invoke;
mod worker;

pub(crate) use admit::{Admission, HandlerPermits};
pub(crate) use allowance::Allowance;
pub(crate) use defer::Deferral;
pub(crate) use error::json_response;
pub use error::DeliveryError;
pub(crate) use worker::JobRunner;

use crate::handler::{ContextParts, ContextShared, Delivery, HandlerContext};
use crate::replay::{self, Claimed, Guard, Lifetimes, ReplayStore};
use crate::routing::{self, version, Mode, Prepared, Route, Router};
use crate::telemetry::{Answered, Pending, Telemetry};
use crate::verify::{
    check_scopes, AllowedOrigins, AuthContext, Clock, SignatureVerifier, Signed, TokenPolicy, VerifyError,
};
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use kiket_types::catalog::RuntimeFields;
use percent_encoding::percent_decode_str;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tracing::Instrument;

/// Everything a delivery needs, assembled once and shared by all requests.
pub(crate) struct Pipeline {
    pub(crate) router: Router,
    pub(crate) admission: Admission,
    pub(crate) permits: HandlerPermits,
    pub(crate) signatures: Signatures,
    pub(crate) tokens: TokenPolicy,
    pub(crate) origins: AllowedOrigins,
    pub(crate) replay: Option<ReplayPolicy>,
    /// Where deferred routes store their deliveries, and how workers run them.
    pub(crate) deferral: Deferral,
    pub(crate) handler_timeout: Duration,
    pub(crate) shared: Arc<ContextShared>,
    pub(crate) telemetry: Arc<Telemetry>,
}

/// How stage 2 treats signatures.
pub(crate) enum Signatures {
    /// Required and verified; `development`: the secret is a published one (warn each time).
    Verify { verifier: SignatureVerifier, clock: Arc<dyn Clock>, development: bool },
    /// Not used: the runtime token authenticates (runtime-token-only mode).
    TokenOnly,
    /// Nothing is verified (local development only); every delivery logs a warning.
    Skip,
}

/// The replay guard's store and how long a claim lives.
pub(crate) struct ReplayPolicy {
    pub(crate) store: Arc<dyn ReplayStore>,
    pub(crate) lifetimes: Lifetimes,
}

/// Where a delivery was posted: `/webhooks/{event}` or `/v/{version}/webhooks/{event}`.
pub(crate) struct Target {
    pub(crate) event: String,
    pub(crate) path_version: Option<String>,
}

impl Target {
    /// The delivery a request path names, when the path has the shape of a delivery route
    /// (as the router sees it: under a nesting prefix the prefix is already gone):
    /// `/webhooks/{event}` or `/v/{version}/webhooks/{event}`, each parameter one path segment,
    /// the event never empty. The version may be empty, as the router's pattern allows; the
    /// header or query then names it. `None` for any other path. A segment that is not UTF-8
    /// once percent-decoded is [`DeliveryError::BadPath`], a JSON 400 rather than the router's
    /// plain-text one.
    ///
    /// The one description of the routes' shape: the server's front door takes what this
    /// accepts straight to the pipeline, and the router's delivery handler reads its target
    /// with it.
    pub(crate) fn parse(path: &str) -> Option<Result<Self, DeliveryError>> {
        let (version, event) = match path.strip_prefix("/webhooks/") {
            Some(event) => (None, event),
            None => {
                let (version, event) = path.strip_prefix("/v/")?.split_once("/webhooks/")?;
                (Some(version), event)
            }
        };
        let one_segment = |s: &str| !s.contains('/');
        if event.is_empty() || !one_segment(event) || !version.is_none_or(one_segment) {
            return None;
        }
        let decode = |raw: &str| {
            percent_decode_str(raw).decode_utf8().map(|s| s.into_owned()).map_err(|_| DeliveryError::BadPath)
        };
        Some(decode(event).and_then(|event| {
            let path_version = version.map(decode).transpose()?;
            Ok(Self { event, path_version })
        }))
    }
}

/// A delivery answered without a refusal: what stage 7 returns in either mode.
pub(crate) enum Answer {
    /// The handler ran: 200 with its reply.
    Handled(Bytes),
    /// A deferred route stored it: 202 `{"ok":true,"queued":true}`.
    Queued(Bytes),
    /// The same delivery was handled before: its first answer again.
    Repeated { status: u16, body: Bytes },
}

/// What the server knows of a delivery before it is authorised: its verified signature, when
/// it arrived, its headers.
struct Received<'a> {
    signed: Option<&'a Signed>,
    at: SystemTime,
    /// When it arrived, on the clock its deadline is counted on.
    arrived: Instant,
    headers: HeaderMap,
}

/// The delivery's canonical key ([`replay::key`]): its verified signature's, else its runtime
/// token's `jti`; none when nothing was verified.
fn delivery_key(signed: Option<&Signed>, auth: &AuthContext) -> Option<Arc<str>> {
    match signed {
        Some(Signed { timestamp, mac }) => Some(replay::key::signed(*timestamp, mac)),
        None => Some(replay::key::token(auth.claims()?.jti.as_deref()?)),
    }
}

impl Pipeline {
    /// Answers one delivery: the eight stages in order, inside its `kiket.delivery` span.
    pub(crate) async fn deliver(self: Arc<Self>, target: Target, request: Request<Body>) -> Response {
        let started = Instant::now();
        let received_at = SystemTime::now();
        // Request-derived text reaches logs escaped: no CR/LF or control character can forge a line.
        let span = tracing::info_span!("kiket.delivery", event = %target.event.escape_debug(), version = tracing::field::Empty, delivery = tracing::field::Empty, status = tracing::field::Empty, duration_ms = tracing::field::Empty);
        #[cfg(feature = "otel")]
        crate::telemetry::otel::adopt_remote_parent(&span, request.headers());
        let (mut routed, mut replayed) = (None, false);
        let (parts, body) = request.into_parts();
        let stages = async {
            let admitted = self.admission.admit(&parts.headers, body, started).await?;
            let signed = self.signature(&parts.headers, &admitted.body)?;
            let (route, requested) = self.route(&target, &parts)?;
            routed = route.map(|route| route.id);
            let version = route.map_or(requested.as_deref().unwrap_or_default(), |route| &*route.version);
            let prepared = routing::prepare(route, &target.event, version, &admitted.body, signed.is_some())?;
            let received =
                Received { signed: signed.as_ref(), at: received_at, arrived: started, headers: parts.headers };
            let (route, context) = self.authorise(&target, route, requested, &prepared, received).await?;
            // Verified: the body leaves the unverified budget and the delivery takes a permit.
            drop(admitted.budget);
            let _permit = self.permits.take()?;
            let guard = match self.dedupe(route, context.delivery()).await? {
                Claimed::Repeat { status, body } => {
                    replayed = true;
                    return Ok(Answer::Repeated { status, body });
                }
                Claimed::Proceed(guard) => guard,
            };
            let handled = Instant::now();
            let answer = self.handle(route, prepared, &admitted.body, context).await;
            replayed = matches!(answer, Ok(Answer::Repeated { .. }));
            self.settle(route, guard, &answer, handled.elapsed(), route.options.mode == Mode::Invoke).await;
            answer
        };
        let outcome = stages.instrument(span.clone()).await;
        let verification_failure = match &outcome {
            Err(DeliveryError::Verify(error)) => Some(error.reason()),
            _ => None,
        };
        let elapsed = started.elapsed();
        let response = span.in_scope(|| respond(outcome, elapsed));
        let status = response.status().as_u16();
        span.record("status", status);
        span.record("duration_ms", elapsed.as_secs_f64() * 1000.0);
        self.telemetry.answered(Answered { route: routed, status, elapsed, replayed, verification_failure });
        response
    }

    /// Stage 2: the delivery's canonical name when its signature verified.
    fn signature(&self, headers: &HeaderMap, body: &[u8]) -> Result<Option<Signed>, DeliveryError> {
        match &self.signatures {
            Signatures::Verify { verifier, clock, development } => {
                if *development {
                    tracing::warn!("delivery verified with a published DEVELOPMENT secret; set KIKET_WEBHOOK_SECRET");
                }
                Ok(Some(verifier.verify_headers(headers, body, clock.now_unix())?))
            }
            Signatures::TokenOnly => Ok(None),
            Signatures::Skip => {
                tracing::warn!(
                    "delivery accepted WITHOUT verification (insecure_skip_verification is on; never use it in production)"
                );
                Ok(None)
            }
        }
    }

    /// Stage 3: the route the requested version reaches; the requested version too when the
    /// route does not name it: when none does (answered after authentication), or for the
    /// external webhooks' route, which answers every version.
    fn route<'r>(
        &'r self,
        target: &Target,
        parts: &axum::http::request::Parts,
    ) -> Result<(Option<&'r Route>, Option<String>), DeliveryError> {
        let requested = version::resolve(target.path_version.as_deref(), &parts.headers, parts.uri.query())
            .ok_or(DeliveryError::VersionMissing)?;
        let route = self.router.find(&target.event, &requested);
        Ok((route, route.is_none_or(|route| route.external).then(|| requested.into_owned())))
    }

    /// Stage 5: the token verified, the route required, the scopes checked; the context the
    /// handler will run with, its deadline counted from the delivery's arrival.
    async fn authorise<'r>(
        &self,
        target: &Target,
        route: Option<&'r Route>,
        requested: Option<String>,
        prepared: &Prepared<'_, '_>,
        received: Received<'_>,
    ) -> Result<(&'r Route, HandlerContext), DeliveryError> {
        let fields = prepared.fields();
        let auth = self.tokens.authenticate(fields.runtime_token).await?;
        let payload_secrets = fields.secrets.cloned();
        let api_base_url_override = self.origins.trusted(fields.api_base_url);
        let Some(route) = route else {
            return Err(DeliveryError::NoHandler {
                event: target.event.clone(),
                version: requested.unwrap_or_default(),
            });
        };
        tracing::Span::current().record("version", tracing::field::display(&route.version));
        bind_to_route(&fields, &target.event)?;
        check_scopes(auth.scopes(), &route.options.scopes)?;
        let key = delivery_key(received.signed, &auth);
        if let Some(key) = &key {
            tracing::Span::current().record("delivery", &**key);
        }
        let (event, version) = route.identity(&target.event, requested.as_deref().unwrap_or_default());
        let delivery = Delivery {
            key,
            signature_timestamp: received.signed.and_then(|s| s.timestamp),
            received_at: received.at,
            event,
            version,
            deadline: received.arrived + route.options.timeout.unwrap_or(self.handler_timeout),
        };
        let parts = ContextParts {
            delivery,
            headers: received.headers,
            auth,
            payload_secrets,
            api_base_url_override,
            idempotency_seed: None,
        };
        Ok((route, HandlerContext::new(parts, self.shared.clone())))
    }

    /// Stage 6: claims the delivery's key when the replay guard is on and the delivery has
    /// one, unless a deferred route claims it in its one-step intake (stage 7); a store that
    /// cannot be reached refuses the delivery (503).
    async fn dedupe(&self, route: &Route, delivery: &Delivery) -> Result<Claimed, DeliveryError> {
        let (Some(policy), Some(key)) = (self.replay.as_ref(), delivery.key.clone()) else {
            return Ok(Claimed::Proceed(Guard::none()));
        };
        if route.options.mode == Mode::Defer && self.deferral.claims_in_intake().is_some() {
            return Ok(Claimed::Proceed(Guard::none()));
        }
        Ok(Guard::claim(&policy.store, key, policy.lifetimes).await?)
    }

    /// Stage 7, by the route's mode: invoke the handler now, or store the delivery for a
    /// worker.
    async fn handle<'r>(
        &'r self,
        route: &'r Route,
        prepared: Prepared<'r, '_>,
        body: &[u8],
        context: HandlerContext,
    ) -> Result<Answer, DeliveryError> {
        match route.options.mode {
            Mode::Invoke => {
                // Bound first: a `?` inside the awaited expression would keep its result beside
                // the handler's future in this one's state.
                let run = self.invoke(route, prepared, body, context)?;
                run.await
            }
            Mode::Defer => {
                // Decoded now to answer 422 at once rather than dead-letter later; the
                // worker decodes the stored bytes again.
                let _valid = prepared.into_call(route, body)?;
                let window = self.replay.as_ref().map(|policy| policy.lifetimes.window);
                Box::pin(self.deferral.store(body, &context, window)).await
            }
        }
    }

    /// Stage 7 in mode "invoke" (inline, or a worker's run): the payload decoded (or its held
    /// error) now, then the handler's run until the context's deadline. The run is returned to
    /// be awaited in the caller's own future (no extra layer of state).
    pub(super) fn invoke<'r>(
        &'r self,
        route: &'r Route,
        prepared: Prepared<'r, '_>,
        body: &[u8],
        context: HandlerContext,
    ) -> Result<impl std::future::Future<Output = Result<Answer, DeliveryError>> + 'r, DeliveryError> {
        let call = prepared.into_call(route, body)?;
        let deadline = tokio::time::Instant::from_std(context.delivery().deadline());
        Ok(invoke::invoke(call, context, self.router.hooks(), deadline))
    }

    /// Stage 8 (before the response): the claim finished with the answer; when stage 7
    /// `invoked` the handler (not when it stored the delivery), the run counted.
    pub(super) async fn settle(
        &self,
        route: &Route,
        guard: Guard,
        answer: &Result<Answer, DeliveryError>,
        duration: Duration,
        invoked: bool,
    ) {
        match answer {
            Ok(Answer::Handled(body)) => guard.finish(200, body.clone()).await,
            Ok(Answer::Queued(body)) => guard.finish(202, body.clone()).await,
            Ok(Answer::Repeated { status, body }) => guard.finish(*status, body.clone()).await,
            Err(error) => guard.finish(error.status().as_u16(), error.body_bytes()).await,
        }
        if !invoked {
            return;
        }
        self.telemetry.observe(route.id, answer.is_ok(), duration, || Pending {
            event: route.event.to_string(),
            version: route.version.to_string(),
            duration,
            finished_at: SystemTime::now(),
            error: answer.as_ref().err().map(|e| (e.to_string(), e.class())),
        });
    }
}

/// Route binding (PROTOCOL §7.1): the signature covers the body, not the path, so a body that
/// names its event (`event`, `event_type`, or the v2 envelope's `type`) must name the event
/// it was posted to, or that event's legacy or current twin (`issue.created` ≡ `case.created`,
/// PROTOCOL §9.2: one entity, one handler).
fn bind_to_route(fields: &RuntimeFields<'_>, route_event: &str) -> Result<(), VerifyError> {
    let named = [fields.event, fields.event_type, fields.envelope_type];
    let twin = |name: &str| {
        kiket_types::catalog::successor(name) == Some(route_event)
            || kiket_types::catalog::legacy_of(name) == Some(route_event)
    };
    match named.into_iter().flatten().find(|name| *name != route_event && !twin(name)) {
        Some(other) => {
            let shown: String = other.chars().take(100).collect();
            Err(VerifyError::WrongEvent { named: shown, route: route_event.to_owned() })
        }
        None => Ok(()),
    }
}

/// Stage 8: the one response builder, and the delivery's one log line (inside its span, so
/// with its event, version and key; never a secret): `info` when answered or refused with a
/// 4xx, `warn` for a 5xx, `error` when the store could not be reached.
fn respond(outcome: Result<Answer, DeliveryError>, elapsed: Duration) -> Response {
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    match outcome {
        Ok(Answer::Handled(body)) => {
            tracing::info!(status = 200, duration_ms, "delivery handled");
            json_response(StatusCode::OK, body)
        }
        Ok(Answer::Queued(body)) => {
            tracing::info!(status = 202, duration_ms, "delivery queued");
            json_response(StatusCode::ACCEPTED, body)
        }
        Ok(Answer::Repeated { status, body }) => {
            tracing::info!(status, duration_ms, "delivery seen before; its first answer repeated");
            json_response(StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body)
        }
        Err(error) => {
            let status = error.status().as_u16();
            // The message may quote the request (event, version): escaped for the log.
            let message = error.to_string();
            if let DeliveryError::StoreUnavailable(cause) = &error {
                tracing::error!(status, duration_ms, %cause, "delivery refused: its claim could not be stored");
            } else if error.status().is_server_error() {
                tracing::warn!(status, duration_ms, error = %message.escape_debug(), "delivery failed");
            } else {
                tracing::info!(status, duration_ms, error = %message.escape_debug(), "delivery refused");
            }
            error.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_delivery_routes_shapes_name_a_target() {
        let parsed = |path: &str| match Target::parse(path) {
            Some(Ok(target)) => Some((target.event, target.path_version)),
            Some(Err(error)) => panic!("{path}: {error}"),
            None => None,
        };
        let named = |event: &str, version: Option<&str>| Some((event.to_owned(), version.map(str::to_owned)));
        assert_eq!(parsed("/webhooks/issue.created"), named("issue.created", None));
        assert_eq!(parsed("/webhooks/a%2Fb"), named("a/b", None), "decoded after the split");
        assert_eq!(parsed("/v/v2/webhooks/issue.created"), named("issue.created", Some("v2")));
        assert_eq!(parsed("/v/x%20y/webhooks/y"), named("y", Some("x y")));
        // The router's version pattern matches an empty segment; the header then names it.
        assert_eq!(parsed("/v//webhooks/a"), named("a", Some("")));
        for path in [
            "/webhooks/",
            "/webhooks",
            "/webhooks/a/",
            "/webhooks/a/b",
            "/webhooks//a",
            "//webhooks/a",
            "/v/x/webhooks/",
            "/v/x/y/webhooks/a",
            "/v/x/webhooks/a/b",
            "/v/webhooks/a",
            "/health",
            "/kiket/webhooks/a",
        ] {
            assert_eq!(parsed(path), None, "{path}");
        }
        for path in ["/webhooks/%FF", "/v/%FF/webhooks/a"] {
            assert!(matches!(Target::parse(path), Some(Err(DeliveryError::BadPath))), "{path}");
        }
    }
}
