//! The ergonomic layer over the generated client: what handlers call as
//! `context.endpoints()`.
//!
//! One convention throughout: what a call needs is positional (a project id, a module and
//! table, a form key); everything optional is a named builder method, and the builder is
//! awaited directly. Identifiers take numbers or strings alike ([`Id`]).
//!
//! ```no_run
//! # async fn demo(endpoints: kiket_client::endpoints::Endpoints) -> Result<(), kiket_client::ApiError> {
//! use kiket_client::types::NotificationLevel;
//! use kiket_types::SlaState;
//!
//! let breached = endpoints.sla_events(12).list().state(SlaState::Breached).issue(42).limit(10).await?;
//! let forms = endpoints.intake_forms("12").list().active(true).await?;
//! endpoints.notify("SLA breached", &format!("{} events", breached.len())).await?;
//! endpoints.notify("Disk almost full", "92% used").level(NotificationLevel::Warning).await?;
//! # drop(forms); Ok(()) }
//! ```
//!
//! Every method names its operation in errors ([`ApiError`]), refuses blank path parameters
//! before sending anything, sends JSON filters and records as the platform expects, creates
//! one `Idempotency-Key` per logical POST (so retries never apply a write twice), and
//! accepts any `2xx` answer: a write the platform answers with `204 No Content` returns
//! `None` instead of the stored value.

mod audit;
mod call;
mod custom_data;
mod intake_forms;
mod observability;
mod raw;
mod secrets;
mod sla;

pub use audit::{verify_merkle_proof, Audit, GetAnchor, GetRecordProof, ListAnchors, VerifyProof};
pub use custom_data::{CustomData, ListRecords};
pub use intake_forms::{Decide, GetFormStats, IntakeForms, ListIntakeForms, ListSubmissions, StatsPeriod, SubmitForm};
pub use observability::{EmitMetric, LogEvent, Notify, RateLimit};
pub use raw::RawRequest;
pub use secrets::{Secret, SecretKey, SecretSource, SecretsManager};
pub use sla::{ListSlaEvents, SlaEvents};

use crate::error::ApiError;
use crate::Client;
use kiket_types::Id;
use std::sync::Arc;

/// Typed access to every extension-API operation. Cheap to clone; all clones share one
/// connection pool.
///
/// ```
/// // In a handler: `ctx.endpoints()`; in a script: `KiketClient::from_env()?.endpoints()`.
/// // Here: the test kit's loopback mock (`api`) stands in for the platform.
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// let kiket = kiket_client::KiketClient::builder().base_url(api.url()).build()?;
/// let endpoints = kiket.endpoints();
/// endpoints.custom_data(12).create("com.example.crm", "contacts", &serde_json::json!({"email": "a@example.com"})).await?;
/// endpoints.log_event("contact created").await?;
/// assert_eq!(api.calls().len(), 2);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Endpoints {
    client: Client,
    extension_id: Option<Arc<str>>,
}

impl Endpoints {
    /// Wraps a generated client.
    ///
    /// ```
    /// use kiket_client::Client;
    /// use kiket_client::hooks::ApiState;
    /// use kiket_client::endpoints::Endpoints;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let state = ApiState::new().workspace_token("wk_test");
    /// let endpoints = Endpoints::new(Client::new_with_client(&api.url(), reqwest::Client::new(), state));
    /// endpoints.log_event("hello").await?;
    /// assert_eq!(api.calls_to("log_event")[0].header("authorization"), Some("Bearer wk_test"));
    /// # Ok(()) }
    /// ```
    pub fn new(client: Client) -> Self {
        Self { client, extension_id: None }
    }

    /// The `Idempotency-Key` of this client's next POST (derived when its state has a seed).
    pub(crate) fn idempotency_key(&self) -> String {
        progenitor_client::ClientInfo::inner(&self.client).idempotency_key()
    }

    /// Sets the extension id used by [`Self::secrets`] and [`Self::extension_info`].
    ///
    /// ```
    /// use kiket_client::Client;
    /// use kiket_client::hooks::ApiState;
    /// use kiket_client::endpoints::Endpoints;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// let client = Client::new_with_client(&api.url(), reqwest::Client::new(), ApiState::new());
    /// let endpoints = Endpoints::new(client).with_extension_id("com.example.crm");
    /// endpoints.secrets().set("CRM_TOKEN", "t0ken").await?; // secrets need the extension id
    /// # Ok(()) }
    /// ```
    pub fn with_extension_id(mut self, extension_id: impl AsRef<str>) -> Self {
        let id = extension_id.as_ref().trim();
        self.extension_id = (!id.is_empty()).then(|| Arc::from(id));
        self
    }

    /// The generated client, for operations used directly.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// // The generated client, for an operation by its builder.
    /// let answer = endpoints.client().get_rate_limit().send().await?;
    /// assert!(answer.into_inner().rate_limit.limit > 0);
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The configured extension id.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// assert_eq!(endpoints.extension_id(), Some("com.example.crm"));
    /// # Ok(()) }
    /// ```
    pub fn extension_id(&self) -> Option<&str> {
        self.extension_id.as_deref()
    }

    /// Custom-data records of a project, as `serde_json::Value` (see [`CustomData::typed`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let contacts = endpoints.custom_data(12).list("com.example.crm", "contacts").limit(25).await?;
    /// assert!(contacts.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn custom_data(&self, project_id: impl Into<Id>) -> CustomData {
        CustomData::new(self.clone(), project_id.into())
    }

    /// SLA events of a project.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let breached = endpoints.sla_events(12).list().state("breached").await?;
    /// assert!(breached.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn sla_events(&self, project_id: impl Into<Id>) -> SlaEvents {
        SlaEvents::new(self.clone(), project_id.into())
    }

    /// Intake forms and submissions of a project.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let form = endpoints.intake_forms(12).get("bug-report").await?;
    /// assert!(form.public_url().is_some());
    /// # Ok(()) }
    /// ```
    pub fn intake_forms(&self, project_id: impl Into<Id>) -> IntakeForms {
        IntakeForms::new(self.clone(), project_id.into())
    }

    /// The extension's secrets (needs the extension id; `KIKET_SECRET_<KEY>` wins on `get`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.secrets().set("CRM_TOKEN", "t0ken").await?;
    /// assert!(endpoints.secrets().get("CRM_TOKEN").await?.is_some());
    /// # Ok(()) }
    /// ```
    pub fn secrets(&self) -> SecretsManager {
        SecretsManager::new(self.clone())
    }

    /// Audit anchors and Merkle proofs.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let page = endpoints.audit().anchors().per_page(10).await?;
    /// assert!(page.anchors.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn audit(&self) -> Audit {
        Audit::new(self.clone())
    }

    fn require_extension_id(&self, operation: &'static str) -> Result<&str, ApiError> {
        self.extension_id.as_deref().ok_or_else(|| {
            ApiError::input(
                operation,
                "the extension id is not configured (manifest `id`, or Endpoints::with_extension_id)",
            )
        })
    }
}
