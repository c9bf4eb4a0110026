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
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
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
        ".kiket/manifest.yaml",
        "src/lib.rs",
        "src/main.rs",
        "tests/handlers.rs",
        "Dockerfile",
        ".dockerignore",
        ".gitignore",
        "README.md",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(manifest.contains("name = \"hello-extension\"") && !manifest.contains("async-trait"), "{manifest}");
    assert!(manifest.contains("serde = { version = \"1\", features = [\"derive\"] }"), "{manifest}");
    let tests = std::fs::read_to_string(dir.join("tests/handlers.rs")).unwrap();
    assert!(
        tests.contains("hello_extension::router()") && !tests.contains("#[path"),
        "the tests use the crate: {tests}"
    );
    let handlers = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
    assert!(handlers.contains("async fn handle") && !handlers.contains("async_trait"), "{handlers}");

    // The workspace's lock file pins the versions this build already compiled.
    std::fs::copy(workspace().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let (ok, out) = run(Command::new(env!("CARGO"))
        .args(["test", "--offline", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS"));
    assert!(ok, "the scaffold's tests failed:\n{out}");
    assert!(out.contains("3 passed"), "{out}");
    assert!(!out.contains("warning"), "the scaffold builds without warnings:\n{out}");
    readme_commands_run_offline(&dir);
    a_removed_handler_fails_the_drift_test(&dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The README's other two commands: `KIKET_ENV=development cargo run`, then `kiket send
/// case.created` from another terminal, answered 200 with nothing but loopback.
fn readme_commands_run_offline(dir: &Path) {
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    assert!(
        readme.contains("KIKET_ENV=development cargo run") && readme.contains("kiket send case.created"),
        "{readme}"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log = dir.join("server.log");
    let mut server = Command::new(env!("CARGO"))
        .args(["run", "--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("KIKET_ENV", "development")
        .env("PORT", port.to_string())
        .env("RUST_LOG", "info")
        .env_remove("KIKET_WEBHOOK_SECRET")
        .env_remove("KIKET_BASE_URL")
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(std::process::Stdio::inherit())
        .spawn()
        .expect("cargo run starts");
    let url = format!("http://127.0.0.1:{port}");
    let listening = (0..600).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(200));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    let sent = listening.then(|| {
        kiket().args(["send", "case.created", "--url", &url]).env_remove("KIKET_WEBHOOK_SECRET").output().unwrap()
    });
    let _ = server.kill();
    let _ = server.wait();
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(listening, "the server did not listen within 2 minutes:\n{logged}");
    let sent = sent.unwrap();
    let answer = String::from_utf8_lossy(&sent.stdout);
    assert_eq!(sent.status.code(), Some(0), "{answer}{}\n{logged}", String::from_utf8_lossy(&sent.stderr));
    assert!(answer.starts_with("200\n") && answer.contains("Thanks for the report: Example title"), "{answer}");
    assert!(logged.contains("DEVELOPMENT MODE") && logged.contains("kiket extension listening"), "{logged}");
    assert!(logged.contains("delivery handled") && logged.contains("case.created"), "a line per delivery: {logged}");
    assert!(logged.contains("the local mock of the Kiket API answered"), "the handler's API call: {logged}");
    assert!(!logged.contains('\u{1b}'), "no colour codes in a redirected log: {logged}");
    assert!(
        logged.contains(kiket::sdk::config::DEVELOPMENT_WEBHOOK_SECRET),
        "the development secret is printed: {logged}"
    );

    // JSON lines on request.
    let json = serve_briefly(dir, &[("KIKET_ENV", "development"), ("KIKET_LOG_FORMAT", "json")]);
    let line = json.lines().find(|l| l.contains("kiket extension listening")).unwrap_or_else(|| panic!("{json}"));
    let parsed: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    assert_eq!(parsed["fields"]["verification"], "hmac with a published DEVELOPMENT secret (loopback only)", "{line}");

    // Without development mode and without a secret: a readable error from `main`, not `Debug`.
    let output = Command::new(env!("CARGO"))
        .args(["run", "--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("KIKET_ENV")
        .env_remove("KIKET_WEBHOOK_SECRET")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains(
            "Error: ./.kiket/manifest.yaml:13: `callback.secret` references the environment variable \
             KIKET_WEBHOOK_SECRET, which is not set"
        ) && !stderr.contains("Config("),
        "{stderr}"
    );
}

/// The scaffold's drift test notices a handler taken out of `router()` while the manifest
/// still declares its event.
fn a_removed_handler_fails_the_drift_test(dir: &Path) {
    let lib = dir.join("src/lib.rs");
    let code = std::fs::read_to_string(&lib).unwrap();
    let registration = "Router::new().case_created_v1(OnCaseCreated)";
    assert!(code.contains(registration), "{code}");
    std::fs::write(&lib, code.replace(registration, "Router::new()")).unwrap();
    let (ok, out) = run(Command::new(env!("CARGO"))
        .args([
            "test",
            "--offline",
            "--quiet",
            "--test",
            "handlers",
            "the_router_handles_exactly_what_the_manifest_declares",
        ])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS"));
    assert!(!ok, "the drift test passed without the handler:\n{out}");
    assert!(out.contains("`case.created` is declared in the manifest but has no handler"), "{out}");
}

/// Starts the scaffold's server with `env` until it listens, stops it, and returns its log.
fn serve_briefly(dir: &Path, env: &[(&str, &str)]) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let log = dir.join("server-brief.log");
    let mut command = Command::new(env!("CARGO"));
    command
        .args(["run", "--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env("PORT", port.to_string())
        .env_remove("KIKET_WEBHOOK_SECRET")
        .env_remove("KIKET_BASE_URL")
        .stdout(std::fs::File::create(&log).unwrap());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut server = command.spawn().expect("cargo run starts");
    let _ = (0..300).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(200));
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    std::thread::sleep(std::time::Duration::from_millis(200));
    let _ = server.kill();
    let _ = server.wait();
    std::fs::read_to_string(&log).unwrap_or_default()
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
