//! Custom-data records: `endpoints.custom_data(project_id).list(module, table).limit(25).await`.

use super::call::{awaitable, body, optional_body, present, present_id};
use super::Endpoints;
use crate::error::ApiError;
use crate::generated::types::{CustomDataRecord, CustomDataWriteRequest};
use kiket_types::Id;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use std::marker::PhantomData;

/// Records of one project, decoded as `T` (default `serde_json::Value`).
///
/// ```no_run
/// # async fn demo(endpoints: kiket_client::endpoints::Endpoints) -> Result<(), kiket_client::ApiError> {
/// #[derive(serde::Deserialize)]
/// struct Contact { email: String }
///
/// let contacts = endpoints.custom_data(12).typed::<Contact>();
/// let active = contacts
///     .list("com.example.crm.contacts", "automation_records")
///     .filter("status", "active")
///     .limit(25)
///     .await?;
/// let one = contacts.get("com.example.crm.contacts", "automation_records", 7).await?;
/// # drop((active, one)); Ok(()) }
/// ```
#[derive(Debug)]
pub struct CustomData<T = Value> {
    endpoints: Endpoints,
    project_id: Id,
    _record: PhantomData<fn() -> T>,
}

impl<T> Clone for CustomData<T> {
    fn clone(&self) -> Self {
        Self { endpoints: self.endpoints.clone(), project_id: self.project_id.clone(), _record: PhantomData }
    }
}

impl CustomData<Value> {
    pub(super) fn new(endpoints: Endpoints, project_id: Id) -> Self {
        Self { endpoints, project_id, _record: PhantomData }
    }
}

/// The module and table of a call, checked (and the project id with them).
struct Table<'a> {
    project_id: String,
    module: &'a str,
    table: &'a str,
}

impl<T: DeserializeOwned + Send + 'static> CustomData<T> {
    /// The same records, decoded as `U`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// #[derive(serde::Deserialize)]
    /// struct Contact { email: String }
    ///
    /// let contacts = endpoints.custom_data(12).typed::<Contact>();
    /// contacts.create("com.example.crm", "contacts", &serde_json::json!({"email": "a@example.com"})).await?;
    /// let all: Vec<Contact> = contacts.list("com.example.crm", "contacts").await?;
    /// assert_eq!(all[0].email, "a@example.com");
    /// # Ok(()) }
    /// ```
    pub fn typed<U: DeserializeOwned>(self) -> CustomData<U> {
        CustomData { endpoints: self.endpoints, project_id: self.project_id, _record: PhantomData }
    }

    fn table<'a>(&self, operation: &'static str, module: &'a str, table: &'a str) -> Result<Table<'a>, ApiError> {
        Ok(Table {
            project_id: present_id(operation, "project id", &self.project_id)?,
            module: present(operation, "module", module)?,
            table: present(operation, "table", table)?,
        })
    }

    /// Lists records of a table; narrow it with [`ListRecords::filter`] and
    /// [`ListRecords::limit`], then await it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let data = endpoints.custom_data(12);
    /// data.create("com.example.crm", "contacts", &serde_json::json!({"email": "a@example.com", "tier": "gold"})).await?;
    /// data.create("com.example.crm", "contacts", &serde_json::json!({"email": "b@example.com", "tier": "free"})).await?;
    /// let gold = data.list("com.example.crm", "contacts").filter("tier", "gold").limit(10).await?;
    /// assert_eq!(gold.len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn list(&self, module: impl Into<String>, table: impl Into<String>) -> ListRecords<T> {
        ListRecords { data: self.clone(), module: module.into(), table: table.into(), limit: None, filters: Map::new() }
    }

    /// Fetches one record.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let data = endpoints.custom_data(12);
    /// let created = data.create("com.example.crm", "contacts", &serde_json::json!({"email": "a@example.com"})).await?.expect("created");
    /// let fetched = data.get("com.example.crm", "contacts", created["id"].as_u64().unwrap()).await?;
    /// assert_eq!(fetched["email"], "a@example.com");
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, module: &str, table: &str, id: impl Into<Id>) -> Result<T, ApiError> {
        const OP: &str = crate::operations::GET_CUSTOM_DATA_RECORD.id;
        let at = self.table(OP, module, table)?;
        let id = present_id(OP, "record id", &id.into())?;
        let request = self.endpoints.client.get_custom_data_record().module(at.module).table(at.table);
        let response = request.id(id).project_id(at.project_id).send().await;
        decode(OP, body(OP, response)?.data)
    }

    /// Creates a record from any serialisable object. Returns the stored record, or `None`
    /// when the platform answered without one (`204`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let created = endpoints.custom_data(12).create("com.example.crm", "contacts", &serde_json::json!({"email": "a@example.com"})).await?;
    /// assert!(created.is_some_and(|record| record["id"].is_number()));
    /// assert_eq!(api.custom_data_created("com.example.crm", "contacts").len(), 1);
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, module: &str, table: &str, record: &impl Serialize) -> Result<Option<T>, ApiError> {
        const OP: &str = crate::operations::CREATE_CUSTOM_DATA_RECORD.id;
        let at = self.table(OP, module, table)?;
        let body = CustomDataWriteRequest { record: encode(OP, record)? };
        let request = self.endpoints.client.create_custom_data_record().module(at.module).table(at.table);
        let response =
            request.project_id(at.project_id).idempotency_key(self.endpoints.idempotency_key()).body(body).send().await;
        optional_body(OP, response)?.map(|stored| decode(OP, stored.data)).transpose()
    }

    /// Updates fields of a record. Returns the stored record, or `None` when the platform
    /// answered without one (`204`). (PATCH is not retried.)
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let data = endpoints.custom_data(12);
    /// let id = data.create("com.example.crm", "contacts", &serde_json::json!({"tier": "free"})).await?.unwrap()["id"].as_u64().unwrap();
    /// data.update("com.example.crm", "contacts", id, &serde_json::json!({"tier": "gold"})).await?;
    /// assert_eq!(api.calls_to("update_custom_data_record")[0].body.as_ref().unwrap()["record"]["tier"], "gold");
    /// # Ok(()) }
    /// ```
    pub async fn update(
        &self,
        module: &str,
        table: &str,
        id: impl Into<Id>,
        record: &impl Serialize,
    ) -> Result<Option<T>, ApiError> {
        const OP: &str = crate::operations::UPDATE_CUSTOM_DATA_RECORD.id;
        let at = self.table(OP, module, table)?;
        let id = present_id(OP, "record id", &id.into())?;
        let body = CustomDataWriteRequest { record: encode(OP, record)? };
        let request = self.endpoints.client.update_custom_data_record().module(at.module).table(at.table);
        let response = request.id(id).project_id(at.project_id).body(body).send().await;
        optional_body(OP, response)?.map(|stored| decode(OP, stored.data)).transpose()
    }

    /// Deletes a record.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let data = endpoints.custom_data(12);
    /// let id = data.create("com.example.crm", "contacts", &serde_json::json!({"tier": "free"})).await?.unwrap()["id"].as_u64().unwrap();
    /// data.delete("com.example.crm", "contacts", id).await?;
    /// assert!(data.list("com.example.crm", "contacts").await?.is_empty());
    /// // A record that is not there: the platform's 404, as an error.
    /// assert_eq!(data.delete("com.example.crm", "contacts", id).await.unwrap_err().status().map(|s| s.as_u16()), Some(404));
    /// # Ok(()) }
    /// ```
    pub async fn delete(&self, module: &str, table: &str, id: impl Into<Id>) -> Result<(), ApiError> {
        const OP: &str = crate::operations::DELETE_CUSTOM_DATA_RECORD.id;
        let at = self.table(OP, module, table)?;
        let id = present_id(OP, "record id", &id.into())?;
        let request = self.endpoints.client.delete_custom_data_record().module(at.module).table(at.table);
        request.id(id).project_id(at.project_id).send().await.map_err(|e| ApiError::from_generated(OP, e))?;
        Ok(())
    }
}

