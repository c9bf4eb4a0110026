//! Configuration → pipeline, once, at start-up: the only place where `Config` meets the
//! delivery stages.

use super::listen::ConnectionLimits;
use crate::config::Config;
use crate::delivery::{Admission, Allowance, Deferral, HandlerPermits, Pipeline, ReplayPolicy, Signatures};
use crate::handler::ContextShared;
use crate::manifest::Manifest;
use crate::queue::Sealer;
use crate::replay::Lifetimes;
use crate::routing::Router;
use crate::telemetry::{Reporter, Telemetry, TelemetryConfig};
use crate::verify::{
    AllowedOrigins, HttpJwks, JwksCache, JwksSource, SignatureVerifier, TokenMode, TokenPolicy, TokenVerifier,
};
use kiket_client::hooks::ApiState;
use kiket_client::url::origin_of;
use std::sync::Arc;
use std::time::Duration;

/// Builds the pipeline that serves `router` under `config`.
pub(crate) fn pipeline(mut router: Router, config: &Config) -> Pipeline {
    let options = &config.options;
    if let Some(manifest) = config.manifest() {
        router.complete_timeouts(|event| hook_deadline(manifest, event));
    }
    let signatures = if options.insecure_skip_verification {
        Signatures::Skip
    } else if options.webhook_secrets.is_empty() {
        Signatures::TokenOnly
    } else {
        Signatures::Verify {
            verifier: SignatureVerifier::new(
                options.webhook_secrets.clone(),
                options.signature_tolerance.as_secs(),
                options.signature_scheme,
            ),
            clock: options.clock.clone(),
            development: options.development_webhook_secret.is_some(),
        }
    };
    let mode = if options.insecure_skip_verification {
        TokenMode::Skip
    } else if options.runtime_token_required {
        TokenMode::Required
    } else {
        TokenMode::WhenPresent
    };
    let telemetry = Telemetry::new(
        TelemetryConfig {
            url: options.telemetry_url.clone(),
            opt_out: options.telemetry_opt_out,
            hook: options.feedback_hook.clone(),
        },
        Reporter {
            http: options.http_client.clone(),
            extension_id: options.extension_id.clone(),
            extension_version: options.extension_version.clone(),
            // The workspace token goes only to the API's own origin (PROTOCOL §7.2): a telemetry
            // URL elsewhere gets the records without it.
            workspace_token: options
                .workspace_token
                .clone()
                .filter(|_| config.telemetry_url().is_some_and(|url| same_origin(url, &options.api_base_url))),
        },
        router.route_slots(),
        router.routes().map(|route| (route.id, &*route.event, &*route.version)),
    );
    Pipeline {
        admission: Admission {
            budget: Allowance::new(options.unverified_body_budget),
            body_limit: options.body_limit,
            body_timeout: options.body_timeout,
        },
        permits: HandlerPermits::new(options.max_concurrency),
        signatures,
        tokens: TokenPolicy { verifier: token_verifier(config), mode, pins: options.token_pins.clone() },
        origins: AllowedOrigins(options.allowed_api_origins.clone()),
        replay: options
            .replay_guard
            .clone()
            .map(|store| ReplayPolicy { store, lifetimes: replay_lifetimes(config, &router) }),
        deferral: Deferral {
            queue: options.queue.clone(),
            intake: config.intake.clone(),
            sealer: if options.queue.durable() { Sealer::new(options.queue_keys.clone()) } else { None },
            backoff: options.deferred_retries,
            visibility: config.visibility_timeout(),
            concurrency: options.worker_concurrency,
            clock: options.clock.clone(),
        },
        handler_timeout: options.handler_timeout,
        shared: Arc::new(context_shared(config)),
        telemetry: Arc::new(telemetry),
        router,
    }
}

/// The deadline of an inline handler of `event` from the manifest: its hook's, else (for a
/// `case.*` route) the hook of the legacy name it also receives.
fn hook_deadline(manifest: &Manifest, event: &str) -> Option<Duration> {
    let hook = manifest.hook(event).or_else(|| manifest.hook(kiket_types::catalog::legacy_of(event)?))?;
    hook.handler_deadline()
}

/// A claim's answer is kept for twice the signature tolerance (a copy older than that fails
/// its timestamp check); a copy in flight holds the key for the longest a handler may run
/// (the handler timeout, or a route's own when longer) and a margin for the answer to be
/// stored.
fn replay_lifetimes(config: &Config, router: &Router) -> Lifetimes {
    let options = &config.options;
    let longest =
        router.routes().filter_map(|route| route.options.timeout).fold(options.handler_timeout, Duration::max);
    Lifetimes { lease: longest + REPLAY_LEASE_MARGIN, window: options.signature_tolerance * 2 }
}

/// How much longer than the handler timeout a delivery's claim in flight holds its key: time
/// for the answer to be stored.
const REPLAY_LEASE_MARGIN: Duration = Duration::from_secs(5);

/// Runtime tokens verified against the configured key source, or HTTP at the JWKS URL.
fn token_verifier(config: &Config) -> TokenVerifier {
    let options = &config.options;
    let source: Box<dyn JwksSource> = match &options.jwks_source {
        Some(source) => Box::new(source.clone()),
        None => Box::new(HttpJwks { client: options.http_client.clone(), url: config.jwks_url() }),
    };
    let keys = JwksCache::new(source, options.jwks_cache_ttl, options.jwks_refetch_cooldown);
    TokenVerifier::new(keys, options.token_leeway.as_secs(), options.clock.clone())
}

/// The connection-level limits of the server (PROTOCOL §7.1).
pub(crate) fn connection_limits(config: &Config) -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: config.options.header_read_timeout,
        http2_max_streams: config.options.http2_max_streams,
    }
}

/// What every handler context shares: the HTTP pool, API address and credentials, identity,
/// settings.
pub(crate) fn context_shared(config: &Config) -> ContextShared {
    let options = &config.options;
    let mut api_state = ApiState::new().retry_policy(options.api_retry);
    if let Some(token) = &options.workspace_token {
        api_state = api_state.workspace_token(token.clone());
    }
    ContextShared {
        http: options.http_client.clone(),
        api_base_url: Arc::from(options.api_base_url.as_str()),
        api_state,
        extension_id: options.extension_id.as_deref().map(Arc::from),
        extension_version: options.extension_version.as_deref().map(Arc::from),
        settings: options.settings.clone(),
    }
}

/// Whether two URLs have one origin (scheme, host and port).
fn same_origin(a: &str, b: &str) -> bool {
    matches!((origin_of(a), origin_of(b)), (Some(a), Some(b)) if a == b)
}
