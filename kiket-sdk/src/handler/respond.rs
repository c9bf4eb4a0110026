//! Response helpers: decisions and action directives the platform understands
//! (PROTOCOL.md §3.1).
//!
//! A decision is a typed [`Decision`] that tests can inspect and that converts into a
//! [`Reply`]; what it needs is an argument, everything else a method:
//!
//! ```
//! use kiket_sdk::respond::{allow, deny, pending, Action, actions, DecisionStatus};
//! use kiket_sdk::Reply;
//! use serde_json::json;
//!
//! let decision = allow();
//! assert_eq!(decision.status, DecisionStatus::Allow);
//! let decision = deny("Over budget").data(json!({"limit": 100}));
//! assert_eq!(decision.message.as_deref(), Some("Over budget"));
//! let _waiting = pending("Waiting for finance");
//!
//! let reply: Reply = allow().message("Looks good").data(json!({"checked_by": "crm"})).output_field("crm_id", "C-42").into();
//! assert_eq!(
//!     serde_json::from_slice::<serde_json::Value>(reply.body().unwrap()).unwrap(),
//!     json!({"status": "allow", "message": "Looks good",
//!            "metadata": {"checked_by": "crm", "output_fields": {"crm_id": "C-42"}}})
//! );
//! let reply = actions([Action::add_comment("Synced to CRM"), Action::transition("done")]);
//! assert_eq!(
//!     serde_json::from_slice::<serde_json::Value>(reply.body().unwrap()).unwrap(),
//!     json!({"actions": [{"kind": "add_comment", "body": "Synced to CRM"}, {"kind": "transition", "to": "done"}]})
//! );
//! ```

use super::Reply;
use serde::Serialize;
use serde_json::{Map, Value};

/// The decision of a gate (`workflow.before_transition`, approvals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DecisionStatus {
    /// Let it happen.
    Allow,
    /// Stop it.
    Deny,
    /// Decide later.
    Pending,
}

/// `{"status": …, "message"?: …, "metadata": {…}}`: build it with [`allow`], [`deny`] or
/// [`pending`], refine it with the methods below, and return it with `.into()`.
///
/// ```
/// use kiket_sdk::respond::Decision;
/// use kiket_sdk::{HandlerContext, HandlerError};
///
/// // A `workflow.before_transition` gate: the platform waits for this answer.
/// async fn gate(payload: serde_json::Value, _ctx: HandlerContext) -> Result<Decision, HandlerError> {
///     if payload["transition"]["to"] == "done" && payload["issue"]["budget_approved"] != true {
///         return Ok(Decision::deny("Finance has not approved the budget"));
///     }
///     Ok(Decision::allow().output_field("checked_by", "budget-gate"))
/// }
/// # let _ = gate;
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// The decision.
    pub status: DecisionStatus,
    /// Message shown to the user.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Free-form metadata; `allow` may carry `output_fields`.
    pub metadata: Map<String, Value>,
}

