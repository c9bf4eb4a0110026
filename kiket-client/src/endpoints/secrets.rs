//! The extension's secrets: list, get, set, delete, rotate.
//!
//! Values are [`SecretString`]s. Blank values are rejected before anything is sent. Rotation
//! writes the new value (an upsert) and never deletes first, so a failure cannot lose the
//! secret.

use super::Endpoints;
use crate::error::ApiError;
use crate::generated::types::{SecretListResponse, SecretWrite, SecretWriteRequest};
use crate::retry::new_idempotency_key;
use kiket_types::SecretString;
use serde_json::Value;

/// A secret's key and timestamps (never its value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKey {
    /// The key.
    pub key: String,
    /// Creation time, when the platform says.
    pub created_at: Option<String>,
    /// Last update time, when the platform says.
    pub updated_at: Option<String>,
}

/// The extension's secrets.
#[derive(Debug, Clone)]
pub struct SecretsManager {
    endpoints: Endpoints,
}

impl SecretsManager {
    pub(super) fn new(endpoints: Endpoints) -> Self {
        Self { endpoints }
    }

    /// Keys of all secrets. Accepts both shapes the platform has used (an array of records,
    /// or `{"keys": [...]}` of names or records).
    pub async fn list(&self) -> Result<Vec<SecretKey>, ApiError> {
        const OP: &str = crate::operations::LIST_SECRETS.id;
        let id = self.endpoints.require_extension_id(OP)?;
        let response = self
            .endpoints
            .client
            .list_secrets()
            .ext_id(id)
            .send()
            .await
            .map_err(|e| ApiError::from_generated(OP, e))?;
        Ok(match response.into_inner() {
            SecretListResponse::Array(items) => items
                .into_iter()
                .map(|i| SecretKey { key: i.key, created_at: i.created_at, updated_at: i.updated_at })
                .collect(),
            SecretListResponse::SecretKeyList(list) => list.keys.into_iter().filter_map(key_of).collect(),
        })
    }

    /// A secret's value, or `None` when it is not set (404).
    pub async fn get(&self, key: &str) -> Result<Option<SecretString>, ApiError> {
        const OP: &str = crate::operations::GET_SECRET.id;
        let id = self.endpoints.require_extension_id(OP)?;
        match self.endpoints.client.get_secret().ext_id(id).key(key).send().await {
            Ok(response) => Ok(Some(SecretString::new(response.into_inner().value))),
            Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => Ok(None),
            Err(e) => Err(ApiError::from_generated(OP, e)),
        }
    }

    /// Creates or overwrites a secret. Blank keys and values are rejected locally.
    pub async fn set(&self, key: &str, value: impl Into<SecretString>) -> Result<(), ApiError> {
        const OP: &str = crate::operations::SET_SECRET.id;
        let value = value.into();
        if key.trim().is_empty() {
            return Err(ApiError::input(OP, "the secret key is blank"));
        }
        if value.is_blank() {
            return Err(ApiError::input(OP, format!("the value for secret {key:?} is blank")));
        }
        let id = self.endpoints.require_extension_id(OP)?;
        let body = SecretWriteRequest { secret: SecretWrite { key: key.to_owned(), value: value.expose().to_owned() } };
        self.endpoints
            .client
            .set_secret()
            .ext_id(id)
            .idempotency_key(new_idempotency_key())
            .body(body)
            .send()
            .await
            .map_err(|e| ApiError::from_generated(OP, e))?;
        Ok(())
    }

    /// Deletes a secret; deleting one that is not set (404) succeeds.
    pub async fn delete(&self, key: &str) -> Result<(), ApiError> {
        const OP: &str = crate::operations::DELETE_SECRET.id;
        let id = self.endpoints.require_extension_id(OP)?;
        match self.endpoints.client.delete_secret().ext_id(id).key(key).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => Ok(()),
            Err(e) => Err(ApiError::from_generated(OP, e)),
        }
    }

    /// Replaces a secret's value by writing the new one (never delete-then-create).
    pub async fn rotate(&self, key: &str, new_value: impl Into<SecretString>) -> Result<(), ApiError> {
        self.set(key, new_value).await
    }
}

fn key_of(item: Value) -> Option<SecretKey> {
    match item {
        Value::String(key) => Some(SecretKey { key, created_at: None, updated_at: None }),
        Value::Object(map) => {
            let text = |name: &str| map.get(name).and_then(Value::as_str).map(str::to_owned);
            Some(SecretKey { key: text("key")?, created_at: text("created_at"), updated_at: text("updated_at") })
        }
        _ => None,
    }
}
