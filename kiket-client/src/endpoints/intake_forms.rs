//! Intake forms and their submissions: `endpoints.intake_forms(project_id)`.

use super::Endpoints;
use crate::error::ApiError;
use crate::generated::types::{
    IntakeForm, IntakeFormStats, IntakeSubmission, IntakeSubmissionCreateRequest, IntakeSubmissionDecisionRequest,
};
use crate::retry::new_idempotency_key;
use serde_json::{Map, Value};

/// Approve and reject are the same call on two generated builders.
macro_rules! decide {
    ($self:ident, $operation:ident, $form_key:ident, $id:ident, $notes:ident) => {{
        let response = $self
            .endpoints
            .client
            .$operation()
            .form_key($form_key)
            .id($id.to_string())
            .idempotency_key(new_idempotency_key())
            .body($self.decision($notes))
            .send()
            .await;
        Ok(response.map_err(|e| ApiError::from_generated(stringify!($operation), e))?.into_inner())
    }};
}

/// Filters of [`IntakeForms::submissions`].
#[derive(Debug, Clone, Default)]
pub struct SubmissionQuery {
    /// `pending`, `approved`, `rejected` or `converted`.
    pub status: Option<String>,
    /// Most submissions returned.
    pub limit: Option<u32>,
    /// Only submissions created at or after this ISO-8601 time.
    pub since: Option<String>,
}

/// Intake forms of one project.
#[derive(Debug, Clone)]
pub struct IntakeForms {
    endpoints: Endpoints,
    project_id: String,
}

impl IntakeForms {
    pub(super) fn new(endpoints: Endpoints, project_id: String) -> Self {
        Self { endpoints, project_id }
    }

    /// Lists forms, optionally only active and/or public ones.
    pub async fn list(
        &self,
        active: Option<bool>,
        public: Option<bool>,
        limit: Option<u32>,
    ) -> Result<Vec<IntakeForm>, ApiError> {
        const OP: &str = crate::operations::LIST_INTAKE_FORMS.id;
        let mut request = self.endpoints.client.list_intake_forms().project_id(&self.project_id);
        if let Some(active) = active {
            request = request.active(active);
        }
        if let Some(public) = public {
            request = request.public(public);
        }
        if let Some(limit) = limit {
            request = request.limit(limit);
        }
        Ok(request.send().await.map_err(|e| ApiError::from_generated(OP, e))?.into_inner().data)
    }

    /// One form.
    pub async fn get(&self, form_key: &str) -> Result<IntakeForm, ApiError> {
        const OP: &str = crate::operations::GET_INTAKE_FORM.id;
        let response =
            self.endpoints.client.get_intake_form().form_key(form_key).project_id(&self.project_id).send().await;
        Ok(response.map_err(|e| ApiError::from_generated(OP, e))?.into_inner())
    }

    /// The public URL of a form: the platform's `public_url`, or `None` for a private form.
    pub async fn public_url(&self, form_key: &str) -> Result<Option<String>, ApiError> {
        Ok(self.get(form_key).await?.public_url.filter(|u| !u.trim().is_empty()))
    }

    /// Submissions of a form.
    pub async fn submissions(
        &self,
        form_key: &str,
        query: &SubmissionQuery,
    ) -> Result<Vec<IntakeSubmission>, ApiError> {
        const OP: &str = crate::operations::LIST_INTAKE_SUBMISSIONS.id;
        let mut request =
            self.endpoints.client.list_intake_submissions().form_key(form_key).project_id(&self.project_id);
        if let Some(status) = &query.status {
            request = request.status(status.as_str());
        }
        if let Some(limit) = query.limit {
            request = request.limit(limit);
        }
        if let Some(since) = &query.since {
            request = request.since(since.as_str());
        }
        Ok(request.send().await.map_err(|e| ApiError::from_generated(OP, e))?.into_inner().data)
    }

    /// One submission.
    pub async fn submission(&self, form_key: &str, id: impl std::fmt::Display) -> Result<IntakeSubmission, ApiError> {
        const OP: &str = crate::operations::GET_INTAKE_SUBMISSION.id;
        let response = self
            .endpoints
            .client
            .get_intake_submission()
            .form_key(form_key)
            .id(id.to_string())
            .project_id(&self.project_id)
            .send()
            .await;
        Ok(response.map_err(|e| ApiError::from_generated(OP, e))?.into_inner())
    }

    /// Submits a form with `data` (and optional `metadata`).
    pub async fn submit(
        &self,
        form_key: &str,
        data: Map<String, Value>,
        metadata: Option<Map<String, Value>>,
    ) -> Result<IntakeSubmission, ApiError> {
        const OP: &str = crate::operations::CREATE_INTAKE_SUBMISSION.id;
        let body = IntakeSubmissionCreateRequest {
            project_id: self.project_id.clone(),
            data,
            metadata: metadata.unwrap_or_default(),
        };
        let response = self
            .endpoints
            .client
            .create_intake_submission()
            .form_key(form_key)
            .idempotency_key(new_idempotency_key())
            .body(body)
            .send()
            .await;
        Ok(response.map_err(|e| ApiError::from_generated(OP, e))?.into_inner())
    }

    /// Approves a submission.
    pub async fn approve(
        &self,
        form_key: &str,
        id: impl std::fmt::Display,
        notes: Option<&str>,
    ) -> Result<IntakeSubmission, ApiError> {
        decide!(self, approve_intake_submission, form_key, id, notes)
    }

    /// Rejects a submission.
    pub async fn reject(
        &self,
        form_key: &str,
        id: impl std::fmt::Display,
        notes: Option<&str>,
    ) -> Result<IntakeSubmission, ApiError> {
        decide!(self, reject_intake_submission, form_key, id, notes)
    }

    /// Submission counts of a form over `period` (`day`, `week` or `month`).
    pub async fn stats(&self, form_key: &str, period: Option<&str>) -> Result<IntakeFormStats, ApiError> {
        const OP: &str = crate::operations::GET_INTAKE_FORM_STATS.id;
        let mut request = self.endpoints.client.get_intake_form_stats().form_key(form_key).project_id(&self.project_id);
        if let Some(period) = period {
            if !matches!(period, "day" | "week" | "month") {
                return Err(ApiError::input(OP, format!("period must be day, week or month, got {period:?}")));
            }
            request = request.period(period);
        }
        Ok(request.send().await.map_err(|e| ApiError::from_generated(OP, e))?.into_inner())
    }

    fn decision(&self, notes: Option<&str>) -> IntakeSubmissionDecisionRequest {
        IntakeSubmissionDecisionRequest { project_id: self.project_id.clone(), notes: notes.map(str::to_owned) }
    }
}
