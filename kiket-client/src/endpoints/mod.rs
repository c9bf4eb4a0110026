//! The ergonomic layer over the generated client: what handlers call as
//! `context.endpoints()`.
//!
//! Every method names its operation in errors ([`ApiError`]), sends JSON filters and records
//! as the platform expects, creates one `Idempotency-Key` per logical POST (so retries never
//! apply a write twice), and decodes responses into typed values.

mod audit;
mod custom_data;
mod intake_forms;
mod observability;
mod secrets;
mod sla;

pub use audit::{verify_merkle_proof, AnchorQuery, Audit};
pub use custom_data::CustomData;
pub use intake_forms::{IntakeForms, SubmissionQuery};
pub use observability::RateLimit;
pub use secrets::{SecretKey, SecretsManager};
pub use sla::SlaEvents;

use crate::error::ApiError;
use crate::Client;
use std::fmt::Display;
use std::sync::Arc;

/// Typed access to every extension-API operation. Cheap to clone; all clones share one
/// connection pool.
#[derive(Clone, Debug)]
pub struct Endpoints {
    client: Client,
    extension_id: Option<Arc<str>>,
}

impl Endpoints {
    /// Wraps a generated client.
    pub fn new(client: Client) -> Self {
        Self { client, extension_id: None }
    }

    /// Sets the extension id used by [`Self::secrets`] and [`Self::extension_info`].
    pub fn with_extension_id(mut self, extension_id: impl AsRef<str>) -> Self {
        let id = extension_id.as_ref().trim();
        self.extension_id = (!id.is_empty()).then(|| Arc::from(id));
        self
    }

    /// The generated client, for operations used directly.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The configured extension id.
    pub fn extension_id(&self) -> Option<&str> {
        self.extension_id.as_deref()
    }

    /// Custom-data records of a project, as `serde_json::Value` (see [`CustomData::typed`]).
    pub fn custom_data(&self, project_id: impl Display) -> CustomData {
        CustomData::new(self.clone(), project_id.to_string())
    }

    /// SLA events of a project.
    pub fn sla_events(&self, project_id: impl Display) -> SlaEvents {
        SlaEvents::new(self.clone(), project_id.to_string())
    }

    /// Intake forms and submissions of a project.
    pub fn intake_forms(&self, project_id: impl Display) -> IntakeForms {
        IntakeForms::new(self.clone(), project_id.to_string())
    }

    /// The extension's secrets (needs the extension id).
    pub fn secrets(&self) -> SecretsManager {
        SecretsManager::new(self.clone())
    }

    /// Audit anchors and Merkle proofs.
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
