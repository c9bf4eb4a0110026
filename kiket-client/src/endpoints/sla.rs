//! SLA events: `endpoints.sla_events(project_id).list(state, limit, issue_id)`.

use super::Endpoints;
use crate::error::ApiError;
use crate::generated::types::SlaEvent;

/// SLA events of one project.
#[derive(Debug, Clone)]
pub struct SlaEvents {
    endpoints: Endpoints,
    project_id: String,
}

impl SlaEvents {
    pub(super) fn new(endpoints: Endpoints, project_id: String) -> Self {
        Self { endpoints, project_id }
    }

    /// Lists SLA events, optionally by state (`imminent`, `breached`, `recovered`), limited,
    /// and for one issue.
    pub async fn list(
        &self,
        state: Option<&str>,
        limit: Option<u32>,
        issue_id: Option<&str>,
    ) -> Result<Vec<SlaEvent>, ApiError> {
        const OP: &str = crate::operations::LIST_SLA_EVENTS.id;
        let mut request = self.endpoints.client.list_sla_events().project_id(&self.project_id);
        if let Some(state) = state {
            request = request.state(state);
        }
        if let Some(limit) = limit {
            request = request.limit(limit);
        }
        if let Some(issue_id) = issue_id {
            request = request.issue_id(issue_id);
        }
        let response = request.send().await.map_err(|e| ApiError::from_generated(OP, e))?;
        Ok(response.into_inner().data)
    }
}
