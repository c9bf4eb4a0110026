//! [`ConfigBuilder::build`]: the resolvers the options table names, the inputs they read
//! (what code set, the manifest, the environment), and the policy checks across options.
//!
//! Precedence, highest first: code (the builder), the manifest, the environment (only after
//! [`ConfigBuilder::with_env`]), the row's default. Each resolver gives one option its value.

use super::options::{
    env, Environment, LogFormat, Options, Values, DEFAULT_LISTEN_ADDRESS, DEVELOPMENT_WEBHOOK_SECRET, MAX_HTTP2_STREAMS,
};
use super::{Config, ConfigBuilder, ConfigError};
use crate::manifest::{self, Manifest};
use crate::queue::{Job, Queue, QueueKey, Role};
use crate::replay::{InMemoryReplayStore, Intake, ReplayStore};
use crate::settings::Settings;
use crate::telemetry::MetricsEndpoint;
use kiket_client::url::{origin_of, without_userinfo};
use kiket_types::SecretString;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// A source of environment variables ([`ConfigBuilder::with_env_from`]).
pub(super) type VarSource = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Where the manifest comes from (the `manifest` option as set).
#[derive(Debug, Clone)]
pub(crate) enum ManifestSource {
    /// Already parsed.
    Value(Box<Manifest>),
    /// This file; missing is an error.
    Path(PathBuf),
    /// Looked for in this directory; none is fine.
    Discover(PathBuf),
}

/// The replay guard as set in code.
#[derive(Clone)]
pub(crate) enum ReplayGuard {
    /// This store.
    Store(Arc<dyn ReplayStore>),
    /// No replay guard.
    Off,
}

/// Stores shared by every replica of the extension: the Redis they share (feature `redis`).
#[derive(Clone, Default)]
pub(crate) struct Shared {
    #[cfg(feature = "redis")]
    pub(crate) redis: Option<crate::redis::RedisConnection>,
}

impl Shared {
    /// The shared Redis's address (no credentials), when one is configured.
    pub(crate) fn address(&self) -> Option<&str> {
        #[cfg(feature = "redis")]
        if let Some(redis) = &self.redis {
            return Some(redis.address());
        }
        None
    }

    /// The queue on the shared Redis, which is also its one-step intake.
    fn queue(&self) -> Option<SharedQueue> {
        #[cfg(feature = "redis")]
        if let Some(redis) = &self.redis {
            let queue = Arc::new(crate::redis::RedisQueue::new(redis.clone()));
            return Some(SharedQueue { queue: queue.clone(), intake: queue });
        }
        None
    }

    /// The replay store on the shared Redis.
    fn replay_store(&self) -> Option<Arc<dyn ReplayStore>> {
        #[cfg(feature = "redis")]
        if let Some(redis) = &self.redis {
            return Some(Arc::new(crate::redis::RedisReplayStore::new(redis.clone())));
        }
        None
    }
}

/// The shared Redis's queue, and the same queue as the one-step intake of deferred deliveries.
struct SharedQueue {
    queue: Arc<dyn Queue>,
    intake: Arc<dyn Intake<Job>>,
}

/// What the resolvers read: the options as set in code, the environment, the manifest.
pub(super) struct Inputs {
    pub(super) options: Options,
    env: Option<VarSource>,
    manifest: Option<Arc<Manifest>>,
    /// The shared stores, made once from the `redis` option (read by several options).
    shared: OnceLock<Shared>,
    /// The queue of the shared Redis, made once (the `queue` option and the intake share it).
    shared_queue: OnceLock<Option<SharedQueue>>,
}

impl Inputs {
    /// An environment variable, when the builder reads the environment and it is not blank.
    pub(super) fn var(&self, name: &str) -> Option<String> {
        self.env.as_ref().and_then(|var| var(name)).filter(|value| !value.trim().is_empty())
    }

    /// `true` when `name` is set but blank (`var` treats that as unset).
    pub(super) fn blank(&self, name: &str) -> bool {
        self.env.as_ref().and_then(|var| var(name)).is_some_and(|value| value.trim().is_empty())
    }

