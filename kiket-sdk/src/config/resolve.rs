//! [`ConfigBuilder::build`]: precedence (builder, manifest, environment, defaults), the
//! fail-closed verification policy, URL and limit checks, and the shared HTTP client.

use super::builder::ManifestSource;
use super::SharedStores;
use super::{
    Config, ConfigBuilder, ConfigError, Settings, DEFAULT_BASE_URL, DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT,
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_UNVERIFIED_BODY_BUDGET, MAX_HTTP2_STREAMS,
};
use crate::manifest;
use crate::queue::{InMemoryQueue, Job, Queue, QueueKey, Role};
use crate::replay::{InMemoryReplayStore, Intake, ReplayStore};
use crate::telemetry::{MetricsEndpoint, TelemetryConfig};
use crate::verify::SystemClock;
use kiket_client::url::{origin_of, without_userinfo};
use kiket_types::SecretString;
use std::sync::Arc;
use std::time::Duration;

impl ConfigBuilder {
    /// Resolves everything, checks the policy and creates the shared HTTP client.
    ///
    /// ```
    /// // Errors say what to do: here, that nothing would verify deliveries.
    /// let error = kiket_sdk::Config::builder().build().unwrap_err();
    /// assert!(error.to_string().contains("KIKET_WEBHOOK_SECRET"));
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// # drop(config);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn build(self) -> Result<Config, ConfigError> {
        let env = self.env.clone();
        let overlay = |key: &str| env.as_ref().and_then(|var| var(key)).filter(|v| !v.trim().is_empty());
        let references = |key: &str| match &env {
            Some(var) => var(key),
            None => std::env::var(key).ok(),
        };

        let manifest = match self.manifest {
            ManifestSource::None => None,
            ManifestSource::Value(manifest) => Some(*manifest),
            ManifestSource::Path(path) => Some(manifest::load(&path)?),
            ManifestSource::Discover(dir) => manifest::discover(&dir).map(|p| manifest::load(&p)).transpose()?,
        };

