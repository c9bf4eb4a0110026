//! The quickstart's handlers: one per event, mirroring the original Kiket SDK README.
//!
//! Kept in their own file so `tests/quickstart.rs` runs exactly these handlers against the
//! mock extension API.

use kiket::client::types::NotificationLevel;
use kiket::prelude::*;
use kiket::types::SlaState;
use serde_json::json;

/// The module and table the quickstart stores leads in.
pub const CONTACTS_MODULE: &str = "com.example.crm.contacts";
/// See [`CONTACTS_MODULE`].
pub const CONTACTS_TABLE: &str = "automation_records";

/// `issue.created` v1: log, store a secret, read and write custom data.
pub struct IssueCreated;

impl IssueCreatedV1Handler for IssueCreated {
    async fn handle(&self, payload: IssueCreatedV1, ctx: HandlerContext) -> HandlerResult {
        let api = ctx.endpoints();
        let title = payload.issue.title.clone().unwrap_or_default();
        api.log_event("issue.created").metadata(json!({ "summary": title })).await?;
        ctx.secrets().set("WEBHOOK_TOKEN", "abc123").await?;

        let project_id = payload
            .project_id
            .or(payload.issue.project_id)
            .ok_or_else(|| HandlerError::permanent("the delivery has no project_id"))?;
        let contacts = api.custom_data(&project_id);
        let active = contacts.list(CONTACTS_MODULE, CONTACTS_TABLE).filter("status", "active").limit(25).await?;
        tracing::info!(active = active.len(), "active contacts");
        let lead = json!({"email": "lead@example.com", "metadata": {"source": "webhook"}});
        contacts.create(CONTACTS_MODULE, CONTACTS_TABLE, &lead).await?;
        Ok(Reply::ok())
    }
}

/// `issue.created` v2: the docs envelope.
pub async fn issue_created_v2(payload: IssueCreatedV2, ctx: HandlerContext) -> HandlerResult {
    let title = payload.data.issue.title.unwrap_or_default();
    ctx.endpoints().log_event("issue.created").metadata(json!({ "summary": title, "schema": "v2" })).await?;
    Ok(Reply::json(json!({"ok": true, "version": "v2"})))
}

/// `workflow.sla_status` v1: warn about imminent SLA breaches.
pub async fn sla_status(payload: WorkflowSlaStatusV1, ctx: HandlerContext) -> HandlerResult {
    let project_id = payload.issue.project_id.ok_or_else(|| HandlerError::permanent("the issue has no project_id"))?;
    let api = ctx.endpoints();
    let events = api.sla_events(&project_id).list().state(SlaState::Imminent).limit(5).await?;
    let Some(first) = events.first() else {
        return Ok(Reply::ok());
    };
    let issue_id = first.issue_id.as_ref().map(ToString::to_string).unwrap_or_default();
    let status = first.definition.as_ref().and_then(|d| d.status.clone()).unwrap_or_default();
    let body = format!("Issue #{issue_id} is {} for {status}", first.state);
    api.notify("SLA warning", body).level(NotificationLevel::Warning).await?;
    Ok(Reply::json(json!({"acknowledged": true})))
}

/// `automation.dispatch` v1: back off when the rate limit runs low.
pub async fn automation_dispatch(_payload: AutomationDispatchV1, ctx: HandlerContext) -> HandlerResult {
    let api = ctx.endpoints();
    let window = api.rate_limit().await?;
    if window.remaining < 5 {
        let body = format!("Only {} calls remain in this window", window.remaining);
        api.notify("Rate limit warning", body).level(NotificationLevel::Warning).await?;
        return Ok(Reply::json(json!({"deferred": true, "reset_in": window.reset_in})));
    }
    Ok(Reply::ok())
}

/// `workflow.triggered` v1: only with the right scopes.
pub async fn workflow_triggered(_payload: WorkflowTriggeredV1, ctx: HandlerContext) -> HandlerResult {
    ctx.require_scopes(["workflows.execute", "custom_data.write"])?;
    Ok(Reply::ok())
}

/// The quickstart's router.
pub fn router() -> Router {
    Router::new()
        .issue_created_v1(IssueCreated)
        .issue_created_v2(issue_created_v2)
        .workflow_sla_status_v1(sla_status)
        .automation_dispatch_v1(automation_dispatch)
        .workflow_triggered_v1(workflow_triggered)
}

/// The telemetry feedback hook: logs each record.
pub fn telemetry_hook() -> kiket::sdk::telemetry::FeedbackHook {
    kiket::sdk::telemetry::feedback_hook(|record| async move {
        tracing::info!(
            event = %record.event,
            version = %record.version,
            status = ?record.status,
            duration_ms = record.duration_ms,
            error = record.error_message.as_deref().unwrap_or(""),
            "telemetry"
        );
    })
}