/// A pending [`CustomData::list`]: add filters and a limit, then await it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// // A pending request: nothing is sent until it is awaited (or `.send()`).
/// let pending = endpoints.custom_data(12).list("com.example.crm", "contacts").limit(5);
/// assert!(api.calls().is_empty());
/// let records = pending.await?;
/// assert!(records.is_empty());
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListRecords<T = Value> {
    data: CustomData<T>,
    module: String,
    table: String,
    limit: Option<u32>,
    filters: Map<String, Value>,
}

impl<T: DeserializeOwned + Send + 'static> ListRecords<T> {
    /// Only records whose `field` equals `value` (repeat for several fields; sent as the
    /// JSON `filters` object).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.custom_data(12).list("com.example.crm", "contacts").filter("tier", "gold").await?;
    /// assert!(api.calls_to("list_custom_data")[0].query_param("filters").is_some_and(|f| f.contains("gold")));
    /// # Ok(()) }
    /// ```
    pub fn filter(mut self, field: impl Into<String>, value: impl Into<Value>) -> Self {
        self.filters.insert(field.into(), value.into());
        self
    }

    /// At most `limit` records.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.custom_data(12).list("com.example.crm", "contacts").limit(25).await?;
    /// assert_eq!(api.calls_to("list_custom_data")[0].query_param("limit"), Some("25"));
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
    /// let records: Vec<serde_json::Value> = endpoints.custom_data(12).list("com.example.crm", "contacts").send().await?;
    /// assert!(records.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Vec<T>, ApiError> {
        const OP: &str = crate::operations::LIST_CUSTOM_DATA.id;
        let at = self.data.table(OP, &self.module, &self.table)?;
        let mut request =
            self.data.endpoints.client.list_custom_data().module(at.module).table(at.table).project_id(at.project_id);
        if let Some(limit) = self.limit {
            request = request.limit(limit);
        }
        if !self.filters.is_empty() {
            request = request.filters(Value::Object(self.filters).to_string());
        }
        let records = optional_body(OP, request.send().await)?.map(|list| list.data).unwrap_or_default();
        records.into_iter().map(|record| decode(OP, record)).collect()
    }
}

awaitable!(ListRecords<T> => Vec<T>);

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
