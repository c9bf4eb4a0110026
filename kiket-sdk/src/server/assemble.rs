//! Configuration → pipeline, once, at start-up: the only place where `Config` meets the
//! delivery stages.

use super::listen::ConnectionLimits;
use crate::config::Config;
use crate::delivery::{Admission, Allowance, Deferral, HandlerPermits, Pipeline, ReplayPolicy, Signatures};
use crate::handler::ContextShared;
use crate::queue::Sealer;
use crate::replay::Lifetimes;
use crate::routing::Router;
use crate::telemetry::{Reporter, Telemetry};
use crate::verify::{
    AllowedOrigins, HttpJwks, JwksCache, JwksSource, SignatureVerifier, TokenMode, TokenPolicy, TokenVerifier,
};
use kiket_client::url::origin_of;
use kiket_client::ApiState;
use std::sync::Arc;
use std::time::Duration;

/// Builds the pipeline that serves `router` under `config`.
pub(crate) fn pipeline(router: Router, config: &Config) -> Pipeline {
    let signatures = if config.insecure_skip_verification {
        Signatures::Skip
    } else if config.webhook_secrets.is_empty() {
        Signatures::TokenOnly
    } else {
        Signatures::Verify {
            verifier: SignatureVerifier::new(
                config.webhook_secrets.clone(),
                config.signature_tolerance.as_secs(),
                config.signature_scheme,
            ),
            clock: config.clock.clone(),
            development: config.development_secret,
        }
    };
    let mode = if config.insecure_skip_verification {
        TokenMode::Skip
    } else if config.runtime_token_required {
        TokenMode::Required
    } else {
        TokenMode::WhenPresent
    };
    let telemetry = Telemetry::new(
        config.telemetry.clone(),
        Reporter {
            http: config.http.clone(),
            extension_id: config.extension_id.clone(),
            extension_version: config.extension_version.clone(),
            // The workspace token goes only to the API's own origin (PROTOCOL §7.2): a telemetry
            // URL elsewhere gets the records without it.
            workspace_token: config
                .workspace_token
                .clone()
                .filter(|_| config.telemetry_url().is_some_and(|url| same_origin(url, &config.api_base_url))),
        },
        router.route_slots(),
        router.routes().map(|route| (route.id, &*route.event, &*route.version)),
    );
    Pipeline {
        admission: Admission {
            budget: Allowance::new(config.unverified_body_budget),
            body_limit: config.body_limit,
            body_timeout: config.body_timeout,
        },
        permits: HandlerPermits::new(config.max_concurrency),
        signatures,
        tokens: TokenPolicy { verifier: token_verifier(config), mode, pins: config.token_pins.clone() },
        origins: AllowedOrigins(config.allowed_api_origins.clone()),
        replay: config.replay_store.clone().map(|store| ReplayPolicy { store, lifetimes: replay_lifetimes(config) }),
        deferral: Deferral {
            queue: config.queue.clone(),
            intake: config.intake.clone(),
            sealer: if config.queue.durable() { Sealer::new(config.queue_keys.clone()) } else { None },
            backoff: config.backoff,
            visibility: config.visibility_timeout,
            concurrency: config.worker_concurrency,
            clock: config.clock.clone(),
        },
        handler_timeout: config.handler_timeout,
        shared: Arc::new(context_shared(config)),
        telemetry: Arc::new(telemetry),
        router,
    }
}

/// A claim's answer is kept for twice the signature tolerance (a copy older than that fails
/// its timestamp check); a copy in flight holds the key for the handler timeout and a margin
/// for the answer to be stored.
fn replay_lifetimes(config: &Config) -> Lifetimes {
    Lifetimes { lease: config.handler_timeout + Duration::from_secs(5), window: config.signature_tolerance * 2 }
}

/// Runtime tokens verified against the configured key source, or HTTP at the JWKS URL.
fn token_verifier(config: &Config) -> TokenVerifier {
    let source: Box<dyn JwksSource> = match &config.jwks_source {
        Some(source) => Box::new(source.clone()),
        None => Box::new(HttpJwks { client: config.http.clone(), url: config.jwks_url.clone() }),
    };
    let keys = JwksCache::new(source, config.jwks_cache_ttl, config.jwks_refetch_cooldown);
    TokenVerifier::new(keys, config.token_leeway.as_secs(), config.clock.clone())
}

/// The connection-level limits of the server (PROTOCOL §7.1).
pub(crate) fn connection_limits(config: &Config) -> ConnectionLimits {
    ConnectionLimits { header_read_timeout: config.header_read_timeout, http2_max_streams: config.http2_max_streams }
}

/// What every handler context shares: the HTTP pool, API address and credentials, identity,
/// settings.
pub(crate) fn context_shared(config: &Config) -> ContextShared {
    let mut api_state = ApiState::new().retry_policy(config.api_retry);
    if let Some(token) = &config.workspace_token {
        api_state = api_state.workspace_token(token.clone());
    }
    ContextShared {
        http: config.http.clone(),
        api_base_url: Arc::from(config.api_base_url.as_str()),
        api_state,
        extension_id: config.extension_id.as_deref().map(Arc::from),
        extension_version: config.extension_version.as_deref().map(Arc::from),
        settings: config.settings.clone(),
    }
}

/// Whether two URLs have one origin (scheme, host and port).
fn same_origin(a: &str, b: &str) -> bool {
    matches!((origin_of(a), origin_of(b)), (Some(a), Some(b)) if a == b)
}
