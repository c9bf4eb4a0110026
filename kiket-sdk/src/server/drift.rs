//! [`Drift`]: where an extension's router and its manifest disagree — an event the manifest
//! declares that nothing handles (the platform's deliveries of it get 404), or a handler for
//! an event the manifest does not declare (the platform never sends it). The server logs each
//! at start-up; `testing::assert_no_drift` makes it a unit test.

use crate::handler::{external_webhook_name, EXTERNAL_WEBHOOKS};
use crate::manifest::Manifest;
use crate::routing::Router;

/// How a router and a manifest disagree, by event name (versions aside).
///
/// ```
/// use kiket_sdk::{Drift, HandlerContext, Router};
/// let manifest = kiket_sdk::manifest::parse("events: [issue.created, crm.sync]\n", "m.yaml".as_ref())?;
/// let noop = |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) };
/// let router = Router::new().raw("crm.sync", "v1", noop).raw("crm.purge", "v1", noop);
/// let drift = Drift::between(&router, &manifest);
/// assert_eq!(drift.unhandled, ["issue.created"]);
/// assert_eq!(drift.undeclared, ["crm.purge"]);
/// assert!(drift.to_string().contains("`issue.created` is declared in the manifest but has no handler"));
/// # Ok::<(), kiket_sdk::manifest::ManifestError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Drift {
    /// Events the manifest declares without a handler, sorted.
    pub unhandled: Vec<String>,
    /// Events with a handler that the manifest does not declare, sorted.
    pub undeclared: Vec<String>,
}

impl Drift {
    /// Compares the events `router` handles with those `manifest` declares. The external
    /// webhooks' route ([`Router::external_webhooks`]) handles every declared
    /// `external.webhook.<name>`, and is declared by any of them.
    pub fn between(router: &Router, manifest: &Manifest) -> Self {
        let declared = manifest.declared_events();
        let declares = |handled: &String| match handled.as_str() {
            EXTERNAL_WEBHOOKS => declared.iter().any(|event| external_webhook_name(event).is_some()),
            _ => declared.binary_search(handled).is_ok(),
        };
        Self {
            unhandled: declared.iter().filter(|event| !router.handles_event(event)).cloned().collect(),
            undeclared: router.handled_events().into_iter().filter(|event| !declares(event)).collect(),
        }
    }

    /// `true` when the two agree.
    ///
    /// ```
    /// # use kiket_sdk::{Drift, HandlerContext, Router};
    /// let manifest = kiket_sdk::manifest::parse("events: [crm.sync]\n", "m.yaml".as_ref())?;
    /// let router = Router::new().raw("crm.sync", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) });
    /// assert!(Drift::between(&router, &manifest).is_empty());
    /// # Ok::<(), kiket_sdk::manifest::ManifestError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.unhandled.is_empty() && self.undeclared.is_empty()
    }
}

/// One line per disagreement.
impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut lines = Vec::new();
        for event in &self.unhandled {
            lines.push(format!("`{}` is declared in the manifest but has no handler", event.escape_debug()));
        }
        for event in &self.undeclared {
            lines.push(format!(
                "`{}` has a handler but the manifest does not declare it (the platform will not send it)",
                event.escape_debug()
            ));
        }
        f.write_str(&lines.join("\n"))
    }
}
