//! Manifest discovery and parsing, configuration precedence, secret overlays, and that no
//! secret ever reaches `Debug` output or an error message.

mod support;

use kiket::prelude::*;
use kiket::sdk::manifest::{self, ManifestError};
use kiket::sdk::testing::{SignedRequest, TestServer};
use kiket::sdk::ConfigError;
use kiket::types::secret_env_name;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use support::env;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests").join(name)
}

#[test]
fn flat_manifest_resolves_every_field() {
    let config = Config::builder().manifest_path(fixture("flat.yaml")).with_env_from(env(&[])).build().unwrap();
    let manifest = config.manifest().unwrap();
    assert_eq!(config.extension_id(), Some("com.example.marketing"));
    assert_eq!(config.extension_version(), Some("2.1.0"));
    assert_eq!(manifest.name.as_deref(), Some("Marketing automation"));
    assert_eq!(manifest.events, ["issue.created", "workflow.sla_status"]);
    assert_eq!(manifest.scopes.as_ref().unwrap().write, ["custom_data.write"]);
    assert_eq!(manifest.custom_data.as_ref().unwrap().permissions[0].module, "com.example.crm.contacts");
    assert_eq!(manifest.actions[0].key, "sync_now");
    assert_eq!(manifest.extra["future_key"], json!({"kept": true}), "unknown keys are kept");
    assert_eq!(config.settings().get::<u32>("batch_size").unwrap(), Some(50));
    assert_eq!(config.settings().secret("crm.apiKey").unwrap().expose(), "crm-default-key");
    let described = config.describe();
    assert_eq!(described["verification"], "hmac", "delivery.callback.secret configures HMAC");
    assert_eq!(described["settings"]["crm.apiKey"], "[redacted]");
    assert_eq!(described["settings"]["region"], "eu");
}

#[test]
fn nested_manifest_with_env_references_and_the_secret_overlay() {
    assert_eq!(secret_env_name("webhook.token"), "KIKET_SECRET_WEBHOOK_TOKEN");
    let vars = env(&[
        ("NESTED_WEBHOOK_SECRET", "whsec_env"),
        ("GREETING_TEXT", "hello"),
        ("KIKET_SECRET_WEBHOOK_TOKEN", "tok-123"),
    ]);
    let config = Config::builder().manifest_path(fixture("nested.yaml")).with_env_from(vars).build().unwrap();
    assert_eq!(config.extension_id(), Some("com.example.nested"));
    assert_eq!(config.settings().require::<String>("greeting").unwrap(), "hello");
    assert_eq!(config.settings().secret("webhook.token").unwrap().expose(), "tok-123");
    assert!(!format!("{config:?}").contains("whsec_env"));

    // Explicit values beat the overlay.
    let vars = env(&[("NESTED_WEBHOOK_SECRET", "whsec_env"), ("KIKET_SECRET_WEBHOOK_TOKEN", "tok-123")]);
    let config = Config::builder()
        .manifest_path(fixture("nested.yaml"))
        .setting("webhook.token", "explicit")
        .with_env_from(vars)
        .build()
        .unwrap();
    assert_eq!(config.settings().secret("webhook.token").unwrap().expose(), "explicit");
}

/// Status of a delivery signed with `secret` to an extension built from `config`.
async fn status_with(config: kiket::sdk::ConfigBuilder, secret: &str) -> u16 {
    let router = Router::new()
        .issue_created_v1(|_p: IssueCreatedV1, _c: HandlerContext| async { Ok(Reply::ok()) })
        .ignore::<WorkflowSlaStatusV1>();
    let server = TestServer::start(Extension::new(router, config.build().unwrap()).unwrap()).await.unwrap();
    let request = SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": 1}})).secret(secret);
    request.send(&reqwest::Client::new(), &server.url()).await.unwrap().status().as_u16()
}

#[tokio::test]
async fn webhook_secret_precedence_is_builder_then_manifest_then_environment() {
    let env_secret = || env(&[("KIKET_WEBHOOK_SECRET", "whsec_env")]);
    let all_three = || {
        Config::builder().webhook_secret("whsec_code").manifest_path(fixture("flat.yaml")).with_env_from(env_secret())
    };
    assert_eq!(status_with(all_three(), "whsec_code").await, 200);
    assert_eq!(status_with(all_three(), "whsec_from_manifest").await, 401);
    assert_eq!(status_with(all_three(), "whsec_env").await, 401);

    let manifest_and_env = || Config::builder().manifest_path(fixture("flat.yaml")).with_env_from(env_secret());
    assert_eq!(status_with(manifest_and_env(), "whsec_from_manifest").await, 200);
    assert_eq!(status_with(manifest_and_env(), "whsec_env").await, 401);

    // `delivery: http` is a delivery type, not a secret: without the environment nothing verifies.
    let plain = fixture("delivery_type_only.yaml");
    let err = Config::builder().manifest_path(&plain).with_env_from(env(&[])).build().unwrap_err();
    assert_eq!(err, ConfigError::NoVerification);
    let env_only = Config::builder().manifest_path(&plain).with_env_from(env_secret());
    assert_eq!(status_with(env_only, "whsec_env").await, 200);
}

