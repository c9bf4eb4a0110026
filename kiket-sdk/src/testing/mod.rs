//! Test kit for extensions (feature `testing`):
//! - [`SignedRequest`]: a delivery exactly as the platform sends it (signature, timestamp,
//!   version, optional runtime token);
//! - [`TestKeys`] / [`StaticJwks`]: an ES256 key standing in for the platform's, its JWKS;
//! - [`TestClient`]: the router in-process, no socket; [`TestServer`]: the real server on a
//!   free loopback port;
//! - [`MockKiketApi`]: every extension-API operation, recorded, with programmable answers;
//! - [`sample`] / [`load_fixture`] / [`TestClient::replay`]: payloads for every event;
//! - [`TestContext`]: the context a handler receives, to call a handler directly;
//! - [`assert_no_drift`]: the router handles exactly the events the manifest declares.
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

mod client;
mod context;
mod drift;
mod keys;
mod mock_api;
mod request;
mod server;

pub use client::{load_fixture, sample, TestClient, TestResponse};
pub use context::{TestContext, UNREACHABLE_API};
pub use drift::assert_no_drift;
pub use keys::{forge_token, StaticJwks, TestKeys};
pub use mock_api::{MockKiketApi, RecordedCall};
pub use request::{SignedRequest, VersionIn};
pub use server::TestServer;
