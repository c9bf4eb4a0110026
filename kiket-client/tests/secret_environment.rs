//! `KIKET_SECRET_<KEY>` wins over the API. A binary of its own: it sets an environment
//! variable, which must not race another test reading the environment.

mod support;

use kiket_client::retry::RetryPolicy;
use serde_json::json;
use support::endpoints;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn the_environment_secret_wins_over_the_api() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/extensions/com.example%2Fext/secrets/sample.token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"key": "sample.token", "value": "from-the-api", "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-02T00:00:00Z"}),
        ))
        .mount(&server)
        .await;
    let secrets = endpoints(&server.uri(), RetryPolicy::none()).secrets();

    // SAFETY: the only test of this binary, so nothing else reads or writes the environment
    // while it changes (the variable is read by this task alone, in `get`).
    unsafe { std::env::set_var("KIKET_SECRET_SAMPLE_TOKEN", "from-the-environment") };
    let local = secrets.get("sample.token").await;
    // SAFETY: as above.
    unsafe { std::env::remove_var("KIKET_SECRET_SAMPLE_TOKEN") };
    let local = local.unwrap().unwrap();
    assert_eq!(local.value.expose(), "from-the-environment");
    assert_eq!(
        (local.key.as_str(), local.source),
        ("sample.token", kiket_client::endpoints::SecretSource::Environment)
    );
    assert!(server.received_requests().await.unwrap().is_empty(), "the environment answered; no request");

    let remote = secrets.get("sample.token").await.unwrap().unwrap();
    assert_eq!(remote.value.expose(), "from-the-api");
    assert_eq!(remote.source, kiket_client::endpoints::SecretSource::Platform);
    assert_eq!(remote.updated_at().map(|t| t.as_second()), Some(1_767_312_000));
    assert!(!format!("{remote:?}").contains("from-the-api"), "Debug never shows the value");
}
