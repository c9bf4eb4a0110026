//! Test kit for extensions (feature `testing`): signed requests exactly as the platform sends
//! them, runtime tokens signed by a test ES256 key with its JWKS, and a real server on a free
//! loopback port.
//!
//! ```
//! use kiket_sdk::testing::{SignedRequest, TestKeys};
//! use serde_json::json;
//!
//! let keys = TestKeys::generate("test-key");
//! let token = keys.runtime_token(&["custom_data.write"], 1_700_000_000);
//! let request = SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": 1}}))
//!     .secret("whsec_test")
//!     .timestamp(1_700_000_000)
//!     .runtime_token(token);
//! let http = request.to_http_request();
//! assert_eq!(http.uri().path(), "/webhooks/issue.created");
//! assert!(http.headers().contains_key("x-kiket-signature"));
//! ```

mod keys;
mod request;
mod server;

pub use keys::{forge_token, StaticJwks, TestKeys};
pub use request::{SignedRequest, VersionIn};
pub use server::TestServer;