    /// A variable a manifest value refers to (`env:NAME`, `${NAME}`): from the builder's source
    /// when it has one, else the process environment.
    fn reference(&self, name: &str) -> Option<String> {
        match &self.env {
            Some(var) => var(name),
            None => std::env::var(name).ok(),
        }
    }

    /// Whether the environment is development (the `environment` option, resolved alone).
    pub(super) fn development(&self) -> Result<bool, ConfigError> {
        let environment = match self.options.environment {
            Some(environment) => environment,
            None => from_env(self, &[env::KIKET_ENV])?.unwrap_or_default(),
        };
        Ok(environment == Environment::Development)
    }

    /// The extension's id: set in code, else the manifest's.
    fn extension_id(&self) -> Option<String> {
        self.options.extension_id.clone().or_else(|| self.manifest.as_ref().and_then(|m| m.id.clone()))
    }

    fn shared(&self) -> Result<&Shared, ConfigError> {
        if let Some(shared) = self.shared.get() {
            return Ok(shared);
        }
        let url = self.options.redis.clone().or_else(|| self.var(env::KIKET_REDIS_URL).map(SecretString::new));
        let made = make_shared(url, self.extension_id().as_deref())?;
        Ok(self.shared.get_or_init(|| made))
    }

    fn shared_queue(&self) -> Result<Option<&SharedQueue>, ConfigError> {
        if let Some(queue) = self.shared_queue.get() {
            return Ok(queue.as_ref());
        }
        let made = self.shared()?.queue();
        Ok(self.shared_queue.get_or_init(|| made).as_ref())
    }
}

impl ConfigBuilder {
    /// Whether this configuration asks for a local mock of the Kiket API: development mode
    /// (`KIKET_ENV=development`, or [`Self::environment`]) with no API base URL given (in code
    /// or `KIKET_BASE_URL`). `kiket::run` starts one then.
    ///
    /// ```
    /// use kiket_sdk::config::Environment;
    /// let builder = kiket_sdk::Config::builder().environment(Environment::Development);
    /// assert!(builder.wants_local_api());
    /// let builder = kiket_sdk::Config::builder().environment(Environment::Development).api_base_url("https://kiket.dev");
    /// assert!(!builder.wants_local_api());
    /// ```
    pub fn wants_local_api(&self) -> bool {
        let inputs = Inputs {
            options: Options {
                environment: self.options.environment,
                api_base_url: self.options.api_base_url.clone(),
                ..Options::default()
            },
            env: self.env.clone(),
            manifest: None,
            shared: OnceLock::new(),
            shared_queue: OnceLock::new(),
        };
        let given = inputs.options.api_base_url.is_some() || inputs.var(env::KIKET_BASE_URL).is_some();
        inputs.development() == Ok(true) && !given
    }

    /// Resolves every option, checks the policy and creates the shared HTTP client.
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
        let manifest = match &self.options.manifest {
            None => None,
            Some(ManifestSource::Value(manifest)) => Some((**manifest).clone()),
            Some(ManifestSource::Path(path)) => Some(manifest::load(path)?),
            Some(ManifestSource::Discover(dir)) => manifest::discover(dir).map(|p| manifest::load(&p)).transpose()?,
        };
        let inputs = Inputs {
            options: self.options,
            env: self.env,
            manifest: manifest.map(Arc::new),
            shared: OnceLock::new(),
            shared_queue: OnceLock::new(),
        };
        // Both stores on the shared Redis (neither chosen in code): a deferred delivery is
        // claimed, stored and answered there in one step.
        let one_step = inputs.options.replay_guard.is_none() && inputs.options.queue.is_none();
        let intake = if one_step { inputs.shared_queue()?.map(|shared| shared.intake.clone()) } else { None };
        let options = Values::resolve(inputs)?;
        let config = Config { options, intake };
        config.check_verification()?;
        Ok(config)
    }
}

