//! Differences between two versions of `schemas/` or of the OpenAPI spec, classified for
//! extension authors: **additive** (existing code keeps compiling and working) or
//! **breaking** (code may no longer compile, or deliveries that used to decode may fail).
//!
//! `kiket spec diff <old> <new>` prints the report and exits non-zero on breaking changes.
//! Rules:
//! - event versions and shared schemas: added → additive; removed → breaking;
//! - fields: added optional → additive; added required, removed, retyped, or required-ness
//!   changed (the Rust type moves between `T` and `Option<T>`) → breaking;
//! - enum values: added to an open enum (`x-kiket-open-enum`) → additive, to a closed one →
//!   breaking; removed → breaking;
//! - operations: added → additive; removed, or moved to another method/path → breaking;
//!   parameters: added optional → additive; added required or removed → breaking;
//!   success statuses (`200`, `201`, `2XX`, …): widened → additive (answers that used to be
//!   errors now succeed); narrowed → breaking (answers that used to succeed become errors).

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

/// How a change affects extension authors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Existing code keeps compiling and working.
    Additive,
    /// Existing code may stop compiling, or payloads may stop decoding.
    Breaking,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Additive or breaking.
    pub impact: Impact,
    /// Where (`events/issue.created/v1.json: issue.title`, `operation listSlaEvents`).
    pub location: String,
    /// What changed.
    pub description: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let impact = match self.impact {
            Impact::Additive => "additive",
            Impact::Breaking => "BREAKING",
        };
        write!(f, "{impact:<9} {}: {}", self.location, self.description)
    }
}

/// Compares two schema directories (`schemas/`) or two OpenAPI files.
pub fn diff_paths(old: &Path, new: &Path) -> Result<Vec<Change>, String> {
    let mut changes = if old.is_dir() && new.is_dir() {
        diff_schema_dirs(&load_dir(old)?, &load_dir(new)?)
    } else if old.is_file() && new.is_file() {
        diff_openapi(&load_spec(old)?, &load_spec(new)?)
    } else {
        return Err(format!(
            "compare two schema directories or two OpenAPI files ({} vs {})",
            old.display(),
            new.display()
        ));
    };
    changes.sort_by(|a, b| b.impact.cmp(&a.impact).then_with(|| a.location.cmp(&b.location)));
    Ok(changes)
}

fn change(impact: Impact, location: impl Into<String>, description: impl Into<String>) -> Change {
    Change { impact, location: location.into(), description: description.into() }
}

/// Every `.json` file below `events/` and `common/`, by relative path.
fn load_dir(root: &Path) -> Result<BTreeMap<String, Value>, String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<String, Value>) -> Result<(), String> {
        let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out)?;
            } else if path.extension().is_some_and(|e| e == "json") {
                let text =
                    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let value = serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
                let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                out.insert(relative, value);
            }
        }
        Ok(())
    }
    let mut files = BTreeMap::new();
    for sub in ["events", "common"] {
        walk(&root.join(sub), root, &mut files)?;
    }
    if files.is_empty() {
        return Err(format!("{} has no schemas under events/ or common/", root.display()));
    }
    Ok(files)
}

fn load_spec(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_norway::from_str(&text).map_err(|e| format!("{} is not YAML/JSON: {e}", path.display()))
}

fn describe_file(relative: &str) -> String {
    match relative
        .strip_prefix("events/")
        .and_then(|rest| rest.strip_suffix(".json"))
        .and_then(|rest| rest.rsplit_once('/'))
    {
        Some((event, version)) => format!("event {event}@{version}"),
        None => format!("shared schema {relative}"),
    }
}

fn diff_schema_dirs(old: &BTreeMap<String, Value>, new: &BTreeMap<String, Value>) -> Vec<Change> {
    let mut changes = Vec::new();
    for (path, schema) in new {
        match old.get(path) {
            None => changes.push(change(Impact::Additive, path.clone(), format!("{} added", describe_file(path)))),
            Some(previous) => diff_schema(path, previous, schema, &mut changes),
        }
    }
    for path in old.keys().filter(|p| !new.contains_key(*p)) {
        changes.push(change(Impact::Breaking, path.clone(), format!("{} removed", describe_file(path))));
    }
    changes
}

