//! [`ConfigBuilder`]: one setter per option of the table in `options.rs` (a few set two at
//! once, or add to a list); every setter overrides what [`ConfigBuilder::with_env`] would
//! read. [`ConfigBuilder::build`] is in `resolve.rs`.

use super::options::{Environment, LogFormat, Options};
use super::resolve::{ManifestSource, ReplayGuard, VarSource};
use crate::manifest::Manifest;
use crate::queue::{Backoff, Queue, QueueKey, Role};
use crate::replay::{InMemoryReplayStore, ReplayStore};
use crate::telemetry::{FeedbackHook, MetricsEndpoint};
use crate::verify::{Clock, JwksSource, SignatureScheme};
use kiket_client::retry::RetryPolicy;
use kiket_types::SecretString;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Builds a [`Config`](crate::Config). Every setter overrides what [`ConfigBuilder::with_env`] would read.
///
/// ```
/// use kiket_sdk::Config;
/// use std::time::Duration;
///
/// let config = Config::builder()
///     .webhook_secret("whsec_test")            // or KIKET_WEBHOOK_SECRET with `.with_env()`
///     .handler_timeout(Duration::from_secs(10))
///     .setting("batch_size", 100)
///     .build()?;
/// assert_eq!(config.describe()["handler_timeout_ms"], 10_000);
/// assert_eq!(config.settings().get::<u32>("batch_size")?, Some(100));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Default)]
pub struct ConfigBuilder {
    /// Every option as set: the only place the builder keeps one (see `options.rs`).
    pub(super) options: Options,
    /// Where [`Self::with_env`] reads variables; `None`: the environment is not read.
    pub(super) env: Option<VarSource>,
}

