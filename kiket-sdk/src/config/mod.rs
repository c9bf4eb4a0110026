//! Runtime configuration: one [`Config`] shared by the server, the API client and telemetry.
//!
//! Precedence, highest first: values set on the [`ConfigBuilder`], the manifest
//! (`extension.yaml`), `KIKET_*` environment variables (read only after
//! [`ConfigBuilder::with_env`]), defaults. Settings follow PROTOCOL.md §5: manifest defaults,
//! overlaid by `KIKET_SECRET_<NAME>` for keys marked secret, overlaid by explicit values.
//!
//! Fail-closed: [`ConfigBuilder::build`] refuses a configuration that would accept unsigned
//! deliveries, unless [`ConfigBuilder::insecure_skip_verification`] is called explicitly
//! (local development only; every request then logs a warning).

pub use crate::settings::{secret_env_name, Settings, SettingsError};

use crate::manifest::{self, Manifest, ManifestError};
use crate::replay::{InMemoryReplayStore, ReplayStore};
use crate::telemetry::{FeedbackHook, TelemetryConfig};
use crate::verify::{Clock, JwksSource, SignatureScheme, SystemClock};
use kiket_client::RetryPolicy;
use kiket_types::SecretString;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use kiket_client::url::origin_of;

/// Default extension API base URL.
pub const DEFAULT_BASE_URL: &str = "https://kiket.dev";
/// Default largest accepted body (1 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

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
        /// The value given.
        value: String,
    },
    /// A numeric limit is zero or out of range.
    #[error("{setting} must be greater than zero")]
    InvalidLimit {
        /// The setting.
        setting: &'static str,
    },
    /// The shared HTTP client could not be created (TLS initialisation).
    #[error("could not create the HTTP client: {0}")]
    HttpClient(String),
}

/// The resolved configuration. `Debug` output redacts every secret.
#[derive(Clone)]
pub struct Config {
    pub(crate) webhook_secrets: Vec<SecretString>,
    pub(crate) signature_tolerance: Duration,
    pub(crate) signature_scheme: SignatureScheme,
    pub(crate) runtime_token_required: bool,
    pub(crate) insecure_skip_verification: bool,
    pub(crate) api_base_url: String,
    pub(crate) jwks_url: String,
    pub(crate) jwks_source: Option<Arc<dyn JwksSource>>,
    pub(crate) jwks_cache_ttl: Duration,
    pub(crate) jwks_refetch_cooldown: Duration,
    pub(crate) token_leeway: Duration,
    pub(crate) workspace_token: Option<SecretString>,
    pub(crate) allowed_api_origins: Vec<String>,
    pub(crate) body_limit: usize,
    pub(crate) handler_timeout: Duration,
    pub(crate) max_concurrency: usize,
    pub(crate) extension_id: Option<String>,
    pub(crate) extension_version: Option<String>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) api_retry: RetryPolicy,
    pub(crate) http: reqwest::Client,
    pub(crate) settings: Arc<Settings>,
    pub(crate) manifest: Option<Arc<Manifest>>,
    pub(crate) telemetry: TelemetryConfig,
    pub(crate) replay_store: Option<Arc<dyn ReplayStore>>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("webhook_secrets", &format_args!("[{} redacted]", self.webhook_secrets.len()))
            .field("signature_tolerance", &self.signature_tolerance)
            .field("signature_scheme", &self.signature_scheme)
            .field("runtime_token_required", &self.runtime_token_required)
            .field("insecure_skip_verification", &self.insecure_skip_verification)
            .field("api_base_url", &self.api_base_url)
            .field("jwks_url", &self.jwks_url)
            .field("token_leeway", &self.token_leeway)
            .field("workspace_token", &self.workspace_token.as_ref().map(|_| "[redacted]"))
            .field("allowed_api_origins", &self.allowed_api_origins)
            .field("body_limit", &self.body_limit)
            .field("handler_timeout", &self.handler_timeout)
            .field("max_concurrency", &self.max_concurrency)
            .field("extension_id", &self.extension_id)
            .field("extension_version", &self.extension_version)
            .field("settings", &self.settings)
            .field("telemetry", &self.telemetry)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// A builder with the defaults of PROTOCOL.md.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Everything from `KIKET_*` environment variables (see [`ConfigBuilder::with_env`]).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::builder().with_env().build()
    }

    /// The extension API base URL (no trailing slash).
    pub fn api_base_url(&self) -> &str {
        &self.api_base_url
    }

    /// The process-wide HTTP client (one connection pool).
    pub fn http_client(&self) -> &reqwest::Client {
        &self.http
    }

    /// Whether deliveries are accepted without verification (development only).
    pub fn is_insecure(&self) -> bool {
        self.insecure_skip_verification
    }

    /// Largest accepted body in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// Resolved settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The manifest the configuration was built from, if any.
    pub fn manifest(&self) -> Option<&Manifest> {
        self.manifest.as_deref()
    }

    /// The extension id (builder, else manifest `id`).
    pub fn extension_id(&self) -> Option<&str> {
        self.extension_id.as_deref()
    }

    /// The extension version (builder, else manifest `version`).
    pub fn extension_version(&self) -> Option<&str> {
        self.extension_version.as_deref()
    }

    /// Where telemetry records are POSTed, when enabled and not opted out.
    pub fn telemetry_url(&self) -> Option<&str> {
        self.telemetry.url.as_deref().filter(|_| !self.telemetry.opt_out)
    }

    /// A summary safe to print: every value that is not a secret, secrets as `[redacted]`.
    pub fn describe(&self) -> Value {
        serde_json::json!({
            "extension_id": self.extension_id,
            "extension_version": self.extension_version,
            "api_base_url": self.api_base_url,
            "jwks_url": self.jwks_url,
            "verification": if self.insecure_skip_verification { "disabled (insecure development mode)" }
                else if !self.webhook_secrets.is_empty() { "hmac" } else { "runtime token" },
            "webhook_secrets": self.webhook_secrets.iter().map(|_| "[redacted]").collect::<Vec<_>>(),
            "runtime_token_required": self.runtime_token_required,
            "workspace_token": self.workspace_token.as_ref().map(|_| "[redacted]"),
            "settings": self.settings.redacted(),
            "events": self.manifest.as_ref().map(|m| m.events.clone()).unwrap_or_default(),
            "telemetry_url": self.telemetry_url(),
            "body_limit": self.body_limit,
            "handler_timeout_ms": u64::try_from(self.handler_timeout.as_millis()).unwrap_or(u64::MAX),
            "max_concurrency": self.max_concurrency,
        })
    }
}