        let mut webhook_secrets = self.webhook_secrets;
        if webhook_secrets.is_empty() {
            let from_manifest = manifest.as_ref().and_then(|m| m.webhook_secret(&references));
            if let Some(secret) = from_manifest.or_else(|| overlay("KIKET_WEBHOOK_SECRET")) {
                webhook_secrets.push(SecretString::new(secret));
            }
        }
        let mut development_secret = false;
        if webhook_secrets.is_empty()
            && let Some(secret) = self.development_secret.filter(|s| !s.is_blank())
        {
            webhook_secrets.push(secret);
            development_secret = true;
        }
        if webhook_secrets.is_empty() && !self.runtime_token_required && !self.insecure_skip_verification {
            return Err(ConfigError::NoVerification);
        }
        let raw_base_url =
            self.api_base_url.or_else(|| overlay("KIKET_BASE_URL")).unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let api_base_url = normalise_url("KIKET_BASE_URL", &raw_base_url)?;
        let jwks_url = match &self.jwks_url {
            Some(url) => normalise_url("jwks_url", url)?,
            None => format!("{api_base_url}/.well-known/jwks.json"),
        };
        let mut allowed_api_origins = Vec::new();
        for origin in &self.allowed_api_origins {
            let normalised = origin_of(origin).ok_or_else(|| ConfigError::InvalidUrl {
                setting: "allow_api_origin",
                value: without_userinfo(origin),
            })?;
            allowed_api_origins.push(normalised);
        }
        let body_limit = self.body_limit.unwrap_or(DEFAULT_BODY_LIMIT);
        let max_concurrency = self.max_concurrency.unwrap_or(1024);
        if body_limit == 0 {
            return Err(ConfigError::InvalidLimit { setting: "body_limit" });
        }
        if max_concurrency == 0 {
            return Err(ConfigError::InvalidLimit { setting: "max_concurrency" });
        }
        let unverified_body_budget = self.unverified_body_budget.unwrap_or(DEFAULT_UNVERIFIED_BODY_BUDGET);
        if unverified_body_budget == 0 {
            return Err(ConfigError::InvalidLimit { setting: "unverified_body_budget" });
        }
        if self.http2_max_streams.is_some_and(|streams| streams == 0 || streams > MAX_HTTP2_STREAMS) {
            return Err(ConfigError::OutOfRange {
                setting: "http2_cleartext max_streams",
                min: 1,
                max: u64::from(MAX_HTTP2_STREAMS),
            });
        }
        let workspace_token = self
            .workspace_token
            .or_else(|| overlay("KIKET_WORKSPACE_TOKEN").map(SecretString::new))
            .filter(|t| !t.is_blank());
        let settings = Settings::resolve(manifest.as_ref(), &self.settings, &references, &overlay)
            .map_err(ConfigError::MissingSettings)?;
        let telemetry_url = match self.telemetry_url.or_else(|| overlay("KIKET_SDK_TELEMETRY_URL")) {
            Some(url) => Some(crate::telemetry::telemetry_endpoint(&normalise_url("KIKET_SDK_TELEMETRY_URL", &url)?)),
            None => None,
        };
        let opt_out =
            self.telemetry_opt_out.unwrap_or_else(|| overlay("KIKET_SDK_TELEMETRY_OPTOUT").is_some_and(|v| truthy(&v)));
        let metrics = resolve_metrics(self.metrics, &overlay)?;
        let extension_id = self.extension_id.or_else(|| manifest.as_ref().and_then(|m| m.id.clone()));
        let redis_url = self.redis_url.or_else(|| overlay("KIKET_REDIS_URL").map(SecretString::new));
        let shared = resolve_shared(redis_url, extension_id.as_deref())?;
        // Both stores on the shared Redis (neither chosen in code): a deferred delivery is
        // claimed, stored and answered there in one step.
        let one_step = !self.replay_off && self.replay_store.is_none();
        let replay_store: Option<Arc<dyn ReplayStore>> = match (self.replay_off, self.replay_store) {
            (true, _) => None,
            (false, Some(store)) => Some(store),
            (false, None) => Some(shared.replay_store().unwrap_or_else(|| Arc::new(InMemoryReplayStore::default()))),
        };
        let http = kiket_client::transport::configure(self.http.unwrap_or_default())
            .build()
            .map_err(|e| ConfigError::HttpClient(e.to_string()))?;
        let mut queue_keys = self.queue_keys;
        for setting in ["KIKET_QUEUE_KEY", "KIKET_QUEUE_KEY_PREVIOUS"] {
            if let Some(text) = overlay(setting) {
                queue_keys.push(
                    QueueKey::from_base64(&text).map_err(|error| ConfigError::InvalidQueueKey { setting, error })?,
                );
            }
        }
        let role = match (self.role, overlay("KIKET_ROLE")) {
            (Some(role), _) => role,
            (None, Some(text)) => {
                Role::parse(&text).ok_or_else(|| ConfigError::InvalidRole(text.chars().take(40).collect()))?
            }
            (None, None) => Role::default(),
        };
        let worker_concurrency = match (self.worker_concurrency, overlay("KIKET_WORKER_CONCURRENCY")) {
            (Some(jobs), _) => jobs,
            (None, Some(text)) => {
                text.trim().parse().map_err(|_| ConfigError::InvalidLimit { setting: "KIKET_WORKER_CONCURRENCY" })?
            }
            (None, None) => 16,
        };
        if worker_concurrency == 0 {
            return Err(ConfigError::InvalidLimit { setting: "worker_concurrency" });
        }
        let handler_timeout = self.handler_timeout.unwrap_or(Duration::from_secs(25));
        let (queue, intake) = match self.queue {
            Some(queue) => (queue, None),
            None => match shared.queue() {
                Some(SharedQueue { queue, intake }) => (queue, one_step.then_some(intake)),
                None => (Arc::new(InMemoryQueue::default()) as Arc<dyn Queue>, None),
            },
        };
        Ok(Config {
            queue,
            intake,
            queue_keys,
            role,
            backoff: self.backoff.unwrap_or_default(),
            worker_concurrency,
            visibility_timeout: self.visibility_timeout.unwrap_or(handler_timeout + Duration::from_secs(30)),
            webhook_secrets,
            signature_tolerance: self.signature_tolerance.unwrap_or(Duration::from_secs(300)),
            signature_scheme: self.signature_scheme,
            runtime_token_required: self.runtime_token_required,
            insecure_skip_verification: self.insecure_skip_verification,
            api_base_url,
            jwks_url,
            jwks_source: self.jwks_source,
            jwks_cache_ttl: self.jwks_cache_ttl.unwrap_or(Duration::from_secs(3600)),
            jwks_refetch_cooldown: self.jwks_refetch_cooldown.unwrap_or(Duration::from_secs(30)),
            token_leeway: self.token_leeway,
            workspace_token,
            allowed_api_origins,
            body_limit,
            handler_timeout,
            max_concurrency,
            extension_id,
            extension_version: self.extension_version.or_else(|| manifest.as_ref().and_then(|m| m.version.clone())),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            api_retry: self.api_retry.unwrap_or_default(),
            http,
            settings: Arc::new(settings),
            manifest: manifest.map(Arc::new),
            telemetry: TelemetryConfig { url: telemetry_url, opt_out, hook: self.feedback_hook, queue_capacity: 1024 },
            replay_store,
            shared,
            development_secret,
            header_read_timeout: self.header_read_timeout.unwrap_or(DEFAULT_HEADER_READ_TIMEOUT),
            body_timeout: self.body_timeout.unwrap_or(DEFAULT_BODY_TIMEOUT),
            unverified_body_budget,
            http2_max_streams: self.http2_max_streams,
            token_pins: self.token_pins,
            metrics,
        })
    }
}