impl std::fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secrets = self.options.webhook_secrets.as_ref().map_or(0, Vec::len);
        f.debug_struct("ConfigBuilder")
            .field("webhook_secrets", &format_args!("[{secrets} redacted]"))
            .field("api_base_url", &self.options.api_base_url)
            .field("reads_environment", &self.env.is_some())
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// Adds a webhook secret. Call again for rotation (newest first); any match passes.
    /// Blank secrets are ignored.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").build()?;
    /// // Never printed: `Debug` and `describe()` redact it.
    /// assert_eq!(config.describe()["webhook_secrets"], serde_json::json!(["[redacted]"]));
    /// assert!(!format!("{config:?}").contains("whsec_test"));
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn webhook_secret(mut self, secret: impl Into<SecretString>) -> Self {
        let secret = secret.into();
        if !secret.is_blank() {
            self.options.webhook_secrets.get_or_insert_default().push(secret);
        }
        self
    }

    /// Where the extension runs: [`Environment::Development`] is a local run (the published
    /// development secret unless one is configured, loopback only, a local mock of the API
    /// from `kiket::run` when no API base URL is given); also `KIKET_ENV`.
    ///
    /// ```
    /// use kiket_sdk::config::Environment;
    /// let config = kiket_sdk::Config::builder().environment(Environment::Development).build()?;
    /// assert_eq!(config.describe()["verification"], "hmac with a published DEVELOPMENT secret (loopback only)");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn environment(mut self, environment: Environment) -> Self {
        self.options.environment = Some(environment);
        self
    }

    /// How `kiket::run` writes logs (also `KIKET_LOG_FORMAT`).
    ///
    /// ```
    /// use kiket_sdk::config::LogFormat;
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").log_format(LogFormat::Json).build()?;
    /// assert_eq!(config.log_format(), LogFormat::Json);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn log_format(mut self, format: LogFormat) -> Self {
        self.options.log_format = Some(format);
        self
    }

    /// Uses `secret`, a development secret published in an example or README, when no real
    /// webhook secret is configured (code, manifest or `KIKET_WEBHOOK_SECRET` win over it).
    /// Deliveries are still verified, but every one logs a warning, and the server refuses to
    /// listen on anything but loopback.
    ///
    /// ```
    /// // `kiket dev` and local experiments: served on loopback only.
    /// let config = kiket_sdk::Config::builder().development_webhook_secret("dev-secret").build()?;
    /// assert_eq!(config.describe()["development_secret"], true);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn development_webhook_secret(mut self, secret: impl Into<SecretString>) -> Self {
        self.options.development_webhook_secret = Some(secret.into());
        self
    }

    /// Allowed distance between `X-Kiket-Timestamp` and now, both ways (default 300 s).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").signature_tolerance(std::time::Duration::from_secs(60)).build()?;
    /// assert_eq!(config.describe()["signature_tolerance_ms"], 60_000);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn signature_tolerance(mut self, tolerance: Duration) -> Self {
        self.options.signature_tolerance = Some(tolerance);
        self
    }

    /// Selects the signature scheme (default [`SignatureScheme::TimestampedBody`]).
    ///
    /// ```
    /// use kiket_sdk::verify::SignatureScheme;
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").signature_scheme(SignatureScheme::LegacyBodyOnly).build()?;
    /// assert_eq!(config.describe()["signature_scheme"], "LegacyBodyOnly");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn signature_scheme(mut self, scheme: SignatureScheme) -> Self {
        self.options.signature_scheme = Some(scheme);
        self
    }

    /// Requires a valid runtime token on every delivery, even when signatures are verified.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").require_runtime_token().build()?;
    /// assert_eq!(config.describe()["runtime_token_required"], true);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn require_runtime_token(mut self) -> Self {
        self.options.runtime_token_required = Some(true);
        self
    }

    /// Accepts deliveries authenticated by their runtime token alone, for platforms that no
    /// longer sign. The token is then required.
    ///
    /// ```
    /// // No webhook secret: every delivery must carry a valid runtime token.
    /// let config = kiket_sdk::Config::builder().runtime_token_only().build()?;
    /// assert_eq!(config.describe()["runtime_token_required"], true);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn runtime_token_only(self) -> Self {
        self.require_runtime_token()
    }

    /// Accepts deliveries without any verification. For local development only: every
    /// request logs a warning.
    ///
    /// ```
    /// // Tests only: without this call, a configuration with nothing to verify refuses to build.
    /// assert!(kiket_sdk::Config::builder().build().is_err());
    /// let config = kiket_sdk::Config::builder().insecure_skip_verification().build()?;
    /// assert!(config.is_insecure());
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn insecure_skip_verification(mut self) -> Self {
        self.options.insecure_skip_verification = Some(true);
        self
    }

    /// Extension API base URL (default `https://kiket.dev`). Also locates the JWKS.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").api_base_url("https://eu.kiket.dev").build()?;
    /// assert_eq!(config.api_base_url(), "https://eu.kiket.dev");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn api_base_url(mut self, url: impl Into<String>) -> Self {
        self.options.api_base_url = Some(url.into());
        self
    }

    /// Where runtime-token keys are fetched (default `<base URL>/.well-known/jwks.json`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").jwks_url("https://keys.example.com/jwks.json").build()?;
    /// assert_eq!(config.describe()["jwks_url"], "https://keys.example.com/jwks.json");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.options.jwks_url = Some(url.into());
        self
    }

    /// Supplies runtime-token keys from code instead of HTTP (tests, air-gapped set-ups).
    ///
    /// ```
    /// let keys = kiket_sdk::testing::TestKeys::generate("kid-1");
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").jwks_source(keys.jwks_source()).build()?;
    /// assert_ne!(config.describe()["jwks_source"], "http");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn jwks_source(mut self, source: impl JwksSource) -> Self {
        self.options.jwks_source = Some(Arc::new(source));
        self
    }

    /// How long a fetched key set is trusted (default 1 h) and the least time between two
    /// fetches (default 30 s; an unknown `kid` refetches at most once per cooldown).
    ///
    /// ```
    /// use std::time::Duration;
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").jwks_cache(Duration::from_secs(600), Duration::from_secs(10)).build()?;
    /// assert_eq!(config.describe()["jwks_cache_ttl_ms"], 600_000);
    /// assert_eq!(config.describe()["jwks_refetch_cooldown_ms"], 10_000);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn jwks_cache(mut self, ttl: Duration, refetch_cooldown: Duration) -> Self {
        self.options.jwks_cache_ttl = Some(ttl);
        self.options.jwks_refetch_cooldown = Some(refetch_cooldown);
        self
    }

    /// Clock skew tolerated on `exp`, `iat` and `nbf` (default 0).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").token_leeway(std::time::Duration::from_secs(5)).build()?;
    /// assert_eq!(config.describe()["token_leeway_ms"], 5_000);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn token_leeway(mut self, leeway: Duration) -> Self {
        self.options.token_leeway = Some(leeway);
        self
    }

    /// Workspace token sent as `Authorization: Bearer …` on API calls.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").workspace_token("wk_live_123").build()?;
    /// assert_eq!(config.describe()["workspace_token"], "[redacted]");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn workspace_token(mut self, token: impl Into<SecretString>) -> Self {
        let token = token.into();
        self.options.workspace_token = (!token.is_blank()).then_some(token);
        self
    }

    /// Trusts a delivery's `api.base_url` when its origin (`https://host[:port]`) is this one.
    /// Without any allowed origin the payload's URL is always ignored.
    ///
    /// ```
    /// // Deliveries may then name this API origin in `api.base_url`; any other is ignored.
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").allow_api_origin("https://eu.kiket.dev").build()?;
    /// assert_eq!(config.describe()["allowed_api_origins"], serde_json::json!(["https://eu.kiket.dev"]));
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn allow_api_origin(mut self, origin: impl Into<String>) -> Self {
        self.options.allowed_api_origins.get_or_insert_default().push(origin.into());
        self
    }

    /// Largest accepted body in bytes (default 1 MiB); larger bodies get 413 unread.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").body_limit(256 * 1024).build()?;
    /// assert_eq!(config.body_limit(), 262_144); // larger bodies: 413, never read
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.options.body_limit = Some(bytes);
        self
    }

    /// Longest a handler may run, from the delivery's arrival, before the delivery is answered 503
    /// (default 25 s); a route's own deadline comes first ([`Router::timeout`](crate::Router::timeout),
    /// its manifest hook's [`Hook::handler_deadline`](crate::manifest::Hook::handler_deadline)).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").handler_timeout(std::time::Duration::from_secs(8)).build()?;
    /// assert_eq!(config.describe()["handler_timeout_ms"], 8_000);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn handler_timeout(mut self, timeout: Duration) -> Self {
        self.options.handler_timeout = Some(timeout);
        self
    }

    /// Most verified deliveries handled at once; more are answered 503 + `Retry-After`
    /// (default 1024). Unverified requests never hold one of these.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").max_concurrency(64).build()?;
    /// assert_eq!(config.describe()["max_concurrency"], 64);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn max_concurrency(mut self, limit: usize) -> Self {
        self.options.max_concurrency = Some(limit);
        self
    }

    /// How long a client may take to send a request head (default 10 s). hyper starts the
    /// timer whenever a connection waits for a head, so an idle keep-alive connection is
    /// closed after this long too.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").header_read_timeout(std::time::Duration::from_secs(3)).build()?;
    /// assert_eq!(config.describe()["header_read_timeout_ms"], 3_000);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.options.header_read_timeout = Some(timeout);
        self
    }

    /// How long a client may take to send the body once the head is in (default 15 s); a
    /// stalled body is answered 408.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").body_timeout(std::time::Duration::from_secs(5)).build()?;
    /// assert_eq!(config.describe()["body_timeout_ms"], 5_000);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn body_timeout(mut self, timeout: Duration) -> Self {
        self.options.body_timeout = Some(timeout);
        self
    }

    /// Bytes of bodies not yet verified that all connections together may hold (default
    /// 64 MiB); beyond it a delivery is answered 503 + `Retry-After` before it is read.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").unverified_body_budget(16 * 1024 * 1024).build()?;
    /// assert_eq!(config.describe()["unverified_body_budget"], 16_777_216);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn unverified_body_budget(mut self, bytes: usize) -> Self {
        self.options.unverified_body_budget = Some(bytes);
        self
    }

    /// Speaks cleartext HTTP/2 (h2c) beside HTTP/1, with at most `max_streams` concurrent
    /// streams per connection (1 to 100). Off by default; needs the cargo feature `h2c`
    /// (`kiket = { features = ["h2c"] }`), which compiles hyper's HTTP/2 server in.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").http2_cleartext(100).build()?;
    /// assert_eq!(config.describe()["http2_max_streams"], 100);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    #[cfg(feature = "h2c")]
    pub fn http2_cleartext(mut self, max_streams: u32) -> Self {
        self.options.http2_max_streams = Some(max_streams);
        self
    }

    /// Refuses (401) runtime tokens whose `ext_id` claim is not `id`.
    ///
    /// ```
    /// // Runtime tokens issued for another extension are refused (401).
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").expect_extension_id("ext_42").build()?;
    /// assert_eq!(config.describe()["token_pins"]["ext_id"], "ext_42");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn expect_extension_id(mut self, id: impl Into<String>) -> Self {
        self.options.token_pins.get_or_insert_default().ext_id = Some(id.into());
        self
    }

    /// Refuses (401) runtime tokens whose `org_id` claim is not `id`.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").expect_organization_id("org_7").build()?;
    /// assert_eq!(config.describe()["token_pins"]["org_id"], "org_7");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn expect_organization_id(mut self, id: impl Into<String>) -> Self {
        self.options.token_pins.get_or_insert_default().org_id = Some(id.into());
        self
    }

    /// The extension's id and version, reported by `/health`, the context and telemetry.
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").extension("com.example.crm", "1.4.0").build()?;
    /// assert_eq!((config.extension_id(), config.extension_version()), (Some("com.example.crm"), Some("1.4.0")));
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn extension(mut self, id: impl Into<String>, version: impl Into<String>) -> Self {
        self.options.extension_id = Some(id.into());
        self.options.extension_version = Some(version.into());
        self
    }

    /// Where [`Extension::run`](crate::Extension::run) listens (default `127.0.0.1:8080`; also
    /// `HOST` and `PORT`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").listen_address(([0, 0, 0, 0], 9000).into()).build()?;
    /// assert_eq!(config.describe()["listen_address"], "0.0.0.0:9000");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn listen_address(mut self, address: SocketAddr) -> Self {
        self.options.listen_address = Some(address);
        self
    }

    /// The time source of timestamp and token checks (tests).
    ///
    /// ```
    /// use kiket_sdk::verify::FixedClock;
    /// // Verify signatures and tokens as if it were this moment (tests of expiry and tolerance).
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").clock(FixedClock(1_760_000_000)).build()?;
    /// # drop(config);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.options.clock = Some(Arc::new(clock));
        self
    }

    /// Retry policy of extension-API calls (default: 3 attempts, backoff with jitter).
    ///
    /// ```
    /// use kiket_client::retry::RetryPolicy;
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").api_retry(RetryPolicy::none()).build()?;
    /// assert!(config.describe()["api_retry"].as_str().unwrap().contains("max_attempts: 1"));
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn api_retry(mut self, policy: RetryPolicy) -> Self {
        self.options.api_retry = Some(policy);
        self
    }

    /// Builds the process's HTTP client (API, JWKS and telemetry calls) from your builder:
    /// proxies, TLS roots, pool sizes. The SDK's timeouts, user agent and redirect policy
    /// are set on top ([`kiket_client::transport::configure`]), so credentials never follow a
    /// redirect off the API origin whatever the builder said.
    ///
    /// ```
    /// let builder = reqwest::Client::builder().connect_timeout(std::time::Duration::from_secs(2));
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").http_client(builder).build()?;
    /// let _shared: &reqwest::Client = config.http_client();
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.options.http_client = Some(builder);
        self
    }

    /// Uses `manifest` (already parsed).
    ///
    /// ```
    /// let yaml = "id: com.example.crm\nversion: 1.4.0\nevents: [issue.created]\n";
    /// let manifest = kiket_sdk::manifest::parse(yaml, std::path::Path::new("extension.yaml"))?;
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").manifest(manifest).build()?;
    /// assert_eq!(config.extension_id(), Some("com.example.crm"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn manifest(mut self, manifest: Manifest) -> Self {
        self.options.manifest = Some(ManifestSource::Value(Box::new(manifest)));
        self
    }

    /// Reads the manifest at `path`; a missing file is an error at [`Self::build`].
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("kiket-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("crm.yaml"), "id: com.example.crm\nversion: 1.4.0\n")?;
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").manifest_path(dir.join("crm.yaml")).build()?;
    /// assert_eq!(config.extension_version(), Some("1.4.0"));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn manifest_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.options.manifest = Some(ManifestSource::Path(path.into()));
        self
    }

    /// Looks for `extension.yaml`, `extension.yml`, `manifest.yaml`, `manifest.yml` in `dir`
    /// (first hit wins); no file is not an error.
    ///
    /// ```
    /// let dir = std::env::temp_dir().join(format!("kiket-doc-discover-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// std::fs::write(dir.join("extension.yaml"), "id: com.example.crm\nversion: 2.0.0\n")?;
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").discover_manifest(&dir).build()?;
    /// assert_eq!(config.extension_id(), Some("com.example.crm"));
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn discover_manifest(mut self, dir: impl Into<PathBuf>) -> Self {
        self.options.manifest = Some(ManifestSource::Discover(dir.into()));
        self
    }

    /// Sets a setting explicitly (highest precedence).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").setting("crm.region", "eu").setting("batch_size", 50).build()?;
    /// assert_eq!(config.settings().get::<String>("crm.region")?.as_deref(), Some("eu"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn setting(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.options.settings.get_or_insert_default().insert(key.into(), value.into());
        self
    }

    /// POSTs telemetry records to `url` (`/telemetry` is appended unless present).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").telemetry_url("https://telemetry.example.com/v1/records").build()?;
    /// assert_eq!(config.telemetry_url(), Some("https://telemetry.example.com/v1/records/telemetry"));
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn telemetry_url(mut self, url: impl Into<String>) -> Self {
        self.options.telemetry_url = Some(url.into());
        self
    }

    /// Sends no telemetry to any URL (the feedback hook and counters still work).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").telemetry_url("https://telemetry.example.com").telemetry_opt_out(true).build()?;
    /// assert_eq!(config.telemetry_url(), None); // nothing is sent
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn telemetry_opt_out(mut self, opt_out: bool) -> Self {
        self.options.telemetry_opt_out = Some(opt_out);
        self
    }

    /// The replay guard's store. The guard is on by default with an in-memory store
    /// ([`InMemoryReplayStore`], one process): a delivery seen again within twice the
    /// signature window is answered with its first answer, and its handler does not run
    /// twice. Several replicas need a shared store.
    ///
    /// ```
    /// use kiket_sdk::replay::InMemoryReplayStore;
    /// // Your own store (one shared by replicas), or a bounded in-memory one:
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").replay_guard(InMemoryReplayStore::with_capacity(10_000)).build()?;
    /// assert_eq!(config.describe()["replay_guard"], true);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn replay_guard(mut self, store: impl ReplayStore) -> Self {
        self.options.replay_guard = Some(ReplayGuard::Store(Arc::new(store)));
        self
    }

    /// Redis, shared by every replica (cargo feature `redis`; without it, `build` fails and
    /// says so): the replay guard's store unless [`Self::replay_guard`] names another. Also
    /// set by `KIKET_REDIS_URL`. The URL (`redis://[:password@]host[:port][/db]`) is a secret:
    /// `Debug` and [`Config::describe`](crate::Config::describe) show its address only.
    /// Nothing connects until the first delivery; while Redis cannot be reached, deliveries
    /// are refused with 503 and `Retry-After`, never handled unclaimed.
    ///
    /// ```
    /// # #[cfg(feature = "redis")] {
    /// let config = kiket_sdk::Config::builder()
    ///     .webhook_secret("whsec_example")
    ///     .redis("redis://:s3cret@10.0.0.5:6379/2")
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(config.describe()["redis"], "10.0.0.5:6379/2");
    /// assert!(!format!("{config:?}").contains("s3cret"));
    /// # }
    /// ```
    pub fn redis(mut self, url: impl Into<String>) -> Self {
        self.options.redis = Some(SecretString::new(url.into()));
        self
    }

    /// Where deferred deliveries wait ([`crate::queue`]): by default the in-process
    /// [`InMemoryQueue`](crate::queue::InMemoryQueue), or Redis when [`Self::redis`] is set.
    ///
    /// ```
    /// use kiket_sdk::queue::InMemoryQueue;
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").queue(InMemoryQueue::with_capacity(1_000)).build()?;
    /// assert_eq!(config.describe()["queue"], "memory");
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn queue(mut self, queue: impl Queue) -> Self {
        self.options.queue = Some(Arc::new(queue));
        self
    }

    /// Adds a key that seals deferred deliveries in a durable queue; the first added seals,
    /// every one opens (rotation: add the new key first, keep the old one until its jobs are
    /// gone). Also read from `KIKET_QUEUE_KEY` and `KIKET_QUEUE_KEY_PREVIOUS`.
    ///
    /// ```
    /// use kiket_sdk::queue::QueueKey;
    /// let key = QueueKey::from_bytes([7; 32]);
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_example").queue_key(key).build().unwrap();
    /// assert_eq!(config.describe()["queue_keys"], 1);
    /// ```
    pub fn queue_key(mut self, key: QueueKey) -> Self {
        self.options.queue_keys.get_or_insert_default().push(key);
        self
    }

    /// What this process runs: HTTP server, workers, or both (the default; `KIKET_ROLE`).
    ///
    /// ```
    /// use kiket_sdk::queue::Role;
    /// // A process that only runs the workers of deferred routes (same as KIKET_ROLE=worker).
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").role(Role::Worker).build()?;
    /// assert_eq!(config.role(), Role::Worker);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn role(mut self, role: Role) -> Self {
        self.options.role = Some(role);
        self
    }

    /// Retries of failing deferred handlers (default: 5 runs, 1 s doubling to 300 s, jittered).
    ///
    /// ```
    /// use kiket_sdk::queue::Backoff;
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").deferred_retries(Backoff { attempts: 8, ..Backoff::default() }).build()?;
    /// assert_eq!(config.describe()["deferred_retries"], 8);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn deferred_retries(mut self, backoff: Backoff) -> Self {
        self.options.deferred_retries = Some(backoff);
        self
    }

    /// Deferred deliveries one process runs at once (default 16; `KIKET_WORKER_CONCURRENCY`).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").worker_concurrency(4).build()?;
    /// assert_eq!(config.describe()["worker_concurrency"], 4);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn worker_concurrency(mut self, jobs: usize) -> Self {
        self.options.worker_concurrency = Some(jobs);
        self
    }

    /// How long a worker may hold a job before another takes it over (default: the handler
    /// timeout and 30 s).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").visibility_timeout(std::time::Duration::from_secs(120)).build()?;
    /// assert_eq!(config.describe()["visibility_timeout_ms"], 120_000);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn visibility_timeout(mut self, timeout: Duration) -> Self {
        self.options.visibility_timeout = Some(timeout);
        self
    }

    /// [`Self::replay_guard`] with the in-memory store (the default).
    ///
    /// ```
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").replay_guard_in_memory().build()?;
    /// assert_eq!(config.describe()["replay_guard"], true);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn replay_guard_in_memory(self) -> Self {
        self.replay_guard(InMemoryReplayStore::default())
    }

    /// Turns the replay guard off: every copy of a delivery runs its handler again. Unsafe
    /// with several replicas or a retrying network; meant for benchmarks and tests that send
    /// one signed request many times.
    ///
    /// ```
    /// // Every delivery runs, repeats included: only for handlers that are idempotent themselves.
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").replay_guard_off().build()?;
    /// assert_eq!(config.describe()["replay_guard"], false);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn replay_guard_off(mut self) -> Self {
        self.options.replay_guard = Some(ReplayGuard::Off);
        self
    }

    /// Serves Prometheus metrics on `GET /metrics` (cargo feature `metrics`; without it,
    /// `build` fails and says so). Also switched on by `KIKET_METRICS=1`, with
    /// `KIKET_METRICS_TOKEN` and `KIKET_METRICS_ADDR` for the token and a separate address.
    ///
    /// ```
    /// # #[cfg(feature = "metrics")] {
    /// use kiket_sdk::{telemetry::MetricsEndpoint, Config};
    ///
    /// let config = Config::builder()
    ///     .webhook_secret("whsec_example")
    ///     .metrics(MetricsEndpoint::new().token("scrape-token"))
    ///     .build()
    ///     .unwrap();
    /// assert!(config.metrics_endpoint().is_some());
    /// # }
    /// ```
    pub fn metrics(mut self, endpoint: MetricsEndpoint) -> Self {
        self.options.metrics = Some(endpoint);
        self
    }

    /// Receives every telemetry record, off the response path.
    ///
    /// ```
    /// let hook = kiket_sdk::telemetry::feedback_hook(|record| async move {
    ///     tracing::info!(event = %record.event, ms = record.duration_ms, "delivery");
    /// });
    /// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").feedback_hook(hook).build()?;
    /// # drop(config);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn feedback_hook(mut self, hook: FeedbackHook) -> Self {
        self.options.feedback_hook = Some(hook);
        self
    }

    /// Reads what code did not set from the process environment: the variables of
    /// [`OPTIONS`](super::OPTIONS) (each option names its own; [`super::env`] has a constant
    /// for each) and `KIKET_SECRET_<NAME>` for secret settings.
    ///
    /// ```
    /// // KIKET_WEBHOOK_SECRET, KIKET_BASE_URL, KIKET_WORKSPACE_TOKEN, … then explicit calls win.
    /// let config = kiket_sdk::Config::builder().with_env().webhook_secret("whsec_test").build()?;
    /// # drop(config);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn with_env(self) -> Self {
        self.with_env_from(|key| std::env::var(key).ok())
    }

    /// [`Self::with_env`] over any variable source (tests). Also resolves `env:` references.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// // The environment from anywhere (a secrets manager, a test): same names as `with_env`.
    /// let vars = HashMap::from([("KIKET_WEBHOOK_SECRET", "whsec_test"), ("KIKET_WORKER_CONCURRENCY", "4")]);
    /// let config = kiket_sdk::Config::builder().with_env_from(move |name| vars.get(name).map(|v| v.to_string())).build()?;
    /// assert_eq!(config.describe()["worker_concurrency"], 4);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn with_env_from(mut self, var: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.env = Some(Arc::new(var));
        self
    }
}
