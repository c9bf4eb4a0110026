//! [`TestContext`]: a [`HandlerContext`] for calling a handler directly, without HTTP.

use crate::handler::{ContextParts, ContextShared, Delivery, HandlerContext};
use crate::settings::Settings;
use crate::verify::AuthContext;
use crate::verify::RuntimeClaims;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use kiket_client::hooks::ApiState;
use kiket_types::catalog::EventPayload;
use kiket_types::{SecretString, Secrets};
use std::sync::{Arc, OnceLock};

/// Where a test context's API calls go unless told otherwise: a loopback port nothing listens
/// on, so a handler under test can never reach the real platform by accident.
pub const UNREACHABLE_API: &str = "http://127.0.0.1:9";

/// Builds the [`HandlerContext`] a handler receives, for unit tests that call the handler
/// directly (no server, no signature, no token verification).
///
/// ```
/// use kiket_sdk::testing::TestContext;
/// use kiket_types::IssueCreatedV1;
///
/// let ctx = TestContext::for_payload::<IssueCreatedV1>()
///     .header("x-request-id", "req-1")
///     .payload_secret("CRM_API_KEY", "crm-test")
///     .build();
/// assert_eq!((ctx.event(), ctx.version()), ("issue.created", "v1"));
/// assert_eq!(ctx.secret("CRM_API_KEY").map(|s| s.expose().to_owned()), Some("crm-test".into()));
/// assert_eq!(ctx.headers()["x-request-id"], "req-1");
/// assert_eq!(ctx.api_base_url(), kiket_sdk::testing::UNREACHABLE_API);
/// ```
///
/// A handler that uses the extension's secret store, tested against the mock API:
///
/// ```
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// use kiket_sdk::testing::{MockKiketApi, TestContext};
/// let api = MockKiketApi::start().await.unwrap();
/// let ctx = TestContext::new("issue.created", "v1")
///     .api_base_url(api.url())
///     .extension_id("com.example.crm")
///     .workspace_token("wk_test")
///     .build();
/// ctx.secrets().set("CRM_TOKEN", "t-1").await.unwrap();
/// let call = &api.calls_to("set_secret")[0];
/// assert_eq!(call.params, ["com.example.crm"]);
/// assert_eq!(call.header("authorization"), Some("Bearer wk_test"));
/// # });
/// ```
#[derive(Debug)]
pub struct TestContext {
    event: Arc<str>,
    version: Arc<str>,
    headers: HeaderMap,
    secrets: Option<Secrets>,
    api_base_url: String,
    auth: AuthContext,
    settings: Settings,
    extension_id: Option<String>,
    workspace_token: Option<SecretString>,
    delivery_key: Option<String>,
    deadline_in: std::time::Duration,
}

impl TestContext {
    /// A context for `event`@`version`.
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("workflow.sla_status", "v1").build();
    /// assert_eq!((ctx.event(), ctx.version()), ("workflow.sla_status", "v1"));
    /// ```
    pub fn new(event: &str, version: &str) -> Self {
        Self {
            event: Arc::from(event),
            version: Arc::from(version),
            headers: HeaderMap::new(),
            secrets: None,
            api_base_url: UNREACHABLE_API.to_owned(),
            auth: AuthContext::default(),
            settings: Settings::default(),
            extension_id: None,
            workspace_token: None,
            delivery_key: None,
            deadline_in: crate::config::DEFAULT_HANDLER_TIMEOUT,
        }
    }

    /// A context for the event and version of payload type `P`.
    ///
    /// ```
    /// use kiket_types::IssueCreatedV2;
    /// let ctx = kiket_sdk::testing::TestContext::for_payload::<IssueCreatedV2>().build();
    /// assert_eq!((ctx.event(), ctx.version()), ("issue.created", "v2"));
    /// ```
    pub fn for_payload<P: EventPayload>() -> Self {
        Self::new(P::EVENT, P::VERSION)
    }

