//! The extension's secrets: list, get, set, delete, rotate.
//!
//! Values are [`SecretString`]s. Blank keys and values are rejected before anything is sent.
//! `get` reads `KIKET_SECRET_<KEY>` first (local development, as the other SDKs do), then the
//! API. Rotation writes the new value (an upsert) and never deletes first, so a failure cannot
//! lose the secret.

use super::call::{body, present};
use super::Endpoints;
use crate::error::ApiError;
use crate::generated::types::{SecretListResponse, SecretWrite, SecretWriteRequest};
use crate::time::{self, Timestamp};
use kiket_types::{secret_env_name, SecretString};
use serde_json::Value;

/// A secret's key and timestamps (never its value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretKey {
    /// The key.
    pub key: String,
    /// Creation time as the platform wrote it (see [`Self::created_at`] for the parsed time).
    pub created_at: Option<String>,
    /// Last update time as the platform wrote it.
    pub updated_at: Option<String>,
}

impl SecretKey {
    /// Creation time, when the platform sent a readable one.
    pub fn created_at(&self) -> Option<Timestamp> {
        time::parse(&self.created_at)
    }

    /// Last update time, when the platform sent a readable one.
    pub fn updated_at(&self) -> Option<Timestamp> {
        time::parse(&self.updated_at)
    }
}

/// Where a [`Secret`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretSource {
    /// The environment variable `KIKET_SECRET_<KEY>` (it wins over the platform).
    Environment,
    /// The platform's secret store.
    Platform,
}

/// A secret: its key, its value (never printed) and, from the platform, its timestamps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The key.
    pub key: String,
    /// The value; `Debug` prints `[redacted]`.
    pub value: SecretString,
    /// Creation time as the platform wrote it (`None` from the environment).
    pub created_at: Option<String>,
    /// Last update time as the platform wrote it (`None` from the environment).
    pub updated_at: Option<String>,
    /// Where the value came from.
    pub source: SecretSource,
}

impl Secret {
    /// Creation time, when the platform sent a readable one.
    pub fn created_at(&self) -> Option<Timestamp> {
        time::parse(&self.created_at)
    }

    /// Last update time, when the platform sent a readable one.
    pub fn updated_at(&self) -> Option<Timestamp> {
        time::parse(&self.updated_at)
    }
}

/// The extension's secrets.
///
/// ```no_run
/// # async fn demo(endpoints: kiket_client::endpoints::Endpoints) -> Result<(), kiket_client::ApiError> {
/// // KIKET_SECRET_SAMPLE_TOKEN, when set, answers without a request.
/// if let Some(secret) = endpoints.secrets().get("sample.token").await? {
///     println!("{} ({:?}, updated {:?})", secret.key, secret.source, secret.updated_at());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SecretsManager {
    endpoints: Endpoints,
}

impl SecretsManager {
    pub(super) fn new(endpoints: Endpoints) -> Self {
        Self { endpoints }
    }

    /// Keys of all secrets on the platform. Accepts both shapes the platform has used (an
    /// array of records, or `{"keys": [...]}` of names or records).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.secrets().set("CRM_TOKEN", "t0ken").await?;
    /// let keys = endpoints.secrets().list().await?;
    /// assert!(keys.iter().any(|secret| secret.key == "CRM_TOKEN")); // keys only, never values
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<SecretKey>, ApiError> {
        const OP: &str = crate::operations::LIST_SECRETS.id;
        let id = self.endpoints.require_extension_id(OP)?;
        Ok(match body(OP, self.endpoints.client.list_secrets().ext_id(id).send().await)? {
            SecretListResponse::Array(items) => items
                .into_iter()
                .map(|i| SecretKey { key: i.key, created_at: i.created_at, updated_at: i.updated_at })
                .collect(),
            SecretListResponse::SecretKeyList(list) => list.keys.into_iter().filter_map(key_of).collect(),
        })
    }

    /// A secret, or `None` when it is not set. `KIKET_SECRET_<KEY>` (key upper-cased, runs of
    /// other characters as `_`: `sample.token` → `KIKET_SECRET_SAMPLE_TOKEN`) wins when it is
    /// set and not empty; otherwise the platform is asked, and its 404 means "not set".
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.secrets().set("CRM_TOKEN", "t0ken").await?;
    /// let secret = endpoints.secrets().get("CRM_TOKEN").await?.expect("stored");
    /// assert_eq!(secret.value.expose(), "t0ken");
    /// assert!(endpoints.secrets().get("MISSING").await?.is_none());
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, key: &str) -> Result<Option<Secret>, ApiError> {
        const OP: &str = crate::operations::GET_SECRET.id;
        let key = present(OP, "secret key", key)?;
        if let Some(value) = std::env::var(secret_env_name(key)).ok().filter(|v| !v.is_empty()) {
            return Ok(Some(Secret {
                key: key.to_owned(),
                value: SecretString::new(value),
                created_at: None,
                updated_at: None,
                source: SecretSource::Environment,
            }));
        }
        let id = self.endpoints.require_extension_id(OP)?;
        match body(OP, self.endpoints.client.get_secret().ext_id(id).key(key).send().await) {
            Ok(stored) => Ok(Some(Secret {
                key: stored.key.unwrap_or_else(|| key.to_owned()),
                value: SecretString::new(stored.value),
                created_at: stored.created_at,
                updated_at: stored.updated_at,
                source: SecretSource::Platform,
            })),
            Err(e) if e.status() == Some(reqwest::StatusCode::NOT_FOUND) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates or overwrites a secret. Blank keys and values are rejected locally.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.secrets().set("CRM_TOKEN", "t0ken").await?;
    /// assert_eq!(api.secret("CRM_TOKEN").as_deref(), Some("t0ken"));
    /// // A blank value is refused before anything is sent.
    /// assert!(endpoints.secrets().set("CRM_TOKEN", " ").await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn set(&self, key: &str, value: impl Into<SecretString>) -> Result<(), ApiError> {
        const OP: &str = crate::operations::SET_SECRET.id;
        let value = value.into();
        let key = present(OP, "secret key", key)?;
        if value.is_blank() {
            return Err(ApiError::input(OP, format!("the value for secret {key:?} is blank")));
        }
        let id = self.endpoints.require_extension_id(OP)?;
        let body = SecretWriteRequest { secret: SecretWrite { key: key.to_owned(), value: value.expose().to_owned() } };
        let request = self.endpoints.client.set_secret().ext_id(id).idempotency_key(self.endpoints.idempotency_key());
        request.body(body).send().await.map_err(|e| ApiError::from_generated(OP, e))?;
        Ok(())
    }

    /// Deletes a secret; deleting one that is not set (404) succeeds.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.secrets().set("CRM_TOKEN", "t0ken").await?;
    /// endpoints.secrets().delete("CRM_TOKEN").await?;
    /// assert_eq!(api.secret("CRM_TOKEN"), None);
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, key: &str) -> Result<(), ApiError> {
        const OP: &str = crate::operations::DELETE_SECRET.id;
        let key = present(OP, "secret key", key)?;
        let id = self.endpoints.require_extension_id(OP)?;
        match self.endpoints.client.delete_secret().ext_id(id).key(key).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => Ok(()),
            Err(e) => Err(ApiError::from_generated(OP, e)),
        }
    }

    /// Replaces a secret's value by writing the new one (never delete-then-create).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.secrets().set("CRM_TOKEN", "old").await?;
    /// endpoints.secrets().rotate("CRM_TOKEN", "new").await?;
    /// assert_eq!(api.secret("CRM_TOKEN").as_deref(), Some("new"));
    /// # Ok(()) }
    /// ```
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
