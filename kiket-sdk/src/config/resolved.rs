//! [`Config`]: the resolved configuration, its accessors and the views people see.

use super::options::{Environment, LogFormat, Values, VISIBILITY_MARGIN};
use super::{ConfigBuilder, ConfigError};
use crate::manifest::Manifest;
use crate::queue::{Job, Role};
use crate::replay::Intake;
use crate::settings::Settings;
use crate::telemetry::MetricsEndpoint;
use serde_json::Value;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

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
    /// Every option, resolved (the table in `options.rs`).
    pub(crate) options: Values,
    /// The queue and the replay store in one step, when both are the shared Redis's (so never
    /// with the replay guard off or either chosen in code).
    pub(crate) intake: Option<Arc<dyn Intake<Job>>>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Config");
        for (key, value) in self.view() {
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
    /// environment variables of [`OPTIONS`](crate::config::OPTIONS) (see [`ConfigBuilder::with_env`]).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), kiket_sdk::ConfigError> {
    /// // extension.yaml from the working directory, then KIKET_WEBHOOK_SECRET, KIKET_BASE_URL, …
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
        self.options.redis.redis.as_ref()
    }

    /// What this process runs (`KIKET_ROLE`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert_eq!(config.role(), kiket_sdk::queue::Role::Both); // serve and work
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn role(&self) -> Role {
        self.options.role
    }

    /// The Prometheus endpoint, when metrics are served.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert!(config.metrics_endpoint().is_none()); // KIKET_METRICS=1 or `.metrics(..)` to serve them
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn metrics_endpoint(&self) -> Option<&MetricsEndpoint> {
        self.options.metrics.as_ref()
    }

    /// The extension API base URL (no trailing slash).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").api_base_url("https://eu.kiket.dev/").build()?;
    /// assert_eq!(config.api_base_url(), "https://eu.kiket.dev");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn api_base_url(&self) -> &str {
        &self.options.api_base_url
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
        &self.options.http_client
    }

    /// Whether deliveries are accepted without verification (development only).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert!(!config.is_insecure());
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn is_insecure(&self) -> bool {
        self.options.insecure_skip_verification
    }

    /// Largest accepted body in bytes.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert_eq!(config.body_limit(), 1024 * 1024); // the default: 1 MiB
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn body_limit(&self) -> usize {
        self.options.body_limit
    }

    /// Resolved settings.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").setting("crm.region", "eu").build()?;
    /// assert_eq!(config.settings().get::<String>("crm.region")?.as_deref(), Some("eu"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn settings(&self) -> &Settings {
        &self.options.settings
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
        self.options.manifest.as_deref()
    }

    /// The extension id (builder, else manifest `id`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").extension("com.example.crm", "1.0.0").build()?;
    /// assert_eq!(config.extension_id(), Some("com.example.crm"));
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn extension_id(&self) -> Option<&str> {
        self.options.extension_id.as_deref()
    }

    /// The extension version (builder, else manifest `version`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").extension("com.example.crm", "1.0.0").build()?;
    /// assert_eq!(config.extension_version(), Some("1.0.0"));
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn extension_version(&self) -> Option<&str> {
        self.options.extension_version.as_deref()
    }

    /// Where telemetry records are POSTed, when enabled and not opted out.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert_eq!(config.telemetry_url(), None); // off unless configured
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn telemetry_url(&self) -> Option<&str> {
        self.options.telemetry_url.as_deref().filter(|_| !self.options.telemetry_opt_out)
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
        Value::Object(self.view().into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
    }

    /// Every shown option, then the verification mode they amount to.
    fn view(&self) -> Vec<(&'static str, Value)> {
        let mut view = self.shown();
        view.push(("verification", Value::from(self.verification())));
        view
    }

    /// Where the extension runs (`KIKET_ENV`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert_eq!(config.environment(), kiket_sdk::config::Environment::Production);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn environment(&self) -> Environment {
        self.options.environment
    }

    /// How `kiket::run` writes logs (`KIKET_LOG_FORMAT`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert_eq!(config.log_format(), kiket_sdk::config::LogFormat::Text);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn log_format(&self) -> LogFormat {
        self.options.log_format
    }

    /// The verification mode, as `describe()` shows it under `verification`.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert_eq!(config.verification_mode(), "hmac");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn verification_mode(&self) -> &'static str {
        self.verification()
    }

    /// Where runtime-token keys are fetched: as set, else `<api_base_url>/.well-known/jwks.json`.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").api_base_url("https://eu.kiket.dev").build()?;
    /// assert_eq!(config.jwks_url(), "https://eu.kiket.dev/.well-known/jwks.json");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn jwks_url(&self) -> String {
        match &self.options.jwks_url {
            Some(url) => url.clone(),
            None => format!("{}/.well-known/jwks.json", self.options.api_base_url),
        }
    }

    /// How long a worker may hold a job before another takes it over: as set, else the
    /// handler timeout and [`VISIBILITY_MARGIN`].
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").handler_timeout(std::time::Duration::from_secs(10)).build()?;
    /// assert_eq!(config.visibility_timeout(), std::time::Duration::from_secs(40));
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn visibility_timeout(&self) -> Duration {
        self.options.visibility_timeout.unwrap_or(self.options.handler_timeout + VISIBILITY_MARGIN)
    }

    /// Where [`Extension::run`](crate::Extension::run) listens (`HOST`, `PORT`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// assert_eq!(config.listen_address(), kiket_sdk::config::DEFAULT_LISTEN_ADDRESS); // 127.0.0.1:8080
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn listen_address(&self) -> SocketAddr {
        self.options.listen_address
    }

    fn verification(&self) -> &'static str {
        if self.options.insecure_skip_verification {
            "disabled (insecure development mode)"
        } else if self.options.development_webhook_secret.is_some() {
            "hmac with a published DEVELOPMENT secret (loopback only)"
        } else if !self.options.webhook_secrets.is_empty() {
            "hmac"
        } else {
            "runtime token"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ConfigError;

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
        assert_eq!(config.options.webhook_secrets[0].expose(), "env-secret");
        assert_eq!(config.api_base_url(), "http://127.0.0.1:9");
        assert_eq!(config.jwks_url(), "http://127.0.0.1:9/.well-known/jwks.json");
        let code_wins = Config::builder()
            .webhook_secret("code")
            .api_base_url("https://eu.kiket.dev")
            .with_env_from(env(&[("KIKET_WEBHOOK_SECRET", "env"), ("KIKET_BASE_URL", "https://other.example")]))
            .build()
            .unwrap();
        assert_eq!(code_wins.options.webhook_secrets.len(), 1);
        assert_eq!(code_wins.options.webhook_secrets[0].expose(), "code");
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
