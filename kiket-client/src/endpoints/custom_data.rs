//! Custom-data records: `endpoints.custom_data(project_id).list(module, table, …)`.

use super::Endpoints;
use crate::error::ApiError;
use crate::generated::types::{CustomDataRecord, CustomDataWriteRequest};
use crate::retry::new_idempotency_key;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::marker::PhantomData;

/// Records of one project, decoded as `T` (default `serde_json::Value`).
///
/// ```no_run
/// # async fn demo(endpoints: kiket_client::Endpoints) -> Result<(), kiket_client::ApiError> {
/// #[derive(serde::Deserialize)]
/// struct Contact { email: String }
///
/// let contacts = endpoints.custom_data(12).typed::<Contact>();
/// let active = contacts
///     .list("com.example.crm.contacts", "automation_records", Some(25), Some(&serde_json::json!({"status": "active"})))
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct CustomData<T = Value> {
    endpoints: Endpoints,
    project_id: String,
    _record: PhantomData<fn() -> T>,
}

impl CustomData<Value> {
    pub(super) fn new(endpoints: Endpoints, project_id: String) -> Self {
        Self { endpoints, project_id, _record: PhantomData }
    }
}

impl<T: DeserializeOwned> CustomData<T> {
    /// The same records, decoded as `U`.
    pub fn typed<U: DeserializeOwned>(self) -> CustomData<U> {
        CustomData { endpoints: self.endpoints, project_id: self.project_id, _record: PhantomData }
    }

    /// Lists records, optionally limited and filtered (`filters` is sent as JSON text).
    pub async fn list(
        &self,
        module: &str,
        table: &str,
        limit: Option<u32>,
        filters: Option<&Value>,
    ) -> Result<Vec<T>, ApiError> {
        const OP: &str = crate::operations::LIST_CUSTOM_DATA.id;
        let mut request =
            self.endpoints.client.list_custom_data().module(module).table(table).project_id(&self.project_id);
        if let Some(limit) = limit {
            request = request.limit(limit);
        }
        if let Some(filters) = filters {
            if !filters.is_object() {
                return Err(ApiError::input(OP, "filters must be a JSON object"));
            }
            request = request.filters(filters.to_string());
        }
        let response = request.send().await.map_err(|e| ApiError::from_generated(OP, e))?;
        response.into_inner().data.into_iter().map(|record| decode(OP, record)).collect()
    }

    /// Fetches one record.
    pub async fn get(&self, module: &str, table: &str, id: impl std::fmt::Display) -> Result<T, ApiError> {
        const OP: &str = crate::operations::GET_CUSTOM_DATA_RECORD.id;
        let response = self
            .endpoints
            .client
            .get_custom_data_record()
            .module(module)
            .table(table)
            .id(id.to_string())
            .project_id(&self.project_id)
            .send()
            .await
            .map_err(|e| ApiError::from_generated(OP, e))?;
        decode(OP, response.into_inner().data)
    }

    /// Creates a record from any serialisable object; returns the stored record.
    pub async fn create(&self, module: &str, table: &str, record: &impl Serialize) -> Result<T, ApiError> {
        const OP: &str = crate::operations::CREATE_CUSTOM_DATA_RECORD.id;
        let body = CustomDataWriteRequest { record: encode(OP, record)? };
        let response = self
            .endpoints
            .client
            .create_custom_data_record()
            .module(module)
            .table(table)
            .project_id(&self.project_id)
            .idempotency_key(new_idempotency_key())
            .body(body)
            .send()
            .await
            .map_err(|e| ApiError::from_generated(OP, e))?;
        decode(OP, response.into_inner().data)
    }

    /// Updates fields of a record; returns the stored record. (PATCH is not retried.)
    pub async fn update(
        &self,
        module: &str,
        table: &str,
        id: impl std::fmt::Display,
        record: &impl Serialize,
    ) -> Result<T, ApiError> {
        const OP: &str = crate::operations::UPDATE_CUSTOM_DATA_RECORD.id;
        let body = CustomDataWriteRequest { record: encode(OP, record)? };
        let response = self
            .endpoints
            .client
            .update_custom_data_record()
            .module(module)
            .table(table)
            .id(id.to_string())
            .project_id(&self.project_id)
            .body(body)
            .send()
            .await
            .map_err(|e| ApiError::from_generated(OP, e))?;
        decode(OP, response.into_inner().data)
    }

    /// Deletes a record.
    pub async fn delete(&self, module: &str, table: &str, id: impl std::fmt::Display) -> Result<(), ApiError> {
        const OP: &str = crate::operations::DELETE_CUSTOM_DATA_RECORD.id;
        self.endpoints
            .client
            .delete_custom_data_record()
            .module(module)
            .table(table)
            .id(id.to_string())
            .project_id(&self.project_id)
            .send()
            .await
            .map_err(|e| ApiError::from_generated(OP, e))?;
        Ok(())
    }
}

fn encode(operation: &'static str, record: &impl Serialize) -> Result<CustomDataRecord, ApiError> {
    match serde_json::to_value(record) {
        Ok(Value::Object(map)) => Ok(CustomDataRecord(map)),
        Ok(_) => Err(ApiError::input(operation, "a record must serialise to a JSON object")),
        Err(e) => Err(ApiError::input(operation, format!("the record could not be serialised: {e}"))),
    }
}

fn decode<T: DeserializeOwned>(operation: &'static str, record: CustomDataRecord) -> Result<T, ApiError> {
    serde_json::from_value(Value::Object(record.0)).map_err(|e| ApiError::InvalidResponse {
        operation,
        reason: format!("record does not match the requested type: {e}"),
    })
}