/// Where the manifest comes from.
#[derive(Debug, Clone, Default)]
enum ManifestSource {
    #[default]
    None,
    Value(Box<Manifest>),
    Path(PathBuf),
    Discover(PathBuf),
}

type VarSource = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Builds a [`Config`]. Every setter overrides what [`ConfigBuilder::with_env`] would read.
#[derive(Default)]
pub struct ConfigBuilder {
    webhook_secrets: Vec<SecretString>,
    signature_tolerance: Option<Duration>,
    signature_scheme: SignatureScheme,
    runtime_token_required: bool,
    insecure_skip_verification: bool,
    api_base_url: Option<String>,
    jwks_url: Option<String>,
    jwks_source: Option<Arc<dyn JwksSource>>,
    jwks_cache_ttl: Option<Duration>,
    jwks_refetch_cooldown: Option<Duration>,
    token_leeway: Duration,
    workspace_token: Option<SecretString>,
    allowed_api_origins: Vec<String>,
    body_limit: Option<usize>,
    handler_timeout: Option<Duration>,
    max_concurrency: Option<usize>,
    extension_id: Option<String>,
    extension_version: Option<String>,
    clock: Option<Arc<dyn Clock>>,
    api_retry: Option<RetryPolicy>,
    http: Option<reqwest::Client>,
    manifest: ManifestSource,
    settings: BTreeMap<String, Value>,
    telemetry_url: Option<String>,
    telemetry_opt_out: Option<bool>,
    feedback_hook: Option<FeedbackHook>,
    env: Option<VarSource>,
    replay_store: Option<Arc<dyn ReplayStore>>,
}

impl std::fmt::Debug for ConfigBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConfigBuilder")
            .field("webhook_secrets", &format_args!("[{} redacted]", self.webhook_secrets.len()))
            .field("api_base_url", &self.api_base_url)
            .finish_non_exhaustive()
    }
}

impl ConfigBuilder {
    /// Adds a webhook secret. Call again for rotation (newest first); any match passes.
    /// Blank secrets are ignored.
    pub fn webhook_secret(mut self, secret: impl Into<SecretString>) -> Self {
        let secret = secret.into();
        if !secret.is_blank() {
            self.webhook_secrets.push(secret);
        }
        self
    }

