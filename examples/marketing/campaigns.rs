//! Handlers of the marketing-automation extension. Campaigns live in custom data
//! (`com.example.marketing.campaigns` / `campaigns`), one record per campaign name.

use kiket::client::types::NotificationLevel;
use kiket::prelude::*;
use kiket::sdk::respond::{self, Action};
use kiket::types::{Id, Issue, SlaState};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::time::Duration;

/// Custom-data module of campaigns.
pub const CAMPAIGNS: &str = "com.example.marketing.campaigns";
/// Custom-data module of leads.
pub const LEADS: &str = "com.example.marketing.leads";

/// A campaign record.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Campaign {
    /// Record id (assigned by the platform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<serde_json::Value>,
    /// Campaign name.
    pub name: String,
    /// `planned`, `launched`.
    pub status: String,
    /// Issue that tracks the campaign.
    pub issue_id: String,
    /// Budget, when set on the issue.
    #[serde(default)]
    pub budget: Option<f64>,
}

/// The campaign an issue belongs to: its `campaign` custom field.
fn campaign_of(issue: &Issue) -> Option<String> {
    issue.custom_fields.get("campaign").and_then(|v| v.as_str()).map(str::to_owned)
}

fn budget_of(issue: &Issue) -> Option<f64> {
    issue.custom_fields.get("budget").and_then(serde_json::Value::as_f64)
}

fn project_of(issue: &Issue, fallback: Option<&Id>) -> Result<Id, HandlerError> {
    issue
        .project_id
        .clone()
        .or_else(|| fallback.cloned())
        .ok_or_else(|| HandlerError::permanent("the delivery has no project_id"))
}

async fn find_campaign(ctx: &HandlerContext, project: &Id, name: &str) -> Result<Option<Campaign>, HandlerError> {
    let campaigns = ctx.endpoints().custom_data(project).typed::<Campaign>();
    let found = campaigns.list(CAMPAIGNS, "campaigns").filter("name", name).limit(1).await?;
    Ok(found.into_iter().next())
}

/// `issue.created`: registers the campaign an issue belongs to.
pub async fn issue_created(payload: IssueCreatedV1, ctx: HandlerContext) -> HandlerResult {
    let Some(name) = campaign_of(&payload.issue) else {
        return Ok(Reply::json(json!({"ok": true, "campaign": null})));
    };
    let project = project_of(&payload.issue, payload.project_id.as_ref())?;
    if let Some(existing) = find_campaign(&ctx, &project, &name).await? {
        tracing::info!(campaign = %name, "campaign already registered");
        return Ok(Reply::json(json!({"ok": true, "campaign": existing.name, "created": false})));
    }
    let campaign = Campaign {
        id: None,
        name: name.clone(),
        status: "planned".into(),
        issue_id: payload.issue.id.to_string(),
        budget: budget_of(&payload.issue),
    };
    ctx.endpoints().custom_data(&project).create(CAMPAIGNS, "campaigns", &campaign).await?;
    ctx.endpoints()
        .log_event("campaign.planned")
        .metadata(json!({"campaign": name, "issue": campaign.issue_id}))
        .await?;
    Ok(Reply::json(json!({"ok": true, "campaign": name, "created": true})))
}

/// `workflow.before_transition`: a campaign over budget cannot move to `done` (launch).
pub async fn before_transition(payload: WorkflowBeforeTransitionV1, ctx: HandlerContext) -> HandlerResult {
    if payload.transition.to.as_deref() != Some("done") {
        return Ok(respond::allow().into());
    }
    let max_budget: f64 = ctx.settings().require("max_budget")?;
    let budget = budget_of(&payload.issue).unwrap_or(0.0);
    if budget > max_budget {
        let why = format!("Budget {budget} exceeds the limit of {max_budget}");
        return Ok(respond::deny(why).data(json!({"budget": budget, "max_budget": max_budget})).into());
    }
    let decision = respond::allow().message("Within budget").data(json!({"budget": budget}));
    Ok(decision.output_field("campaign_budget", budget.to_string()).into())
}

/// `issue.transitioned`: moving a campaign issue to `done` launches the campaign.
pub async fn issue_transitioned(payload: IssueTransitionedV1, ctx: HandlerContext) -> HandlerResult {
    let (Some("done"), Some(name)) = (payload.to.as_deref(), campaign_of(&payload.issue)) else {
        return Ok(Reply::ok());
    };
    let project = project_of(&payload.issue, payload.project_id.as_ref())?;
    let Some(campaign) = find_campaign(&ctx, &project, &name).await? else {
        return Err(HandlerError::permanent(format!("campaign {name:?} is not registered")));
    };
    let id = campaign.id.as_ref().map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)).unwrap_or_default();
    ctx.endpoints().custom_data(&project).update(CAMPAIGNS, "campaigns", &id, &json!({"status": "launched"})).await?;
    ctx.endpoints().emit_metric("campaign.launched", 1.0).await?;
    Ok(respond::actions([Action::add_comment(format!("Campaign **{name}** launched."))]))
}

/// `workflow.sla_status`: breached SLAs of campaign issues alert the workspace.
pub async fn sla_status(payload: WorkflowSlaStatusV1, ctx: HandlerContext) -> HandlerResult {
    let breached = payload.sla.as_ref().is_some_and(|s| s.state == SlaState::Breached);
    if !breached {
        return Ok(Reply::ok());
    }
    let campaign = campaign_of(&payload.issue).unwrap_or_else(|| "(no campaign)".into());
    let body = format!("Issue #{} of campaign {campaign} breached its SLA", payload.issue.id);
    ctx.endpoints().notify("Campaign SLA breached", body).level(NotificationLevel::Error).await?;
    Ok(Reply::json(json!({"alerted": true})))
}

/// `automation.dispatch` (`sync_leads`): counts new leads in batches, deferring when the
/// rate limit runs low.
pub async fn automation_dispatch(payload: AutomationDispatchV1, ctx: HandlerContext) -> HandlerResult {
    let action = payload.automation.as_ref().and_then(|a| a.action.as_deref());
    if action != Some("sync_leads") {
        return Err(HandlerError::permanent(format!("unknown action {action:?}")));
    }
    let api = ctx.endpoints();
    let window = api.rate_limit().await?;
    if window.remaining < 10 {
        let wait = Duration::from_secs(u64::try_from(window.reset_in.max(1)).unwrap_or(60));
        return Err(HandlerError::retry_after("rate limit nearly exhausted; retry after the window resets", wait));
    }
    let batch: u32 = ctx.settings().get("lead_batch_size")?.unwrap_or(100);
    let project =
        payload.project_id.clone().ok_or_else(|| HandlerError::permanent("the delivery has no project_id"))?;
    let leads = api.custom_data(&project).list(LEADS, "leads").filter("status", "new").limit(batch).await?;
    #[allow(clippy::cast_precision_loss)]
    api.emit_metric("leads.synced", leads.len() as f64).unit("count").await?;
    Ok(Reply::json(json!({"synced": leads.len()})))
}

/// Every handler of the extension.
pub fn router() -> Router {
    Router::new()
        .issue_created_v1(issue_created)
        .workflow_before_transition_v1(before_transition)
        .issue_transitioned_v1(issue_transitioned)
        .workflow_sla_status_v1(sla_status)
        .automation_dispatch_v1(automation_dispatch)
        .requires(["custom_data.read"])
}
