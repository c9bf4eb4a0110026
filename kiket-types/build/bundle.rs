//! Loads `schemas/` into one namespace of definitions keyed by each file's `title`.

use crate::events;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One schema file after loading.
pub struct SchemaFile {
    /// Path relative to the schema directory, with `/` separators (`events/issue.created/v1.json`).
    pub relative: String,
    /// The file's `title`: the Rust type name.
    pub title: String,
    /// The schema with every file `$ref` rewritten to `#/definitions/<Title>`.
    pub schema: Value,
    /// `Some((event, version))` for files under `events/`.
    pub event: Option<(String, String)>,
}

/// A file as read: path, title, schema, and `(event, version)` for event files.
type Loaded = (PathBuf, String, Value, Option<(String, String)>);

/// All schema files of the catalog.
pub struct Bundle {
    /// Files sorted by relative path.
    pub files: Vec<SchemaFile>,
    directories: Vec<PathBuf>,
    file_paths: Vec<PathBuf>,
}

impl Bundle {
    /// Reads `common/` and (through the shared [`events`] reader) `events/` below `root`.
    pub fn load(root: &Path) -> Result<Self, String> {
        let mut file_paths = Vec::new();
        let mut directories = vec![root.to_path_buf()];
        collect(&root.join("common"), &mut file_paths, &mut directories)?;
        file_paths.sort();

        // Common files, then every event file.
        let mut loaded: Vec<Loaded> = Vec::new();
        for path in &file_paths {
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let value: Value =
                serde_json::from_str(&text).map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
            let title = value
                .get("title")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("{} has no string `title` (it names the Rust type)", path.display()))?
                .to_string();
            loaded.push((path.clone(), title, value, None));
        }
        for file in events::read(&root.join("events"))? {
            loaded.push((file.path, file.title, file.schema, Some((file.event, file.version))));
        }

        let mut raw = Vec::new();
        let mut titles: BTreeMap<PathBuf, String> = BTreeMap::new();
        for (path, title, value, event) in loaded {
            if !is_type_name(&title) {
                return Err(format!("{}: title `{title}` must be a PascalCase Rust type name", path.display()));
            }
            if let Some((other, _)) = titles.iter().find(|(_, t)| **t == title) {
                return Err(format!("{} and {} both have title `{title}`", other.display(), path.display()));
            }
            titles.insert(canonical(&path)?, title.clone());
            raw.push((path, title, value, event));
        }

        for (path, _, value, _) in &mut raw {
            let dir = path.parent().expect("a file has a parent").to_path_buf();
            rewrite_refs(value, &dir, &titles).map_err(|e| format!("{}: {e}", path.display()))?;
        }
        let by_title: BTreeMap<String, Value> =
            raw.iter().map(|(_, title, value, _)| (title.clone(), value.clone())).collect();
        let mut files = Vec::new();
        for (path, title, mut value, event) in raw {
            let relative = path
                .strip_prefix(root)
                .expect("collected below root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            flatten_all_of(&mut value, &by_title).map_err(|e| format!("{relative}: {e}"))?;
            if let Value::Object(map) = &mut value {
                map.remove("$schema");
                map.remove("$id");
            }
            files.push(SchemaFile { relative, title, schema: value, event });
        }
        Ok(Self { files, directories, file_paths })
    }

    /// Every file and directory whose change must re-run the build script.
    pub fn watched_paths(&self) -> impl Iterator<Item = &PathBuf> {
        self.directories.iter().chain(&self.file_paths)
    }

    /// The event schemas, sorted by event name then version.
    pub fn events(&self) -> impl Iterator<Item = (&SchemaFile, &str, &str)> {
        self.files.iter().filter_map(|f| f.event.as_ref().map(|(e, v)| (f, e.as_str(), v.as_str())))
    }
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>, dirs: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    dirs.push(dir.to_path_buf());
    for entry in entries {
        let path = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?.path();
        if path.is_dir() {
            collect(&path, files, dirs)?;
        } else if path.extension().is_some_and(|x| x == "json") {
            files.push(path);
        }
    }
    Ok(())
}

fn canonical(path: &Path) -> Result<PathBuf, String> {
    path.canonicalize().map_err(|e| format!("cannot resolve {}: {e}", path.display()))
}

fn is_type_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

fn rewrite_refs(value: &mut Value, dir: &Path, titles: &BTreeMap<PathBuf, String>) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref")
                && !target.starts_with('#')
            {
                let resolved =
                    canonical(&dir.join(target)).map_err(|_| format!("`$ref` {target:?} points to no schema file"))?;
                let title = titles
                    .get(&resolved)
                    .ok_or_else(|| format!("`$ref` {target:?} is outside schemas/common and schemas/events"))?;
                let rewritten = format!("#/definitions/{title}");
                map.insert("$ref".into(), Value::String(rewritten));
                drop_ref_siblings(map);
            }
            for child in map.values_mut() {
                rewrite_refs(child, dir, titles)?;
            }
        }
        Value::Array(items) => {
            for child in items {
                rewrite_refs(child, dir, titles)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// In draft-07 the siblings of `$ref` are ignored; keep only `description` for the docs and
/// `x-kiket-aliases` for the visitor (typegen takes it out again before typify reads it).
fn drop_ref_siblings(map: &mut Map<String, Value>) {
    map.retain(|k, _| k == "$ref" || k == "description" || k == crate::aliases::KEYWORD);
}

/// Merges a top-level `allOf` of object schemas into one object schema.
///
/// typify 0.8 panics when an `allOf` member carries a title or description (every file here
/// does), so `{"allOf": [{"$ref": "envelope.json"}, {...}]}` is merged before typify sees it:
/// properties of earlier members first, later members win, `required` is the union, and the
/// result stays open (`additionalProperties: {}`). The schema files themselves stay standard.
fn flatten_all_of(value: &mut Value, by_title: &BTreeMap<String, Value>) -> Result<(), String> {
    let Some(Value::Array(members)) = value.as_object_mut().and_then(|m| m.remove("allOf")) else {
        return Ok(());
    };
    let mut properties = Map::new();
    let mut required: Vec<Value> = Vec::new();
    for member in members {
        let member = match member.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                let title = target.strip_prefix("#/definitions/").unwrap_or(target);
                by_title.get(title).cloned().ok_or_else(|| format!("`allOf` member {target:?} is not in the bundle"))?
            }
            None => member,
        };
        if member.get("type").and_then(Value::as_str) != Some("object") {
            return Err("`allOf` members must be object schemas".into());
        }
        if let Some(Value::Object(props)) = member.get("properties") {
            properties.extend(props.clone());
        }
        if let Some(Value::Array(names)) = member.get("required") {
            for name in names {
                if !required.contains(name) {
                    required.push(name.clone());
                }
            }
        }
    }
    let map = value.as_object_mut().expect("checked above");
    map.insert("type".into(), Value::String("object".into()));
    map.insert("required".into(), Value::Array(required));
    map.insert("properties".into(), Value::Object(properties));
    map.insert("additionalProperties".into(), Value::Object(Map::new()));
    Ok(())
}