    /// Allowed distance between `X-Kiket-Timestamp` and now, both ways (default 300 s).
    pub fn signature_tolerance(mut self, tolerance: Duration) -> Self {
        self.signature_tolerance = Some(tolerance);
        self
    }

    /// Selects the signature scheme (default [`SignatureScheme::TimestampedBody`]).
    pub fn signature_scheme(mut self, scheme: SignatureScheme) -> Self {
        self.signature_scheme = scheme;
        self
    }

    /// Requires a valid runtime token on every delivery, even when signatures are verified.
    pub fn require_runtime_token(mut self) -> Self {
        self.runtime_token_required = true;
        self
    }

    /// Accepts deliveries authenticated by their runtime token alone, for platforms that no
    /// longer sign. The token is then required.
    pub fn runtime_token_only(self) -> Self {
        self.require_runtime_token()
    }

    /// Accepts deliveries without any verification. For local development only: every
    /// request logs a warning.
    pub fn insecure_skip_verification(mut self) -> Self {
        self.insecure_skip_verification = true;
        self
    }

    /// Extension API base URL (default `https://kiket.dev`). Also locates the JWKS.
    pub fn api_base_url(mut self, url: impl Into<String>) -> Self {
        self.api_base_url = Some(url.into());
        self
    }

    /// Where runtime-token keys are fetched (default `<base URL>/.well-known/jwks.json`).
    pub fn jwks_url(mut self, url: impl Into<String>) -> Self {
        self.jwks_url = Some(url.into());
        self
    }

    /// Supplies runtime-token keys from code instead of HTTP (tests, air-gapped set-ups).
    pub fn jwks_source(mut self, source: impl JwksSource) -> Self {
        self.jwks_source = Some(Arc::new(source));
        self
    }

    /// How long a fetched key set is trusted (default 1 h) and the least time between two
    /// fetches (default 30 s; an unknown `kid` refetches at most once per cooldown).
    pub fn jwks_cache(mut self, ttl: Duration, refetch_cooldown: Duration) -> Self {
        self.jwks_cache_ttl = Some(ttl);
        self.jwks_refetch_cooldown = Some(refetch_cooldown);
        self
    }

    /// Clock skew tolerated on `exp`, `iat` and `nbf` (default 0).
    pub fn token_leeway(mut self, leeway: Duration) -> Self {
        self.token_leeway = leeway;
        self
    }

    /// Workspace token sent as `Authorization: Bearer …` on API calls.
    pub fn workspace_token(mut self, token: impl Into<SecretString>) -> Self {
        let token = token.into();
        self.workspace_token = (!token.is_blank()).then_some(token);
        self
    }

    /// Trusts a delivery's `api.base_url` when its origin (`https://host[:port]`) is this one.
    /// Without any allowed origin the payload's URL is always ignored.
    pub fn allow_api_origin(mut self, origin: impl Into<String>) -> Self {
        self.allowed_api_origins.push(origin.into());
        self
    }