/// Properties, required names, and `$ref` bases of an object schema (top level and inline
/// `allOf` members).
fn object_parts(schema: &Value) -> (Map<String, Value>, BTreeSet<String>, Vec<String>) {
    let mut properties = Map::new();
    let mut required = BTreeSet::new();
    let mut bases = Vec::new();
    let mut members = vec![schema];
    if let Some(all_of) = schema.get("allOf").and_then(Value::as_array) {
        members.extend(all_of);
    }
    for member in members {
        if let Some(base) = member.get("$ref").and_then(Value::as_str)
            && !std::ptr::eq(member, schema)
        {
            bases.push(base.to_owned());
        }
        if let Some(props) = member.get("properties").and_then(Value::as_object) {
            properties.extend(props.clone());
        }
        for name in member.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            required.insert(name.to_owned());
        }
    }
    (properties, required, bases)
}

/// A short text of what a schema's value is: its `$ref`, or its type (with item type).
fn shape(schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        return reference.rsplit('/').next().unwrap_or(reference).trim_end_matches(".json").to_owned();
    }
    let kind = match schema.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Array(kinds)) => kinds.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("|"),
        _ if schema.get("oneOf").is_some() => "oneOf".into(),
        _ => "any".into(),
    };
    match (kind.as_str(), schema.get("items")) {
        ("array", Some(items)) => format!("array<{}>", shape(items)),
        _ => match schema.get("format").and_then(Value::as_str) {
            Some(format) => format!("{kind}({format})"),
            None => kind,
        },
    }
}

fn diff_schema(location: &str, old: &Value, new: &Value, changes: &mut Vec<Change>) {
    diff_enum(location, old, new, changes);
    let (old_props, old_required, old_bases) = object_parts(old);
    let (new_props, new_required, new_bases) = object_parts(new);
    if old_bases != new_bases {
        changes.push(change(
            Impact::Breaking,
            location,
            format!("base schemas changed from {old_bases:?} to {new_bases:?}"),
        ));
    }
    for (name, schema) in &new_props {
        let at = format!("{location}: {name}");
        match old_props.get(name) {
            None if new_required.contains(name) => changes.push(change(Impact::Breaking, at, "required field added")),
            None => changes.push(change(Impact::Additive, at, format!("optional field added ({})", shape(schema)))),
            Some(previous) => {
                let (before, after) = (shape(previous), shape(schema));
                if before != after {
                    changes.push(change(Impact::Breaking, at.clone(), format!("retyped from {before} to {after}")));
                }
                match (old_required.contains(name), new_required.contains(name)) {
                    (false, true) => {
                        changes.push(change(Impact::Breaking, at.clone(), "became required (Option<T> → T)"))
                    }
                    (true, false) => {
                        changes.push(change(Impact::Breaking, at.clone(), "became optional (T → Option<T>)"))
                    }
                    _ => {}
                }
                if before == after && (schema.get("properties").is_some() || schema.get("enum").is_some()) {
                    diff_schema(&at.replace(": ", ":"), previous, schema, changes);
                }
            }
        }
    }
    for name in old_props.keys().filter(|n| !new_props.contains_key(*n)) {
        changes.push(change(Impact::Breaking, format!("{location}: {name}"), "field removed"));
    }
}

fn diff_enum(location: &str, old: &Value, new: &Value, changes: &mut Vec<Change>) {
    let values = |schema: &Value| -> BTreeSet<String> {
        schema
            .get("enum")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            .collect()
    };
    let (before, after) = (values(old), values(new));
    let open = new.get("x-kiket-open-enum") == Some(&Value::Bool(true));
    for added in after.difference(&before) {
        if open {
            changes.push(change(
                Impact::Additive,
                location,
                format!("enum value `{added}` added (open enum: it decoded as Unknown before)"),
            ));
        } else {
            changes.push(change(Impact::Breaking, location, format!("enum value `{added}` added to a closed enum")));
        }
    }
    for removed in before.difference(&after) {
        changes.push(change(Impact::Breaking, location, format!("enum value `{removed}` removed")));
    }
}

/// One operation as the diff sees it.
struct OperationShape {
    /// `METHOD /path`.
    route: String,
    /// Parameter name → required.
    parameters: BTreeMap<String, bool>,
    /// Success status keys as the spec writes them (`200`, `2XX`).
    success: BTreeSet<String>,
}

/// operationId → its shape.
type Operations = BTreeMap<String, OperationShape>;

/// Whether the status keys `statuses` cover the status key `status` (`2XX` covers `201`).
fn covers(statuses: &BTreeSet<String>, status: &str) -> bool {
    statuses.contains(status) || status.get(..1).is_some_and(|class| statuses.contains(&format!("{class}XX")))
}

