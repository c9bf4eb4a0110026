//! [`assert_no_drift`]: a unit test that the router and the manifest agree.

use crate::{Drift, Router};
use std::path::Path;

/// Panics, naming each event, unless `router` handles exactly the events the manifest at
/// `manifest_path` declares: a declared event without a handler (its deliveries would get
/// 404) or a handler for an undeclared event (the platform would never send it). The panic
/// also names the file, so a failing test says which side to change.
///
/// ```
/// use kiket_sdk::{HandlerContext, Router};
/// let dir = std::env::temp_dir().join(format!("kiket-drift-doc-{}", std::process::id()));
/// std::fs::create_dir_all(&dir)?;
/// let manifest = dir.join("extension.yaml");
/// std::fs::write(&manifest, "id: com.example.crm\nevents: [crm.sync]\n")?;
/// let router = Router::new().raw("crm.sync", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) });
/// kiket_sdk::testing::assert_no_drift(&router, &manifest);
/// let missing = std::panic::catch_unwind(|| kiket_sdk::testing::assert_no_drift(&Router::new(), &manifest));
/// assert!(missing.is_err());
/// # std::fs::remove_dir_all(&dir)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[track_caller]
pub fn assert_no_drift(router: &Router, manifest_path: impl AsRef<Path>) {
    let path = manifest_path.as_ref();
    let manifest = match crate::manifest::load(path) {
        Ok(manifest) => manifest,
        Err(error) => panic!("{error}"),
    };
    let drift = Drift::between(router, &manifest);
    assert!(drift.is_empty(), "the router and {} disagree:\n{drift}", path.display());
}
