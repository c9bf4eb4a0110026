//! Response helpers: decisions and action directives the platform understands
//! (PROTOCOL.md §3.1).
//!
//! ```
//! use kiket_sdk::handler::respond::{allow, deny, Action, actions};
//! use serde_json::json;
//!
//! let reply = allow("Looks good", json!({"checked_by": "crm"}), [("crm_id", "C-42")]);
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
//! # let _ = deny("no", json!({}));
//! ```

use super::Reply;
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

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

/// `{"status": …, "message"?: …, "metadata": {…}}`.
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

impl From<Decision> for Reply {
    fn from(decision: Decision) -> Self {
        Reply::json(decision)
    }
}

fn metadata_of(data: Value) -> Map<String, Value> {
    match data {
        Value::Object(map) => map,
        Value::Null => Map::new(),
        other => Map::from_iter([("data".to_owned(), other)]),
    }
}

fn message_of(message: &str) -> Option<String> {
    Some(message.to_owned()).filter(|m| !m.is_empty())
}

/// `allow`, with `data` as metadata and `output_fields` (key → text) shown in the
/// configuration UI. An empty message is left out.
pub fn allow<K: Into<String>, V: Into<String>>(
    message: &str,
    data: Value,
    output_fields: impl IntoIterator<Item = (K, V)>,
) -> Reply {
    let mut metadata = metadata_of(data);
    let fields: BTreeMap<String, String> = output_fields.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
    if !fields.is_empty() {
        metadata.insert("output_fields".into(), serde_json::to_value(fields).unwrap_or_default());
    }
    Decision { status: DecisionStatus::Allow, message: message_of(message), metadata }.into()
}

/// `deny`, with `data` as metadata.
pub fn deny(message: &str, data: Value) -> Reply {
    Decision { status: DecisionStatus::Deny, message: message_of(message), metadata: metadata_of(data) }.into()
}

/// `pending`, with `data` as metadata.
pub fn pending(message: &str, data: Value) -> Reply {
    Decision { status: DecisionStatus::Pending, message: message_of(message), metadata: metadata_of(data) }.into()
}

/// An action directive for the platform to carry out.
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
    pub fn add_comment(body: impl Into<String>) -> Self {
        Self::AddComment { body: body.into() }
    }

    /// `{"kind":"set_field","field":…,"value":…}`.
    pub fn set_field(field: impl Into<String>, value: impl Into<Value>) -> Self {
        Self::SetField { field: field.into(), value: value.into() }
    }

    /// `{"kind":"transition","to":…}`.
    pub fn transition(to: impl Into<String>) -> Self {
        Self::Transition { to: to.into() }
    }

    /// `{"kind":"assign","assignee":…}`.
    pub fn assign(assignee: impl Into<String>) -> Self {
        Self::Assign { assignee: assignee.into() }
    }

    /// `{"kind":"notify","title":…,"body":…,"level":"info"}`.
    pub fn notify(title: impl Into<String>, body: impl Into<String>) -> Self {
        Self::Notify { title: title.into(), body: body.into(), level: "info".into() }
    }
}

/// `{"actions": [...]}`.
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
            body(&deny("Over budget", json!({"limit": 100}))),
            json!({"status": "deny", "message": "Over budget", "metadata": {"limit": 100}})
        );
        assert_eq!(body(&pending("", Value::Null)), json!({"status": "pending", "metadata": {}}));
        assert_eq!(
            body(&allow("", json!({}), Vec::<(String, String)>::new())),
            json!({"status": "allow", "metadata": {}})
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
