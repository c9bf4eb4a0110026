//! What building an extension warns about, once, without refusing to start: a route's event one
//! edit from a catalogued one, drift between the router and the manifest ([`Drift`]), required
//! settings without a value, and the manifest's own problems (typos).

use super::drift::Drift;
use super::manifest_shown;
use crate::config::Config;
use crate::routing::Router;

/// Logs every warning about `router` and `config` (request-derived and manifest text escaped).
pub(super) fn at_startup(router: &Router, config: &Config) {
    for (event, catalogued) in router.near_misses() {
        tracing::warn!(
            route = %event.escape_debug(),
            "a route's event is not catalogued: did you mean `{catalogued}`? (a route for an event of your own is fine)"
        );
    }
    let Some(manifest) = config.manifest() else {
        return;
    };
    // Warnings, not errors: real extensions drift from their manifests (PROTOCOL §9), and
    // `testing::assert_no_drift` or `check_subscriptions` make it a failure on purpose.
    let drift = Drift::between(router, manifest);
    for event in &drift.unhandled {
        tracing::warn!(
            event = %event.escape_debug(),
            "the manifest declares an event without a handler: its deliveries will be answered 404 (register a handler, or `ignore` it)"
        );
    }
    for event in &drift.undeclared {
        tracing::warn!(
            event = %event.escape_debug(),
            "a handler's event is not declared in the manifest: the platform will not send it (declare it, or remove the handler)"
        );
    }
    for key in config.settings().unset_required() {
        tracing::warn!(
            setting = %key.escape_debug(),
            "a required setting has no value at start-up: it must arrive with each delivery (secrets.{}) or be set in the environment",
            key.escape_debug()
        );
    }
    let shown = manifest_shown(config);
    for problem in manifest.problems() {
        tracing::warn!(manifest = %shown, "{problem}");
    }
}
