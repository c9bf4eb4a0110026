//! Every configuration option, declared once: one row of the table at the end of this file.
//!
//! A row is the option's doc line, its name and resolved type (and, when a setter takes
//! something else, the type it is set as), its default (a named constant or an expression of
//! them), the environment variables it is read from after [`ConfigBuilder::with_env`], how
//! [`Config::describe`] and `Debug` show it, the resolver that gives it its value
//! (`standard`: set in code, else the environment, else the default; or a function of
//! `resolve.rs`) and an optional check. From the table come:
//!
//! - `Options`, what [`ConfigBuilder`] stores (every option unset until a setter sets it; the
//!   builder has no other place to keep one, so an option without a row cannot be added);
//! - `Values`, what [`Config`] holds, and the resolution of one from the other;
//! - [`env`], a constant per environment variable;
//! - [`OPTIONS`], the option list the README's configuration table, `docs/configuration.md`
//!   and `kiket manifest check` are rendered from (a test compares them);
//! - the view of [`Config::describe`] and `Debug`.
//!
//! [`ConfigBuilder`]: crate::ConfigBuilder
//! [`ConfigBuilder::with_env`]: crate::ConfigBuilder::with_env
//! [`Config`]: crate::Config
//! [`Config::describe`]: crate::Config::describe

use super::resolve::{self, Inputs, ReplayGuard, Shared};
use super::{Config, ConfigError};
use crate::manifest::Manifest;
use crate::queue::{Backoff, Queue, QueueKey, Role};
use crate::replay::ReplayStore;
use crate::settings::Settings;
use crate::telemetry::{FeedbackHook, MetricsEndpoint};
use crate::verify::{Clock, JwksSource, SignatureScheme, SystemClock, TokenPins};
use kiket_client::retry::RetryPolicy;
use kiket_types::SecretString;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Default extension API base URL.
pub const DEFAULT_BASE_URL: &str = "https://kiket.dev";
/// Default allowed distance between a signature's timestamp and now, both ways.
pub const DEFAULT_SIGNATURE_TOLERANCE: Duration = Duration::from_secs(300);
/// Default time a fetched runtime-token key set is trusted.
pub const DEFAULT_JWKS_CACHE_TTL: Duration = Duration::from_secs(3600);
/// Default least time between two key-set fetches.
pub const DEFAULT_JWKS_REFETCH_COOLDOWN: Duration = Duration::from_secs(30);
/// Default clock skew tolerated on runtime-token times (`iat`, `nbf`, `exp`): a platform clock
/// a little ahead or behind does not refuse genuine deliveries.
pub const DEFAULT_TOKEN_LEEWAY: Duration = Duration::from_secs(30);
/// The webhook secret of development mode (`KIKET_ENV=development`): published here, printed
/// on every start, accepted on loopback only; `kiket send` signs with it when no secret is given.
pub const DEVELOPMENT_WEBHOOK_SECRET: &str = "whsec_kiket_development_only";
/// Default largest accepted body (1 MiB).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// Default longest a handler may run.
pub const DEFAULT_HANDLER_TIMEOUT: Duration = Duration::from_secs(25);
/// Default most verified deliveries handled at once.
pub const DEFAULT_MAX_CONCURRENCY: usize = 1024;
/// Default time a client has to send a request head (PROTOCOL §7.1).
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time a client has to send a body once its head is in (PROTOCOL §7.1).
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(15);
/// Default budget of unverified body bytes across all connections (64 MiB).
pub const DEFAULT_UNVERIFIED_BODY_BUDGET: usize = 64 * 1024 * 1024;
/// Most concurrent streams a cleartext HTTP/2 connection may open.
pub const MAX_HTTP2_STREAMS: u32 = 100;
/// Default deferred deliveries one process runs at once.
pub const DEFAULT_WORKER_CONCURRENCY: usize = 16;
/// How much longer than the handler timeout a worker may hold a job by default.
pub const VISIBILITY_MARGIN: Duration = Duration::from_secs(30);
/// Default listen address of [`Extension::run`](crate::Extension::run).
pub const DEFAULT_LISTEN_ADDRESS: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 8080);

/// Where the extension runs (`KIKET_ENV`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Environment {
    /// Production: nothing is assumed.
    #[default]
    Production,
    /// A local run: development secret, local mock API, loopback only (see [`OPTIONS`]).
    Development,
}

impl Environment {
    /// `production` or `development`.
    ///
    /// ```
    /// assert_eq!(kiket_sdk::config::Environment::Development.as_str(), "development");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Production => "production",
            Self::Development => "development",
        }
    }
}