/// Every option's default, as [`Config::describe`] shows it: a configuration where nothing is
/// set and the environment is not read (no verification policy applies to it).
///
/// ```
/// let defaults = kiket_sdk::config::defaults();
/// assert_eq!(defaults["handler_timeout_ms"], 25_000);
/// assert_eq!(defaults["api_base_url"], "https://kiket.dev");
/// assert_eq!(defaults["listen_address"], "127.0.0.1:8080");
/// ```
pub fn defaults() -> serde_json::Value {
    let inputs = Inputs {
        options: Options::default(),
        env: None,
        manifest: None,
        shared: OnceLock::new(),
        shared_queue: OnceLock::new(),
    };
    match Values::resolve(inputs) {
        Ok(options) => Config { options, intake: None }.describe(),
        // Nothing set, nothing read: no resolver has anything to refuse.
        Err(error) => serde_json::json!({ "error": error.to_string() }),
    }
}

impl Config {
    /// Fail-closed: something must verify deliveries, unless verification is off explicitly.
    fn check_verification(&self) -> Result<(), ConfigError> {
        let options = &self.options;
        if options.webhook_secrets.is_empty() && !options.runtime_token_required && !options.insecure_skip_verification
        {
            return Err(ConfigError::NoVerification);
        }
        Ok(())
    }
}

/// How an environment variable's text becomes an option's value.
pub(super) trait FromEnv: Sized {
    /// The value, or what was expected.
    fn from_env(text: &str) -> Result<Self, &'static str>;
}

impl FromEnv for bool {
    fn from_env(text: &str) -> Result<Self, &'static str> {
        Ok(matches!(text.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"))
    }
}

impl FromEnv for usize {
    fn from_env(text: &str) -> Result<Self, &'static str> {
        text.trim().parse().map_err(|_| "a whole number")
    }
}

impl FromEnv for Environment {
    fn from_env(text: &str) -> Result<Self, &'static str> {
        match text.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Ok(Self::Development),
            "production" | "prod" => Ok(Self::Production),
            _ => Err("development or production"),
        }
    }
}

impl FromEnv for LogFormat {
    fn from_env(text: &str) -> Result<Self, &'static str> {
        match text.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err("text or json"),
        }
    }
}

impl FromEnv for Role {
    fn from_env(text: &str) -> Result<Self, &'static str> {
        Role::parse(text).ok_or("server, worker or both")
    }
}

