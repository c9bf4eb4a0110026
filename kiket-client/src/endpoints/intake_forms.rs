//! Intake forms and their submissions: `endpoints.intake_forms(project_id)`.
//!
//! The shapes are the platform's (PROTOCOL §7.3): a form's public URL is `form_url` and only
//! meaningful when `public` is true ([`IntakeForm::public_url`]); stats count
//! `total_submissions`.

use super::call::{awaitable, body, optional_body, present, present_id};
use super::Endpoints;
use crate::error::ApiError;
use crate::generated::types::{
    IntakeForm, IntakeFormStats, IntakeSubmission, IntakeSubmissionCreateRequest, IntakeSubmissionDecisionRequest,
};
use crate::time::Timestamp;
use kiket_types::Id;
use serde_json::{Map, Value};

impl IntakeForm {
    /// The form's public URL: `form_url` when the form is public, otherwise `None` (a private
    /// form's URL is not for sharing). Needs no request.
    ///
    /// ```
    /// let form: kiket_client::types::IntakeForm =
    ///     serde_json::from_str(r#"{"key": "bugs", "public": true, "form_url": "https://kiket.dev/f/bugs"}"#).unwrap();
    /// assert_eq!(form.public_url(), Some("https://kiket.dev/f/bugs"));
    /// let private: kiket_client::types::IntakeForm =
    ///     serde_json::from_str(r#"{"key": "hr", "public": false, "form_url": "https://kiket.dev/f/hr"}"#).unwrap();
    /// assert_eq!(private.public_url(), None);
    /// ```
    pub fn public_url(&self) -> Option<&str> {
        match (self.public, self.form_url.as_deref()) {
            (Some(true), Some(url)) if !url.trim().is_empty() => Some(url),
            _ => None,
        }
    }
}

/// Intake forms of one project.
///
/// ```no_run
/// # async fn demo(endpoints: kiket_client::endpoints::Endpoints) -> Result<(), kiket_client::ApiError> {
/// use kiket_client::endpoints::StatsPeriod;
/// let forms = endpoints.intake_forms(12);
/// let public = forms.list().public_only(true).limit(20).await?;
/// let pending = forms.submissions("bug-report").status("pending").await?;
/// let week = forms.stats("bug-report").period(StatsPeriod::Week).await?;
/// println!("{} forms, {} pending, {:?} this week", public.len(), pending.len(), week.total_submissions);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct IntakeForms {
    endpoints: Endpoints,
    project_id: Id,
}

impl IntakeForms {
    pub(super) fn new(endpoints: Endpoints, project_id: Id) -> Self {
        Self { endpoints, project_id }
    }

    fn project_id(&self, operation: &'static str) -> Result<String, ApiError> {
        present_id(operation, "project id", &self.project_id)
    }

