//! Editing or deleting a schema file changes the generated types on the next `cargo build`,
//! with no manual step.
//!
//! The test copies `kiket-types` and `schemas/` into a scratch workspace, builds it, edits one
//! schema and deletes another, builds again, and reads the generated `types.rs` each time. It
//! uses its own target directory (`target/regeneration-check`) so it never waits on the build
//! lock of the `cargo test` that runs it; the first run compiles typify once (about a minute).

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        // `metadata` follows the `schemas` symlink, so the copy holds real files.
        if std::fs::metadata(entry.path()).unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A workspace with only `kiket-types`, sharing the real workspace's settings and lock file.
fn scratch_workspace() -> PathBuf {
    let root = workspace_root();
    let scratch = root.join("target/regeneration-check/workspace");
    let _ = std::fs::remove_dir_all(&scratch);
    copy_dir(&root.join("kiket-types/src"), &scratch.join("kiket-types/src"));
    copy_dir(&root.join("kiket-types/build"), &scratch.join("kiket-types/build"));
    copy_dir(&root.join("schemas"), &scratch.join("kiket-types/schemas"));
    for file in ["Cargo.toml", "build.rs"] {
        std::fs::copy(root.join("kiket-types").join(file), scratch.join("kiket-types").join(file)).unwrap();
    }
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let workspace_part = manifest.split("\n[package]").next().unwrap();
    let only_types: String = workspace_part
        .lines()
        .filter(|l| !l.starts_with("default-members"))
        .map(|l| if l.starts_with("members") { r#"members = ["kiket-types"]"# } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(scratch.join("Cargo.toml"), only_types).unwrap();
    std::fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock")).unwrap();
    scratch
}

/// Builds the scratch workspace and returns the generated `types.rs`.
fn build_and_read_types(scratch: &Path) -> String {
    let target = workspace_root().join("target/regeneration-check/target");
    let output = Command::new(env!("CARGO"))
        .args(["build", "--offline", "-p", "kiket-types", "--message-format=json"])
        .current_dir(scratch)
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "scratch build failed:\n{}\n{stdout}", String::from_utf8_lossy(&output.stderr));
    // The build-script-executed message names the OUT_DIR of this very build.
    let out_dir = stdout
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| {
            m["reason"] == "build-script-executed"
                && m["package_id"].as_str().is_some_and(|p| p.contains("kiket-types"))
        })
        .filter_map(|m| m["out_dir"].as_str().map(PathBuf::from))
        .next()
        .expect("cargo reports the build script's OUT_DIR");
    std::fs::read_to_string(out_dir.join("types.rs")).unwrap()
}

#[test]
fn editing_and_deleting_schemas_regenerates_types() {
    let scratch = scratch_workspace();
    let before = build_and_read_types(&scratch);
    assert!(before.contains("pub struct SlaBreachV1"));
    assert!(!before.contains("escalation_level"));

    let issue_schema = scratch.join("kiket-types/schemas/common/issue.json");
    let mut issue: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&issue_schema).unwrap()).unwrap();
    issue["properties"]["escalation_level"] =
        serde_json::json!({"type": "integer", "description": "How far it was escalated."});
    std::fs::write(&issue_schema, serde_json::to_string_pretty(&issue).unwrap()).unwrap();
    std::fs::remove_file(scratch.join("kiket-types/schemas/events/sla.breach/v1.json")).unwrap();

    let after = build_and_read_types(&scratch);
    assert!(after.contains("pub escalation_level: ::std::option::Option<i64>"), "new field not generated");
    assert!(!after.contains("pub struct SlaBreachV1"), "deleted event still generated");
    assert!(after.contains("pub struct SlaWarningV1"), "unrelated event disappeared");
}
