//! Runtime of Kiket extensions: verification, routing, the handler context, the server, the
//! deferred-work queue, telemetry and the test kit.
//!
//! Most extensions depend on the `kiket` facade, which re-exports this crate as `kiket::sdk`
//! and adds one named handler trait per event (`IssueCreatedV1Handler`). This crate is what
//! it stands on, usable directly with [`Router::on`] over any payload type of `kiket-types`.
//!
//! ## The three jobs
//!
//! **Handle events.** Register handlers on a [`Router`], join it with a [`Config`] into an
//! [`Extension`], and serve it; the test kit (module `testing`, feature `testing`) sends signed
//! deliveries exactly as the platform does:
//!
//! ```
//! use kiket_sdk::testing::{SignedRequest, TestClient};
//! use kiket_sdk::respond::Decision;
//! use kiket_sdk::{Config, Extension, HandlerContext, HandlerError, Router};
//! use kiket_types::WorkflowBeforeTransitionV1;
//!
//! async fn gate(payload: WorkflowBeforeTransitionV1, _ctx: HandlerContext) -> Result<Decision, HandlerError> {
//!     Ok(match payload.transition.to.as_deref() {
//!         Some("done") => Decision::deny("Finance has not approved the budget"),
//!         _ => Decision::allow(),
//!     })
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let router = Router::new().on::<WorkflowBeforeTransitionV1, _>(gate);
//! let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
//! let client = TestClient::new(extension.into_router());
//! let body = kiket_sdk::testing::sample("workflow.before_transition", "v1").unwrap();
//! let answer = client.send(&SignedRequest::new("workflow.before_transition", "v1", &body).secret("whsec_test")).await;
//! assert_eq!(answer.status, 200);
//! # Ok(()) }
//! ```
//!
//! **Call the extension API.** [`HandlerContext::endpoints`] carries this invocation's
//! credentials; the test kit's `MockKiketApi` answers every operation on a loopback port:
//!
//! ```
//! use kiket_sdk::testing::{MockKiketApi, TestContext};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let api = MockKiketApi::start().await?;
//! let ctx = TestContext::new("issue.created", "v1").api_base_url(api.url()).build();
//! ctx.endpoints().notify("Deal won", "ACME signed").await?;
//! api.assert_notified("Deal won");
//! # Ok(()) }
//! ```
//!
//! **Regenerate when the spec changes.** This crate has no generated code of its own: it is
//! generic over [`kiket_types::catalog::EventPayload`], implemented by the generated payload
//! types, so a new event or version needs a rebuild and nothing else here:
//!
//! ```
//! use kiket_types::catalog::{EventPayload, EVENTS};
//! assert!(EVENTS.iter().any(|e| (e.event, e.version) == (kiket_types::IssueCreatedV2::EVENT, "v2")));
//! ```
//!
//! ## Recipes
//!
//! In the `kiket` cookbook, each compiled and run as a test:
//! - [Scopes](https://docs.rs/kiket/latest/kiket/cookbook/index.html#scopes)
//! - [Errors: retried or not](https://docs.rs/kiket/latest/kiket/cookbook/index.html#errors-retried-or-not)
//! - [Embedding into an existing axum app](https://docs.rs/kiket/latest/kiket/cookbook/index.html#embedding-into-an-existing-axum-app)
//! - [Metrics and traces in production](https://docs.rs/kiket/latest/kiket/cookbook/index.html#metrics-and-traces-in-production)
//! - [Middleware: hooks and layers](https://docs.rs/kiket/latest/kiket/cookbook/index.html#middleware-hooks-around-handlers-layers-around-everything)
//! - [Hardening knobs](https://docs.rs/kiket/latest/kiket/cookbook/index.html#hardening-knobs-defaults-are-safe)
//! - [Slow work: deferred handlers on Redis](https://docs.rs/kiket/latest/kiket/cookbook/index.html#slow-work-deferred-handlers-several-replicas-on-redis)
//! - [AWS Lambda](https://docs.rs/kiket/latest/kiket/cookbook/index.html#aws-lambda)
//! - [Deploying](https://docs.rs/kiket/latest/kiket/cookbook/index.html#deploying)
//!
//! ## Modules
//!
//! Everything between the socket and an extension's handler, in the order a delivery meets
//! it:
//!
//! | Module | Owns | Imports from this crate |
//! |---|---|---|
//! | [`verify`] | HMAC signatures, ES256 runtime tokens, `AuthContext`, scope checks, API origin allow-list | nothing (leaf) |
//! | `payload` | decoding bodies (400 vs 422, field paths); the runtime-field scan | nothing (leaf) |
//! | [`replay`] | every key the SDK claims and every claim (one `Guard`), `ReplayStore` | nothing (leaf) |
//! | [`telemetry`] | per-route counters (by route id), records off the response path | nothing (leaf) |
//! | [`manifest`] | `extension.yaml`: discovery, parsing, typed model | nothing (leaf) |
//! | `panic_guard` | keeps panic messages of extension code out of logs | nothing (leaf) |
//! | [`settings`] | settings: manifest defaults, `KIKET_SECRET_*`, explicit values | `manifest` |
//! | [`queue`] | deferred work: the `Queue` trait, `InMemoryQueue`, backoff, sealing | `replay` |
//! | `handler` | [`Handler`], [`HandlerContext`] (and its restoration from a stored delivery), [`HandlerError`], [`Reply`], [`respond`], hooks | `verify`, `settings`, `payload`, `replay` |
//! | `routing` | [`Router`], route options set at registration, version resolution, type erasure, the prepare stage | `handler`, `payload`, `panic_guard` |
//! | `delivery` | the eight stages of a delivery (stage 7 invokes or defers), the job runner, [`DeliveryError`] | the above, never `config` |
//! | [`config`] | every option declared once; [`Config`], [`ConfigBuilder`] | leaves, `settings`, `queue`, `redis` |
//! | `server` | assembles the pipeline from `Config` once; [`Extension`], serving, shutdown | everything |
//! | `lambda` (feature) | the extension behind AWS Lambda (`lambda_http`) | `server` |
//! | `redis` (feature) | Redis shared by replicas: the replay store and the durable queue | `replay`, `queue` |
//!
//! `tests/module_graph.rs` (workspace root) reads these imports and fails on a circle, on
//! `delivery` importing `config`, on `routing` importing `telemetry`, and on a leaf importing
//! anything of this crate.
//!
//! Extension authors normally use the `kiket` facade, which adds one named trait per event
//! (`IssueCreatedV1Handler`) on top of [`Handler`].