    /// Lists forms; narrow them with [`ListIntakeForms::active`],
    /// [`ListIntakeForms::public_only`] and [`ListIntakeForms::limit`], then await.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let forms = endpoints.intake_forms(12).list().active(true).await?;
    /// assert!(forms.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn list(&self) -> ListIntakeForms {
        ListIntakeForms { forms: self.clone(), active: None, public_only: None, limit: None }
    }

    /// One form, by key.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let form = endpoints.intake_forms(12).get("bug-report").await?;
    /// assert_eq!(form.key.as_deref(), Some("bug-report"));
    /// assert_eq!(form.fields[0].key.as_deref(), Some("email"));
    /// # Ok(()) }
    /// ```
    pub async fn get(&self, form_key: &str) -> Result<IntakeForm, ApiError> {
        const OP: &str = crate::operations::GET_INTAKE_FORM.id;
        let project_id = self.project_id(OP)?;
        let form_key = present(OP, "form key", form_key)?;
        let response = self.endpoints.client.get_intake_form().form_key(form_key).project_id(project_id).send().await;
        body(OP, response)
    }

    /// The public URL of a form (one request; with the form at hand, use
    /// [`IntakeForm::public_url`]).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let url = endpoints.intake_forms(12).public_url("bug-report").await?;
    /// assert_eq!(url.as_deref(), Some("https://kiket.dev/forms/bug-report"));
    /// # Ok(()) }
    /// ```
    pub async fn public_url(&self, form_key: &str) -> Result<Option<String>, ApiError> {
        Ok(self.get(form_key).await?.public_url().map(str::to_owned))
    }

    /// Submissions of a form; narrow them with [`ListSubmissions::status`],
    /// [`ListSubmissions::since`] and [`ListSubmissions::limit`], then await.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let pending = endpoints.intake_forms(12).submissions("bug-report").status("pending").limit(20).await?;
    /// assert!(pending.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn submissions(&self, form_key: impl Into<String>) -> ListSubmissions {
        ListSubmissions { forms: self.clone(), form_key: form_key.into(), status: None, limit: None, since: None }
    }

    /// One submission.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let submission = endpoints.intake_forms(12).submission("bug-report", 31).await?;
    /// assert_eq!(submission.status.as_deref(), Some("pending"));
    /// # Ok(()) }
    /// ```
    pub async fn submission(&self, form_key: &str, id: impl Into<Id>) -> Result<IntakeSubmission, ApiError> {
        const OP: &str = crate::operations::GET_INTAKE_SUBMISSION.id;
        let project_id = self.project_id(OP)?;
        let form_key = present(OP, "form key", form_key)?;
        let id = present_id(OP, "submission id", &id.into())?;
        let request = self.endpoints.client.get_intake_submission().form_key(form_key);
        body(OP, request.id(id).project_id(project_id).send().await)
    }

    /// Submits a form with `data` (field key → value); add [`SubmitForm::metadata`], then
    /// await. Returns the submission, or `None` when the platform answered without one.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let mut data = serde_json::Map::new();
    /// data.insert("email".into(), "reporter@example.com".into());
    /// let created = endpoints.intake_forms(12).submit("bug-report", data).await?;
    /// assert!(created.is_some());
    /// assert_eq!(api.calls_to("create_intake_submission").len(), 1);
    /// # Ok(()) }
    /// ```
    pub fn submit(&self, form_key: impl Into<String>, data: Map<String, Value>) -> SubmitForm {
        SubmitForm { forms: self.clone(), form_key: form_key.into(), data, metadata: None }
    }

    /// Approves a submission; add [`Decide::notes`], then await.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let approved = endpoints.intake_forms(12).approve("bug-report", 31).notes("Reproduced").await?;
    /// assert_eq!(approved.and_then(|s| s.status).as_deref(), Some("approved"));
    /// # Ok(()) }
    /// ```
    pub fn approve(&self, form_key: impl Into<String>, id: impl Into<Id>) -> Decide {
        Decide { forms: self.clone(), form_key: form_key.into(), id: id.into(), notes: None, approve: true }
    }

    /// Rejects a submission; add [`Decide::notes`], then await.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let rejected = endpoints.intake_forms(12).reject("bug-report", 32).notes("Duplicate of #31").await?;
    /// assert_eq!(rejected.and_then(|s| s.status).as_deref(), Some("rejected"));
    /// # Ok(()) }
    /// ```
    pub fn reject(&self, form_key: impl Into<String>, id: impl Into<Id>) -> Decide {
        Decide { forms: self.clone(), form_key: form_key.into(), id: id.into(), notes: None, approve: false }
    }

    /// Submission counts of a form; pick a [`GetFormStats::period`], then await.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// use kiket_client::endpoints::StatsPeriod;
    /// let stats = endpoints.intake_forms(12).stats("bug-report").period(StatsPeriod::Week).await?;
    /// assert!(stats.total_submissions.is_some());
    /// # Ok(()) }
    /// ```
    pub fn stats(&self, form_key: impl Into<String>) -> GetFormStats {
        GetFormStats { forms: self.clone(), form_key: form_key.into(), period: None }
    }
}

/// A pending [`IntakeForms::list`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// let public_forms = endpoints.intake_forms(12).list().public_only(true).limit(10).send().await?;
/// # drop(public_forms);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListIntakeForms {
    forms: IntakeForms,
    active: Option<bool>,
    public_only: Option<bool>,
    limit: Option<u32>,
}

impl ListIntakeForms {
    /// Only active (`true`) or inactive (`false`) forms.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.intake_forms(12).list().active(false).await?;
    /// assert_eq!(api.calls_to("list_intake_forms")[0].query_param("active"), Some("false"));
    /// # Ok(()) }
    /// ```
    pub fn active(mut self, active: bool) -> Self {
        self.active = Some(active);
        self
    }

    /// Only public (`true`) or private (`false`) forms (the `public` filter).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.intake_forms(12).list().public_only(true).await?;
    /// assert_eq!(api.calls_to("list_intake_forms")[0].query_param("public"), Some("true"));
    /// # Ok(()) }
    /// ```
    pub fn public_only(mut self, public: bool) -> Self {
        self.public_only = Some(public);
        self
    }

