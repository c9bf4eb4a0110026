//! `Config::from_env()` (and so `kiket::run`) reads the manifest of the working directory, as
//! the other SDKs' one-line start does (PROTOCOL §5, §7.3). Its own test binary: it changes
//! the process's working directory.

use kiket::prelude::*;
use kiket::sdk::testing::{SignedRequest, TestClient};
use kiket::sdk::ConfigError;
use serde_json::json;

const MANIFEST: &str = r#"
extension:
  id: com.example.discovered
  version: 2.0.0
  delivery:
    callback:
      secret: whsec_from_the_manifest
  configuration:
    properties:
      region:
        default: eu-west
"#;

#[tokio::test]
async fn from_env_reads_the_manifest_in_the_working_directory() {
    for variable in ["KIKET_WEBHOOK_SECRET", "KIKET_BASE_URL", "KIKET_WORKSPACE_TOKEN"] {
        assert!(std::env::var_os(variable).is_none(), "{variable} is set; the test needs it unset");
    }
    let dir = std::env::temp_dir().join(format!("kiket-discovery-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("extension.yaml"), MANIFEST).unwrap();
    let original = std::env::current_dir().unwrap();
    std::env::set_current_dir(&dir).unwrap();
    let found = Config::from_env();
    std::fs::write(dir.join("extension.yaml"), "extension:\n  id: [unclosed\n").unwrap();
    let malformed = Config::from_env();
    std::fs::remove_file(dir.join("extension.yaml")).unwrap();
    let none = Config::from_env();
    std::env::set_current_dir(original).unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    let config = found.expect("the manifest in the working directory configures the extension");
    assert_eq!(config.extension_id(), Some("com.example.discovered"));
    assert_eq!(config.settings().get::<String>("region").unwrap().as_deref(), Some("eu-west"));
    // The secret verifies deliveries: signed with it → 200, with another → 401.
    let router = Router::new().issue_created_v1(|_p: IssueCreatedV1, _c: HandlerContext| async { Ok(()) });
    let client = TestClient::new(Extension::new(router, config).unwrap().into_router());
    let body = json!({"issue": {"id": 1}});
    let signed = SignedRequest::new("issue.created", "v1", &body).secret("whsec_from_the_manifest");
    assert_eq!(client.send(&signed).await.status, 200);
    let forged = SignedRequest::new("issue.created", "v1", &body).secret("whsec_guess");
    assert_eq!(client.send(&forged).await.status, 401);

    let error = malformed.expect_err("a malformed manifest is an error, not ignored").to_string();
    assert!(error.contains("extension.yaml:3:1"), "file:line:col: {error}");
    assert!(matches!(none, Err(ConfigError::NoVerification)), "no manifest, no secret: refuse to start");
}