impl Decision {
    /// A decision with this status, no message and no metadata.
    ///
    /// ```
    /// use kiket_sdk::respond::DecisionStatus;
    /// let decision = kiket_sdk::respond::Decision::new(DecisionStatus::Pending).message("Waiting for legal");
    /// assert_eq!(serde_json::to_value(&decision)?, serde_json::json!({"status": "pending", "message": "Waiting for legal", "metadata": {}}));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn new(status: DecisionStatus) -> Self {
        Self { status, message: None, metadata: Map::new() }
    }

    /// `allow` (the same as [`allow`]).
    ///
    /// ```
    /// let reply = kiket_sdk::Reply::from(kiket_sdk::respond::Decision::allow());
    /// assert_eq!(reply.body(), Some(&br#"{"status":"allow","metadata":{}}"#[..]));
    /// ```
    pub fn allow() -> Self {
        allow()
    }

    /// `deny`, saying why (the same as [`deny`]).
    ///
    /// ```
    /// let decision = kiket_sdk::respond::Decision::deny("Budget not approved");
    /// assert_eq!(decision.message.as_deref(), Some("Budget not approved"));
    /// ```
    pub fn deny(message: impl Into<String>) -> Self {
        deny(message)
    }

    /// `pending`, saying what it waits for (the same as [`pending`]).
    ///
    /// ```
    /// let decision = kiket_sdk::respond::Decision::pending("A human reviews transitions to `done`");
    /// assert_eq!(decision.status, kiket_sdk::respond::DecisionStatus::Pending);
    /// ```
    pub fn pending(message: impl Into<String>) -> Self {
        pending(message)
    }

    /// The message shown to the user (an empty one is left out).
    ///
    /// ```
    /// let decision = kiket_sdk::respond::Decision::allow().message("Approved by policy P-7");
    /// assert_eq!(decision.message.as_deref(), Some("Approved by policy P-7"));
    /// ```
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into()).filter(|m| !m.is_empty());
        self
    }

    /// Adds `data` to the metadata: an object's fields are merged in, `null` adds nothing,
    /// any other value is stored under `data`.
    ///
    /// ```
    /// let decision = kiket_sdk::respond::Decision::allow().data(serde_json::json!({"risk": "low"}));
    /// assert_eq!(decision.metadata["risk"], "low");
    /// ```
    pub fn data(mut self, data: Value) -> Self {
        match data {
            Value::Object(map) => self.metadata.extend(map),
            Value::Null => {}
            other => {
                self.metadata.insert("data".to_owned(), other);
            }
        }
        self
    }

    /// Adds an output field (key → text) shown in the configuration UI
    /// (`metadata.output_fields`).
    ///
    /// ```
    /// let decision = kiket_sdk::respond::Decision::allow().output_field("ticket", "OPS-12");
    /// assert_eq!(serde_json::to_value(&decision)?["metadata"]["output_fields"]["ticket"], "OPS-12");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn output_field(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        let fields = self.metadata.entry("output_fields").or_insert_with(|| Value::Object(Map::new()));
        if !fields.is_object() {
            *fields = Value::Object(Map::new());
        }
        if let Value::Object(fields) = fields {
            fields.insert(key.into(), Value::String(value.into()));
        }
        self
    }
}

impl From<Decision> for Reply {
    fn from(decision: Decision) -> Self {
        Reply::json(decision)
    }
}

/// `allow`, with no message and no metadata until you add them.
///
/// ```
/// use kiket_sdk::respond::allow;
/// let decision = allow().output_field("checked_by", "budget-gate");
/// assert_eq!(decision, kiket_sdk::respond::Decision::allow().output_field("checked_by", "budget-gate"));
/// ```
pub fn allow() -> Decision {
    Decision::new(DecisionStatus::Allow)
}

/// `deny`, saying why.
///
/// ```
/// use kiket_sdk::respond::deny;
/// let reply = kiket_sdk::Reply::from(deny("Finance has not approved the budget"));
/// assert_eq!(reply.body(), Some(&br#"{"status":"deny","message":"Finance has not approved the budget","metadata":{}}"#[..]));
/// ```
pub fn deny(message: impl Into<String>) -> Decision {
    Decision::new(DecisionStatus::Deny).message(message)
}

/// `pending`, saying what it waits for.
///
/// ```
/// use kiket_sdk::respond::pending;
/// let decision = pending("Waiting for legal");
/// assert_eq!(decision.message.as_deref(), Some("Waiting for legal"));
/// ```
pub fn pending(message: impl Into<String>) -> Decision {
    Decision::new(DecisionStatus::Pending).message(message)
}

/// An action directive for the platform to carry out.
///
/// ```
/// use kiket_sdk::respond::{actions, Action};
///
/// let reply = actions([Action::add_comment("Synced to the CRM"), Action::transition("in_review")]);
/// let body: serde_json::Value = serde_json::from_slice(reply.body().unwrap())?;
/// assert_eq!(body["actions"].as_array().map(Vec::len), Some(2));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// Add a comment to the issue.
    AddComment {
        /// Comment text (Markdown).
        body: String,
    },
    /// Set a field of the issue.
    SetField {
        /// Field key.
        field: String,
        /// New value.
        value: Value,
    },
    /// Move the issue to a status.
    Transition {
        /// Target status.
        to: String,
    },
    /// Assign the issue.
    Assign {
        /// Assignee (user id, login or e-mail).
        assignee: String,
    },
    /// Notify people.
    Notify {
        /// Title.
        title: String,
        /// Body.
        body: String,
        /// `info`, `warning` or `error`.
        level: String,
    },
}

