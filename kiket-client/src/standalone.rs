//! [`KiketClient`]: the extension API outside a handler (scripts, jobs, CLIs).

use crate::endpoints::Endpoints;
use crate::hooks::ApiState;
use crate::retry::RetryPolicy;
use crate::Client;
use kiket_types::SecretString;

/// Why a [`KiketClient`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientConfigError {
    /// The base URL is not an absolute http(s) URL.
    #[error("KIKET_BASE_URL must be an absolute http:// or https:// URL without credentials, got {0:?}")]
    InvalidBaseUrl(String),
    /// The HTTP client could not be created.
    #[error("could not create the HTTP client: {0}")]
    Http(String),
}

/// A standalone client of the extension API.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let kiket = kiket_client::KiketClient::from_env()?; // KIKET_BASE_URL, KIKET_WORKSPACE_TOKEN
/// let window = kiket.rate_limit().await?;
/// println!("{} calls left", window.remaining);
/// # Ok(()) }
/// ```
///
/// A script acting for one invocation (a job the platform started, say) sends that
/// invocation's runtime token and event version, as a handler's client does:
///
/// ```
/// # fn demo(runtime_token: String) -> Result<(), kiket_client::ClientConfigError> {
/// let kiket = kiket_client::KiketClient::builder()
///     .base_url("https://eu.kiket.dev")
///     .runtime_token(runtime_token)
///     .event_version("v2")
///     .build()?;
/// # drop(kiket); Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct KiketClient {
    endpoints: Endpoints,
}

impl KiketClient {
    /// A builder (base URL `https://kiket.dev`, no token).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let kiket = kiket_client::KiketClient::builder().base_url(api.url()).workspace_token("wk_test").build()?;
    /// kiket.log_event("from a script").await?;
    /// api.assert_logged("from a script");
    /// # Ok(()) }
    /// ```
    pub fn builder() -> KiketClientBuilder {
        KiketClientBuilder::default()
    }

    /// From `KIKET_BASE_URL` and `KIKET_WORKSPACE_TOKEN`.
    ///
    /// ```
    /// # fn main() -> Result<(), kiket_client::ClientConfigError> {
    /// // KIKET_BASE_URL (default https://kiket.dev) and KIKET_WORKSPACE_TOKEN.
    /// let kiket = kiket_client::KiketClient::from_env()?;
    /// # drop(kiket);
    /// # Ok(()) }
    /// ```
    pub fn from_env() -> Result<Self, ClientConfigError> {
        let var = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
        let mut builder = Self::builder();
        if let Some(url) = var("KIKET_BASE_URL") {
            builder = builder.base_url(url);
        }
        if let Some(token) = var("KIKET_WORKSPACE_TOKEN") {
            builder = builder.workspace_token(token);
        }
        builder.build()
    }

    /// The ergonomic operations.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let kiket = kiket_client::KiketClient::builder().base_url(api.url()).build()?;
    /// let endpoints: &kiket_client::endpoints::Endpoints = kiket.endpoints();
    /// endpoints.notify("Nightly import", "done").await?;
    /// api.assert_notified("Nightly import");
    /// # Ok(()) }
    /// ```
    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }
}

impl std::ops::Deref for KiketClient {
    type Target = Endpoints;
    fn deref(&self) -> &Endpoints {
        &self.endpoints
    }
}

/// Builds a [`KiketClient`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// let kiket = kiket_client::KiketClient::builder()
///     .base_url(api.url())
///     .workspace_token("wk_test")
///     .extension_id("com.example.crm")
///     .retry_policy(kiket_client::retry::RetryPolicy::none())
///     .build()?;
/// kiket.secrets().set("CRM_TOKEN", "t0ken").await?;
/// assert_eq!(api.secret("CRM_TOKEN").as_deref(), Some("t0ken"));
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct KiketClientBuilder {
    base_url: Option<String>,
    workspace_token: Option<SecretString>,
    runtime_token: Option<SecretString>,
    event_version: Option<String>,
    extension_id: Option<String>,
    retry: Option<RetryPolicy>,
    http: Option<reqwest::ClientBuilder>,
}

impl std::fmt::Debug for KiketClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KiketClientBuilder")
            .field("base_url", &self.base_url)
            .field("event_version", &self.event_version)
            .field("extension_id", &self.extension_id)
            .finish_non_exhaustive()
    }
}