    /// At most `limit` forms.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.intake_forms(12).list().limit(5).await?;
    /// assert_eq!(api.calls_to("list_intake_forms")[0].query_param("limit"), Some("5"));
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
    /// let forms = endpoints.intake_forms(12).list().send().await?;
    /// assert!(forms.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Vec<IntakeForm>, ApiError> {
        const OP: &str = crate::operations::LIST_INTAKE_FORMS.id;
        let mut request = self.forms.endpoints.client.list_intake_forms().project_id(self.forms.project_id(OP)?);
        if let Some(active) = self.active {
            request = request.active(active);
        }
        if let Some(public) = self.public_only {
            request = request.public(public);
        }
        if let Some(limit) = self.limit {
            request = request.limit(limit);
        }
        Ok(optional_body(OP, request.send().await)?.map(|list| list.data).unwrap_or_default())
    }
}

awaitable!(ListIntakeForms => Vec<IntakeForm>);

/// A pending [`IntakeForms::submissions`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// let since: kiket_client::time::Timestamp = "2026-11-01T00:00:00Z".parse()?;
/// let recent = endpoints.intake_forms(12).submissions("bug-report").since(since).await?;
/// # drop(recent);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ListSubmissions {
    forms: IntakeForms,
    form_key: String,
    status: Option<String>,
    limit: Option<u32>,
    since: Option<Timestamp>,
}

impl ListSubmissions {
    /// Only submissions in this status (`pending`, `approved`, `rejected`, `converted`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.intake_forms(12).submissions("bug-report").status("approved").await?;
    /// assert_eq!(api.calls_to("list_intake_submissions")[0].query_param("status"), Some("approved"));
    /// # Ok(()) }
    /// ```
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = Some(status.into());
        self
    }

    /// At most `limit` submissions.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.intake_forms(12).submissions("bug-report").limit(100).await?;
    /// assert_eq!(api.calls_to("list_intake_submissions")[0].query_param("limit"), Some("100"));
    /// # Ok(()) }
    /// ```
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only submissions created at or after `time`
    /// (`"2026-03-01T00:00:00Z".parse::<kiket_client::time::Timestamp>()?`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let since: kiket_client::time::Timestamp = "2026-11-01T00:00:00Z".parse()?;
    /// endpoints.intake_forms(12).submissions("bug-report").since(since).await?;
    /// assert!(api.calls_to("list_intake_submissions")[0].query_param("since").is_some_and(|t| t.starts_with("2026-11-01T00:00:00")));
    /// # Ok(()) }
    /// ```
    pub fn since(mut self, time: Timestamp) -> Self {
        self.since = Some(time);
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
    /// let submissions = endpoints.intake_forms(12).submissions("bug-report").send().await?;
    /// assert!(submissions.is_empty());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Vec<IntakeSubmission>, ApiError> {
        const OP: &str = crate::operations::LIST_INTAKE_SUBMISSIONS.id;
        let project_id = self.forms.project_id(OP)?;
        let form_key = present(OP, "form key", &self.form_key)?;
        let mut request =
            self.forms.endpoints.client.list_intake_submissions().form_key(form_key).project_id(project_id);
        if let Some(status) = &self.status {
            request = request.status(status.as_str());
        }
        if let Some(limit) = self.limit {
            request = request.limit(limit);
        }
        if let Some(since) = self.since {
            request = request.since(since.to_string());
        }
        Ok(optional_body(OP, request.send().await)?.map(|list| list.data).unwrap_or_default())
    }
}

awaitable!(ListSubmissions => Vec<IntakeSubmission>);

/// A pending [`IntakeForms::submit`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// let data = serde_json::json!({"email": "r@example.com"}).as_object().cloned().unwrap();
/// let pending = endpoints.intake_forms(12).submit("bug-report", data); // nothing sent yet
/// assert!(pending.await?.is_some());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct SubmitForm {
    forms: IntakeForms,
    form_key: String,
    data: Map<String, Value>,
    metadata: Option<Map<String, Value>>,
}

impl SubmitForm {
    /// Metadata stored with the submission.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let data = serde_json::json!({"email": "r@example.com"}).as_object().cloned().unwrap();
    /// let metadata = serde_json::json!({"source": "crm-sync"}).as_object().cloned().unwrap();
    /// endpoints.intake_forms(12).submit("bug-report", data).metadata(metadata).await?;
    /// assert_eq!(api.calls_to("create_intake_submission")[0].body.as_ref().unwrap()["metadata"]["source"], "crm-sync");
    /// # Ok(()) }
    /// ```
    pub fn metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.metadata = Some(metadata);
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
    /// let data = serde_json::json!({"email": "r@example.com"}).as_object().cloned().unwrap();
    /// let created = endpoints.intake_forms(12).submit("bug-report", data).send().await?;
    /// assert!(created.is_some());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Option<IntakeSubmission>, ApiError> {
        const OP: &str = crate::operations::CREATE_INTAKE_SUBMISSION.id;
        let project_id = self.forms.project_id(OP)?;
        let form_key = present(OP, "form key", &self.form_key)?;
        let body =
            IntakeSubmissionCreateRequest { project_id, data: self.data, metadata: self.metadata.unwrap_or_default() };
        let request = self.forms.endpoints.client.create_intake_submission().form_key(form_key);
        optional_body(OP, request.idempotency_key(self.forms.endpoints.idempotency_key()).body(body).send().await)
    }
}

