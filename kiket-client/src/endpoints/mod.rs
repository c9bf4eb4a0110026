//! The ergonomic layer over the generated client: what handlers call as
//! `context.endpoints()`.
//!
//! One convention throughout: what a call needs is positional (a project id, a module and
//! table, a form key); everything optional is a named builder method, and the builder is
//! awaited directly. Identifiers take numbers or strings alike ([`Id`]).
//!
//! ```no_run
//! # async fn demo(endpoints: kiket_client::Endpoints) -> Result<(), kiket_client::ApiError> {
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

    /// The `Idempotency-Key` of this client's next POST (derived when its state has a seed).
    pub(crate) fn idempotency_key(&self) -> String {
        progenitor_client::ClientInfo::inner(&self.client).idempotency_key()
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
    pub fn custom_data(&self, project_id: impl Into<Id>) -> CustomData {
        CustomData::new(self.clone(), project_id.into())
    }

    /// SLA events of a project.
    pub fn sla_events(&self, project_id: impl Into<Id>) -> SlaEvents {
        SlaEvents::new(self.clone(), project_id.into())
    }

    /// Intake forms and submissions of a project.
    pub fn intake_forms(&self, project_id: impl Into<Id>) -> IntakeForms {
        IntakeForms::new(self.clone(), project_id.into())
    }

    /// The extension's secrets (needs the extension id; `KIKET_SECRET_<KEY>` wins on `get`).
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
