//! [`HandlerContext`]: everything a handler knows about its invocation.

use super::{Delivery, StoredDelivery};
use crate::replay::key;
use crate::settings::Settings;
use crate::verify::{check_scopes, AuthContext, ScopeError};
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use kiket_client::endpoints::Endpoints;
use kiket_client::endpoints::SecretsManager;
use kiket_client::hooks::ApiState;
use kiket_client::Client;
use kiket_types::{SecretString, Secrets};
use std::sync::Arc;

/// Process-wide state shared by every context: one HTTP client (one connection pool), the
/// configured API base URL and credentials.
#[derive(Debug)]
pub(crate) struct ContextShared {
    pub(crate) http: reqwest::Client,
    pub(crate) api_base_url: Arc<str>,
    pub(crate) api_state: ApiState,
    pub(crate) extension_id: Option<Arc<str>>,
    pub(crate) extension_version: Option<Arc<str>>,
    pub(crate) settings: Arc<Settings>,
}

/// The invocation a handler runs for: event, version, headers, authentication, secrets and a
/// client of the extension API that carries this invocation's credentials.
///
/// Cloning is cheap (one reference count).
///
/// ```
/// use kiket_sdk::{HandlerContext, HandlerResult, Reply};
///
/// // A handler receives its context with the payload…
/// async fn handle(payload: serde_json::Value, ctx: HandlerContext) -> HandlerResult {
///     tracing::info!(event = ctx.event(), version = ctx.version(), key = ?ctx.delivery().key(), "received");
///     ctx.endpoints().log_event("seen").metadata(payload).await?;
///     Ok(Reply::ok())
/// }
///
/// // …and a test builds one with the test kit.
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").api_base_url(&api.url()).build();
/// handle(serde_json::json!({"issue": {"id": 1}}), ctx).await?;
/// api.assert_logged("seen");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HandlerContext(Arc<Inner>);

struct Inner {
    delivery: Delivery,
    headers: HeaderMap,
    auth: AuthContext,
    payload_secrets: Option<Secrets>,
    /// The payload's `api.base_url`, only when its origin is allow-listed.
    api_base_url_override: Option<String>,
    /// The API state of a run whose idempotency keys are derived (a deferred delivery's run).
    run_api_state: Option<ApiState>,
    shared: Arc<ContextShared>,
}

impl std::fmt::Debug for HandlerContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerContext")
            .field("delivery", &self.0.delivery)
            .field("auth", &self.0.auth)
            .field("payload_secrets", &self.0.payload_secrets.as_ref().map(|s| s.0.keys().collect::<Vec<_>>()))
            .field("extension_id", &self.0.shared.extension_id)
            .finish_non_exhaustive()
    }
}

pub(crate) struct ContextParts {
    pub(crate) delivery: Delivery,
    pub(crate) headers: HeaderMap,
    pub(crate) auth: AuthContext,
    pub(crate) payload_secrets: Option<Secrets>,
    pub(crate) api_base_url_override: Option<String>,
    /// Seeds the idempotency keys of the context's API calls (deferred runs: the delivery).
    pub(crate) idempotency_seed: Option<String>,
}

impl HandlerContext {
    pub(crate) fn new(parts: ContextParts, shared: Arc<ContextShared>) -> Self {
        let ContextParts { delivery, headers, auth, payload_secrets, api_base_url_override, idempotency_seed } = parts;
        let run_api_state = idempotency_seed.map(|seed| shared.api_state.clone().idempotency_seed(seed));
        Self(Arc::new(Inner { delivery, headers, auth, payload_secrets, api_base_url_override, run_api_state, shared }))
    }

