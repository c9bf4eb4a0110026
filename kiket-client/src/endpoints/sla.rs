//! SLA events: `endpoints.sla_events(project_id).list().state(SlaState::Breached).await`.

use super::call::{awaitable, optional_body, present_id};
use super::Endpoints;
use crate::error::ApiError;
use crate::generated::types::SlaEvent;
use kiket_types::{Id, SlaState};

/// SLA events of one project.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// api.set_sla_events(vec![serde_json::json!({"id": 1, "issue_id": 7, "state": "breached"})]);
/// let breached = endpoints.sla_events(12).list().state("breached").await?;
/// assert_eq!(breached.len(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SlaEvents {
    endpoints: Endpoints,
    project_id: Id,
}

impl SlaEvents {
    pub(super) fn new(endpoints: Endpoints, project_id: Id) -> Self {
        Self { endpoints, project_id }
    }

    /// Lists SLA events; narrow them by [`ListSlaEvents::state`], [`ListSlaEvents::issue`]
    /// and [`ListSlaEvents::limit`], then await.
    ///
    /// ```no_run
    /// # async fn demo(endpoints: kiket_client::endpoints::Endpoints) -> Result<(), kiket_client::ApiError> {
    /// use kiket_types::SlaState;
    /// let events = endpoints.sla_events(12).list().state(SlaState::Breached).issue(42).limit(10).await?;
    /// # drop(events); Ok(()) }
    /// ```
    ///
    /// Each filter is named, so a state cannot be passed where the issue goes. The positional
    /// form of earlier versions no longer compiles:
    ///
    /// ```compile_fail,E0061
    /// # async fn demo(endpoints: kiket_client::endpoints::Endpoints) -> Result<(), kiket_client::ApiError> {
    /// let events = endpoints.sla_events(12).list(Some("42"), Some(10), Some("breached")).await?;
    /// # drop(events); Ok(()) }
    /// ```
    ///
    /// and an issue id is not a state:
    ///
    /// ```compile_fail,E0277
    /// # async fn demo(endpoints: kiket_client::endpoints::Endpoints) -> Result<(), kiket_client::ApiError> {
    /// let issue_id: u64 = 42;
    /// let events = endpoints.sla_events(12).list().state(issue_id).await?;
    /// # drop(events); Ok(()) }
    /// ```
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let events = endpoints.sla_events(12).list().limit(20).await?;
    /// assert!(events.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListSlaEvents {
        ListSlaEvents { events: self.clone(), state: None, issue: None, limit: None }
    }
}

/// A pending [`SlaEvents::list`]: add filters, then await it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// let pending = endpoints.sla_events(12).list().issue(7);
/// let events = pending.await?; // sent here
/// # drop(events);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListSlaEvents {
    events: SlaEvents,
    state: Option<SlaState>,
    issue: Option<Id>,
    limit: Option<u32>,
}

impl ListSlaEvents {
    /// Only events in this state (`imminent`, `breached`, `recovered`, or a newer one).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// api.set_sla_events(vec![serde_json::json!({"id": 1, "issue_id": 7, "state": "breached"}), serde_json::json!({"id": 2, "issue_id": 8, "state": "warning"})]);
    /// assert_eq!(endpoints.sla_events(12).list().state("warning").await?.len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn state(mut self, state: impl Into<SlaState>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// Only events of this issue.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// api.set_sla_events(vec![serde_json::json!({"id": 1, "issue_id": 7, "state": "breached"}), serde_json::json!({"id": 2, "issue_id": 8, "state": "breached"})]);
    /// assert_eq!(endpoints.sla_events(12).list().issue(8).await?.len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn issue(mut self, issue_id: impl Into<Id>) -> Self {
        self.issue = Some(issue_id.into());
        self
    }

    /// At most `limit` events.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.sla_events(12).list().limit(50).await?;
    /// assert_eq!(api.calls_to("list_sla_events")[0].query_param("limit"), Some("50"));
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
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
    /// let events = endpoints.sla_events(12).list().send().await?;
    /// assert!(events.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Vec<SlaEvent>, ApiError> {
        const OP: &str = crate::operations::LIST_SLA_EVENTS.id;
        let project_id = present_id(OP, "project id", &self.events.project_id)?;
        let mut request = self.events.endpoints.client.list_sla_events().project_id(project_id);
        if let Some(state) = &self.state {
            request = request.state(state.to_string());
        }
        if let Some(issue) = &self.issue {
            request = request.issue_id(present_id(OP, "issue id", issue)?);
        }
        if let Some(limit) = self.limit {
            request = request.limit(limit);
        }
        Ok(optional_body(OP, request.send().await)?.map(|list| list.data).unwrap_or_default())
    }
}

awaitable!(ListSlaEvents => Vec<SlaEvent>);