/// The first of `names` set in the environment, as a `T`.
pub(super) fn from_env<T: FromEnv>(inputs: &Inputs, names: &[&'static str]) -> Result<Option<T>, ConfigError> {
    for &variable in names {
        if let Some(text) = inputs.var(variable) {
            return T::from_env(&text).map(Some).map_err(|expected| ConfigError::InvalidEnv {
                variable,
                expected,
                value: text.chars().take(40).collect(),
            });
        }
    }
    Ok(None)
}

// Checks named by rows.

/// A limit that must be above zero.
pub(super) fn positive(value: &usize, option: &'static str) -> Result<(), ConfigError> {
    if *value == 0 {
        return Err(ConfigError::InvalidLimit { setting: option });
    }
    Ok(())
}

/// Streams per cleartext HTTP/2 connection: 1 to [`MAX_HTTP2_STREAMS`].
pub(super) fn http2_streams(value: &Option<u32>, option: &'static str) -> Result<(), ConfigError> {
    if value.is_some_and(|streams| streams == 0 || streams > MAX_HTTP2_STREAMS) {
        return Err(ConfigError::OutOfRange { setting: option, min: 1, max: u64::from(MAX_HTTP2_STREAMS) });
    }
    Ok(())
}

// Resolvers named by rows: `(inputs, the row's default) -> value`.

/// Set in code (newest first), else the manifest's `delivery.callback.secret`, else
/// `KIKET_WEBHOOK_SECRET`, else the development secret; blank secrets are no secrets.
pub(super) fn webhook_secrets(
    inputs: &mut Inputs,
    default: Vec<SecretString>,
) -> Result<Vec<SecretString>, ConfigError> {
    let real = real_webhook_secrets(inputs, default)?;
    if real.is_empty() {
        return Ok(development_secret(inputs, None)?.into_iter().collect());
    }
    Ok(real)
}

/// The secrets that are not the development one. The manifest's secret referencing an unset
/// variable is an error naming it and its line, except in development mode (where the
/// development secret stands in).
fn real_webhook_secrets(inputs: &Inputs, default: Vec<SecretString>) -> Result<Vec<SecretString>, ConfigError> {
    let set: Vec<SecretString> =
        inputs.options.webhook_secrets.clone().unwrap_or(default).into_iter().filter(|s| !s.is_blank()).collect();
    if !set.is_empty() {
        return Ok(set);
    }
    let from_manifest = match inputs.manifest.as_ref().map(|m| m.webhook_secret(&|name| inputs.reference(name))) {
        Some(Err(_)) if inputs.development()? => None,
        Some(result) => result?,
        None => None,
    };
    Ok(from_manifest.or_else(|| inputs.var(env::KIKET_WEBHOOK_SECRET)).map(SecretString::new).into_iter().collect())
}

/// The development secret, when it is used: no real secret is configured, and one was set in
/// code or the environment is development (then [`DEVELOPMENT_WEBHOOK_SECRET`] unless set).
pub(super) fn development_secret(
    inputs: &mut Inputs,
    default: Option<SecretString>,
) -> Result<Option<SecretString>, ConfigError> {
    let published = inputs.development()?.then(|| SecretString::new(DEVELOPMENT_WEBHOOK_SECRET));
    let secret = inputs.options.development_webhook_secret.clone().or(default).or(published);
    let no_real_one = real_webhook_secrets(inputs, Vec::new())?.is_empty();
    Ok(secret.filter(|s| !s.is_blank()).filter(|_| no_real_one))
}

/// An absolute http(s) URL without credentials and without a trailing slash.
fn normalise_url(setting: &'static str, value: &str) -> Result<String, ConfigError> {
    let trimmed = value.trim().trim_end_matches('/');
    if origin_of(trimmed).is_none() {
        return Err(ConfigError::InvalidUrl { setting, value: without_userinfo(value) });
    }
    Ok(trimmed.to_owned())
}

/// The API base URL: set in code, else `KIKET_BASE_URL`, else the default; normalised.
pub(super) fn url(inputs: &mut Inputs, default: String) -> Result<String, ConfigError> {
    let raw = inputs.options.api_base_url.clone().or_else(|| inputs.var(env::KIKET_BASE_URL)).unwrap_or(default);
    normalise_url(env::KIKET_BASE_URL, &raw)
}

/// The JWKS URL when set in code (normalised); unset, it follows the API base URL.
pub(super) fn jwks_url(inputs: &mut Inputs, default: Option<String>) -> Result<Option<String>, ConfigError> {
    inputs.options.jwks_url.clone().or(default).map(|url| normalise_url("jwks_url", &url)).transpose()
}

/// Each allowed origin as `scheme://host[:port]`.
pub(super) fn allowed_api_origins(inputs: &mut Inputs, default: Vec<String>) -> Result<Vec<String>, ConfigError> {
    let set = inputs.options.allowed_api_origins.clone().unwrap_or(default);
    set.iter()
        .map(|origin| {
            origin_of(origin)
                .ok_or_else(|| ConfigError::InvalidUrl { setting: "allow_api_origin", value: without_userinfo(origin) })
        })
        .collect()
}

/// The workspace token: set in code, else `KIKET_WORKSPACE_TOKEN`; blank is none.
pub(super) fn secret(inputs: &mut Inputs, default: Option<SecretString>) -> Result<Option<SecretString>, ConfigError> {
    let token = inputs
        .options
        .workspace_token
        .clone()
        .or_else(|| inputs.var(env::KIKET_WORKSPACE_TOKEN).map(SecretString::new));
    Ok(token.or(default).filter(|t| !t.is_blank()))
}

/// The process's HTTP client, from the builder given in code (or a new one) with the SDK's
/// transport settings on top.
pub(super) fn http_client(inputs: &mut Inputs, _default: reqwest::Client) -> Result<reqwest::Client, ConfigError> {
    kiket_client::transport::configure(inputs.options.http_client.take().unwrap_or_default())
        .build()
        .map_err(|e| ConfigError::HttpClient(e.to_string()))
}

/// Set in code, else `HOST` and `PORT` (either may be left out), else the default; loopback
/// only in development mode.
pub(super) fn listen_address(inputs: &mut Inputs, default: SocketAddr) -> Result<SocketAddr, ConfigError> {
    let address = given_listen_address(inputs, default)?;
    if inputs.development()? && !address.ip().is_loopback() {
        return Err(ConfigError::DevelopmentOffLoopback(address));
    }
    Ok(address)
}

fn given_listen_address(inputs: &Inputs, default: SocketAddr) -> Result<SocketAddr, ConfigError> {
    if let Some(address) = inputs.options.listen_address {
        return Ok(address);
    }
    let port = match inputs.var(env::PORT) {
        Some(port) => port.trim().parse::<u16>().map_err(|_| ConfigError::InvalidEnv {
            variable: env::PORT,
            expected: "a port number",
            value: port,
        })?,
        None => default.port(),
    };
    let Some(host) = inputs.var(env::HOST) else { return Ok(SocketAddr::new(default.ip(), port)) };
    let ip =
        host.trim().trim_start_matches('[').trim_end_matches(']').parse().map_err(|_| ConfigError::InvalidEnv {
            variable: env::HOST,
            expected: "an IP address",
            value: host.chars().take(100).collect(),
        })?;
    Ok(SocketAddr::new(ip, port))
}

/// The manifest the inputs were read with.
pub(super) fn manifest(
    inputs: &mut Inputs,
    default: Option<Arc<Manifest>>,
) -> Result<Option<Arc<Manifest>>, ConfigError> {
    Ok(inputs.manifest.clone().or(default))
}

/// Set in code, else the manifest's `id`.
pub(super) fn extension_id(inputs: &mut Inputs, default: Option<String>) -> Result<Option<String>, ConfigError> {
    Ok(inputs.extension_id().or(default))
}

/// Set in code, else the manifest's `version`.
pub(super) fn extension_version(inputs: &mut Inputs, default: Option<String>) -> Result<Option<String>, ConfigError> {
    let from_manifest = || inputs.manifest.as_ref().and_then(|m| m.version.clone());
    Ok(inputs.options.extension_version.clone().or_else(from_manifest).or(default))
}

/// Manifest defaults, the environment (`KIKET_SECRET_*`, `KEY`), values set in code (PROTOCOL §5, §9.1).
pub(super) fn settings(inputs: &mut Inputs, _default: Arc<Settings>) -> Result<Arc<Settings>, ConfigError> {
    let explicit = inputs.options.settings.clone().unwrap_or_default();
    let settings = Settings::resolve(inputs.manifest.as_deref(), &explicit, &|name| inputs.reference(name), &|name| {
        inputs.var(name)
    })
    .map_err(ConfigError::Settings)?;
    Ok(Arc::new(settings))
}

/// Set in code, else `KIKET_SDK_TELEMETRY_URL`; normalised, `/telemetry` appended.
pub(super) fn telemetry_url(inputs: &mut Inputs, default: Option<String>) -> Result<Option<String>, ConfigError> {
    let url = inputs.options.telemetry_url.clone().or_else(|| inputs.var(env::KIKET_SDK_TELEMETRY_URL)).or(default);
    url.map(|url| Ok(crate::telemetry::telemetry_endpoint(&normalise_url(env::KIKET_SDK_TELEMETRY_URL, &url)?)))
        .transpose()
}

/// The Prometheus endpoint set in code, else from `KIKET_METRICS` (with `_TOKEN`, `_ADDR`);
/// refused when this build cannot serve it, when its token is blank, and when anyone reaching
/// the webhook listener could read it (no token, no address of its own, a listener that is not
/// loopback).
pub(super) fn metrics(
    inputs: &mut Inputs,
    default: Option<MetricsEndpoint>,
) -> Result<Option<MetricsEndpoint>, ConfigError> {
    let endpoint = match inputs.options.metrics.clone().or(default) {
        Some(endpoint) => Some(endpoint),
        None if from_env::<bool>(inputs, &[env::KIKET_METRICS])?.unwrap_or(false) => {
            let mut endpoint = MetricsEndpoint::new();
            if inputs.blank(env::KIKET_METRICS_TOKEN) {
                return Err(ConfigError::BlankToken(env::KIKET_METRICS_TOKEN));
            }
            if let Some(token) = inputs.var(env::KIKET_METRICS_TOKEN) {
                endpoint = endpoint.token(token);
            }
            if let Some(address) = inputs.var(env::KIKET_METRICS_ADDR) {
                let parsed = address.trim().parse().map_err(|_| ConfigError::InvalidAddress {
                    setting: env::KIKET_METRICS_ADDR,
                    value: address.chars().take(100).collect(),
                })?;
                endpoint = endpoint.address(parsed);
            }
            Some(endpoint)
        }
        None => None,
    };
    let Some(endpoint) = endpoint else { return Ok(None) };
    if !cfg!(feature = "metrics") {
        return Err(ConfigError::FeatureMissing { setting: env::KIKET_METRICS, feature: "metrics" });
    }
    match (endpoint.bearer_token(), endpoint.listen_address()) {
        (Some(token), _) if token.is_blank() => Err(ConfigError::BlankToken(env::KIKET_METRICS_TOKEN)),
        (None, None) => {
            let listener = given_listen_address(inputs, DEFAULT_LISTEN_ADDRESS)?;
            if listener.ip().is_loopback() {
                Ok(Some(endpoint))
            } else {
                Err(ConfigError::MetricsUnprotected(listener))
            }
        }
        _ => Ok(Some(endpoint)),
    }
}

/// The Redis the replicas share: set in code, else `KIKET_REDIS_URL`; refused when this build
/// has no Redis.
pub(super) fn shared(inputs: &mut Inputs, _default: Shared) -> Result<Shared, ConfigError> {
    inputs.shared().cloned()
}

fn make_shared(set: Option<SecretString>, extension_id: Option<&str>) -> Result<Shared, ConfigError> {
    let Some(url) = set.filter(|url| !url.is_blank()) else { return Ok(Shared::default()) };
    #[cfg(feature = "redis")]
    {
        let redis = crate::redis::RedisConnection::new(url.expose(), extension_id)
            .map_err(|e| ConfigError::InvalidRedisUrl { shown: e.shown, reason: e.reason })?;
        Ok(Shared { redis: Some(redis) })
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = (url, extension_id);
        Err(ConfigError::FeatureMissing { setting: env::KIKET_REDIS_URL, feature: "redis" })
    }
}

/// The replay guard's store: set in code (or off), else the shared Redis's, else in memory.
pub(super) fn replay_guard(
    inputs: &mut Inputs,
    _default: Option<Arc<dyn ReplayStore>>,
) -> Result<Option<Arc<dyn ReplayStore>>, ConfigError> {
    Ok(match inputs.options.replay_guard.clone() {
        Some(ReplayGuard::Off) => None,
        Some(ReplayGuard::Store(store)) => Some(store),
        None => Some(inputs.shared()?.replay_store().unwrap_or_else(|| Arc::new(InMemoryReplayStore::default()))),
    })
}

/// The queue: set in code, else the shared Redis's, else the default (in the process).
pub(super) fn queue(inputs: &mut Inputs, default: Arc<dyn Queue>) -> Result<Arc<dyn Queue>, ConfigError> {
    if let Some(queue) = inputs.options.queue.clone() {
        return Ok(queue);
    }
    Ok(inputs.shared_queue()?.map_or(default, |shared| shared.queue.clone()))
}

/// Keys set in code, then `KIKET_QUEUE_KEY`, then `KIKET_QUEUE_KEY_PREVIOUS`.
pub(super) fn queue_keys(inputs: &mut Inputs, default: Vec<QueueKey>) -> Result<Vec<QueueKey>, ConfigError> {
    let mut keys = inputs.options.queue_keys.clone().unwrap_or(default);
    for setting in [env::KIKET_QUEUE_KEY, env::KIKET_QUEUE_KEY_PREVIOUS] {
        if let Some(text) = inputs.var(setting) {
            keys.push(QueueKey::from_base64(&text).map_err(|error| ConfigError::InvalidQueueKey { setting, error })?);
        }
    }
    Ok(keys)
}

/// Set in code; unset, it follows the handler timeout.
pub(super) fn visibility_timeout(
    inputs: &mut Inputs,
    default: Option<Duration>,
) -> Result<Option<Duration>, ConfigError> {
    Ok(inputs.options.visibility_timeout.or(default))
}
