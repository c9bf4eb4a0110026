//! Finding and parsing manifest files.

use super::model::{Manifest, Property};
use std::path::{Path, PathBuf};

/// Where a manifest is looked for, relative to the working directory, first hit wins: the
/// 1.x place (`.kiket/`, where the Kiket CLI and the platform's own extensions keep it), then
/// the older file names.
pub const MANIFEST_NAMES: [&str; 6] =
    [".kiket/manifest.yaml", ".kiket/manifest.yml", "extension.yaml", "extension.yml", "manifest.yaml", "manifest.yml"];

/// A manifest that could not be read. Messages name the file, and for parse errors the line,
/// column and field.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// An explicitly given manifest path does not exist.
    #[error("manifest {0} does not exist")]
    Missing(PathBuf),
    /// The file could not be read.
    #[error("cannot read manifest {path}: {reason}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        reason: String,
    },
    /// The file is not valid YAML or does not match the manifest's shape.
    #[error("invalid manifest {path}{}{}: {message}", location.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default(), field.as_deref().map(|f| format!(" at `{f}`")).unwrap_or_default())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Line and column (1-based), when known.
        location: Option<(usize, usize)>,
        /// Dotted path of the failing field, when known.
        field: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A value the extension cannot run without (a secret) references an environment
    /// variable that is not set.
    #[error("{}{}: `{field}` references the environment variable {variable}, which is not set: set it, or put the value in the manifest", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    UnsetVariable {
        /// The file.
        path: PathBuf,
        /// The line of the reference (1-based), when known.
        line: Option<usize>,
        /// The field, e.g. `callback.secret`.
        field: String,
        /// The variable's name.
        variable: String,
    },
}

/// `Debug` (what `main` prints when it returns one) is the message: it names the file, line and
/// column, and has no cause beneath it.
impl std::fmt::Debug for ManifestError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// The first of [`MANIFEST_NAMES`] that exists in `dir`.
pub fn discover(dir: &Path) -> Option<PathBuf> {
    MANIFEST_NAMES.iter().map(|name| dir.join(name)).find(|p| p.is_file())
}

/// Reads and parses the manifest at `path`.
pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
    if !path.exists() {
        return Err(ManifestError::Missing(path.to_path_buf()));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| ManifestError::Unreadable { path: path.to_path_buf(), reason: e.to_string() })?;
    parse(&text, path)
}

/// Parses manifest text; `path` is only used in error messages.
pub fn parse(text: &str, path: &Path) -> Result<Manifest, ManifestError> {
    #[derive(serde::Deserialize)]
    struct Nested {
        model_version: Option<String>,
        extension: Manifest,
    }

    let invalid = |location: Option<(usize, usize)>, field: Option<String>, message: String| ManifestError::Invalid {
        path: path.to_path_buf(),
        location,
        field,
        message,
    };
    let untyped: serde_norway::Value =
        serde_norway::from_str(text).map_err(|e| invalid(location_of(&e), None, strip_location(&e.to_string())))?;
    if untyped.is_null() {
        return Ok(Manifest { source: Some(path.to_path_buf()), ..Manifest::default() });
    }
    if !untyped.is_mapping() {
        return Err(invalid(None, None, "a manifest must be a mapping of keys to values".into()));
    }
    let nested = untyped.get("extension").is_some_and(serde_norway::Value::is_mapping);
    let typed = |deserializer| -> Result<Manifest, ManifestError> {
        if nested {
            serde_path_to_error::deserialize::<_, Nested>(deserializer).map(|n| Manifest {
                model_version: n.model_version.or(n.extension.model_version.clone()),
                ..n.extension
            })
        } else {
            serde_path_to_error::deserialize::<_, Manifest>(deserializer)
        }
        .map_err(|e| {
            let field = e.path().to_string();
            let inner = e.into_inner();
            invalid(location_of(&inner), (field != ".").then_some(field), strip_location(&inner.to_string()))
        })
    };
    let mut manifest = typed(serde_norway::Deserializer::from_str(text))?;
    manifest.source = Some(path.to_path_buf());
    settings_of_either_shape(&mut manifest, text, path)?;
    Ok(manifest)
}

/// Moves the 1.x `configuration` entries (a key whose value is a mapping) into
/// `configuration.properties`, beside the older shape's, and checks every default against its
/// declared type (`"587"` for an `integer` is 587; `"five"` fails here, with its line).
fn settings_of_either_shape(manifest: &mut Manifest, text: &str, path: &Path) -> Result<(), ManifestError> {
    let Some(configuration) = manifest.configuration.as_mut() else {
        return Ok(());
    };
    let entries: Vec<String> =
        configuration.extra.iter().filter(|(_, value)| value.is_object()).map(|(key, _)| key.clone()).collect();
    let invalid = |key: &str, field: String, message: String| ManifestError::Invalid {
        path: path.to_path_buf(),
        location: line_of_setting(text, key).map(|line| (line, 1)),
        field: Some(field),
        message,
    };
    for key in entries {
        let Some(value) = configuration.extra.remove(&key) else { continue };
        let property: Property = serde_path_to_error::deserialize(value).map_err(|e| {
            let inner = e.path().to_string();
            invalid(&key, format!("configuration.{key}.{inner}"), e.into_inner().to_string())
        })?;
        configuration.properties.insert(key, property);
    }
    for (key, property) in &configuration.properties {
        property.typed_default().map_err(|message| invalid(key, format!("configuration.{key}.default"), message))?;
    }
    Ok(())
}

/// The line of setting `key` under `configuration:` (either shape), by reading the text.
fn line_of_setting(text: &str, key: &str) -> Option<usize> {
    let start = text.lines().position(|line| line.trim_start().starts_with("configuration:"))?;
    text.lines().enumerate().skip(start + 1).find_map(|(index, line)| {
        let trimmed = line.trim_start().trim_start_matches(['"', '\'']);
        trimmed
            .strip_prefix(key)
            .filter(|rest| rest.trim_start_matches(['"', '\'']).starts_with(':'))
            .map(|_| index + 1)
    })
}

fn location_of(error: &serde_norway::Error) -> Option<(usize, usize)> {
    error.location().map(|l| (l.line(), l.column()))
}

/// serde_norway appends " at line L column C"; the location is reported separately.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}
