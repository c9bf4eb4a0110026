//! A realistic platform change applied to copies of `schemas/` and the OpenAPI spec: the
//! spec-diff report lists each change with the right classification, and the CLI fails on
//! breaking changes.

// The diff is a CLI concern (`kiket spec diff`); its module is compiled into this test too.
#[path = "../src/spec_diff.rs"]
#[allow(dead_code)]
mod spec_diff;

use serde_json::{json, Value};
use spec_diff::{diff_paths, Change, Impact};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn edit(path: &Path, change: impl FnOnce(&mut Value)) {
    let mut value: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    change(&mut value);
    std::fs::write(path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
}

fn scratch(name: &str) -> PathBuf {
    let dir = root().join("target/spec-diff-test").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Fails, printing the whole report, unless `changes` lists exactly this change.
#[track_caller]
fn assert_listed(changes: &[Change], impact: Impact, location: &str, description: &str) {
    let listed = changes.iter().any(|c| c.impact == impact && c.location == location && c.description == description);
    let report: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert!(listed, "expected {impact:?} `{location}`: {description}\nreport: {report:#?}");
}

#[test]
fn schema_changes_are_listed_and_classified() {
    let dir = scratch("schemas");
    let (old, new) = (dir.join("old"), dir.join("new"));
    copy_dir(&root().join("schemas"), &old);
    copy_dir(&root().join("schemas"), &new);

    // New optional field, new open-enum value, new event version, removed field, new required field.
    edit(&new.join("common/issue.json"), |s| s["properties"]["escalation_level"] = json!({"type": "integer"}));
    edit(&new.join("common/sla_state.json"), |s| s["enum"].as_array_mut().unwrap().push(json!("paused")));
    let mut v2 = std::fs::read_to_string(new.join("events/issue.updated/v1.json")).unwrap();
    v2 = v2.replace("\"v1\"", "\"v2\"").replace("IssueUpdatedV1", "IssueUpdatedV2");
    std::fs::write(new.join("events/issue.updated/v2.json"), v2).unwrap();
    edit(&new.join("events/issue.closed/v1.json"), |s| {
        s["allOf"][1]["properties"].as_object_mut().unwrap().remove("resolution");
    });
    edit(&new.join("events/comment.created/v1.json"), |s| {
        s["allOf"][1]["properties"]["thread_id"] = json!({"type": "string"});
        s["allOf"][1]["required"].as_array_mut().unwrap().push(json!("thread_id"));
    });

    let changes = diff_paths(&old, &new).unwrap();
    let report: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(changes.len(), 5, "{report:#?}");
    assert_listed(&changes, Impact::Additive, "common/issue.json: escalation_level", "optional field added (integer)");
    assert_listed(
        &changes,
        Impact::Additive,
        "common/sla_state.json",
        "enum value `paused` added (open enum: it decoded as Unknown before)",
    );
    assert_listed(&changes, Impact::Additive, "events/issue.updated/v2.json", "event issue.updated@v2 added");
    assert_listed(&changes, Impact::Breaking, "events/issue.closed/v1.json: resolution", "field removed");
    assert_listed(&changes, Impact::Breaking, "events/comment.created/v1.json: thread_id", "required field added");
    assert!(report[0].starts_with("BREAKING "), "breaking changes come first: {report:#?}");

    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_kiket"))
        .args(["spec", "diff"])
        .arg(&old)
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&cli.stdout);
    assert!(stdout.contains("5 changes: 2 breaking, 3 additive"), "{stdout}");
    assert!(String::from_utf8_lossy(&cli.stderr).contains("2 breaking change(s)"));

    // Only additive changes: exit 0.
    std::fs::copy(old.join("events/issue.closed/v1.json"), new.join("events/issue.closed/v1.json")).unwrap();
    std::fs::copy(old.join("events/comment.created/v1.json"), new.join("events/comment.created/v1.json")).unwrap();
    let cli = std::process::Command::new(env!("CARGO_BIN_EXE_kiket"))
        .args(["spec", "diff"])
        .arg(&old)
        .arg(&new)
        .output()
        .unwrap();
    assert_eq!(cli.status.code(), Some(0), "{}", String::from_utf8_lossy(&cli.stdout));
}

#[test]
fn openapi_changes_are_listed_and_classified() {
    let dir = scratch("openapi");
    std::fs::create_dir_all(&dir).unwrap();
    let original = std::fs::read_to_string(root().join("openapi/kiket-extension-api.yaml")).unwrap();
    let mut spec: Value = serde_norway::from_str(&original).unwrap();
    // The old spec answered the rate limit with 200 only; the new one with any 2xx.
    let mut before = spec.clone();
    let limit = before["paths"]["/api/v1/ext/rate_limit"]["get"]["responses"].as_object_mut().unwrap();
    let success = limit.remove("2XX").unwrap();
    limit.insert("200".into(), success);
    let old = dir.join("old.yaml");
    std::fs::write(&old, serde_norway::to_string(&before).unwrap()).unwrap();

    spec["paths"]["/api/v1/ext/sla/events"]["get"]["parameters"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "since", "in": "query", "schema": {"type": "string"}}));
    spec["paths"]["/api/v1/audit/verify"].as_object_mut().unwrap().remove("post");
    spec["components"]["schemas"]["RateLimit"]["properties"]["burst"] = json!({"type": "integer"});
    // A write that now answers only 200 (narrowed: a 201 stops being success).
    let create = &mut spec["paths"]["/api/v1/ext/custom_data/{module}/{table}"]["post"]["responses"];
    let success = create.as_object_mut().unwrap().remove("2XX").unwrap();
    create["200"] = success;
    // Restating what 2XX already covers is no change.
    spec["paths"]["/api/v1/ext/sla/events"]["get"]["responses"]["204"] = json!({"description": "none"});
    let new = dir.join("new.yaml");
    std::fs::write(&new, serde_norway::to_string(&spec).unwrap()).unwrap();

    let changes = diff_paths(&old, &new).unwrap();
    let report: Vec<String> = changes.iter().map(ToString::to_string).collect();
    assert_eq!(changes.len(), 5, "{report:#?}");
    assert_listed(
        &changes,
        Impact::Breaking,
        "operation createCustomDataRecord",
        "success statuses narrowed from 2XX to 200",
    );
    assert_listed(&changes, Impact::Additive, "operation getRateLimit", "success statuses widened from 200 to 2XX");
    assert_listed(&changes, Impact::Additive, "operation listSlaEvents", "optional parameter `since` added");
    assert_listed(&changes, Impact::Breaking, "operation verifyAuditProof", "removed (was POST /api/v1/audit/verify)");
    assert_listed(&changes, Impact::Additive, "schema RateLimit: burst", "optional field added (integer)");
}
