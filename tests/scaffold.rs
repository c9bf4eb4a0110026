//! `kiket new` scaffolds an extension crate whose own tests pass offline straight away, and
//! refuses a directory that is not empty.
//!
//! The scaffold's `cargo test` shares this workspace's target directory and lock file, so only
//! the kiket crates and the scaffold itself are compiled again, not the world.

use std::path::{Path, PathBuf};
use std::process::Command;

fn kiket() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kiket"))
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace().join("target"), PathBuf::from)
}

/// Outside the workspace: a crate under it would be taken for one of its members.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kiket-scaffold-{}", std::process::id())).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn run(command: &mut Command) -> (bool, String) {
    let output = command.output().expect("the command starts");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

#[test]
fn a_new_extension_passes_its_own_tests_offline() {
    let dir = scratch("hello-extension");
    let (ok, out) = run(kiket().arg("new").arg(&dir).arg("--kiket-path").arg(workspace()));
    assert!(ok, "{out}");
    for file in [
        "Cargo.toml",
        "extension.yaml",
        "src/main.rs",
        "src/handlers.rs",
        "tests/handlers.rs",
        "Dockerfile",
        ".gitignore",
        "README.md",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"hello-extension\"") && !manifest.contains("async-trait"), "{manifest}");
    let handlers = std::fs::read_to_string(dir.join("src/handlers.rs")).unwrap();
    assert!(handlers.contains("async fn handle") && !handlers.contains("async_trait"), "{handlers}");

    // The workspace's lock file pins the versions this build already compiled.
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let (ok, out) = run(Command::new(env!("CARGO"))
        .args(["test", "--offline", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS"));
    assert!(ok, "the scaffold's tests failed:\n{out}");
    assert!(out.contains("2 passed"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_directory_that_is_not_empty_is_refused() {
    let dir = scratch("occupied");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let (ok, out) = run(kiket().arg("new").arg(&dir));
    assert!(!ok && out.contains("is not empty"), "{out}");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "nothing was written");
    assert_eq!(std::fs::read_to_string(dir.join("notes.txt")).unwrap(), "mine");
    let (ok, out) = run(kiket().arg("new").arg(Path::new("/nonexistent-parent/9lives")));
    assert!(!ok && out.contains("must start with a letter"), "{out}");
}
