//! Async client of the Kiket extension API.
//!
//! The client is generated at build time by progenitor from `openapi/`: [`Client`] has one
//! builder method per operation (`client.list_custom_data().module(..).table(..).project_id(..).send()`),
//! whose pending requests are in [`builder`], and typed request and response structs are in
//! [`types`]. Every request passes through
//! the hooks in [`hooks`], which add the workspace token, the per-invocation runtime token and
//! event version, and the SDK's user agent.
//!
//! ```
//! use kiket_client::{ApiState, Client};
//!
//! let state = ApiState::new().workspace_token("wk_live_…").event_version("v1");
//! let client = Client::new_with_client("https://kiket.dev", reqwest::Client::new(), state);
//! let request = client.list_custom_data()
//!     .module("com.example.crm.contacts")
//!     .table("automation_records")
//!     .project_id("12")
//!     .limit(25u32);
//! # drop(request);
//! ```
#![deny(missing_docs)]

pub mod endpoints;
mod error;
pub mod hooks;
pub mod operations;
pub mod redact;
pub mod retry;
mod standalone;
pub mod time;
pub mod transport;
pub mod url;

/// The client generated from `openapi/kiket-extension-api.yaml`, re-exported below (as
/// kiket-types re-exports its generated types): [`Client`], [`builder`], [`types`].
#[allow(clippy::all, clippy::pedantic, missing_docs, rustdoc::all, unused_imports)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/client.rs"));
}

pub use endpoints::{verify_merkle_proof, Endpoints, RateLimit};
pub use error::ApiError;
pub use generated::{builder, types, Client};
pub use hooks::ApiState;
pub use progenitor_client::{Error as ProgenitorError, ResponseValue};
/// HTTP methods, for [`Endpoints::request`].
pub use reqwest::Method;
pub use retry::RetryPolicy;
pub use standalone::{ClientConfigError, KiketClient, KiketClientBuilder};
pub use time::Timestamp;
pub use transport::http_client;

/// The readable surface of the generated client (`kiket-client/GENERATED.md`): operations,
/// parameters, bodies, responses and types.
pub const GENERATED_SURFACE: &str = include_str!(concat!(env!("OUT_DIR"), "/GENERATED.md"));

/// `info.version` of the OpenAPI spec this client was generated from (also sent as the
/// `api-version` header).
pub const API_SPEC_VERSION: &str = env!("KIKET_API_SPEC_VERSION");

/// Version of this crate, sent in `User-Agent: kiket-sdk-rust/<version>`.
pub const SDK_VERSION: &str = env!("CARGO_PKG_VERSION");