    /// Adds a request header.
    ///
    /// # Panics
    /// When `name` or `value` is not a valid HTTP header (a mistake in the test itself).
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").header("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").build();
    /// assert!(ctx.headers().contains_key("traceparent"));
    /// ```
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::try_from(name).unwrap_or_else(|_| panic!("{name:?} is not a valid header name"));
        let value =
            HeaderValue::try_from(value).unwrap_or_else(|_| panic!("the value of {name} is not a valid header"));
        self.headers.append(name, value);
        self
    }

    /// Adds a secret as if the delivery's payload carried it (`ctx.secret(key)`).
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").payload_secret("SLACK_TOKEN", "xoxb-1").build();
    /// assert_eq!(ctx.secret("SLACK_TOKEN").map(|s| s.expose().to_owned()).as_deref(), Some("xoxb-1"));
    /// ```
    pub fn payload_secret(mut self, key: &str, value: &str) -> Self {
        self.secrets
            .get_or_insert_with(|| Secrets(Default::default()))
            .0
            .insert(key.to_owned(), SecretString::new(value));
        self
    }

    /// The payload carries a `secrets` object with nothing in it (as opposed to no `secrets`
    /// at all): `ctx.secret(key)` then falls back to the environment variable `key`.
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").empty_payload_secrets().build();
    /// assert!(ctx.payload_secrets().is_some_and(|s| s.0.is_empty()));
    /// assert!(ctx.secret("KIKET_DOC_EXAMPLE_UNSET").is_none()); // then the environment
    /// ```
    pub fn empty_payload_secrets(mut self) -> Self {
        self.secrets = Some(Secrets(Default::default()));
        self
    }

    /// The extension id (`ctx.extension_id()`; `ctx.secrets()` calls need it).
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").extension_id("com.example.crm").build();
    /// assert_eq!(ctx.extension_id(), Some("com.example.crm"));
    /// ```
    pub fn extension_id(mut self, id: impl Into<String>) -> Self {
        self.extension_id = Some(id.into());
        self
    }

    /// The workspace token the context's API calls carry (`Authorization: Bearer …`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").api_base_url(api.url()).workspace_token("wk_test").build();
    /// ctx.endpoints().log_event("hello").await?;
    /// assert_eq!(api.calls_to("log_event")[0].header("authorization"), Some("Bearer wk_test"));
    /// # Ok(()) }
    /// ```
    pub fn workspace_token(mut self, token: impl Into<SecretString>) -> Self {
        self.workspace_token = Some(token.into());
        self
    }

    /// The delivery key `ctx.delivery().key()` returns (none by default: nothing was
    /// verified).
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").delivery_key("dlv_1").build();
    /// assert_eq!(ctx.delivery().key(), Some("dlv_1"));
    /// ```
    pub fn delivery_key(mut self, key: impl Into<String>) -> Self {
        self.delivery_key = Some(key.into());
        self
    }

    /// How long from [`Self::build`] until `ctx.delivery().deadline()` (by default the
    /// configured handler timeout's default, 25 s).
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("case.created", "v1").deadline_in(std::time::Duration::from_millis(1800)).build();
    /// assert!(ctx.delivery().remaining() <= std::time::Duration::from_millis(1800));
    /// ```
    pub fn deadline_in(mut self, time: std::time::Duration) -> Self {
        self.deadline_in = time;
        self
    }

    /// Sends the context's API calls to `url` (e.g. [`MockKiketApi::url`](super::MockKiketApi::url)).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
    /// ctx.endpoints().notify("Deal won", "ACME signed").await?;
    /// api.assert_notified("Deal won");
    /// # Ok(()) }
    /// ```
    pub fn api_base_url(mut self, url: impl Into<String>) -> Self {
        self.api_base_url = url.into().trim_end_matches('/').to_owned();
        self
    }

    /// Marks the invocation as carrying a verified runtime token with `claims` (scopes,
    /// organisation, project), forwarded on API calls as a real one would be.
    ///
    /// ```
    /// use kiket_sdk::testing::{TestContext, TestKeys};
    /// let keys = TestKeys::generate("kid-1");
    /// let claims = serde_json::from_value(keys.claims(&["custom_data.read"], 1_760_000_000))?;
    /// let ctx = TestContext::new("issue.created", "v1").runtime_token("eyJ.test", claims).build();
    /// assert!(ctx.require_scopes(["custom_data.read"]).is_ok());
    /// assert!(ctx.require_scopes(["custom_data.write"]).is_err());
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn runtime_token(mut self, token: &str, claims: RuntimeClaims) -> Self {
        self.auth = AuthContext::verified(SecretString::new(token), claims);
        self
    }

    /// Extension settings the handler reads with `ctx.settings()`.
    ///
    /// ```
    /// use kiket_sdk::Config;
    /// let settings = Config::builder().insecure_skip_verification().setting("batch_size", 25).build()?.settings().clone();
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").settings(settings).build();
    /// assert_eq!(ctx.settings().get::<u32>("batch_size")?, Some(25));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The context.
    ///
    /// ```
    /// let ctx: kiket_sdk::HandlerContext = kiket_sdk::testing::TestContext::new("issue.created", "v1").build();
    /// // Without .api_base_url(..), API calls go to an unreachable address, never to production.
    /// assert_eq!(ctx.api_base_url(), kiket_sdk::testing::UNREACHABLE_API);
    /// ```
    pub fn build(self) -> HandlerContext {
        let shared = Arc::new(ContextShared {
            http: shared_http_client().clone(),
            api_base_url: Arc::from(self.api_base_url.as_str()),
            api_state: match self.workspace_token {
                Some(token) => ApiState::new().workspace_token(token),
                None => ApiState::new(),
            },
            extension_id: self.extension_id.map(Arc::from),
            extension_version: None,
            settings: Arc::new(self.settings),
        });
        let delivery = Delivery {
            key: self.delivery_key.map(Arc::from),
            signature_timestamp: None,
            received_at: std::time::SystemTime::now(),
            event: self.event,
            version: self.version,
            deadline: std::time::Instant::now() + self.deadline_in,
        };
        let parts = ContextParts {
            delivery,
            headers: self.headers,
            auth: self.auth,
            payload_secrets: self.secrets,
            api_base_url_override: None,
            idempotency_seed: None,
        };
        HandlerContext::new(parts, shared)
    }
}

/// One HTTP client (one connection pool) for every test context of the process.
fn shared_http_client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| kiket_client::transport::http_client().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_token_marks_the_invocation_authenticated_with_its_scopes() {
        let claims: RuntimeClaims =
            serde_json::from_value(serde_json::json!({"scopes": ["custom_data.write"]})).unwrap();
        let ctx = TestContext::new("issue.created", "v1").runtime_token("eyJ.test", claims).build();
        assert_eq!(ctx.auth().runtime_token().map(SecretString::expose), Some("eyJ.test"));
        assert!(ctx.require_scopes(["custom_data.write"]).is_ok());
        assert!(ctx.require_scopes(["secrets.read"]).is_err());
        assert!(!format!("{ctx:?}").contains("eyJ.test"));
    }

    #[test]
    fn without_a_token_scoped_calls_are_refused() {
        let ctx = TestContext::new("issue.created", "v1").build();
        assert!(ctx.auth().runtime_token().is_none());
        assert!(ctx.require_scopes(["custom_data.write"]).is_err());
    }
}
