//! The 1.x manifest (`.kiket/manifest.yaml`, PROTOCOL §9.1) on the §9.4 example
//! (`tests/fixtures/pager/`): discovery, every field read, the three reference forms, the
//! unset-variable error with its line, typed defaults and their precedence, required settings
//! reported (never a start-up error), hook timeouts as their events' deadlines, drift between
//! the example and a router warned about.

mod support;

use kiket::prelude::*;
use kiket::sdk::manifest::{self, ManifestError};
use kiket::sdk::testing::{SignedRequest, TestClient, TestContext, TestServer};
use kiket::sdk::{ConfigError, Drift};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::env;

fn pager() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pager")
}

/// A scratch directory holding a copy of the example, plus whatever `extra` files.
fn scratch(name: &str, extra: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kiket-manifest-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".kiket")).unwrap();
    std::fs::copy(pager().join(".kiket/manifest.yaml"), dir.join(".kiket/manifest.yaml")).unwrap();
    for (file, text) in extra {
        std::fs::write(dir.join(file), text).unwrap();
    }
    dir
}

#[test]
fn discovery_looks_in_dot_kiket_first() {
    let dir = scratch("discovery", &[("extension.yaml", "id: com.example.older\n")]);
    assert_eq!(manifest::discover(&dir), Some(dir.join(".kiket/manifest.yaml")), "`.kiket/` wins over extension.yaml");
    let config = Config::builder()
        .discover_manifest(&dir)
        .with_env_from(env(&[("PAGER_WEBHOOK_SECRET", "whsec_pager")]))
        .build()
        .unwrap();
    let loaded = config.manifest().expect("the manifest is readable from Config");
    assert_eq!(loaded.source.as_deref(), Some(dir.join(".kiket/manifest.yaml").as_path()));
    assert_eq!(config.extension_id(), Some("com.example.pager"));
    std::fs::remove_file(dir.join(".kiket/manifest.yaml")).unwrap();
    assert_eq!(manifest::discover(&dir), Some(dir.join("extension.yaml")), "then the older names");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_field_of_the_example_is_read_and_unknown_ones_are_kept() {
    let m = manifest::load(&pager().join(".kiket/manifest.yaml")).unwrap();
    assert_eq!(m.model_version.as_deref(), Some("1.0"));
    assert_eq!((m.sdk.as_deref(), m.api_version.as_deref()), (Some("rust"), Some("v1")));
    assert!(matches!(&m.delivery, Some(kiket::sdk::manifest::Delivery::Type(kind)) if kind == "http"));
    let callback = m.callback.as_ref().unwrap();
    assert_eq!(
        (callback.url.as_deref(), callback.timeout, callback.required),
        (Some("${EXTENSION_BASE_URL}"), Some(30000), Some(true))
    );
    assert_eq!(
        m.activation_events,
        ["case.created", "case.assigned", "workflow.sla_breach", "external.webhook.pager_ack"]
    );
    assert_eq!(m.permissions, ["issues:read", "notifications:write"]);
    assert_eq!(m.hook("case.created").map(|h| (h.timeout, h.retries)), Some((Some(2000), Some(1))));
    let contributes = m.contributes.as_ref().unwrap();
    assert_eq!(contributes.commands[0].handler.as_ref().unwrap().event.as_deref(), Some("pager.testPage"));
    let action = &contributes.workflow_actions[0];
    assert_eq!(action.id, "page_oncall");
    let parameters: Vec<(&str, Option<&str>, bool)> =
        action.parameters.iter().map(|p| (p.key.as_str(), p.kind.as_deref(), p.required)).collect();
    assert_eq!(
        parameters,
        [("service", Some("string"), true), ("urgency", Some("string"), false), ("repeat", Some("integer"), false)]
    );
    let settings = &m.configuration.as_ref().unwrap().properties;
    assert_eq!(settings.keys().collect::<Vec<_>>(), ["DRY_RUN", "MAX_PAGES_PER_HOUR", "PAGER_API_KEY", "PAGER_REGION"]);
    assert_eq!(settings["MAX_PAGES_PER_HOUR"].typed_default(), Ok(Some(json!(30))));
    assert_eq!(settings["DRY_RUN"].typed_default(), Ok(Some(json!(false))));
    assert!(settings["PAGER_API_KEY"].secret && settings["PAGER_API_KEY"].required);
    assert_eq!(m.extra["future_field"], json!({"kept": true}), "unknown keys are data");
    assert_eq!(
        m.declared_events(),
        [
            "case.assigned",
            "case.created",
            "external.webhook.pager_ack",
            "pager.testPage",
            "pager.workflowAction.page",
            "workflow.sla_breach"
        ]
    );
    assert!(m.problems().is_empty(), "{:?}", m.problems());
}

#[test]
fn the_three_reference_forms_name_the_same_variable() {
    let var = env(&[("PAGER_WEBHOOK_SECRET", "whsec_pager"), ("EXTENSION_BASE_URL", "https://pager.example.com")]);
    for form in ["env.PAGER_WEBHOOK_SECRET", "env:PAGER_WEBHOOK_SECRET", "${PAGER_WEBHOOK_SECRET}"] {
        let text = format!("model_version: \"1.0\"\nextension:\n  delivery: http\n  callback:\n    secret: {form}\n");
        let m = manifest::parse(&text, Path::new("m.yaml")).unwrap();
        assert_eq!(m.webhook_secret(&var).unwrap().as_deref(), Some("whsec_pager"), "{form}");
    }
    assert_eq!(
        manifest::resolve_references("${EXTENSION_BASE_URL}/webhooks", &var).as_deref(),
        Ok("https://pager.example.com/webhooks")
    );
    // A secret setting's default may reference a variable too, in any form.
    let text = "extension:\n  callback: {secret: whsec_x}\n  configuration:\n    PAGER_API_KEY: {type: string, secret: true, default: \"env:PAGER_KEY_SOURCE\"}\n";
    let config = Config::builder()
        .manifest(manifest::parse(text, Path::new("m.yaml")).unwrap())
        .with_env_from(env(&[("PAGER_KEY_SOURCE", "pk_live_1")]))
        .build()
        .unwrap();
    assert_eq!(config.settings().secret("PAGER_API_KEY").unwrap().expose(), "pk_live_1");
}

#[test]
fn an_unset_secret_variable_is_a_startup_error_naming_it_and_its_line() {
    let path = pager().join(".kiket/manifest.yaml");
    let err = Config::builder().manifest_path(&path).with_env_from(env(&[])).build().unwrap_err();
    let expected = format!(
        "{}:12: `callback.secret` references the environment variable PAGER_WEBHOOK_SECRET, which is not set: set it, or put the value in the manifest",
        path.display()
    );
    assert_eq!(err.to_string(), expected);
    assert!(matches!(err, ConfigError::Manifest(ManifestError::UnsetVariable { line: Some(12), .. })));
    // What `main` prints: the same message, no `Debug` struct.
    assert_eq!(format!("{err:?}"), expected);
    // In development mode the published development secret stands in.
    let development = Config::builder().manifest_path(&path).with_env_from(env(&[("KIKET_ENV", "development")]));
    assert!(development.build().unwrap().describe()["verification"].as_str().unwrap().contains("DEVELOPMENT"));
    // A secret setting's default referencing an unset variable: the same, with its own line.
    let text = "extension:\n  callback: {secret: whsec_x}\n  configuration:\n    PAGER_API_KEY:\n      secret: true\n      default: ${PAGER_KEY_SOURCE}\n";
    let dir = scratch("unset-setting", &[]);
    std::fs::write(dir.join(".kiket/manifest.yaml"), text).unwrap();
    let err = Config::builder().discover_manifest(&dir).with_env_from(env(&[])).build().unwrap_err().to_string();
    assert!(err.ends_with(":6: `configuration.PAGER_API_KEY.default` references the environment variable PAGER_KEY_SOURCE, which is not set: set it, or put the value in the manifest"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_default_that_does_not_fit_its_type_fails_with_file_line_and_field() {
    let dir = scratch("bad-default", &[]);
    let text = "model_version: \"1.0\"\nextension:\n  configuration:\n    SMTP_HOST: {type: string}\n    SMTP_PORT: {type: integer, default: \"five-eight-seven\"}\n";
    std::fs::write(dir.join(".kiket/manifest.yaml"), text).unwrap();
    let err = manifest::load(&dir.join(".kiket/manifest.yaml")).unwrap_err().to_string();
    assert!(
        err.contains("manifest.yaml:5:1 at `configuration.SMTP_PORT.default`: `five-eight-seven` is not an integer"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Typed settings, read by a handler: the delivery's value, then the environment, then the
/// manifest's default; a clear error naming the key otherwise.
#[tokio::test]
async fn handlers_read_settings_typed_with_the_deliverys_value_first() {
    let config = |vars: &[(&str, &str)]| {
        let mut all = vec![("PAGER_WEBHOOK_SECRET", "whsec_pager")];
        all.extend_from_slice(vars);
        Config::builder().manifest_path(pager().join(".kiket/manifest.yaml")).with_env_from(env(&all)).build().unwrap()
    };
    let read = |ctx: &kiket::sdk::HandlerContext| {
        json!({
            "max": ctx.setting::<u32>("MAX_PAGES_PER_HOUR").map_err(|e| e.to_string()),
            "dry_run": ctx.setting::<bool>("DRY_RUN").map_err(|e| e.to_string()),
            "region": ctx.setting::<String>("PAGER_REGION").map_err(|e| e.to_string()),
            "key": ctx.setting::<String>("PAGER_API_KEY").map_err(|e| e.to_string()),
        })
    };
    // The manifest's defaults, typed.
    let defaults = TestContext::new("case.created", "v1").settings(config(&[]).settings().clone()).build();
    let seen = read(&defaults);
    assert_eq!(
        (&seen["max"], &seen["dry_run"], &seen["region"]),
        (&json!({"Ok": 30}), &json!({"Ok": false}), &json!({"Ok": "eu"}))
    );
    let missing = seen["key"]["Err"].as_str().unwrap();
    assert!(
        missing.contains("setting `PAGER_API_KEY` is not set") && missing.contains("secrets.PAGER_API_KEY"),
        "{missing}"
    );
    // The environment over the default.
    let from_env = config(&[("MAX_PAGES_PER_HOUR", "12"), ("KIKET_SECRET_PAGER_API_KEY", "pk_env")]);
    let ctx = TestContext::new("case.created", "v1").settings(from_env.settings().clone()).build();
    assert_eq!((read(&ctx)["max"].clone(), read(&ctx)["key"].clone()), (json!({"Ok": 12}), json!({"Ok": "pk_env"})));
    // The delivery's value over both, typed by the declaration; an unparsable one names the key only.
    let ctx = TestContext::new("case.created", "v1")
        .settings(from_env.settings().clone())
        .payload_secret("MAX_PAGES_PER_HOUR", "7")
        .payload_secret("DRY_RUN", "true")
        .payload_secret("PAGER_API_KEY", "pk_org")
        .build();
    let seen = read(&ctx);
    assert_eq!(
        (&seen["max"], &seen["dry_run"], &seen["key"]),
        (&json!({"Ok": 7}), &json!({"Ok": true}), &json!({"Ok": "pk_org"}))
    );
    let ctx = TestContext::new("case.created", "v1")
        .settings(from_env.settings().clone())
        .payload_secret("DRY_RUN", "maybe-later")
        .build();
    let err = ctx.setting::<bool>("DRY_RUN").unwrap_err().to_string();
    assert!(err.contains("`DRY_RUN`") && !err.contains("maybe-later"), "{err}");
    // An unparsable environment value fails at start-up, naming the key.
    let err = Config::builder()
        .manifest_path(pager().join(".kiket/manifest.yaml"))
        .with_env_from(env(&[("PAGER_WEBHOOK_SECRET", "whsec_pager"), ("MAX_PAGES_PER_HOUR", "lots")]))
        .build()
        .unwrap_err()
        .to_string();
    assert!(err.contains("setting `MAX_PAGES_PER_HOUR` is not a valid integer"), "{err}");
}

/// A required setting without a value is reported, never a start-up error: its value arrives
/// with each delivery.
#[tokio::test]
async fn required_settings_are_reported_and_the_extension_still_starts() {
    let (captured, _guard) = support::Captured::install(tracing::Level::WARN);
    let config = Config::builder()
        .manifest_path(pager().join(".kiket/manifest.yaml"))
        .with_env_from(env(&[("PAGER_WEBHOOK_SECRET", "whsec_pager")]))
        .build()
        .expect("a required setting without a value is not an error");
    assert_eq!(config.settings().unset_required(), ["PAGER_API_KEY"]);
    let router = Router::new().raw("case.created", "v1", |_p: Value, ctx: HandlerContext| async move {
        let key: String = ctx.setting("PAGER_API_KEY")?;
        Ok(Reply::json(json!({"key_length": key.len()})))
    });
    let extension = Extension::new(router, config).unwrap();
    let logs = captured.text();
    assert!(
        logs.contains("a required setting has no value at start-up") && logs.contains("setting=PAGER_API_KEY"),
        "{logs}"
    );
    // The organisation's value arrives with the delivery.
    let client = TestClient::new(extension.into_router());
    let body = json!({"case": {"id": 7}, "secrets": {"PAGER_API_KEY": "pk_org_123"}});
    let response = client.send(&SignedRequest::new("case.created", "v1", &body).secret("whsec_pager")).await;
    assert_eq!(response.status, 200, "{:?}", response.body);
    assert_eq!(response.body["key_length"], 10);
}

/// What the deadline test's handlers saw: (event, time left when it started, finished).
type Seen = Arc<Mutex<Vec<(String, Duration, bool)>>>;

/// A raw handler that notes the time it has left, sleeps `sleep`, then notes it finished.
fn sleeper(sleep: Duration, seen: &Seen) -> impl kiket::sdk::Handler<Value> {
    let seen = seen.clone();
    move |_p: Value, ctx: HandlerContext| {
        let seen = seen.clone();
        async move {
            let event = ctx.delivery().event().to_owned();
            seen.lock().unwrap().push((event.clone(), ctx.delivery().remaining(), false));
            tokio::time::sleep(sleep).await;
            seen.lock().unwrap().push((event, Duration::ZERO, true));
            Ok(Reply::ok())
        }
    }
}

fn pager_config(handler_timeout: Duration) -> Config {
    Config::builder()
        .manifest_path(pager().join(".kiket/manifest.yaml"))
        .with_env_from(env(&[("PAGER_WEBHOOK_SECRET", "whsec_pager")]))
        .handler_timeout(handler_timeout)
        .telemetry_opt_out(true)
        .build()
        .unwrap()
}

fn signed(event: &str) -> SignedRequest {
    let now = support::now();
    // Each its own body: one signed body is one delivery (the replay guard's key).
    SignedRequest::new(event, "v1", &json!({"case": {"id": 7, "title": event}})).secret("whsec_pager").timestamp(now)
}

/// `(status, Retry-After, seconds taken)` of `request` posted to `server`.
async fn timed_post(server: &TestServer, request: SignedRequest) -> (u16, Option<String>, f64) {
    let started = Instant::now();
    let response = support::post_signed(&reqwest::Client::new(), &server.url(), &request).await;
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
    (response.status().as_u16(), retry_after, started.elapsed().as_secs_f64())
}

fn started(seen: &Seen, event: &str) -> Duration {
    seen.lock()
        .unwrap()
        .iter()
        .find(|(e, _, done)| e == event && !done)
        .map(|(_, left, _)| *left)
        .expect("the handler ran")
}

fn finished(seen: &Seen, event: &str) -> bool {
    seen.lock().unwrap().iter().any(|(e, _, done)| e == event && *done)
}

/// `hooks[].timeout` (PROTOCOL §9.1) is the platform's deadline for its event: the inline
/// handler of `case.created` (hook 2,000 ms) is cut off at 1.8 s and answered 503 with
/// `Retry-After`, while `case.assigned` (no hook) keeps the configured handler timeout and
/// `workflow.sla_breach`'s own `.timeout(..)` wins over its hook's 8 s. On a real server.
#[tokio::test]
async fn a_hooks_timeout_is_the_deadline_of_its_events_inline_handler_and_others_keep_theirs() {
    let seen = Seen::default();
    let router = Router::new()
        .raw("case.created", "v1", sleeper(Duration::from_millis(2_500), &seen))
        .raw("case.assigned", "v1", sleeper(Duration::from_millis(2_500), &seen))
        .raw("workflow.sla_breach", "v1", sleeper(Duration::from_secs(5), &seen))
        .timeout(Duration::from_millis(600));
    let server =
        TestServer::start(Extension::new(router, pager_config(Duration::from_secs(4))).unwrap()).await.unwrap();

    let (created, assigned, breach) = tokio::join!(
        timed_post(&server, signed("case.created")),
        timed_post(&server, signed("case.assigned")),
        timed_post(&server, signed("workflow.sla_breach")),
    );
    let (status, retry_after, took) = created;
    assert_eq!((status, retry_after.as_deref()), (503, Some("5")), "the hook's deadline passed");
    assert!((1.7..2.4).contains(&took), "answered at the hook's deadline (1.8 s), took {took:.2} s");
    assert!(started(&seen, "case.created") <= Duration::from_millis(1_800), "ctx.delivery() shows the hook's deadline");

    let (status, retry_after, took) = assigned;
    assert_eq!((status, retry_after), (200, None), "no hook: the handler timeout (4 s) outlasts its 2.5 s");
    assert!(took >= 2.4, "it ran to the end: {took:.2} s");
    let left = started(&seen, "case.assigned");
    assert!(left > Duration::from_millis(3_500) && left <= Duration::from_secs(4), "{left:?}");

    let (status, _, took) = breach;
    assert_eq!(status, 503);
    assert!((0.5..1.2).contains(&took), "the route's own 600 ms, not its hook's 7.2 s: {took:.2} s");

    // The cut-off runs were dropped, not left running: neither finished after the others did.
    assert!(finished(&seen, "case.assigned"));
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!finished(&seen, "case.created") && !finished(&seen, "workflow.sla_breach"), "{:?}", seen.lock().unwrap());
}

/// A deferred route is answered at once, so its hook's deadline does not bound its worker:
/// the worker runs under the handler timeout.
#[tokio::test]
async fn a_deferred_handler_is_not_bound_by_its_events_hook() {
    let seen = Seen::default();
    let router = Router::new().raw("case.created", "v1", sleeper(Duration::from_millis(2_500), &seen)).deferred();
    let server =
        TestServer::start(Extension::new(router, pager_config(Duration::from_secs(4))).unwrap()).await.unwrap();
    let (status, _, took) = timed_post(&server, signed("case.created")).await;
    assert_eq!(status, 202);
    assert!(took < 1.0, "{took:.2} s");
    for _ in 0..100 {
        if finished(&seen, "case.created") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(finished(&seen, "case.created"), "the worker's run outlasted the hook's 1.8 s: {:?}", seen.lock().unwrap());
    assert!(started(&seen, "case.created") > Duration::from_millis(3_500), "the handler timeout, not the hook's");
    // `.timeout(..)` on a deferred route is refused, saying why.
    let router = Router::new()
        .raw("case.created", "v1", sleeper(Duration::ZERO, &seen))
        .deferred()
        .timeout(Duration::from_secs(1));
    let error = Extension::new(router, pager_config(Duration::from_secs(4))).unwrap_err().to_string();
    assert!(error.contains("deferred routes with a timeout (case.created@v1)"), "{error}");
}

/// PROTOCOL §9.4's example against a router that misses one declared event
/// (`workflow.sla_breach`) and has one undeclared handler (`case.commented`): one warning
/// each, and none for what agrees (the external webhooks' route covers
/// `external.webhook.pager_ack`, commands and workflow actions are declared events).
#[tokio::test]
async fn drift_between_the_example_and_a_router_is_one_warning_per_event() {
    let (captured, _guard) = support::Captured::install(tracing::Level::WARN);
    let noop = |_p: Value, _ctx: HandlerContext| async { Ok(()) };
    let router = Router::new()
        .raw("case.created", "v1", noop)
        .raw("case.assigned", "v1", noop)
        .raw("case.commented", "v1", noop)
        .raw("pager.testPage", "v1", noop)
        .raw("pager.workflowAction.page", "v1", noop)
        .external_webhooks(|_hook: ExternalWebhook, _ctx: HandlerContext| async { Ok(()) });
    let drift = Drift::between(&router, pager_config(Duration::from_secs(4)).manifest().unwrap());
    assert_eq!(
        (drift.unhandled, drift.undeclared),
        (vec!["workflow.sla_breach".to_owned()], vec!["case.commented".to_owned()])
    );
    let _extension = Extension::new(router, pager_config(Duration::from_secs(4))).expect("drift is a warning");
    let logs = captured.text();
    let warned = |needle: &str| logs.lines().filter(|line| line.contains(needle)).count();
    assert_eq!(warned("declares an event without a handler"), 1, "{logs}");
    assert_eq!(warned("is not declared in the manifest"), 1, "{logs}");
    assert_eq!(warned("event=workflow.sla_breach"), 1, "{logs}");
    assert_eq!(warned("event=case.commented"), 1, "{logs}");
    assert_eq!(warned("external.webhook"), 0, "{logs}");
}
