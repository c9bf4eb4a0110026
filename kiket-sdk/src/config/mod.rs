//! Runtime configuration: one [`Config`] shared by the server, the API client and telemetry.
//!
//! [`Config`]'s fields are declared once, in the table below, each with how people see it
//! (`Debug` and [`Config::describe`] print the same view; secrets as `[redacted]`).
//! [`ConfigBuilder`]'s setters are in `builder.rs`, precedence and validation in `resolve.rs`.
//!
//! Precedence, highest first: values set on the [`ConfigBuilder`], the manifest
//! (`extension.yaml`), `KIKET_*` environment variables (read only after
//! [`ConfigBuilder::with_env`]), defaults. Settings follow PROTOCOL.md §5: manifest defaults,
//! overlaid by `KIKET_SECRET_<NAME>` for keys marked secret, overlaid by explicit values.
//!
//! Fail-closed: [`ConfigBuilder::build`] refuses a configuration that would accept unsigned
//! deliveries, unless [`ConfigBuilder::insecure_skip_verification`] is called explicitly
//! (local development only; every request then logs a warning).

mod builder;
mod resolve;

pub use crate::settings::{Settings, SettingsError};
pub use builder::ConfigBuilder;
pub use kiket_types::secret_env_name;

use crate::manifest::{Manifest, ManifestError};
use crate::queue::{Backoff, Job, Queue, QueueKey, Role};
use crate::replay::Intake;
use crate::replay::ReplayStore;
use crate::telemetry::{MetricsEndpoint, TelemetryConfig};
use crate::verify::{Clock, JwksSource, SignatureScheme, TokenPins};
use kiket_client::RetryPolicy;
use kiket_types::SecretString;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

pub use kiket_client::url::origin_of;

/// Default extension API base URL.
pub const DEFAULT_BASE_URL: &str = "https://kiket.dev";
/// Default largest accepted body (1 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// Default time a client has to send a request head (PROTOCOL §7.1).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a client has to send a body once its head is in (PROTOCOL §7.1).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(15);
/// Default budget of unverified body bytes across all connections (64 MiB).
pub const DEFAULT_UNVERIFIED_BODY_BUDGET: usize = 64 * 1024 * 1024;
/// Most concurrent streams a cleartext HTTP/2 connection may open.
pub const MAX_HTTP2_STREAMS: u32 = 100;

/// A configuration that cannot be used. Each message says what sets the missing value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Neither a webhook secret nor runtime-token-only mode is configured.
    #[error(
        "no delivery verification is configured: set KIKET_WEBHOOK_SECRET, the manifest's \
         delivery.callback.secret, or call .webhook_secret(..); or call .runtime_token_only() for \
         platforms that no longer sign; for local development only, .insecure_skip_verification() \
         disables verification"
    )]
    NoVerification,
    /// The manifest could not be found or read.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// Required settings have no value.
    #[error("required settings are missing: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    MissingSettings(Vec<SettingsError>),
    /// A URL setting is not an absolute http(s) URL.
    #[error("{setting} must be an absolute http:// or https:// URL without credentials, got {value:?}")]
    InvalidUrl {
        /// The setting (`KIKET_BASE_URL`, `jwks_url`, …).
        setting: &'static str,
        /// The value given, credentials in it replaced by `[redacted]`.
        value: String,
    },
    /// A numeric limit is zero or out of range.
    #[error("{setting} must be greater than zero")]
    InvalidLimit {
        /// The setting.
        setting: &'static str,
    },
    /// A numeric setting is outside its range.
    #[error("{setting} must be between {min} and {max}")]
    OutOfRange {
        /// The setting.
        setting: &'static str,
        /// Smallest allowed value.
        min: u64,
        /// Largest allowed value.
        max: u64,
    },
    /// `KIKET_QUEUE_KEY` (or `_PREVIOUS`) is not 32 bytes of base64.
    #[error("{setting}: {error}")]
    InvalidQueueKey {
        /// The variable.
        setting: &'static str,
        /// What is wrong (never the key).
        error: crate::queue::QueueKeyError,
    },
    /// `KIKET_ROLE` is not `server`, `worker` or `both`.
    #[error("KIKET_ROLE must be server, worker or both, got {0:?}")]
    InvalidRole(String),
    /// A setting needs a cargo feature this build does not have.
    #[error("{setting} needs the cargo feature `{feature}` of kiket (or kiket-sdk); enable it, or unset {setting}")]
    FeatureMissing {
        /// The setting (`KIKET_METRICS`, …).
        setting: &'static str,
        /// The cargo feature.
        feature: &'static str,
    },
    /// A listen address setting is not an IP address and port.
    #[error("{setting} must be an IP address and port such as 0.0.0.0:9464, got {value:?}")]
    InvalidAddress {
        /// The setting.
        setting: &'static str,
        /// The value given.
        value: String,
    },
    /// `KIKET_REDIS_URL` (or `.redis(..)`) is not a usable Redis URL.
    #[error("KIKET_REDIS_URL must be a redis:// or unix:// URL (redis://[:password@]host[:port][/db]), got {shown:?}: {reason}")]
    InvalidRedisUrl {
        /// The URL with any credentials replaced by `[redacted]`.
        shown: String,
        /// Why it was refused.
        reason: String,
    },
    /// The shared HTTP client could not be created (TLS initialisation).
    #[error("could not create the HTTP client: {0}")]
    HttpClient(String),
}