pub mod config;
mod delivery;
mod handler;
#[cfg(feature = "lambda")]
pub mod lambda;
mod local_api;
pub mod manifest;
mod panic_guard;
mod payload;
pub mod queue;
#[cfg(feature = "redis")]
pub mod redis;
pub mod replay;
mod report;
mod routing;
mod server;
pub mod settings;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod verify;

pub use config::builder::ConfigBuilder;
pub use config::error::ConfigError;
pub use config::resolved::Config;
pub use delivery::DeliveryError;
pub use handler::respond;
pub use handler::{
    Delivery, ExternalWebhook, Handler, HandlerContext, HandlerError, HandlerResult, Hook, IntoReply, Json, Next, Reply,
};
pub use local_api::LocalApi;
pub use payload::{decode, PayloadError};
pub use routing::Router;
pub use server::{shutdown_signal, Drift, Extension, StartupError, TelemetryHandle, Workers};

/// What the `kiket` facade's generated code calls; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use crate::handler::answer;
    pub use crate::report::report;
}

/// Entry points of the fuzz targets (`fuzz/`, feature `fuzzing`); not part of the API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::routing::version::{alternate, resolve, VERSION_HEADER};
    pub use crate::verify::signature::parse_signatures;
    pub use crate::verify::timestamp::parse_unix_timestamp;
}