    /// The context a deferred delivery's handler runs with, rebuilt from what the server
    /// stored ([`StoredDelivery::capture`]) for `event`@`version`: the runtime token only
    /// while it is still valid at `now_unix`, the delivery's own secrets, and idempotency keys
    /// derived from the delivery, so every attempt repeats its API calls' keys; the run's own
    /// `deadline`.
    pub(crate) fn restore(
        stored: StoredDelivery,
        (event, version): (Arc<str>, Arc<str>),
        payload_secrets: Option<Secrets>,
        shared: Arc<ContextShared>,
        (now_unix, deadline): (i64, std::time::Instant),
    ) -> Self {
        let now = now_unix as f64;
        let received_at = stored.received_at();
        let auth = match (stored.runtime_token, stored.claims) {
            (Some(token), Some(claims)) if claims.exp.is_some_and(|exp| exp > now) => {
                AuthContext::verified(SecretString::new(token), claims)
            }
            (_, Some(claims)) => AuthContext::expired(claims),
            _ => AuthContext::default(),
        };
        let mut headers = HeaderMap::with_capacity(stored.headers.len());
        for (name, value) in &stored.headers {
            if let (Ok(name), Ok(value)) = (HeaderName::try_from(name.as_str()), HeaderValue::try_from(value.as_str()))
            {
                headers.append(name, value);
            }
        }
        let parts = ContextParts {
            idempotency_seed: stored.key.as_deref().map(key::idempotency_seed),
            delivery: Delivery {
                key: stored.key.map(Arc::from),
                signature_timestamp: stored.signature_timestamp,
                received_at,
                event,
                version,
                deadline,
            },
            headers,
            auth,
            payload_secrets,
            api_base_url_override: stored.api_base_url_override,
        };
        Self::new(parts, shared)
    }

    /// Event name (`issue.created`).
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").build();
    /// assert_eq!(ctx.event(), "issue.created");
    /// ```
    pub fn event(&self) -> &str {
        &self.0.delivery.event
    }

    /// The version the delivery was routed to, as registered (`v1`).
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v2").build();
    /// assert_eq!(ctx.version(), "v2");
    /// ```
    pub fn version(&self) -> &str {
        &self.0.delivery.version
    }

    /// The delivery: its key (the replay guard's, also on the `kiket.delivery` span), signature
    /// timestamp, receive time, event and version.
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").delivery_key("dlv_42").build();
    /// assert_eq!(ctx.delivery().key(), Some("dlv_42"));
    /// assert_eq!(ctx.delivery().event(), "issue.created");
    /// ```
    pub fn delivery(&self) -> &Delivery {
        &self.0.delivery
    }