/// How a field is shown by `Debug` and [`Config::describe`].
macro_rules! show_field {
    ($shown:ident, $config:ident, $name:ident, plain) => {
        $shown.push((stringify!($name), json!($config.$name)))
    };
    ($shown:ident, $config:ident, $name:ident, redacted) => {
        $shown.push((stringify!($name), Redact::redact(&$config.$name)))
    };
    ($shown:ident, $config:ident, $name:ident, hidden) => {};
    ($shown:ident, $config:ident, $name:ident, $key:literal => $view:expr) => {
        $shown.push(($key, json!(($view)($config))))
    };
}

/// Declares [`Config`] from one list of fields: `name: Type => view`, where the view is
/// `plain`, `redacted`, `hidden` (internals) or `"key" => |config| value`.
macro_rules! config {
    ($( $(#[doc = $doc:literal])* $name:ident : $ty:ty => [$($view:tt)*], )*) => {
        /// The resolved configuration. `Debug` output redacts every secret.
        ///
        /// ```
        /// use kiket_sdk::{Config, Extension, Router};
        ///
        /// let config = Config::builder()
        ///     .webhook_secret("whsec_test")
        ///     .handler_timeout(std::time::Duration::from_secs(10))
        ///     .build()?;
        /// assert_eq!(config.describe()["handler_timeout_ms"], 10_000);
        /// let extension = Extension::new(Router::new(), config)?;
        /// # drop(extension);
        /// # Ok::<(), Box<dyn std::error::Error>>(())
        /// ```
        #[derive(Clone)]
        pub struct Config {
            $( $(#[doc = $doc])* pub(crate) $name: $ty, )*
        }

        impl Config {
            /// Every field as people may see it, in declaration order.
            fn shown(&self) -> Vec<(&'static str, Value)> {
                let mut shown = Vec::new();
                $( show_field!(shown, self, $name, $($view)*); )*
                shown
            }
        }
    };
}

/// Secrets as people may see them.
trait Redact {
    fn redact(&self) -> Value;
}

impl Redact for Vec<SecretString> {
    fn redact(&self) -> Value {
        json!(self.iter().map(|_| "[redacted]").collect::<Vec<_>>())
    }
}

impl Redact for Option<SecretString> {
    fn redact(&self) -> Value {
        json!(self.as_ref().map(|_| "[redacted]"))
    }
}

impl Redact for Arc<Settings> {
    fn redact(&self) -> Value {
        self.redacted()
    }
}

fn millis(duration: Duration) -> Value {
    json!(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

config! {
    /// Webhook secrets, newest first.
    webhook_secrets: Vec<SecretString> => [redacted],
    /// Allowed distance between a signature's timestamp and now.
    signature_tolerance: Duration => ["signature_tolerance_ms" => |c: &Config| millis(c.signature_tolerance)],
    /// Which signed string the platform uses.
    signature_scheme: SignatureScheme => ["signature_scheme" => |c: &Config| json!(format!("{:?}", c.signature_scheme))],
    /// Every delivery must carry a valid runtime token.
    runtime_token_required: bool => [plain],
    /// Nothing is verified (local development only).
    insecure_skip_verification: bool => ["verification" => Config::verification],
    /// The webhook secret is a published development secret: warn on every delivery, serve
    /// on loopback only.
    development_secret: bool => [plain],
    /// Extension API base URL, no trailing slash.
    api_base_url: String => [plain],
    /// Where runtime-token keys are fetched.
    jwks_url: String => [plain],
    /// Keys supplied from code instead of HTTP.
    jwks_source: Option<Arc<dyn JwksSource>> => ["jwks_source" => |c: &Config| json!(if c.jwks_source.is_some() { "code" } else { "http" })],
    /// How long a fetched key set is trusted.
    jwks_cache_ttl: Duration => ["jwks_cache_ttl_ms" => |c: &Config| millis(c.jwks_cache_ttl)],
    /// Least time between two key-set fetches.
    jwks_refetch_cooldown: Duration => ["jwks_refetch_cooldown_ms" => |c: &Config| millis(c.jwks_refetch_cooldown)],
    /// Clock skew tolerated on token times.
    token_leeway: Duration => ["token_leeway_ms" => |c: &Config| millis(c.token_leeway)],
    /// Sent as `Authorization: Bearer …` on API calls.
    workspace_token: Option<SecretString> => [redacted],
    /// Origins whose `api.base_url` a delivery may use.
    allowed_api_origins: Vec<String> => [plain],
    /// Largest accepted body in bytes.
    body_limit: usize => [plain],
    /// Longest a handler may run.
    handler_timeout: Duration => ["handler_timeout_ms" => |c: &Config| millis(c.handler_timeout)],
    /// Most verified deliveries handled at once.
    max_concurrency: usize => [plain],
    /// How long a client may take to send a request head (also closes idle connections).
    header_read_timeout: Duration => ["header_read_timeout_ms" => |c: &Config| millis(c.header_read_timeout)],
    /// How long a client may take to send the body once the head is in.
    body_timeout: Duration => ["body_timeout_ms" => |c: &Config| millis(c.body_timeout)],
    /// Bytes of bodies not yet verified, all connections together.
    unverified_body_budget: usize => [plain],
    /// Cleartext HTTP/2 with at most this many streams per connection (`None`: HTTP/1 only).
    http2_max_streams: Option<u32> => [plain],
    /// Runtime-token claims that must have these values.
    token_pins: TokenPins => ["token_pins" => |c: &Config| json!({"ext_id": c.token_pins.ext_id, "org_id": c.token_pins.org_id})],
    /// The extension's id.
    extension_id: Option<String> => [plain],
    /// The extension's version.
    extension_version: Option<String> => [plain],
    /// Time source of timestamp and token checks.
    clock: Arc<dyn Clock> => [hidden],
    /// Retry policy of extension-API calls.
    api_retry: RetryPolicy => ["api_retry" => |c: &Config| json!(format!("{:?}", c.api_retry))],
    /// The process-wide HTTP client.
    http: reqwest::Client => [hidden],
    /// Resolved settings.
    settings: Arc<Settings> => [redacted],
    /// The manifest the configuration was built from.
    manifest: Option<Arc<Manifest>> => ["events" => |c: &Config| json!(c.manifest.as_ref().map(|m| m.events.clone()).unwrap_or_default())],
    /// Telemetry destination, opt-out and hook.
    telemetry: TelemetryConfig => ["telemetry_url" => |c: &Config| json!(c.telemetry_url())],
    /// The Prometheus endpoint (`None`: not served).
    metrics: Option<MetricsEndpoint> => ["metrics" => |c: &Config| json!(c.metrics.as_ref().map(|m| json!({
        "address": m.listen_address().map(|a| a.to_string()),
        "token": m.bearer_token().map(|_| "[redacted]"),
    })))],
    /// Stores shared by every replica.
    shared: SharedStores => ["redis" => |c: &Config| json!(c.shared.address())],
    /// Where deferred deliveries wait.
    queue: Arc<dyn Queue> => ["queue" => |c: &Config| json!(c.queue.name())],
    /// Keys sealing deferred deliveries in a durable queue, newest first.
    queue_keys: Vec<QueueKey> => ["queue_keys" => |c: &Config| json!(c.queue_keys.len())],
    /// What this process runs.
    role: Role => ["role" => |c: &Config| json!(format!("{:?}", c.role).to_ascii_lowercase())],
    /// Retries of failing deferred handlers.
    backoff: Backoff => ["deferred_retries" => |c: &Config| json!(c.backoff.attempts)],
    /// Deferred deliveries run at once by this process.
    worker_concurrency: usize => [plain],
    /// How long a worker may hold a job before another takes it over.
    visibility_timeout: Duration => ["visibility_timeout_ms" => |c: &Config| millis(c.visibility_timeout)],
    /// The replay guard's store (`None`: the guard is off).
    replay_store: Option<Arc<dyn ReplayStore>> => ["replay_guard" => |c: &Config| json!(c.replay_store.is_some())],
    /// The queue and the replay store in one step, when both are the shared Redis's (so
    /// never with the replay guard off).
    intake: Option<Arc<dyn Intake<Job>>> => [hidden],
}

/// Stores shared by every replica of the extension.
#[derive(Clone, Default)]
pub(crate) struct SharedStores {
    /// The Redis the replicas share (feature `redis`).
    #[cfg(feature = "redis")]
    pub(crate) redis: Option<crate::redis::RedisConnection>,
}

impl SharedStores {
    /// The shared Redis's address (no credentials), when one is configured.
    fn address(&self) -> Option<&str> {
        #[cfg(feature = "redis")]
        if let Some(redis) = &self.redis {
            return Some(redis.address());
        }
        None
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Config");
        for (key, value) in self.shown() {
            out.field(key, &format_args!("{value}"));
        }
        out.finish()
    }
}

impl Config {
    /// A builder with the defaults of PROTOCOL.md.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert_eq!(config.api_base_url(), "https://kiket.dev");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// The one-line start (PROTOCOL §5, §7.3): the manifest found in the working directory
    /// (`extension.yaml`, `extension.yml`, `manifest.yaml`, `manifest.yml`, first hit wins;
    /// none is fine, a malformed one is an error naming file, line and column), then the
    /// `KIKET_*` environment variables (see [`ConfigBuilder::with_env`]).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), kiket_sdk::ConfigError> {
    /// // extension.yaml from the working directory, then KIKET_WEBHOOK_SECRET, KIKET_API_BASE_URL, …
    /// let config = kiket_sdk::Config::from_env()?;
    /// println!("{}", config.describe()); // secrets redacted
    /// # Ok(()) }
    /// ```
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::builder().discover_manifest(".").with_env().build()
    }

    /// The Redis every replica shares, when one is configured (`KIKET_REDIS_URL`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert!(config.redis().is_none()); // in-memory replay guard and queue
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    #[cfg(feature = "redis")]
    pub fn redis(&self) -> Option<&crate::redis::RedisConnection> {
        self.shared.redis.as_ref()
    }

    /// What this process runs (`KIKET_ROLE`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert_eq!(config.role(), kiket_sdk::queue::Role::Both); // serve and work
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn role(&self) -> Role {
        self.role
    }

    /// The Prometheus endpoint, when metrics are served.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert!(config.metrics_endpoint().is_none()); // KIKET_METRICS=1 or `.metrics(..)` to serve them
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn metrics_endpoint(&self) -> Option<&MetricsEndpoint> {
        self.metrics.as_ref()
    }

    /// The extension API base URL (no trailing slash).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").api_base_url("https://eu.kiket.dev/").build()?;
    /// assert_eq!(config.api_base_url(), "https://eu.kiket.dev");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn api_base_url(&self) -> &str {
        &self.api_base_url
    }

    /// The process-wide HTTP client (one connection pool).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").api_base_url(api.url()).build()?;
    /// // A standalone client (a CLI, a cron job) on the SDK's one connection pool.
    /// let client = kiket_client::Client::new_with_client(config.api_base_url(), config.http_client().clone(), Default::default());
    /// client.get_rate_limit().send().await?;
    /// assert_eq!(api.calls_to("get_rate_limit").len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn http_client(&self) -> &reqwest::Client {
        &self.http
    }

    /// Whether deliveries are accepted without verification (development only).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert!(!config.is_insecure());
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn is_insecure(&self) -> bool {
        self.insecure_skip_verification
    }

    /// Largest accepted body in bytes.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert_eq!(config.body_limit(), 1024 * 1024); // the default: 1 MiB
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// Resolved settings.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").setting("crm.region", "eu").build()?;
    /// assert_eq!(config.settings().get::<String>("crm.region")?.as_deref(), Some("eu"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The manifest the configuration was built from, if any.
    ///
    /// ```
    /// let manifest = kiket_sdk::manifest::parse("id: com.example.crm\nversion: 1.0.0\n", std::path::Path::new("extension.yaml"))?;
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").manifest(manifest).build()?;
    /// assert_eq!(config.manifest().and_then(|m| m.id.as_deref()), Some("com.example.crm"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_deref()
    }

    /// The extension id (builder, else manifest `id`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").extension("com.example.crm", "1.0.0").build()?;
    /// assert_eq!(config.extension_id(), Some("com.example.crm"));
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn extension_id(&self) -> Option<&str> {
        self.extension_id.as_deref()
    }

    /// The extension version (builder, else manifest `version`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").extension("com.example.crm", "1.0.0").build()?;
    /// assert_eq!(config.extension_version(), Some("1.0.0"));
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn extension_version(&self) -> Option<&str> {
        self.extension_version.as_deref()
    }

    /// Where telemetry records are POSTed, when enabled and not opted out.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert_eq!(config.telemetry_url(), None); // off unless configured
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn telemetry_url(&self) -> Option<&str> {
        self.telemetry.url.as_deref().filter(|_| !self.telemetry.opt_out)
    }

    /// A summary safe to print: every field of [`Config`] that means something to a person,
    /// secrets as `[redacted]` (the same view `Debug` prints).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_example").build().unwrap();
    /// let summary = config.describe();
    /// assert_eq!(summary["verification"], "hmac");
    /// assert_eq!(summary["webhook_secrets"][0], "[redacted]");
    /// assert!(!summary.to_string().contains("whsec_example"));
    /// ```
    pub fn describe(&self) -> Value {
        Value::Object(self.shown().into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
    }

    fn verification(&self) -> &'static str {
        if self.insecure_skip_verification {
            "disabled (insecure development mode)"
        } else if self.development_secret {
            "hmac with a published DEVELOPMENT secret (loopback only)"
        } else if !self.webhook_secrets.is_empty() {
            "hmac"
        } else {
            "runtime token"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
        move |key| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn nothing_configured_refuses_to_build_and_says_how_to_fix_it() {
        let err = Config::builder().with_env_from(env(&[])).build().unwrap_err();
        assert_eq!(err, ConfigError::NoVerification);
        assert!(err.to_string().contains("KIKET_WEBHOOK_SECRET"));
        assert!(Config::builder().webhook_secret("   ").build().is_err(), "a blank secret is no secret");
    }

    #[test]
    fn each_verification_mode_builds() {
        assert!(Config::builder().webhook_secret("s").build().is_ok());
        assert!(Config::builder().runtime_token_only().build().is_ok());
        assert!(Config::builder().insecure_skip_verification().build().unwrap().is_insecure());
    }

    #[test]
    fn environment_fills_what_code_did_not_set() {
        let vars = env(&[
            ("KIKET_WEBHOOK_SECRET", "env-secret"),
            ("KIKET_BASE_URL", "http://127.0.0.1:9/"),
            ("KIKET_WORKSPACE_TOKEN", "wk"),
        ]);
        let config = Config::builder().with_env_from(vars).build().unwrap();
        assert_eq!(config.webhook_secrets[0].expose(), "env-secret");
        assert_eq!(config.api_base_url(), "http://127.0.0.1:9");
        assert_eq!(config.jwks_url, "http://127.0.0.1:9/.well-known/jwks.json");
        let code_wins = Config::builder()
            .webhook_secret("code")
            .api_base_url("https://eu.kiket.dev")
            .with_env_from(env(&[("KIKET_WEBHOOK_SECRET", "env"), ("KIKET_BASE_URL", "https://other.example")]))
            .build()
            .unwrap();
        assert_eq!(code_wins.webhook_secrets.len(), 1);
        assert_eq!(code_wins.webhook_secrets[0].expose(), "code");
        assert_eq!(code_wins.api_base_url(), "https://eu.kiket.dev");
    }

    #[test]
    fn bad_urls_are_named() {
        let err = Config::builder().webhook_secret("s").api_base_url("kiket.dev").build().unwrap_err();
        assert_eq!(
            err.to_string(),
            "KIKET_BASE_URL must be an absolute http:// or https:// URL without credentials, got \"kiket.dev\""
        );
        assert!(Config::builder().webhook_secret("s").api_base_url("https://user:pw@kiket.dev").build().is_err());
    }

    #[test]
    fn a_url_with_credentials_is_refused_without_repeating_them() {
        let err = Config::builder()
            .webhook_secret("s")
            .with_env_from(env(&[("KIKET_BASE_URL", "https://ann:hunter2@kiket.dev/api")]))
            .build()
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("KIKET_BASE_URL") && text.contains("[redacted]@kiket.dev/api"), "{text}");
        assert!(!text.contains("hunter2") && !text.contains("ann"), "{text}");
        assert!(!format!("{err:?}").contains("hunter2"));
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let config =
            Config::builder().webhook_secret("whsec_topsecret").workspace_token("wk_topsecret").build().unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("topsecret"), "{printed}");
    }
}
