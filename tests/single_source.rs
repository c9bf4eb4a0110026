//! One source of truth for the generation inputs: the crates read `schemas/` and `openapi/`
//! through symlinks to the top-level directories (packaging copies the files into each crate),
//! and the constants name what the build used.

use std::path::Path;

fn resolves_to(link: &str, target: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let metadata = std::fs::symlink_metadata(root.join(link)).unwrap_or_else(|e| panic!("{link}: {e}"));
    assert!(metadata.file_type().is_symlink(), "{link} must be a symlink to {target}, not a copy");
    assert_eq!(
        root.join(link).canonicalize().unwrap(),
        root.join(target).canonicalize().unwrap(),
        "{link} points elsewhere"
    );
}

#[test]
fn generation_inputs_exist_once() {
    resolves_to("kiket-types/schemas", "schemas");
    resolves_to("kiket-client/openapi", "openapi");
    resolves_to("kiket-client/build/rust_surface.rs", "kiket-types/build/rust_surface.rs");
}

#[test]
fn the_spec_version_is_visible() {
    let label = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/VERSION")).unwrap();
    assert_eq!(kiket::types::SPEC_VERSION, label.trim());
    assert_eq!(kiket::types::SPEC_DIGEST.len(), 64);
    assert_eq!(kiket::client::API_SPEC_VERSION, "1.0.0");
}

/// The configuration options as a Markdown table: every option of `kiket_sdk::config::OPTIONS`
/// (those with environment variables only, when `with_env_only`), its default as
/// `kiket_sdk::config::defaults()` shows it, and its doc line.
fn options_table(with_env_only: bool) -> String {
    use kiket::sdk::config::{defaults, Unit, OPTIONS};
    let defaults = defaults();
    let mut out = String::from(if with_env_only {
        "| Environment variable | Option | Meaning | Default |\n|---|---|---|---|\n"
    } else {
        "| Option | Environment variable | Meaning | Default |\n|---|---|---|---|\n"
    });
    for option in OPTIONS.iter().filter(|o| !with_env_only || !o.env.is_empty()) {
        let shown = option.shown_as.map(|key| &defaults[key]);
        let default = match (shown, option.unit) {
            (None, _) => "—".to_owned(),
            (Some(serde_json::Value::Null), _) => "none".to_owned(),
            (Some(serde_json::Value::Array(items)), _) if items.is_empty() => "none".to_owned(),
            (Some(serde_json::Value::Number(ms)), Unit::Millis) => match ms.as_u64().unwrap_or_default() {
                ms if ms % 1000 == 0 => format!("{} s", ms / 1000),
                ms => format!("{ms} ms"),
            },
            (Some(serde_json::Value::String(text)), _) => format!("`{text}`"),
            (Some(other), _) => format!("`{other}`"),
        };
        let env = option.env.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(", ");
        let env = if env.is_empty() { "—".to_owned() } else { env };
        let doc = option.doc.trim().replace('\n', " ").replace("  ", " ");
        let name = format!("`{}`", option.name);
        let (first, second) = if with_env_only { (&env, &name) } else { (&name, &env) };
        out.push_str(&format!("| {first} | {second} | {doc} | {default} |\n"));
    }
    out
}

/// The text between `<!-- begin NAME -->` and `<!-- end NAME -->` of `file` must be
/// `expected`; `KIKET_UPDATE_SNAPSHOTS=1` rewrites it.
fn section_matches(file: &str, name: &str, expected: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = (format!("<!-- begin {name} -->\n"), format!("<!-- end {name} -->"));
    let start = text.find(&begin).unwrap_or_else(|| panic!("{file} has no {begin:?}")) + begin.len();
    let stop = start + text[start..].find(&end).unwrap_or_else(|| panic!("{file} has no {end:?}"));
    if &text[start..stop] == expected {
        return;
    }
    if std::env::var("KIKET_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, format!("{}{expected}{}", &text[..start], &text[stop..])).unwrap();
        return;
    }
    panic!(
        "{file}'s {name} table does not match the options declared in kiket-sdk/src/config/options.rs; \
         run: KIKET_UPDATE_SNAPSHOTS=1 cargo test -p kiket --test single_source\n--- expected\n{expected}"
    );
}