    /// Request headers of the delivery.
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").header("x-request-id", "req-9").build();
    /// assert_eq!(ctx.headers()["x-request-id"], "req-9");
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.0.headers
    }

    /// Who the platform says this invocation is for (from the verified runtime token).
    ///
    /// ```
    /// let keys = kiket_sdk::testing::TestKeys::generate("kid-1");
    /// let now = 1_760_000_000;
    /// let token = keys.runtime_token(&["custom_data.write"], now);
    /// let claims = serde_json::from_value(keys.claims(&["custom_data.write"], now))?;
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").runtime_token(&token, claims).build();
    /// assert_eq!(ctx.auth().scopes(), ["custom_data.write"]);
    /// assert!(ctx.auth().runtime_token().is_some());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn auth(&self) -> &AuthContext {
        &self.0.auth
    }

    /// The extension's id, when configured.
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").extension_id("com.example.crm").build();
    /// assert_eq!(ctx.extension_id(), Some("com.example.crm"));
    /// ```
    pub fn extension_id(&self) -> Option<&str> {
        self.0.shared.extension_id.as_deref()
    }

    /// The extension's version, when configured.
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").build();
    /// // Set from the manifest's `version` (or `Config::builder().extension(id, version)`) when served.
    /// assert_eq!(ctx.extension_version(), None);
    /// ```
    pub fn extension_version(&self) -> Option<&str> {
        self.0.shared.extension_version.as_deref()
    }

    /// The extension's settings (manifest defaults, `KIKET_SECRET_*`, explicit values).
    ///
    /// ```no_run
    /// # fn demo(ctx: kiket_sdk::HandlerContext) -> Result<(), kiket_sdk::settings::SettingsError> {
    /// let batch: u32 = ctx.settings().get("batch_size")?.unwrap_or(50);
    /// let api_key = ctx.settings().secret("crm.apiKey");
    /// # Ok(()) }
    /// ```
    pub fn settings(&self) -> &Settings {
        &self.0.shared.settings
    }

    /// The setting `key` as `T`, from the first place that has it: the delivery's own value
    /// (`secrets.<key>`, per organisation), the value set in code, the environment
    /// (`KIKET_SECRET_<KEY>` for a secret, `KEY` for a key written like a variable), the
    /// manifest's default. Text is read as the manifest's declared `type` first (`"587"` for an
    /// `integer`). Fails naming the key when no place has it or the value does not parse.
    ///
    /// ```
    /// use kiket_sdk::manifest::{Configuration, Manifest, Property};
    /// let port = Property { kind: Some("integer".into()), default: Some("587".into()), ..Property::default() };
    /// let manifest = Manifest {
    ///     configuration: Some(Configuration { properties: [("SMTP_PORT".to_owned(), port)].into(), ..Configuration::default() }),
    ///     ..Manifest::default()
    /// };
    /// let settings = kiket_sdk::Config::builder().webhook_secret("whsec_x").manifest(manifest).build()?.settings().clone();
    /// let ctx = kiket_sdk::testing::TestContext::new("email.send", "v1").settings(settings.clone()).build();
    /// assert_eq!(ctx.setting::<u16>("SMTP_PORT")?, 587); // the manifest's default, typed
    /// let ctx = kiket_sdk::testing::TestContext::new("email.send", "v1").settings(settings).payload_secret("SMTP_PORT", "2525").build();
    /// assert_eq!(ctx.setting::<u16>("SMTP_PORT")?, 2525); // the organisation's value wins
    /// assert!(ctx.setting::<u16>("SMTP_HOST").unwrap_err().to_string().contains("SMTP_HOST"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn setting<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<T, crate::settings::SettingsError> {
        let settings = &self.0.shared.settings;
        if let Some(value) = self.0.payload_secrets.as_ref().and_then(|s| s.0.get(key))
            && !value.is_blank()
        {
            return settings.delivered(key, value.expose());
        }
        settings.require(key)
    }

    /// Per-organisation secrets delivered with the event (`payload.secrets`).
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").payload_secret("CRM_TOKEN", "s3cr3t").build();
    /// let secrets = ctx.payload_secrets().expect("the delivery carried secrets");
    /// assert_eq!(secrets.0.get("CRM_TOKEN").map(|s| s.expose()), Some("s3cr3t"));
    /// ```
    pub fn payload_secrets(&self) -> Option<&Secrets> {
        self.0.payload_secrets.as_ref()
    }

    /// A secret by key: the delivery's `secrets[key]` when non-empty, else the environment
    /// variable named exactly `key`.
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").payload_secret("CRM_TOKEN", "from-delivery").build();
    /// let token = ctx.secret("CRM_TOKEN").expect("in the delivery");
    /// assert_eq!(token.expose(), "from-delivery");
    /// // `Debug` never shows the value.
    /// assert!(!format!("{token:?}").contains("from-delivery"));
    /// ```
    pub fn secret(&self, key: &str) -> Option<SecretString> {
        if let Some(value) = self.0.payload_secrets.as_ref().and_then(|s| s.0.get(key))
            && !value.is_blank()
        {
            return Some(value.clone());
        }
        std::env::var(key).ok().filter(|v| !v.trim().is_empty()).map(SecretString::from)
    }

    /// Fails with [`ScopeError`] (answered 403) unless the runtime token grants every scope.
    ///
    /// ```
    /// # use kiket_sdk::{HandlerContext, HandlerResult, Reply};
    /// async fn handle(ctx: HandlerContext) -> HandlerResult {
    ///     ctx.require_scopes(["workflows.execute", "custom_data.write"])?;
    ///     Ok(Reply::ok())
    /// }
    /// ```
    pub fn require_scopes<S: AsRef<str>>(&self, scopes: impl IntoIterator<Item = S>) -> Result<(), ScopeError> {
        let required: Vec<String> = scopes.into_iter().map(|s| s.as_ref().to_owned()).collect();
        check_scopes(self.0.auth.scopes(), &required)
    }

    /// The generated extension-API client, carrying the workspace token, this invocation's
    /// runtime token and event version. It shares the process-wide connection pool.
    ///
    /// In a deferred handler's run, POSTs carry idempotency keys derived from the delivery
    /// and the call's position in the run: a run repeated after its worker died sends the
    /// same keys for the same calls, and the platform applies each once. (Calls made
    /// concurrently may take their positions in another order on a re-run.)
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").api_base_url(&api.url()).build();
    /// // The generated client: one builder per operation of the spec.
    /// ctx.client().get_rate_limit().send().await?;
    /// assert_eq!(api.calls_to("get_rate_limit").len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> Client {
        let state = self.0.run_api_state.as_ref().unwrap_or(&self.0.shared.api_state);
        let mut state = state.clone().event_version(&self.0.delivery.version);
        if let Some(token) = self.0.auth.runtime_token() {
            state = state.runtime_token(token.clone());
            // Sent only while valid: a slow handler or a late retry goes without (PROTOCOL §8).
            if let Some(exp) = self.0.auth.claims().and_then(|claims| claims.exp) {
                state = state.runtime_token_until(exp as i64);
            }
        }
        let base = self.0.api_base_url_override.as_deref().unwrap_or(&self.0.shared.api_base_url);
        Client::new_with_client(base, self.0.shared.http.clone(), state)
    }

    /// The extension API: custom data, SLA events, intake forms, logs, metrics,
    /// notifications, rate limit, audit — with this invocation's credentials.
    ///
    /// ```no_run
    /// # async fn demo(ctx: kiket_sdk::HandlerContext) -> kiket_sdk::HandlerResult {
    /// let api = ctx.endpoints();
    /// api.log_event("issue.created").metadata(serde_json::json!({"summary": "Printer on fire"})).await?;
    /// let records = api.custom_data(12).list("com.example.crm.contacts", "automation_records").limit(25).await?;
    /// # Ok(kiket_sdk::Reply::ok()) }
    /// ```
    pub fn endpoints(&self) -> Endpoints {
        let endpoints = Endpoints::new(self.client());
        match self.extension_id() {
            Some(id) => endpoints.with_extension_id(id),
            None => endpoints,
        }
    }

    /// The extension's secrets on the platform (list, get, set, delete, rotate); `get` answers
    /// from `KIKET_SECRET_<KEY>` first when it is set.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1")
    ///     .api_base_url(&api.url())
    ///     .extension_id("com.example.crm") // secrets belong to an extension
    ///     .build();
    /// ctx.secrets().set("CRM_TOKEN", "t0ken").await?;
    /// assert_eq!(api.secret("CRM_TOKEN").as_deref(), Some("t0ken"));
    /// # Ok(()) }
    /// ```
    pub fn secrets(&self) -> SecretsManager {
        self.endpoints().secrets()
    }

    /// The payload's allow-listed `api.base_url`, when it overrides the configured one.
    pub(crate) fn api_base_url_override(&self) -> Option<&str> {
        self.0.api_base_url_override.as_deref()
    }

    /// Base URL the client of this invocation talks to.
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").api_base_url("http://127.0.0.1:9").build();
    /// assert_eq!(ctx.api_base_url(), "http://127.0.0.1:9");
    /// ```
    pub fn api_base_url(&self) -> &str {
        self.0.api_base_url_override.as_deref().unwrap_or(&self.0.shared.api_base_url)
    }
}