/// How `kiket::run` writes logs (`KIKET_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum LogFormat {
    /// Human-readable lines; colours only when the output is a terminal.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl LogFormat {
    /// `text` or `json`.
    ///
    /// ```
    /// assert_eq!(kiket_sdk::config::LogFormat::Json.as_str(), "json");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Json => "json",
        }
    }
}

/// One configuration option, as documentation and `kiket manifest check` list it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct OptionSpec {
    /// The option (its `ConfigBuilder` setter's name, or the setter it belongs to).
    pub name: &'static str,
    /// The key [`Config::describe`](crate::Config::describe) shows it under (`None`: not shown).
    pub shown_as: Option<&'static str>,
    /// How its value reads: milliseconds, bytes, or as shown.
    pub unit: Unit,
    /// Environment variables it is read from, after `ConfigBuilder::with_env`.
    pub env: &'static [&'static str],
    /// What it is.
    pub doc: &'static str,
}

/// How an option's value reads in a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unit {
    /// As [`Config::describe`](crate::Config::describe) shows it.
    Shown,
    /// A duration, shown as milliseconds.
    Millis,
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

pub(super) fn millis(duration: Duration) -> Value {
    json!(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
}

/// The type a setter stores: the resolved type unless the row names another.
macro_rules! input_type {
    ($ty:ty) => {
        $ty
    };
    ($ty:ty, $input:ty) => {
        $input
    };
}

/// How a row is shown by `describe()`: (key, unit) for [`OptionSpec`], and the value.
macro_rules! shown {
    (spec $name:ident, plain) => {
        (Some(stringify!($name)), Unit::Shown)
    };
    (spec $name:ident, redacted) => {
        (Some(stringify!($name)), Unit::Shown)
    };
    (spec $name:ident, hidden) => {
        (None, Unit::Shown)
    };
    (spec $name:ident, millis $key:literal) => {
        (Some($key), Unit::Millis)
    };
    (spec $name:ident, millis $key:literal => $view:expr) => {
        (Some($key), Unit::Millis)
    };
    (spec $name:ident, $key:literal => $view:expr) => {
        (Some($key), Unit::Shown)
    };
    (value $out:ident, $config:ident, $name:ident, plain) => {
        $out.push((stringify!($name), json!($config.options.$name)))
    };
    (value $out:ident, $config:ident, $name:ident, redacted) => {
        $out.push((stringify!($name), Redact::redact(&$config.options.$name)))
    };
    (value $out:ident, $config:ident, $name:ident, hidden) => {};
    (value $out:ident, $config:ident, $name:ident, millis $key:literal) => {
        $out.push(($key, millis($config.options.$name)))
    };
    (value $out:ident, $config:ident, $name:ident, millis $key:literal => $view:expr) => {
        $out.push(($key, millis(($view)($config))))
    };
    (value $out:ident, $config:ident, $name:ident, $key:literal => $view:expr) => {
        $out.push(($key, json!(($view)($config))))
    };
}

/// A row's value: `standard` (set in code, else its environment variables, else the
/// default), `optional` (set in code, else unset) or a resolver of `resolve.rs`, given the
/// inputs and the row's default.
macro_rules! resolved {
    ($inputs:ident, $name:ident, [], $default:expr, optional) => {
        $inputs.options.$name.clone().or($default)
    };
    ($inputs:ident, $name:ident, [], $default:expr, standard) => {
        $inputs.options.$name.clone().unwrap_or_else(|| $default)
    };
    ($inputs:ident, $name:ident, [$($env:ident),+], $default:expr, standard) => {
        match $inputs.options.$name.clone() {
            Some(value) => value,
            None => resolve::from_env(&$inputs, &[$(env::$env),+])?.unwrap_or_else(|| $default),
        }
    };
    ($inputs:ident, $name:ident, [$($env:ident),*], $default:expr, $resolver:ident) => {
        resolve::$resolver(&mut $inputs, $default)?
    };
}

/// Declares the options (see the module documentation).
macro_rules! options {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident: $ty:ty $(as $input:ty)? = $default:expr;
            env [$($env:ident),*]; show [$($view:tt)*]; resolve $resolver:ident $(, check $check:ident)?;
    )*) => {
        /// What the builder was told: every option, unset until a setter sets it.
        #[derive(Default)]
        pub(crate) struct Options {
            $( pub(crate) $name: Option<input_type!($ty $(, $input)?)>, )*
        }

        /// Every option, resolved.
        #[derive(Clone)]
        pub(crate) struct Values {
            $( $(#[doc = $doc])* pub(crate) $name: $ty, )*
        }

        /// The environment variables options are read from, one constant each.
        pub mod env {
            $($(
                #[doc = concat!("`", stringify!($env), "`")]
                pub const $env: &str = stringify!($env);
            )*)*
        }

        /// Every option, in declaration order.
        pub static OPTIONS: &[OptionSpec] = &[$({
            let (shown_as, unit) = shown!(spec $name, $($view)*);
            OptionSpec {
                name: stringify!($name),
                shown_as,
                unit,
                env: &[$(env::$env),*],
                doc: concat!($($doc),*),
            }
        }),*];

        impl Values {
            /// Resolves every option from `inputs`, in declaration order.
            pub(super) fn resolve(mut inputs: Inputs) -> Result<Self, ConfigError> {
                Ok(Self { $( $name: {
                    let value: $ty = resolved!(inputs, $name, [$($env),*], $default, $resolver);
                    $( resolve::$check(&value, stringify!($name))?; )?
                    value
                }, )* })
            }
        }

        impl Config {
            /// Every shown option as people may see it, in declaration order.
            pub(super) fn shown(&self) -> Vec<(&'static str, Value)> {
                let mut shown = Vec::new();
                $( shown!(value shown, self, $name, $($view)*); )*
                shown
            }
        }
    };
}

options! {
    // The mode, and logging.

    /// `development`: a local run, offline and explicit. Without a webhook secret the published
    /// development secret is used (printed on every start), the server listens on loopback
    /// only, and `kiket::run` answers API calls from a local mock when `KIKET_BASE_URL` is
    /// unset. `production` (the default): none of that.
    environment: Environment = Environment::Production;
        env [KIKET_ENV]; show ["environment" => |c: &Config| c.options.environment.as_str()]; resolve standard;
    /// How `kiket::run` writes logs: `text` (colours only on a terminal) or `json` (one object a
    /// line); what it writes: `RUST_LOG` (default `info`).
    log_format: LogFormat = LogFormat::Text;
        env [KIKET_LOG_FORMAT]; show ["log_format" => |c: &Config| c.options.log_format.as_str()]; resolve standard;

    // Verifying deliveries (PROTOCOL §2).

    /// HMAC secrets of deliveries, newest first; any one that matches passes (rotation). After
    /// code: the manifest's `callback.secret` (or `delivery.callback.secret`), then the environment.
    webhook_secrets: Vec<SecretString> = Vec::new();
        env [KIKET_WEBHOOK_SECRET]; show [redacted]; resolve webhook_secrets;
    /// A published development secret, used only when no real one is configured: deliveries
    /// are still verified, each logs a warning, and the server listens on loopback only. In
    /// development mode, `DEVELOPMENT_WEBHOOK_SECRET` unless set.
    development_webhook_secret: Option<SecretString> as SecretString = None;
        env []; show ["development_secret" => |c: &Config| c.options.development_webhook_secret.is_some()]; resolve development_secret;
    /// Allowed distance between a signature's timestamp and now, both ways.
    signature_tolerance: Duration = DEFAULT_SIGNATURE_TOLERANCE;
        env []; show [millis "signature_tolerance_ms"]; resolve standard;
    /// Which signed string the platform uses.
    signature_scheme: SignatureScheme = SignatureScheme::default();
        env []; show ["signature_scheme" => |c: &Config| format!("{:?}", c.options.signature_scheme)]; resolve standard;
    /// Every delivery must carry a valid runtime token (runtime-token-only mode: no secret needed).
    runtime_token_required: bool = false;
        env []; show [plain]; resolve standard;
    /// Nothing is verified (local development only); every delivery logs a warning.
    insecure_skip_verification: bool = false;
        env []; show [plain]; resolve standard;
    /// Where runtime-token keys are fetched: `<api_base_url>/.well-known/jwks.json` unless set.
    jwks_url: Option<String> as String = None;
        env []; show ["jwks_url" => |c: &Config| c.jwks_url()]; resolve jwks_url;
    /// Runtime-token keys supplied from code instead of HTTP (tests, air-gapped set-ups).
    jwks_source: Option<Arc<dyn JwksSource>> as Arc<dyn JwksSource> = None;
        env []; show ["jwks_source" => |c: &Config| if c.options.jwks_source.is_some() { "code" } else { "http" }]; resolve optional;
    /// How long a fetched key set is trusted.
    jwks_cache_ttl: Duration = DEFAULT_JWKS_CACHE_TTL;
        env []; show [millis "jwks_cache_ttl_ms"]; resolve standard;
    /// Least time between two key-set fetches (an unknown `kid` refetches at most once per cooldown).
    jwks_refetch_cooldown: Duration = DEFAULT_JWKS_REFETCH_COOLDOWN;
        env []; show [millis "jwks_refetch_cooldown_ms"]; resolve standard;
    /// Clock skew tolerated on runtime-token times (`exp`, `iat`, `nbf`).
    token_leeway: Duration = DEFAULT_TOKEN_LEEWAY;
        env []; show [millis "token_leeway_ms"]; resolve standard;
    /// Runtime-token claims that must have these values (401 otherwise).
    token_pins: TokenPins = TokenPins::default();
        env []; show ["token_pins" => |c: &Config| json!({"ext_id": c.options.token_pins.ext_id, "org_id": c.options.token_pins.org_id})]; resolve standard;
    /// Origins whose `api.base_url` a delivery may name; any other is ignored.
    allowed_api_origins: Vec<String> = Vec::new();
        env []; show [plain]; resolve allowed_api_origins;
    /// Time source of timestamp and token checks (tests).
    clock: Arc<dyn Clock> = Arc::new(SystemClock);
        env []; show [hidden]; resolve standard;

    // Calling the extension API (PROTOCOL §4).

    /// Extension API base URL (no trailing slash); also locates the JWKS.
    api_base_url: String = DEFAULT_BASE_URL.to_owned();
        env [KIKET_BASE_URL]; show [plain]; resolve url;
    /// Sent as `Authorization: Bearer …` on API calls.
    workspace_token: Option<SecretString> as SecretString = None;
        env [KIKET_WORKSPACE_TOKEN]; show [redacted]; resolve secret;
    /// Retry policy of extension-API calls.
    api_retry: RetryPolicy = RetryPolicy::default();
        env []; show ["api_retry" => |c: &Config| format!("{:?}", c.options.api_retry)]; resolve standard;
    /// The process-wide HTTP client (one connection pool), built from your builder with the
    /// SDK's timeouts, user agent and redirect policy on top.
    http_client: reqwest::Client as reqwest::ClientBuilder = reqwest::Client::new();
        env []; show [hidden]; resolve http_client;

    // Serving (PROTOCOL §7.1).

    /// Where `Extension::run` listens.
    listen_address: SocketAddr = DEFAULT_LISTEN_ADDRESS;
        env [HOST, PORT]; show ["listen_address" => |c: &Config| c.options.listen_address.to_string()]; resolve listen_address;
    /// Largest accepted body in bytes; larger bodies get 413 unread.
    body_limit: usize = DEFAULT_BODY_LIMIT;
        env []; show [plain]; resolve standard, check positive;
    /// Longest a handler may run, from the delivery's arrival, before it is dropped and the
    /// delivery answered 503 + `Retry-After`; a route's own deadline (`.timeout`, its manifest
    /// hook's) comes first, and a deferred job's run always has this one.
    handler_timeout: Duration = DEFAULT_HANDLER_TIMEOUT;
        env []; show [millis "handler_timeout_ms"]; resolve standard;
    /// Most verified deliveries handled at once (503 + `Retry-After` beyond).
    max_concurrency: usize = DEFAULT_MAX_CONCURRENCY;
        env []; show [plain]; resolve standard, check positive;
    /// How long a client may take to send a request head (also closes idle connections).
    header_read_timeout: Duration = DEFAULT_HEADER_READ_TIMEOUT;
        env []; show [millis "header_read_timeout_ms"]; resolve standard;
    /// How long a client may take to send the body once the head is in (408 after).
    body_timeout: Duration = DEFAULT_BODY_TIMEOUT;
        env []; show [millis "body_timeout_ms"]; resolve standard;
    /// Bytes of bodies not yet verified, all connections together (503 + `Retry-After` beyond).
    unverified_body_budget: usize = DEFAULT_UNVERIFIED_BODY_BUDGET;
        env []; show [plain]; resolve standard, check positive;
    /// Cleartext HTTP/2 beside HTTP/1 with at most this many streams per connection (1 to 100;
    /// cargo feature `h2c`); unset: HTTP/1 only.
    http2_max_streams: Option<u32> as u32 = None;
        env []; show [plain]; resolve optional, check http2_streams;

    // The extension.

    /// The manifest (`extension.yaml`, or `.kiket/manifest.yaml`): a path, a directory to
    /// discover it in, or a parsed one.
    manifest: Option<Arc<Manifest>> as resolve::ManifestSource = None;
        env []; show ["events" => |c: &Config| c.manifest().map(Manifest::declared_events).unwrap_or_default()]; resolve manifest;
    /// The extension's id (else the manifest's `id`).
    extension_id: Option<String> as String = None;
        env []; show [plain]; resolve extension_id;
    /// The extension's version (else the manifest's `version`).
    extension_version: Option<String> as String = None;
        env []; show [plain]; resolve extension_version;
    /// Settings: manifest defaults (typed), overlaid by the environment (`KIKET_SECRET_<KEY>`
    /// for secret ones, `KEY` for keys written like a variable), overlaid by values set in code.
    settings: Arc<Settings> as BTreeMap<String, Value> = Arc::default();
        env []; show [redacted]; resolve settings;

    // Telemetry and metrics (PROTOCOL §6).

    /// Where telemetry records are POSTed (`/telemetry` appended unless present); unset: not sent.
    telemetry_url: Option<String> as String = None;
        env [KIKET_SDK_TELEMETRY_URL]; show [plain]; resolve telemetry_url;
    /// `1`/`true`/`yes`/`on`: send no telemetry to any URL (the feedback hook and counters still work).
    telemetry_opt_out: bool = false;
        env [KIKET_SDK_TELEMETRY_OPTOUT]; show [plain]; resolve standard;
    /// Receives every telemetry record, off the response path.
    feedback_hook: Option<FeedbackHook> as FeedbackHook = None;
        env []; show [hidden]; resolve optional;
    /// Prometheus metrics on `GET /metrics` (cargo feature `metrics`): on with `KIKET_METRICS=1`,
    /// behind `KIKET_METRICS_TOKEN` (bearer), on `KIKET_METRICS_ADDR` instead of the webhook listener.
    /// Without either, only on a loopback webhook listener (refused otherwise); a blank token is an error.
    metrics: Option<MetricsEndpoint> as MetricsEndpoint = None;
        env [KIKET_METRICS, KIKET_METRICS_TOKEN, KIKET_METRICS_ADDR];
        show ["metrics" => |c: &Config| c.options.metrics.as_ref().map(|m| json!({
            "address": m.listen_address().map(|a| a.to_string()),
            "token": m.bearer_token().map(|_| "[redacted]"),
        }))];
        resolve metrics;

    // Several replicas and deferred routes (PROTOCOL §8).

    /// Redis shared by every replica (cargo feature `redis`): `redis://[:password@]host[:port][/db]`.
    /// The URL is a secret: only its address is shown.
    redis: Shared as SecretString = Shared::default();
        env [KIKET_REDIS_URL]; show ["redis" => |c: &Config| c.options.redis.address().map(str::to_owned)]; resolve shared;
    /// The replay guard's store: in memory by default, on the shared Redis when there is one,
    /// your own, or off.
    replay_guard: Option<Arc<dyn ReplayStore>> as ReplayGuard = None;
        env []; show ["replay_guard" => |c: &Config| c.options.replay_guard.is_some()]; resolve replay_guard;
    /// Where deferred deliveries wait: in the process by default, on the shared Redis when
    /// there is one, or your own.
    queue: Arc<dyn Queue> = Arc::new(crate::queue::InMemoryQueue::default());
        env []; show ["queue" => |c: &Config| c.options.queue.name().to_owned()]; resolve queue;
    /// Keys sealing deferred deliveries in a durable queue, newest first: 32 random bytes in
    /// base64 each (`openssl rand -base64 32`); the first seals, every one opens.
    queue_keys: Vec<QueueKey> = Vec::new();
        env [KIKET_QUEUE_KEY, KIKET_QUEUE_KEY_PREVIOUS]; show ["queue_keys" => |c: &Config| c.options.queue_keys.len()]; resolve queue_keys;
    /// What this process runs: `server`, `worker` or `both`.
    role: Role = Role::default();
        env [KIKET_ROLE]; show ["role" => |c: &Config| format!("{:?}", c.options.role).to_ascii_lowercase()]; resolve standard;
    /// Retries of failing deferred handlers: runs in all, first and largest delay.
    deferred_retries: Backoff = Backoff::default();
        env []; show ["deferred_retries" => |c: &Config| c.options.deferred_retries.attempts]; resolve standard;
    /// Deferred deliveries one process runs at once.
    worker_concurrency: usize = DEFAULT_WORKER_CONCURRENCY;
        env [KIKET_WORKER_CONCURRENCY]; show [plain]; resolve standard, check positive;
    /// How long a worker may hold a job before another takes it over: the handler timeout and
    /// `VISIBILITY_MARGIN` unless set.
    visibility_timeout: Option<Duration> as Duration = None;
        env []; show [millis "visibility_timeout_ms" => Config::visibility_timeout]; resolve visibility_timeout;
}