#[test]
fn the_configuration_tables_are_the_declared_options() {
    section_matches("README.md", "environment", &options_table(true));
    section_matches("docs/configuration.md", "options", &options_table(false));
}

/// The builder keeps options nowhere but in the table's storage: a field added beside it would
/// be an option without a row.
#[test]
fn the_builder_keeps_every_option_in_the_table() {
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("kiket-sdk/src/config/builder.rs")).unwrap();
    let start = source.find("pub struct ConfigBuilder {").expect("ConfigBuilder is declared in builder.rs");
    let body = &source[start..start + source[start..].find("\n}").unwrap()];
    let fields: Vec<&str> = body
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|line| !line.starts_with("//") && !line.is_empty())
        .filter_map(|line| line.split(':').next()?.split_whitespace().last())
        .collect();
    assert_eq!(fields, ["options", "env"], "ConfigBuilder's fields: every option is a row of the table in options.rs");
    assert!(kiket::sdk::config::OPTIONS.len() >= 40, "the table lists every option");
}

/// Variables named like configuration that are not options: the `KIKET_SECRET_<NAME>` family
/// of settings, and the project's own test, CI and build variables.
const NOT_OPTIONS: &[(&str, &str)] = &[
    ("KIKET_SECRET_", "prefix of secret settings (`KIKET_SECRET_<NAME>`)"),
    ("KIKET_UPDATE_SNAPSHOTS", "tests: rewrite the checked snapshots"),
    ("KIKET_REQUIRE_ADVISORIES", "CI: fail when the advisory database cannot be fetched"),
    ("KIKET_API_SPEC_VERSION", "set by kiket-client's build script"),
    ("KIKET_TEST_ROLE", "tests/scale_out.rs: a replica process's part"),
    ("KIKET_DOC_EXAMPLE_UNSET", "a doc example's variable that must not exist"),
    ("KIKET_BENCH_PAIRED", "the load benchmark's internal switch"),
];

/// Every `KIKET_*` name in the documentation, the docs of the code, the templates and the
/// examples is an option's environment variable (or one of [`NOT_OPTIONS`]): a renamed or
/// misspelt variable in a doc (`KIKET_API_BASE_URL`) fails here.
#[test]
fn every_kiket_variable_in_the_docs_is_an_option() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options: Vec<&str> = kiket::sdk::config::OPTIONS.iter().flat_map(|o| o.env.iter().copied()).collect();
    let mut files = Vec::new();
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if !["target", ".git", "fuzz", "benches"].contains(&name.as_str()) {
                    walk(&path, files);
                }
            } else if [".rs", ".md", ".tmpl", ".yaml", ".yml", "run"].iter().any(|ext| name.ends_with(ext)) {
                files.push(path);
            }
        }
    }
    walk(root, &mut files);
    // This file names a drifted variable on purpose (the doc above).
    files.retain(|f| !f.ends_with("tests/single_source.rs"));
    let mut unknown = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("KIKET_") {
            let name: String =
                rest[at..].chars().take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_').collect();
            rest = &rest[at + name.len().max(1)..];
            // `KIKET_*` names the family, not a variable.
            let known = name == "KIKET_"
                || options.contains(&name.as_str())
                || NOT_OPTIONS
                    .iter()
                    .any(|(other, _)| name == *other || (other.ends_with('_') && name.starts_with(other)));
            if !known {
                unknown.push(format!("{}: {name}", file.strip_prefix(root).unwrap_or(file).display()));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "variables that are no option (declare them in kiket-sdk/src/config/options.rs):\n{}",
        unknown.join("\n")
    );
}
