//! The one reader of `schemas/events/`, shared by the build scripts of `kiket-types` (payload
//! types, catalog) and of the `kiket` facade (handler traits, `Event`); `build/events.rs` at
//! the workspace root is a symlink to this file, which `cargo package` turns into a copy.
//!
//! Layout: `events/<event>/<version>.json`. Each file names its payload type in `title` and
//! repeats its location in `x-kiket-event` / `x-kiket-version`; both are checked here, once.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// One event schema file, as written (no reference rewriting).
pub struct EventFile {
    /// Event name (`issue.created`), from the directory.
    pub event: String,
    /// Version label (`v1`), from the file name.
    pub version: String,
    /// Where the file is.
    pub path: PathBuf,
    /// The file's `title`: the Rust type of the payload.
    pub title: String,
    /// The schema as read.
    pub schema: Value,
}

/// Reads every event schema below `dir`, sorted by event name then version, and asks cargo
/// to re-run the build script when any of them (or the folders) change.
pub fn read(dir: &Path) -> Result<Vec<EventFile>, String> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files = Vec::new();
    for event_dir in sorted_entries(dir)? {
        if !event_dir.is_dir() {
            if event_dir.extension().is_some_and(|x| x == "json") {
                return Err(format!("{}: event schemas live at events/<event>/<version>.json", event_dir.display()));
            }
            continue;
        }
        println!("cargo:rerun-if-changed={}", event_dir.display());
        let event = file_name(&event_dir);
        for path in sorted_entries(&event_dir)? {
            if path.is_dir() {
                return Err(format!("{}: event schemas live at events/<event>/<version>.json", path.display()));
            }
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            println!("cargo:rerun-if-changed={}", path.display());
            let version = file_name(&path).trim_end_matches(".json").to_owned();
            files.push(read_file(path, event.clone(), version)?);
        }
    }
    Ok(files)
}

fn read_file(path: PathBuf, event: String, version: String) -> Result<EventFile, String> {
    let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let schema: Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
    for (key, expected) in [("x-kiket-event", &event), ("x-kiket-version", &version)] {
        let found = schema.get(key).and_then(Value::as_str);
        if found != Some(expected.as_str()) {
            return Err(format!("{}: `{key}` is {found:?}, the file's location says \"{expected}\"", path.display()));
        }
    }
    let title = schema
        .get("title")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| format!("{} has no string `title` (it names the Rust type)", path.display()))?;
    Ok(EventFile { event, version, path, title, schema })
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut paths = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
        .map(|entry| entry.map(|e| e.path()).map_err(|e| format!("cannot list {}: {e}", dir.display())))
        .collect::<Result<Vec<_>, _>>()?;
    paths.sort();
    Ok(paths)
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}
