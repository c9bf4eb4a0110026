//! Runtime of Kiket extensions.
//!
//! Everything between the socket and an extension's handler, in the order a delivery meets
//! it:
//!
//! | Module | Owns |
//! |---|---|
//! | [`server`] | the axum routes, body limit, concurrency limit, timeouts, panics, shutdown |
//! | [`verify`] | HMAC signatures and ES256 runtime tokens (fail-closed) |
//! | [`routing`] | event/version resolution and the handler table |
//! | [`payload`] | decoding bodies into typed payloads, naming the failing field |
//! | [`handler`] | the `Handler` trait, `HandlerError`, `Reply`, `HandlerContext` |
//! | [`config`] | one configuration: verification policy, API credentials, settings, limits |
//! | [`manifest`] | `extension.yaml`: discovery, parsing, typed model |
//! | [`telemetry`] | per-invocation records off the response path, counters |
//!
//! Extension authors normally use the `kiket` facade, which adds one named trait per event
//! (`IssueCreatedV1Handler`) on top of [`Handler`].
#![deny(missing_docs)]

pub mod config;
pub mod handler;
pub mod manifest;
pub mod payload;
pub mod routing;
pub mod server;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod verify;

pub use config::{Config, ConfigBuilder, ConfigError, Settings, SettingsError};
pub use handler::{AuthContext, Handler, HandlerContext, HandlerError, HandlerResult, Reply, ScopeError, Scoped};
pub use manifest::Manifest;
pub use payload::{decode, PayloadError};
pub use routing::Router;
pub use server::{DeliveryError, Extension, StartupError};