awaitable!(SubmitForm => Option<IntakeSubmission>);

/// A pending [`IntakeForms::approve`] or [`IntakeForms::reject`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// let decision = endpoints.intake_forms(12).approve("bug-report", 31);
/// let approved = decision.notes("Looks good").await?;
/// # drop(approved);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct Decide {
    forms: IntakeForms,
    form_key: String,
    id: Id,
    notes: Option<String>,
    approve: bool,
}

impl Decide {
    /// Notes recorded with the decision.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// endpoints.intake_forms(12).reject("bug-report", 32).notes("Spam").await?;
    /// assert_eq!(api.calls_to("reject_intake_submission")[0].body.as_ref().unwrap()["notes"], "Spam");
    /// # Ok(()) }
    /// ```
    pub fn notes(mut self, notes: impl Into<String>) -> Self {
        self.notes = Some(notes.into());
        self
    }

    /// Sends the request (what `.await` does). Returns the submission after the decision, or
    /// `None` when the platform answered without one.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// let approved = endpoints.intake_forms(12).approve("bug-report", 31).send().await?;
    /// assert!(approved.is_some());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<Option<IntakeSubmission>, ApiError> {
        let operation = if self.approve {
            crate::operations::APPROVE_INTAKE_SUBMISSION
        } else {
            crate::operations::REJECT_INTAKE_SUBMISSION
        };
        let op = operation.id;
        let project_id = self.forms.project_id(op)?;
        let form_key = present(op, "form key", &self.form_key)?;
        let id = present_id(op, "submission id", &self.id)?;
        let body = IntakeSubmissionDecisionRequest { project_id, notes: self.notes };
        let key = self.forms.endpoints.idempotency_key();
        let response = if self.approve {
            let request = self.forms.endpoints.client.approve_intake_submission().form_key(form_key).id(id);
            request.idempotency_key(key).body(body).send().await
        } else {
            let request = self.forms.endpoints.client.reject_intake_submission().form_key(form_key).id(id);
            request.idempotency_key(key).body(body).send().await
        };
        optional_body(op, response)
    }
}

awaitable!(Decide => Option<IntakeSubmission>);

/// The window of [`IntakeForms::stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatsPeriod {
    /// The last day.
    Day,
    /// The last week.
    Week,
    /// The last month.
    Month,
}

impl StatsPeriod {
    /// The wire value (`day`, `week`, `month`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

/// A pending [`IntakeForms::stats`].
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
/// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
/// # let endpoints = kiket.endpoints();
/// let stats = endpoints.intake_forms(12).stats("bug-report").await?;
/// # drop(stats);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct GetFormStats {
    forms: IntakeForms,
    form_key: String,
    period: Option<StatsPeriod>,
}

impl GetFormStats {
    /// Counts over this period (the platform's default when not set).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let api = kiket_sdk::testing::MockKiketApi::start().await?;
    /// # let kiket = kiket_client::KiketClient::builder().base_url(api.url()).extension_id("com.example.crm").build()?;
    /// # let endpoints = kiket.endpoints();
    /// use kiket_client::endpoints::StatsPeriod;
    /// endpoints.intake_forms(12).stats("bug-report").period(StatsPeriod::Month).await?;
    /// assert_eq!(api.calls_to("get_intake_form_stats")[0].query_param("period"), Some("month"));
    /// # Ok(()) }
    /// ```
    pub fn period(mut self, period: StatsPeriod) -> Self {
        self.period = Some(period);
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
    /// let stats = endpoints.intake_forms(12).stats("bug-report").send().await?;
    /// assert!(stats.pending.is_some());
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<IntakeFormStats, ApiError> {
        const OP: &str = crate::operations::GET_INTAKE_FORM_STATS.id;
        let project_id = self.forms.project_id(OP)?;
        let form_key = present(OP, "form key", &self.form_key)?;
        let mut request = self.forms.endpoints.client.get_intake_form_stats().form_key(form_key).project_id(project_id);
        if let Some(period) = self.period {
            request = request.period(period.as_str());
        }
        body(OP, request.send().await)
    }
}

awaitable!(GetFormStats => IntakeFormStats);