/// Not a start-up error since the 1.x manifest (PROTOCOL §9.1): per-organisation values arrive
/// with each delivery. Reported, and reading it says what sets it.
#[test]
fn required_settings_without_a_value_are_reported_saying_what_sets_them() {
    let vars = env(&[("NESTED_WEBHOOK_SECRET", "whsec_env")]);
    let config = Config::builder().manifest_path(fixture("nested.yaml")).with_env_from(vars).build().unwrap();
    assert_eq!(config.settings().unset_required(), ["webhook.token"]);
    assert_eq!(
        config.settings().require::<String>("webhook.token").unwrap_err().to_string(),
        "setting `webhook.token` is not set: it arrives with a delivery as `secrets.webhook.token`; or set `configuration.webhook.token.default` in the manifest, or the environment variable KIKET_SECRET_WEBHOOK_TOKEN, or pass it with ConfigBuilder::setting"
    );
}

#[test]
fn malformed_manifests_name_file_line_and_field() {
    let err = manifest::load(&fixture("malformed.yaml")).unwrap_err();
    let text = err.to_string();
    assert!(text.starts_with("invalid manifest ") && text.contains("malformed.yaml:6:"), "{text}");

    let err = manifest::load(&fixture("wrong_type.yaml")).unwrap_err();
    match &err {
        ManifestError::Invalid { location, field, .. } => {
            assert_eq!(field.as_deref(), Some("configuration.properties.crm.apiKey.secret"));
            assert_eq!(location.map(|(line, _)| line), Some(5));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("wrong_type.yaml:5:") && err.to_string().contains("expected a boolean"), "{err}");

    let missing = fixture("nope.yaml");
    let err = Config::builder().webhook_secret("s").manifest_path(&missing).build().unwrap_err();
    assert_eq!(err.to_string(), format!("manifest {} does not exist", missing.display()));
}

#[test]
fn discovery_takes_the_first_name_that_exists() {
    let dir = std::env::temp_dir().join(format!("kiket-discovery-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    assert_eq!(manifest::discover(&dir), None);
    let config = Config::builder().webhook_secret("s").discover_manifest(&dir).build().unwrap();
    assert!(config.manifest().is_none(), "no manifest is fine when discovering");
    std::fs::write(dir.join("manifest.yml"), "id: from.manifest.yml\n").unwrap();
    std::fs::write(dir.join("extension.yml"), "id: from.extension.yml\n").unwrap();
    let config = Config::builder().webhook_secret("s").discover_manifest(&dir).build().unwrap();
    assert_eq!(config.extension_id(), Some("from.extension.yml"));
    std::fs::write(dir.join("extension.yaml"), "id: from.extension.yaml\n").unwrap();
    assert_eq!(manifest::discover(&dir).unwrap().file_name().unwrap(), "extension.yaml");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn manifest_events_without_handlers_are_warned_at_startup_and_fatal_on_request() {
    let (captured, _guard) = support::Captured::install(tracing::Level::WARN);
    let config = Config::builder().manifest_path(fixture("flat.yaml")).build().unwrap();
    let declared = config.manifest().unwrap().declared_events();
    let router = Router::new().issue_created_v1(|_p: IssueCreatedV1, _c: HandlerContext| async { Ok(Reply::ok()) });
    let extension = Extension::new(router, config).expect("drift is a warning");
    let logs = captured.text();
    assert!(
        logs.contains("the manifest declares an event without a handler") && logs.contains("event=workflow.sla_status"),
        "{logs}"
    );
    assert!(!logs.contains("event=issue.created"), "{logs}");
    let err = extension.check_subscriptions(declared).unwrap_err();
    assert!(err.to_string().contains("workflow.sla_status"), "{err}");
}

/// Typos start, and are named with what was probably meant: in the start-up log and in
/// `kiket manifest check` (kiket-cli/tests/cli.rs). A handler the manifest does not declare
/// is drift, also warned.
#[test]
fn typos_in_the_manifest_and_the_router_are_warned_with_a_suggestion() {
    let (captured, _guard) = support::Captured::install(tracing::Level::WARN);
    let config = Config::builder().manifest_path(fixture("typos.yaml")).webhook_secret("whsec_t").build().unwrap();
    let router = Router::new()
        .issue_created_v1(|_p: IssueCreatedV1, _c: HandlerContext| async { Ok(Reply::ok()) })
        .raw("issue.creatd", "v1", |_p: Value, _c: HandlerContext| async { Ok(Reply::ok()) })
        .raw("crm.sync", "v1", |_p: Value, _c: HandlerContext| async { Ok(Reply::ok()) });
    Extension::new(router, config).expect("typos are warnings, not errors");
    let logs = captured.text();
    assert!(logs.contains("unknown key `configuraton`: did you mean `configuration`?"), "{logs}");
    assert!(logs.contains("event `issue.creatd` is not catalogued: did you mean `issue.created`?"), "{logs}");
    assert!(logs.contains("route=issue.creatd") && logs.contains("did you mean `issue.created`?"), "{logs}");
    assert!(
        !logs.contains("route=crm.sync"),
        "an event of the extension's own, far from any catalogued one, is fine: {logs}"
    );
    // … but the manifest does not declare it: drift, warned once.
    assert_eq!(logs.matches("a handler's event is not declared in the manifest").count(), 1, "{logs}");
    assert!(logs.contains("not declared in the manifest: the platform will not send it (declare it, or remove the handler) event=crm.sync"), "{logs}");
}

#[tokio::test]
async fn secrets_never_reach_debug_output_of_config_context_or_errors() {
    let vars = env(&[("KIKET_SECRET_CRM_APIKEY", "crm-overlay-secret"), ("KIKET_WORKSPACE_TOKEN", "wk-secret-token")]);
    let config = Config::builder().manifest_path(fixture("flat.yaml")).with_env_from(vars).build().unwrap();
    assert_eq!(config.settings().secret("crm.apiKey").unwrap().expose(), "crm-overlay-secret");
    let secrets = ["whsec_from_manifest", "crm-overlay-secret", "wk-secret-token", "payload-secret-value"];

    let printed_config = format!("{config:?} {:?} {}", config.settings(), config.describe());
    let router = Router::new()
        .issue_created_v1(|_p: IssueCreatedV1, ctx: HandlerContext| async move {
            let wrong: Result<u32, _> = ctx.settings().require("crm.apiKey");
            Ok(Reply::json(json!({"debug": format!("{ctx:?}"), "error": wrong.unwrap_err().to_string()})))
        })
        .workflow_sla_status_v1(|_p: WorkflowSlaStatusV1, _c: HandlerContext| async { Ok(Reply::ok()) });
    let server = TestServer::start(Extension::new(router, config).unwrap()).await.unwrap();
    let payload = json!({"issue": {"id": 1}, "secrets": {"TOKEN": "payload-secret-value"}});
    let request = SignedRequest::new("issue.created", "v1", &payload).secret("whsec_from_manifest");
    let body: Value = request.send(&reqwest::Client::new(), &server.url()).await.unwrap().json().await.unwrap();
    let printed_context = body.to_string();
    assert!(printed_context.contains("HandlerContext") && printed_context.contains("TOKEN"), "{printed_context}");
    for secret in secrets {
        assert!(!printed_config.contains(secret), "config output leaked {secret}");
        assert!(!printed_context.contains(secret), "context/error output leaked {secret}");
    }
}

#[cfg(feature = "json-schema")]
#[test]
fn committed_manifest_schemas_match_the_model() {
    for (file, schema) in [
        ("docs/extension-manifest.schema.json", manifest::json_schema()),
        ("docs/kiket-manifest-1.x.schema.json", manifest::json_schema_1x()),
    ] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let generated = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        if std::env::var_os("KIKET_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{file} is out of date; run: KIKET_UPDATE_SNAPSHOTS=1 cargo test -p kiket --all-features --test manifest_and_config"
        );
    }
    // The 1.x schema describes the §9.4 example: every key the example has (the model reads all
    // but the made-up `future_field`) is a property of the schema.
    let schema = manifest::json_schema_1x();
    let example =
        manifest::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pager/.kiket/manifest.yaml"))
            .unwrap();
    assert_eq!(example.extra.keys().collect::<Vec<_>>(), ["future_field"]);
    let written = serde_json::to_value(&example).unwrap();
    let defs = schema.get("$defs").or_else(|| schema.get("definitions")).expect("definitions");
    let properties = defs["Manifest"]["properties"].as_object().unwrap();
    for key in written.as_object().unwrap().keys().filter(|k| *k != "future_field") {
        assert!(properties.contains_key(key), "the 1.x schema lacks `{key}`");
    }
    assert!(schema["properties"]["model_version"].is_object() && schema["properties"]["extension"].is_object());
}