fn statuses_text(statuses: &BTreeSet<String>) -> String {
    statuses.iter().cloned().collect::<Vec<_>>().join(", ")
}

fn operations(spec: &Value) -> Operations {
    let mut out = BTreeMap::new();
    let components = spec.pointer("/components/parameters").cloned().unwrap_or_default();
    let resolve = |p: &Value| -> Value {
        match p.get("$ref").and_then(Value::as_str) {
            Some(r) => components.get(r.rsplit('/').next().unwrap_or(r)).cloned().unwrap_or_default(),
            None => p.clone(),
        }
    };
    for (path, item) in spec.get("paths").and_then(Value::as_object).into_iter().flatten() {
        let shared: Vec<Value> = item.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        for (method, operation) in item.as_object().into_iter().flatten() {
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else { continue };
            let mut parameters = BTreeMap::new();
            let own = operation.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
            for parameter in shared.iter().chain(&own).map(resolve) {
                if let Some(name) = parameter.get("name").and_then(Value::as_str) {
                    parameters.insert(name.to_owned(), parameter.get("required") == Some(&Value::Bool(true)));
                }
            }
            let success = operation
                .get("responses")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(status, _)| status.to_ascii_uppercase())
                .filter(|status| status.starts_with('2'))
                .collect();
            let route = format!("{} {path}", method.to_uppercase());
            out.insert(id.to_owned(), OperationShape { route, parameters, success });
        }
    }
    out
}

fn diff_openapi(old: &Value, new: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    let (before, after) = (operations(old), operations(new));
    for (id, OperationShape { route, parameters, success }) in &after {
        let at = format!("operation {id}");
        let Some(OperationShape { route: old_route, parameters: old_parameters, success: old_success }) =
            before.get(id)
        else {
            changes.push(change(Impact::Additive, at, format!("added ({route})")));
            continue;
        };
        if old_route != route {
            changes.push(change(Impact::Breaking, at.clone(), format!("moved from {old_route} to {route}")));
        }
        let widened = old_success.iter().all(|status| covers(success, status));
        let narrowed_or_same = success.iter().all(|status| covers(old_success, status));
        if !(widened && narrowed_or_same) {
            let (was, now) = (statuses_text(old_success), statuses_text(success));
            if widened {
                changes.push(change(
                    Impact::Additive,
                    at.clone(),
                    format!("success statuses widened from {was} to {now}"),
                ));
            } else {
                changes.push(change(
                    Impact::Breaking,
                    at.clone(),
                    format!("success statuses narrowed from {was} to {now}"),
                ));
            }
        }
        for (name, required) in parameters {
            match (old_parameters.get(name), required) {
                (None, true) => {
                    changes.push(change(Impact::Breaking, at.clone(), format!("required parameter `{name}` added")))
                }
                (None, false) => {
                    changes.push(change(Impact::Additive, at.clone(), format!("optional parameter `{name}` added")))
                }
                (Some(false), true) => {
                    changes.push(change(Impact::Breaking, at.clone(), format!("parameter `{name}` became required")))
                }
                (Some(true), false) => {
                    changes.push(change(Impact::Additive, at.clone(), format!("parameter `{name}` became optional")))
                }
                _ => {}
            }
        }
        for name in old_parameters.keys().filter(|n| !parameters.contains_key(*n)) {
            changes.push(change(Impact::Breaking, at.clone(), format!("parameter `{name}` removed")));
        }
    }
    for (id, shape) in before.iter().filter(|(id, _)| !after.contains_key(*id)) {
        changes.push(change(Impact::Breaking, format!("operation {id}"), format!("removed (was {})", shape.route)));
    }
    let schemas =
        |spec: &Value| spec.pointer("/components/schemas").and_then(Value::as_object).cloned().unwrap_or_default();
    let (old_schemas, new_schemas) = (schemas(old), schemas(new));
    for (name, schema) in &new_schemas {
        match old_schemas.get(name) {
            None => changes.push(change(Impact::Additive, format!("schema {name}"), "added")),
            Some(previous) => diff_schema(&format!("schema {name}"), previous, schema, &mut changes),
        }
    }
    for name in old_schemas.keys().filter(|n| !new_schemas.contains_key(*n)) {
        changes.push(change(Impact::Breaking, format!("schema {name}"), "removed"));
    }
    changes
}