impl KiketClientBuilder {
    /// API base URL (default `https://kiket.dev`).
    ///
    /// ```
    /// let kiket = kiket_client::KiketClient::builder().base_url("https://eu.kiket.dev").build();
    /// assert!(kiket.is_ok());
    /// assert!(kiket_client::KiketClient::builder().base_url("eu.kiket.dev").build().is_err()); // not absolute
    /// ```
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Workspace token (`Authorization: Bearer …`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let kiket = kiket_client::KiketClient::builder().base_url(api.url()).workspace_token("wk_test").build()?;
    /// kiket.log_event("hi").await?;
    /// assert_eq!(api.calls_to("log_event")[0].header("authorization"), Some("Bearer wk_test"));
    /// # Ok(()) }
    /// ```
    pub fn workspace_token(mut self, token: impl Into<SecretString>) -> Self {
        self.workspace_token = Some(token.into());
        self
    }

    /// The runtime token of the invocation this client acts for (`X-Kiket-Runtime-Token`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let kiket = kiket_client::KiketClient::builder().base_url(api.url()).runtime_token("eyJ.runtime").build()?;
    /// kiket.log_event("hi").await?;
    /// assert_eq!(api.calls_to("log_event")[0].header("x-kiket-runtime-token"), Some("eyJ.runtime"));
    /// # Ok(()) }
    /// ```
    pub fn runtime_token(mut self, token: impl Into<SecretString>) -> Self {
        self.runtime_token = Some(token.into());
        self
    }

    /// The resolved event version of that invocation (`X-Kiket-Event-Version`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let kiket = kiket_client::KiketClient::builder().base_url(api.url()).event_version("v2").build()?;
    /// kiket.log_event("hi").await?;
    /// assert_eq!(api.calls_to("log_event")[0].header("x-kiket-event-version"), Some("v2"));
    /// # Ok(()) }
    /// ```
    pub fn event_version(mut self, version: impl Into<String>) -> Self {
        self.event_version = Some(version.into());
        self
    }

    /// Extension id, for secrets and extension info.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// assert_eq!(kiket.extension_id(), Some("com.example.crm"));
    /// # Ok(()) }
    /// ```
    pub fn extension_id(mut self, id: impl Into<String>) -> Self {
        self.extension_id = Some(id.into());
        self
    }

    /// Retry policy (default [`RetryPolicy::default`]).
    ///
    /// ```
    /// use kiket_client::retry::RetryPolicy;
    /// use std::time::Duration;
    /// let policy = RetryPolicy { max_attempts: 5, base_delay: Duration::from_millis(100), ..RetryPolicy::default() };
    /// let kiket = kiket_client::KiketClient::builder().retry_policy(policy).build()?;
    /// # drop(kiket);
    /// # Ok::<(), kiket_client::ClientConfigError>(())
    /// ```
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Builds the HTTP client from your builder (proxies, TLS roots, pool sizes). The SDK's
    /// timeouts, user agent and redirect policy are applied on top
    /// ([`crate::transport::configure`]), so credentials never follow a redirect off the API
    /// origin whatever the builder said.
    ///
    /// ```
    /// let builder = reqwest::Client::builder().pool_max_idle_per_host(4);
    /// let kiket = kiket_client::KiketClient::builder().http_client(builder).build()?;
    /// # drop(kiket);
    /// # Ok::<(), kiket_client::ClientConfigError>(())
    /// ```
    pub fn http_client(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http = Some(builder);
        self
    }

    /// Builds the client.
    ///
    /// ```
    /// let error = kiket_client::KiketClient::builder().base_url("ftp://kiket.dev").build().unwrap_err();
    /// assert!(error.to_string().contains("ftp://kiket.dev"));
    /// ```
    pub fn build(self) -> Result<KiketClient, ClientConfigError> {
        let raw = self.base_url.unwrap_or_else(|| "https://kiket.dev".into());
        let base_url = crate::url::normalise_base_url(&raw).ok_or(ClientConfigError::InvalidBaseUrl(raw))?;
        let builder = crate::transport::configure(self.http.unwrap_or_default());
        let http = builder.build().map_err(|e| ClientConfigError::Http(e.to_string()))?;
        let mut state = ApiState::new().retry_policy(self.retry.unwrap_or_default());
        if let Some(token) = self.workspace_token {
            state = state.workspace_token(token);
        }
        if let Some(token) = self.runtime_token {
            state = state.runtime_token(token);
        }
        if let Some(version) = self.event_version {
            state = state.event_version(version);
        }
        let mut endpoints = Endpoints::new(Client::new_with_client(&base_url, http, state));
        if let Some(id) = self.extension_id {
            endpoints = endpoints.with_extension_id(id);
        }
        Ok(KiketClient { endpoints })
    }
}
