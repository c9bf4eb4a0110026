//! `kiket new <dir> [--kiket-path <checkout>]`: a standalone extension crate, ready to test
//! and run: `Cargo.toml`, `extension.yaml`, `src/main.rs`, `src/handlers.rs` (one typed
//! handler), `tests/handlers.rs` (the test kit: a signed delivery, the mock API), a
//! `Dockerfile`, `.gitignore` and a README with its two commands.

use crate::Failure;
use std::path::{Path, PathBuf};

/// Each file of the scaffold: where it goes, and its template.
const FILES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("scaffold/Cargo.toml.tmpl")),
    ("extension.yaml", include_str!("scaffold/extension.yaml.tmpl")),
    ("src/main.rs", include_str!("scaffold/main.rs.tmpl")),
    ("src/handlers.rs", include_str!("scaffold/handlers.rs.tmpl")),
    ("tests/handlers.rs", include_str!("scaffold/tests_handlers.rs.tmpl")),
    ("Dockerfile", include_str!("scaffold/Dockerfile.tmpl")),
    (".gitignore", include_str!("scaffold/gitignore.tmpl")),
    ("README.md", include_str!("scaffold/README.md.tmpl")),
];

/// Writes the scaffold into `dir` (created when missing; refused when not empty). With
/// `kiket_path`, the crate depends on that checkout of kiket-rs; otherwise on the published
/// version of this CLI. Returns the crate's name.
pub fn scaffold(dir: &Path, kiket_path: Option<&Path>) -> Result<String, Failure> {
    let name = crate_name(dir)?;
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).map_err(|e| Failure::Io(format!("cannot read {}: {e}", dir.display())))?;
        if entries.next().is_some() {
            return Err(Failure::Usage(format!("{} is not empty; give a new or empty directory", dir.display())));
        }
    }
    let dependency = match kiket_path {
        Some(path) => {
            let path = absolute(path)?;
            if !path.join("kiket-sdk").is_dir() {
                return Err(Failure::Usage(format!("{} is not a kiket-rs checkout (no kiket-sdk/)", path.display())));
            }
            let path = toml_string(&path.to_string_lossy());
            (format!("{{ path = {path} }}"), format!("{{ path = {path}, features = [\"testing\"] }}"))
        }
        None => {
            let version = toml_string(env!("CARGO_PKG_VERSION"));
            (format!("{{ version = {version} }}"), format!("{{ version = {version}, features = [\"testing\"] }}"))
        }
    };
    for (relative, template) in FILES {
        let contents = template
            .replace("{{name}}", &name)
            .replace("{{kiket_testing}}", &dependency.1)
            .replace("{{kiket}}", &dependency.0);
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Failure::Io(format!("cannot create {}: {e}", parent.display())))?;
        }
        std::fs::write(&path, contents).map_err(|e| Failure::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(name)
}

/// The crate name a directory gives: its last component, lower-cased, runs of anything but
/// `[a-z0-9]` as `-`; it must start with a letter.
fn crate_name(dir: &Path) -> Result<String, Failure> {
    let base = dir.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    let mut name = String::new();
    for c in base.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('-') && !name.is_empty() {
            name.push('-');
        }
    }
    let name = name.trim_end_matches('-').to_owned();
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(Failure::Usage(format!(
            "cannot name a crate after {:?}: the directory's name must start with a letter",
            dir.display()
        )));
    }
    Ok(name)
}

fn absolute(path: &Path) -> Result<PathBuf, Failure> {
    std::fs::canonicalize(path).map_err(|e| Failure::Io(format!("cannot find {}: {e}", path.display())))
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_names_come_from_the_directory() {
        assert_eq!(crate_name(Path::new("/tmp/My Extension_2")).ok().as_deref(), Some("my-extension-2"));
        assert!(crate_name(Path::new("/tmp/2fast")).is_err());
        assert_eq!(toml_string(r#"C:\a"b"#), r#""C:\\a\"b""#);
    }
}