impl Action {
    /// `{"kind":"add_comment","body":…}`.
    ///
    /// ```
    /// let action = kiket_sdk::respond::Action::add_comment("Synced to the CRM");
    /// assert_eq!(serde_json::to_value(&action)?["kind"], "add_comment");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn add_comment(body: impl Into<String>) -> Self {
        Self::AddComment { body: body.into() }
    }

    /// `{"kind":"set_field","field":…,"value":…}`.
    ///
    /// ```
    /// let action = kiket_sdk::respond::Action::set_field("priority", "high");
    /// assert_eq!(serde_json::to_value(&action)?["kind"], "set_field");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn set_field(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::SetField { field: field.into(), value: value.into() }
    }

    /// `{"kind":"transition","to":…}`.
    ///
    /// ```
    /// let action = kiket_sdk::respond::Action::transition("in_review");
    /// assert_eq!(serde_json::to_value(&action)?["kind"], "transition");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn transition(to: impl Into<String>) -> Self {
        Self::Transition { to: to.into() }
    }

    /// `{"kind":"assign","assignee":…}`.
    ///
    /// ```
    /// let action = kiket_sdk::respond::Action::assign("maria@example.com");
    /// assert_eq!(serde_json::to_value(&action)?["kind"], "assign");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn assign(assignee: impl Into<String>) -> Self {
        Self::Assign { assignee: assignee.into() }
    }

    /// `{"kind":"notify","title":…,"body":…,"level":"info"}`.
    ///
    /// ```
    /// let action = kiket_sdk::respond::Action::notify("Deal won", "ACME signed the contract");
    /// assert_eq!(serde_json::to_value(&action)?["kind"], "notify");
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn notify(title: impl Into<String>, body: impl Into<String>) -> Self {
        Self::Notify { title: title.into(), body: body.into(), level: "info".into() }
    }
}

/// `{"actions": [...]}`.
///
/// ```
/// use kiket_sdk::respond::{actions, Action};
/// use kiket_sdk::{HandlerContext, HandlerResult};
///
/// async fn triage(payload: serde_json::Value, _ctx: HandlerContext) -> HandlerResult {
///     if payload["issue"]["title"].as_str().is_some_and(|t| t.contains("outage")) {
///         return Ok(actions([Action::set_field("priority", "urgent"), Action::assign("oncall@example.com")]));
///     }
///     Ok(actions([]))
/// }
/// # let _ = triage;
/// let reply = actions([Action::transition("in_review")]);
/// assert_eq!(reply.body(), Some(&br#"{"actions":[{"kind":"transition","to":"in_review"}]}"#[..]));
/// ```
pub fn actions(list: impl IntoIterator<Item = Action>) -> Reply {
    #[derive(Serialize)]
    struct Actions {
        actions: Vec<Action>,
    }
    Reply::json(Actions { actions: list.into_iter().collect() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(reply: &Reply) -> Value {
        serde_json::from_slice(reply.body().unwrap()).unwrap()
    }

    #[test]
    fn decisions_serialise_exactly() {
        assert_eq!(
            body(&deny("Over budget").data(json!({"limit": 100})).into()),
            json!({"status": "deny", "message": "Over budget", "metadata": {"limit": 100}})
        );
        assert_eq!(body(&pending("").data(Value::Null).into()), json!({"status": "pending", "metadata": {}}));
        assert_eq!(body(&allow().into()), json!({"status": "allow", "metadata": {}}));
        assert_eq!(
            body(&allow().data(json!(7)).output_field("a", "1").output_field("b", "2").into()),
            json!({"status": "allow", "metadata": {"data": 7, "output_fields": {"a": "1", "b": "2"}}})
        );
    }

    #[test]
    fn every_action_kind_serialises_exactly() {
        let reply = actions([
            Action::set_field("priority", "high"),
            Action::assign("bob@example.com"),
            Action::notify("Heads up", "Escalated"),
        ]);
        assert_eq!(
            body(&reply),
            json!({"actions": [
                {"kind": "set_field", "field": "priority", "value": "high"},
                {"kind": "assign", "assignee": "bob@example.com"},
                {"kind": "notify", "title": "Heads up", "body": "Escalated", "level": "info"}
            ]})
        );
    }
}
