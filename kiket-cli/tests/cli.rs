//! The `kiket` binary against a real server on loopback: output and exit codes.

use kiket::prelude::*;
use kiket::sdk::testing::TestServer;
use serde_json::{json, Value};
use std::process::{Command, Output};

const SECRET: &str = "whsec_cli";

fn kiket(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kiket"))
        .args(args)
        .env_remove("KIKET_WEBHOOK_SECRET")
        .output()
        .expect("the CLI runs")
}

async fn kiket_async(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || kiket(&args.iter().map(String::as_str).collect::<Vec<_>>())).await.unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

async fn server() -> TestServer {
    let router = Router::new().issue_created_v1(|p: IssueCreatedV1, _c: HandlerContext| async move {
        Ok(Reply::json(json!({"title": p.issue.title})))
    });
    let config = Config::builder().webhook_secret(SECRET).build().unwrap();
    TestServer::start(Extension::new(router, config).unwrap()).await.unwrap()
}

#[tokio::test]
async fn send_signs_and_posts_a_sample_and_prints_status_and_body() {
    let server = server().await;
    let out = kiket_async(vec![
        "send".into(),
        "issue.created".into(),
        "--version".into(),
        "v1".into(),
        "--url".into(),
        server.url(),
        "--secret".into(),
        SECRET.into(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("200"));
    assert_eq!(serde_json::from_str::<Value>(lines.next().unwrap()).unwrap(), json!({"title": "Example title"}));
    assert!(text(&out.stderr).contains("/webhooks/issue.created"));
}

#[tokio::test]
async fn send_with_a_file_and_a_bad_secret_exits_non_zero_with_the_servers_message() {
    let server = server().await;
    let file = std::env::temp_dir().join(format!("kiket-cli-{}.json", std::process::id()));
    std::fs::write(&file, r#"{"issue": {"id": 5, "title": "From a file"}}"#).unwrap();
    let path = file.to_string_lossy().into_owned();
    let ok = kiket_async(vec![
        "send".into(),
        "issue.created".into(),
        "--file".into(),
        path.clone(),
        "--url".into(),
        server.url(),
        "--secret".into(),
        SECRET.into(),
    ])
    .await;
    assert_eq!(ok.status.code(), Some(0));
    assert!(text(&ok.stdout).contains("From a file"));

    let bad = kiket_async(vec![
        "send".into(),
        "issue.created".into(),
        "--file".into(),
        path,
        "--url".into(),
        server.url(),
        "--secret".into(),
        "wrong".into(),
    ])
    .await;
    assert_eq!(bad.status.code(), Some(1));
    assert!(text(&bad.stdout).starts_with("401\n"), "{}", text(&bad.stdout));
    assert!(text(&bad.stdout).contains("signature does not match the request body"));
    assert!(text(&bad.stderr).contains("401"));
    let _ = std::fs::remove_file(file);
}

#[test]
fn unreachable_servers_missing_secrets_and_bad_usage_have_their_own_exit_codes() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("http://127.0.0.1:{port}");
    let out = kiket(&["send", "issue.created", "--url", &url, "--secret", "s"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("could not reach"));
    // No secret: the published development secret, said so (a development-mode server takes it).
    let out = kiket(&["send", "issue.created", "--url", &url]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("signing with the published development secret"), "{}", text(&out.stderr));
    let out = kiket(&["launch"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("unrecognized subcommand 'launch'") && stderr.contains("--help"), "{stderr}");
    assert!(!stderr.contains("kiket queue"), "a short error pointing at --help, not the whole usage: {stderr}");
    let out = kiket(&["sample", "issue.exploded"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("not in the catalog"));
}

#[test]
fn help_and_version_at_every_level() {
    let out = kiket(&["send", "--help"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let help = text(&out.stdout);
    assert!(
        help.contains("--version <VERSION>") && help.contains("--secret <SECRET>") && help.contains("<EVENT>"),
        "{help}"
    );
    for command in ["sample", "sign", "manifest", "events", "spec", "new", "queue", "completions"] {
        let out = kiket(&[command, "--help"]);
        assert_eq!(out.status.code(), Some(0), "{command} --help: {}", text(&out.stderr));
        assert!(text(&out.stdout).contains("Usage: kiket"), "{command}");
    }
    let out = kiket(&["--version"]);
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(0), format!("kiket {}\n", env!("CARGO_PKG_VERSION"))));
}

#[test]
fn mistyped_commands_and_events_get_a_suggestion() {
    let out = kiket(&["sampel", "issue.created"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("similar subcommand") && stderr.contains("'sample'"), "{stderr}");
    assert!(!stderr.contains("Commands:"), "the whole usage is not reprinted: {stderr}");
    let out = kiket(&["sample", "issue.creatd"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("did you mean issue.created?"), "{}", text(&out.stderr));
    let out = kiket(&["sample", "issue.created", "--version", "v7"]);
    assert!(text(&out.stderr).contains("issue.created has v1, v2"), "{}", text(&out.stderr));
}

#[test]
fn a_bare_version_number_works_like_its_label() {
    let bare = kiket(&["sample", "issue.created", "--version", "2"]);
    let label = kiket(&["sample", "issue.created", "--version", "v2"]);
    assert_eq!(bare.status.code(), Some(0), "{}", text(&bare.stderr));
    assert_eq!(bare.stdout, label.stdout);
}

#[test]
fn missing_paths_are_named() {
    let out = kiket(&["spec", "diff", "/nonexistent/old-schemas", concat!(env!("CARGO_MANIFEST_DIR"), "/../schemas")]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("/nonexistent/old-schemas does not exist"), "{}", text(&out.stderr));
    let out = kiket(&["manifest", "check", "/nonexistent/extension.yaml"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(text(&out.stderr).contains("/nonexistent/extension.yaml does not exist"), "{}", text(&out.stderr));
}

#[test]
fn completions_for_a_shell() {
    let out = kiket(&["completions", "bash"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("_kiket") && text(&out.stdout).contains("dead-letters"));
    let out = kiket(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn sample_prints_a_payload_that_decodes() {
    let out = kiket(&["sample", "issue.created", "--version", "v2"]);
    assert_eq!(out.status.code(), Some(0));
    let sample: Value = serde_json::from_slice(&out.stdout).unwrap();
    let decoded = Event::decode("issue.created", "v2", &serde_json::to_vec(&sample).unwrap()).unwrap().unwrap();
    assert_eq!(decoded.name(), "issue.created");
}

#[test]
fn sign_prints_the_headers_the_platform_sends() {
    let file = std::env::temp_dir().join(format!("kiket-sign-{}.json", std::process::id()));
    std::fs::write(&file, br#"{"issue":{"id":1}}"#).unwrap();
    let out =
        kiket(&["sign", "--secret", "whsec_test", "--timestamp", "1700000000", "--file", &file.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stdout),
        "X-Kiket-Timestamp: 1700000000\nX-Kiket-Signature: 936aa905003523f376417bb8d09122fc3b493a58bec1094a96592e2a64b94ccf\n"
    );
    let _ = std::fs::remove_file(file);
}

#[test]
fn manifest_check_prints_the_resolved_config_without_secrets() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/manifests/flat.yaml");
    let out = kiket(&["manifest", "check", manifest]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let resolved: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(resolved["extension_id"], "com.example.marketing");
    assert_eq!(resolved["settings"]["crm.apiKey"], "[redacted]");
    assert!(!text(&out.stdout).contains("whsec_from_manifest") && !text(&out.stdout).contains("crm-default-key"));

    let broken = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/manifests/wrong_type.yaml");
    let out = kiket(&["manifest", "check", broken]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("wrong_type.yaml:5:")
            && text(&out.stderr).contains("configuration.properties.crm.apiKey.secret"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn manifest_check_names_typos_with_a_suggestion() {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/manifests/typos.yaml");
    let out = kiket(&["manifest", "check", manifest]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "warnings, not a failure: {stderr}");
    assert!(stderr.contains("warning: unknown key `configuraton`: did you mean `configuration`?"), "{stderr}");
    assert!(
        stderr.contains("warning: event `issue.creatd` is not catalogued: did you mean `issue.created`?"),
        "{stderr}"
    );
    assert!(stderr.contains("manifest OK (2 warnings)"), "{stderr}");
}

#[test]
fn manifest_check_on_the_1x_example_lists_what_it_declares() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/pager");
    let out = Command::new(env!("CARGO_BIN_EXE_kiket"))
        .args(["manifest", "check"])
        .current_dir(dir)
        .env("PAGER_WEBHOOK_SECRET", "whsec_pager")
        .env_remove("KIKET_SECRET_PAGER_API_KEY")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let resolved: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(resolved["extension_id"], "com.example.pager");
    assert_eq!(resolved["settings"]["MAX_PAGES_PER_HOUR"], 30, "typed: {resolved}");
    for line in [
        "declared events: case.assigned, case.created, external.webhook.pager_ack, pager.testPage, pager.workflowAction.page, workflow.sla_breach",
        "hook case.created: 2000 ms (inline handlers cut off at 1800 ms), 1 retry",
        "hook workflow.sla_breach: 8000 ms (inline handlers cut off at 7200 ms), 2 retries",
        "command pager.testPage → event pager.testPage",
        "workflow action page_oncall → event pager.workflowAction.page (service: string (required), urgency: string, repeat: integer)",
        "setting MAX_PAGES_PER_HOUR: integer, default 30",
        "setting PAGER_REGION: string, default \"eu\"",
        "setting PAGER_API_KEY: string, no default secret required",
        "warning: required setting `PAGER_API_KEY` has no value here",
        "manifest OK (1 warnings)",
    ] {
        assert!(stderr.contains(line), "missing `{line}` in:\n{stderr}");
    }
    // Without the secret's variable: the error names it and its line.
    let out = Command::new(env!("CARGO_BIN_EXE_kiket"))
        .args(["manifest", "check"])
        .current_dir(dir)
        .env_remove("PAGER_WEBHOOK_SECRET")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(
            ".kiket/manifest.yaml:12: `callback.secret` references the environment variable PAGER_WEBHOOK_SECRET"
        ),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn events_lists_the_catalog() {
    let out = kiket(&["events"]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), Event::CATALOG.len());
    assert!(stdout
        .lines()
        .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["issue.created", "v2", "IssueCreatedV2"]));
}
