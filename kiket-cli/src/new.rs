//! `kiket new <dir>`: a standalone extension crate, ready to test and run: `Cargo.toml`,
//! `.kiket/manifest.yaml` (model 1.0), `src/lib.rs` (one typed handler and `router()`), `src/main.rs`,
//! `tests/handlers.rs` (the test kit: signed deliveries, the mock API), a `Dockerfile` and
//! `.dockerignore`, `.gitignore` and a README with its commands.

use crate::Failure;
use std::path::{Path, PathBuf};

/// Where kiket-rs is fetched from when no other source is given: nothing is published on
/// crates.io yet.
pub const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// Each file of the scaffold: where it goes, and its template.
const FILES: &[(&str, &str)] = &[
    ("Cargo.toml", include_str!("scaffold/Cargo.toml.tmpl")),
    (".kiket/manifest.yaml", include_str!("scaffold/manifest.yaml.tmpl")),
    ("src/lib.rs", include_str!("scaffold/lib.rs.tmpl")),
    ("src/main.rs", include_str!("scaffold/main.rs.tmpl")),
    ("tests/handlers.rs", include_str!("scaffold/tests_handlers.rs.tmpl")),
    ("Dockerfile", include_str!("scaffold/Dockerfile.tmpl")),
    (".dockerignore", include_str!("scaffold/dockerignore.tmpl")),
    (".gitignore", include_str!("scaffold/gitignore.tmpl")),
    ("README.md", include_str!("scaffold/README.md.tmpl")),
];

/// Where the scaffold gets kiket-rs from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A checkout on this machine (a path dependency: builds offline, not in Docker).
    Path(PathBuf),
    /// A git repository (builds anywhere with network access, Docker included).
    Git(String),
}

impl Source {
    /// How the scaffold's files say where kiket-rs comes from.
    pub fn describe(&self) -> String {
        match self {
            Self::Path(path) => format!("from the checkout at {}", path.display()),
            Self::Git(url) => format!("from the git repository {url} (not on crates.io yet)"),
        }
    }

    /// The dependency's TOML, with `features`.
    fn dependency(&self, features: &str) -> Result<String, Failure> {
        Ok(match self {
            Self::Path(path) => {
                let path = absolute(path)?;
                if !path.join("kiket-sdk").is_dir() {
                    return Err(Failure::Usage(format!(
                        "{} is not a kiket-rs checkout (no kiket-sdk/)",
                        path.display()
                    )));
                }
                format!("{{ path = {}, features = [{features}] }}", toml_string(&path.to_string_lossy()))
            }
            Self::Git(url) => format!("{{ git = {}, features = [{features}] }}", toml_string(url)),
        })
    }

    /// What the Dockerfile says about building the image.
    fn docker(&self) -> &'static str {
        match self {
            Self::Path(_) => {
                "kiket-rs is a path dependency here, which a Docker build cannot see: scaffold with \
                 --kiket-git, or `cargo vendor` first"
            }
            Self::Git(_) => "kiket-rs is fetched from git during the build",
        }
    }

    /// Where the README says the CLI comes from.
    fn cli(&self) -> String {
        match self {
            Self::Path(path) => format!("`cargo install --path {}/kiket-cli`", path.display()),
            Self::Git(url) => format!("`cargo install --git {url} kiket-cli`"),
        }
    }
}

/// Writes the scaffold into `dir` (created when missing; refused when not empty), depending on
/// kiket-rs from `source`. Returns the crate's name.
pub fn scaffold(dir: &Path, source: &Source) -> Result<String, Failure> {
    let name = crate_name(dir)?;
    if dir.exists() {
        let mut entries =
            std::fs::read_dir(dir).map_err(|e| Failure::Io(format!("cannot read {}: {e}", dir.display())))?;
        if entries.next().is_some() {
            return Err(Failure::Usage(format!("{} is not empty; give a new or empty directory", dir.display())));
        }
    }
    let values = [
        ("{{name}}", name.clone()),
        ("{{crate}}", name.replace('-', "_")),
        ("{{kiket_testing}}", source.dependency("\"testing\"")?),
        ("{{kiket_source}}", source.describe()),
        ("{{kiket_docker}}", source.docker().to_owned()),
        ("{{kiket_cli}}", source.cli()),
    ];
    for (relative, template) in FILES {
        let contents = values.iter().fold((*template).to_owned(), |text, (key, value)| text.replace(key, value));
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