fn truthy(value: &str) -> bool {
    matches!(value.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
}

/// The Prometheus endpoint: the builder's, else `KIKET_METRICS` (+ `_TOKEN`, `_ADDR`); refused
/// when this build cannot serve it.
fn resolve_metrics(
    configured: Option<MetricsEndpoint>,
    overlay: &impl Fn(&str) -> Option<String>,
) -> Result<Option<MetricsEndpoint>, ConfigError> {
    let endpoint = match configured {
        Some(endpoint) => Some(endpoint),
        None if overlay("KIKET_METRICS").is_some_and(|v| truthy(&v)) => {
            let mut endpoint = MetricsEndpoint::new();
            if let Some(token) = overlay("KIKET_METRICS_TOKEN") {
                endpoint = endpoint.token(token);
            }
            if let Some(address) = overlay("KIKET_METRICS_ADDR") {
                let parsed = address.trim().parse().map_err(|_| ConfigError::InvalidAddress {
                    setting: "KIKET_METRICS_ADDR",
                    value: address.chars().take(100).collect(),
                })?;
                endpoint = endpoint.address(parsed);
            }
            Some(endpoint)
        }
        None => None,
    };
    if endpoint.is_some() && !cfg!(feature = "metrics") {
        return Err(ConfigError::FeatureMissing { setting: "KIKET_METRICS", feature: "metrics" });
    }
    Ok(endpoint)
}

/// The stores replicas share: Redis when a URL is set; refused when this build has no Redis.
fn resolve_shared(redis_url: Option<SecretString>, extension_id: Option<&str>) -> Result<SharedStores, ConfigError> {
    let Some(url) = redis_url.filter(|url| !url.is_blank()) else { return Ok(SharedStores::default()) };
    #[cfg(feature = "redis")]
    {
        let redis = crate::redis::RedisConnection::new(url.expose(), extension_id)
            .map_err(|e| ConfigError::InvalidRedisUrl { shown: e.shown, reason: e.reason })?;
        Ok(SharedStores { redis: Some(redis) })
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = (url, extension_id);
        Err(ConfigError::FeatureMissing { setting: "KIKET_REDIS_URL", feature: "redis" })
    }
}

/// The shared store's queue, and the same queue as the one-step intake of deferred deliveries.
struct SharedQueue {
    queue: Arc<dyn Queue>,
    intake: Arc<dyn Intake<Job>>,
}

impl SharedStores {
    /// The queue on the shared Redis, when there is one.
    fn queue(&self) -> Option<SharedQueue> {
        #[cfg(feature = "redis")]
        if let Some(redis) = &self.redis {
            let queue = Arc::new(crate::redis::RedisQueue::new(redis.clone()));
            return Some(SharedQueue { queue: queue.clone(), intake: queue });
        }
        None
    }

    /// The replay store on the shared Redis, when there is one.
    fn replay_store(&self) -> Option<Arc<dyn ReplayStore>> {
        #[cfg(feature = "redis")]
        if let Some(redis) = &self.redis {
            return Some(Arc::new(crate::redis::RedisReplayStore::new(redis.clone())));
        }
        None
    }
}

fn normalise_url(setting: &'static str, value: &str) -> Result<String, ConfigError> {
    let trimmed = value.trim().trim_end_matches('/');
    if origin_of(trimmed).is_none() {
        return Err(ConfigError::InvalidUrl { setting, value: without_userinfo(value) });
    }
    Ok(trimmed.to_owned())
}
