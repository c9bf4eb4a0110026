//! Logs, metrics, notifications, the rate limit and the extension's own record.
//!
//! ```no_run
//! # async fn demo(endpoints: kiket_client::endpoints::Endpoints) -> Result<(), kiket_client::ApiError> {
//! use kiket_client::types::NotificationLevel;
//! use serde_json::json;
//!
//! endpoints.notify("Synced", "42 contacts").await?; // level `info`
//! endpoints.notify("Sync failed", "CRM unreachable").level(NotificationLevel::Error).await?;
//! endpoints.emit_metric("contacts.synced", 42.0).await?; // unit `count`
//! endpoints.emit_metric("sync.duration", 812.0).unit("ms").await?;
//! endpoints.log_event("sync finished").metadata(json!({"contacts": 42})).await?;
//! # Ok(()) }
//! ```

use super::call::{awaitable, body};
use super::Endpoints;
use crate::error::ApiError;
use crate::generated::types::{ExtensionInfo, LogEventRequest, MetricRequest, NotificationLevel, NotificationRequest};
use serde_json::{Map, Value};

/// The current rate-limit window.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// api.set_rate_limit(600, 12, 60, 40);
/// let window: kiket_client::endpoints::RateLimit = endpoints.rate_limit().await?;
/// if window.remaining < 50 {
///     tracing::warn!(reset_in = window.reset_in, "close to the API rate limit");
/// }
/// assert_eq!((window.limit, window.remaining, window.window_seconds, window.reset_in), (600, 12, 60, 40));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls allowed per window.
    pub limit: i64,
    /// Calls left in this window.
    pub remaining: i64,
    /// Window length in seconds.
    pub window_seconds: i64,
    /// Seconds until the window resets.
    pub reset_in: i64,
}

impl Endpoints {
    /// Records a structured log event; add [`LogEvent::metadata`], then await.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.log_event("contact synced").metadata(serde_json::json!({"contact": 42})).await?;
    /// assert_eq!(api.assert_logged("contact synced")["contact"], 42);
    /// # Ok(()) }
    /// ```
    pub fn log_event(&self, message: impl Into<String>) -> LogEvent {
        LogEvent { endpoints: self.clone(), message: message.into(), metadata: Value::Null }
    }

    /// Records a metric sample; the unit is `count` unless [`EmitMetric::unit`] says
    /// otherwise. Await it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.emit_metric("crm.sync.duration", 182.0).unit("ms").await?;
    /// assert_eq!(api.calls_to("record_metric")[0].body.as_ref().unwrap()["name"], "crm.sync.duration");
    /// # Ok(()) }
    /// ```
    pub fn emit_metric(&self, name: impl Into<String>, value: f64) -> EmitMetric {
        EmitMetric { endpoints: self.clone(), name: name.into(), value, unit: None }
    }

    /// Notifies the workspace; the level is `info` unless [`Notify::level`] says otherwise.
    /// Await it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.notify("Deal won", "ACME signed the contract").await?;
    /// api.assert_notified("Deal won");
    /// # Ok(()) }
    /// ```
    pub fn notify(&self, title: impl Into<String>, body: impl Into<String>) -> Notify {
        Notify { endpoints: self.clone(), title: title.into(), body: body.into(), level: NotificationLevel::Info }
    }

    /// The current rate-limit window.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let window = endpoints.rate_limit().await?;
    /// assert!(window.remaining <= window.limit);
    /// # Ok(()) }
    /// ```
    pub async fn rate_limit(&self) -> Result<RateLimit, ApiError> {
        const OP: &str = crate::operations::GET_RATE_LIMIT.id;
        let window = body(OP, self.client.get_rate_limit().send().await)?.rate_limit;
        Ok(RateLimit {
            limit: window.limit,
            remaining: window.remaining,
            window_seconds: window.window_seconds,
            reset_in: window.reset_in,
        })
    }

    /// The extension's record on the platform (needs the extension id).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let info = endpoints.extension_info().await?; // needs the extension id
    /// assert_eq!(api.calls_to("get_extension")[0].params, ["com.example.crm"]);
    /// # drop(info);
    /// # Ok(()) }
    /// ```
    pub async fn extension_info(&self) -> Result<ExtensionInfo, ApiError> {
        const OP: &str = crate::operations::GET_EXTENSION.id;
        let id = self.require_extension_id(OP)?;
        body(OP, self.client.get_extension().ext_id(id).send().await)
    }
}

