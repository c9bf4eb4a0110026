//! Finding and parsing manifest files.

use super::model::Manifest;
use std::path::{Path, PathBuf};

/// File names tried in the working directory, first hit wins.
pub const MANIFEST_NAMES: [&str; 4] = ["extension.yaml", "extension.yml", "manifest.yaml", "manifest.yml"];

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
            serde_path_to_error::deserialize::<_, Nested>(deserializer).map(|n| n.extension)
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
    Ok(manifest)
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