    /// Largest accepted body in bytes (default 1 MiB); larger bodies get 413 unread.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = Some(bytes);
        self
    }

    /// Longest a handler may run before the delivery is answered 503 (default 25 s).
    pub fn handler_timeout(mut self, timeout: Duration) -> Self {
        self.handler_timeout = Some(timeout);
        self
    }

    /// Most deliveries handled at once; more are answered 503 + `Retry-After` (default 1024).
    pub fn max_concurrency(mut self, limit: usize) -> Self {
        self.max_concurrency = Some(limit);
        self
    }

    /// The extension's id and version, reported by `/health`, the context and telemetry.
    pub fn extension(mut self, id: impl Into<String>, version: impl Into<String>) -> Self {
        self.extension_id = Some(id.into());
        self.extension_version = Some(version.into());
        self
    }

    /// The time source of timestamp and token checks (tests).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Some(Arc::new(clock));
        self
    }

    /// Retry policy of extension-API calls (default: 3 attempts, backoff with jitter).
    pub fn api_retry(mut self, policy: RetryPolicy) -> Self {
        self.api_retry = Some(policy);
        self
    }

    /// Uses an existing HTTP client (and its connection pool) for API and JWKS calls.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Uses `manifest` (already parsed).
    pub fn manifest(mut self, manifest: Manifest) -> Self {
        self.manifest = ManifestSource::Value(Box::new(manifest));
        self
    }

    /// Reads the manifest at `path`; a missing file is an error at [`Self::build`].
    pub fn manifest_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.manifest = ManifestSource::Path(path.into());
        self
    }

    /// Looks for `extension.yaml`, `extension.yml`, `manifest.yaml`, `manifest.yml` in `dir`
    /// (first hit wins); no file is not an error.
    pub fn discover_manifest(mut self, dir: impl Into<PathBuf>) -> Self {
        self.manifest = ManifestSource::Discover(dir.into());
        self
    }

    /// Sets a setting explicitly (highest precedence).
    pub fn setting(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.settings.insert(key.into(), value.into());
        self
    }

    /// POSTs telemetry records to `url` (`/telemetry` is appended unless present).
    pub fn telemetry_url(mut self, url: impl Into<String>) -> Self {
        self.telemetry_url = Some(url.into());
        self
    }

    /// Sends no telemetry to any URL (the feedback hook and counters still work).
    pub fn telemetry_opt_out(mut self, opt_out: bool) -> Self {
        self.telemetry_opt_out = Some(opt_out);
        self
    }

    /// Turns on the replay guard with `store`: a delivery seen again within the signature
    /// window is answered with its first answer, and its handler does not run twice.
    pub fn replay_guard(mut self, store: impl ReplayStore) -> Self {
        self.replay_store = Some(Arc::new(store));
        self
    }

    /// [`Self::replay_guard`] with an in-memory store (one process; use a shared store for
    /// several replicas).
    pub fn replay_guard_in_memory(self) -> Self {
        self.replay_guard(InMemoryReplayStore::default())
    }

    /// Receives every telemetry record, off the response path.
    pub fn feedback_hook(mut self, hook: FeedbackHook) -> Self {
        self.feedback_hook = Some(hook);
        self
    }

    /// Reads what code did not set from the process environment: `KIKET_WEBHOOK_SECRET`,
    /// `KIKET_BASE_URL`, `KIKET_WORKSPACE_TOKEN`, `KIKET_SECRET_*`, `KIKET_SDK_TELEMETRY_URL`,
    /// `KIKET_SDK_TELEMETRY_OPTOUT`.
    pub fn with_env(self) -> Self {
        self.with_env_from(|key| std::env::var(key).ok())
    }

    /// [`Self::with_env`] over any variable source (tests). Also resolves `env:` references.
    pub fn with_env_from(mut self, var: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        self.env = Some(Arc::new(var));
        self
    }

    /// Resolves everything, checks the policy and creates the shared HTTP client.
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
            let normalised = origin_of(origin)
                .ok_or_else(|| ConfigError::InvalidUrl { setting: "allow_api_origin", value: origin.clone() })?;
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
        let opt_out = self.telemetry_opt_out.unwrap_or_else(|| {
            overlay("KIKET_SDK_TELEMETRY_OPTOUT")
                .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on"))
        });
        let http = match self.http {
            Some(http) => http,
            None => kiket_client::http_client().map_err(|e| ConfigError::HttpClient(e.to_string()))?,
        };
        Ok(Config {
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
            handler_timeout: self.handler_timeout.unwrap_or(Duration::from_secs(25)),
            max_concurrency,
            extension_id: self.extension_id.or_else(|| manifest.as_ref().and_then(|m| m.id.clone())),
            extension_version: self.extension_version.or_else(|| manifest.as_ref().and_then(|m| m.version.clone())),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            api_retry: self.api_retry.unwrap_or_default(),
            http,
            settings: Arc::new(settings),
            manifest: manifest.map(Arc::new),
            telemetry: TelemetryConfig { url: telemetry_url, opt_out, hook: self.feedback_hook, queue_capacity: 1024 },
            replay_store: self.replay_store,
        })
    }
}

fn normalise_url(setting: &'static str, value: &str) -> Result<String, ConfigError> {
    let trimmed = value.trim().trim_end_matches('/');
    if origin_of(trimmed).is_none() {
        return Err(ConfigError::InvalidUrl { setting, value: value.to_owned() });
    }
    Ok(trimmed.to_owned())
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
    fn debug_output_redacts_secrets() {
        let config =
            Config::builder().webhook_secret("whsec_topsecret").workspace_token("wk_topsecret").build().unwrap();
        let printed = format!("{config:?}");
        assert!(!printed.contains("topsecret"), "{printed}");
    }
}