/// A pending [`Endpoints::log_event`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// let pending = endpoints.log_event("sync started"); // nothing sent yet
/// pending.await?;
/// assert_eq!(api.logged().len(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct LogEvent {
    endpoints: Endpoints,
    message: String,
    metadata: Value,
}

impl LogEvent {
    /// Structured fields of the event (a JSON object).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.log_event("sync finished").metadata(serde_json::json!({"created": 3, "updated": 1})).await?;
    /// assert_eq!(api.assert_logged("sync finished")["created"], 3);
    /// # Ok(()) }
    /// ```
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = metadata;
        self
    }

    /// Sends the request (what `.await` does).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.log_event("explicit send").send().await?;
    /// api.assert_logged("explicit send");
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<(), ApiError> {
        const OP: &str = crate::operations::LOG_EVENT.id;
        let metadata = match self.metadata {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            _ => return Err(ApiError::input(OP, "metadata must be a JSON object")),
        };
        let body = LogEventRequest { message: self.message, metadata };
        let request = self.endpoints.client.log_event().idempotency_key(self.endpoints.idempotency_key()).body(body);
        request.send().await.map_err(|e| ApiError::from_generated(OP, e))?;
        Ok(())
    }
}

awaitable!(LogEvent => ());

/// A pending [`Endpoints::emit_metric`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// endpoints.emit_metric("crm.contacts.synced", 3.0).await?;
/// assert_eq!(api.calls_to("record_metric").len(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct EmitMetric {
    endpoints: Endpoints,
    name: String,
    value: f64,
    unit: Option<String>,
}

impl EmitMetric {
    /// The unit of the value (`ms`, `bytes`, …; default `count`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.emit_metric("crm.sync.duration", 0.18).unit("s").await?;
    /// assert_eq!(api.calls_to("record_metric")[0].body.as_ref().unwrap()["unit"], "s");
    /// # Ok(()) }
    /// ```
    pub fn unit(mut self, unit: impl Into<String>) -> Self {
        self.unit = Some(unit.into());
        self
    }

    /// Sends the request (what `.await` does).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.emit_metric("queue.depth", 7.0).send().await?;
    /// // Not a number: refused before anything is sent.
    /// assert!(endpoints.emit_metric("queue.depth", f64::NAN).send().await.is_err());
    /// assert_eq!(api.calls_to("record_metric").len(), 1);
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<(), ApiError> {
        const OP: &str = crate::operations::RECORD_METRIC.id;
        if !self.value.is_finite() {
            return Err(ApiError::input(OP, "a metric value must be a finite number"));
        }
        let unit = self.unit.unwrap_or_else(|| "count".to_owned());
        let body = MetricRequest { name: self.name, value: self.value, unit };
        let request =
            self.endpoints.client.record_metric().idempotency_key(self.endpoints.idempotency_key()).body(body);
        request.send().await.map_err(|e| ApiError::from_generated(OP, e))?;
        Ok(())
    }
}

awaitable!(EmitMetric => ());

/// A pending [`Endpoints::notify`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// use kiket_client::types::NotificationLevel;
/// endpoints.notify("Sync failed", "CRM unreachable").level(NotificationLevel::Error).await?;
/// assert_eq!(api.assert_notified("Sync failed")["level"], "error");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Notify {
    endpoints: Endpoints,
    title: String,
    body: String,
    level: NotificationLevel,
}

impl Notify {
    /// The level (`Info` by default, `Warning`, `Error`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// use kiket_client::types::NotificationLevel;
    /// endpoints.notify("Quota", "80 % used").level(NotificationLevel::Warning).await?;
    /// assert_eq!(api.assert_notified("Quota")["level"], "warning");
    /// # Ok(()) }
    /// ```
    pub fn level(mut self, level: NotificationLevel) -> Self {
        self.level = level;
        self
    }

    /// Sends the request (what `.await` does).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.notify("Deal won", "ACME").send().await?;
    /// assert_eq!(api.notifications().len(), 1);
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<(), ApiError> {
        const OP: &str = crate::operations::SEND_NOTIFICATION.id;
        let body = NotificationRequest { title: self.title, body: self.body, level: self.level };
        let request =
            self.endpoints.client.send_notification().idempotency_key(self.endpoints.idempotency_key()).body(body);
        request.send().await.map_err(|e| ApiError::from_generated(OP, e))?;
        Ok(())
    }
}

awaitable!(Notify => ());
