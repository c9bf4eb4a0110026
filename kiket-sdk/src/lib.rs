//! Runtime of Kiket extensions.
//!
//! Everything between the socket and an extension's handler, in the order a delivery meets
//! it:
//!
//! | Module | Owns | Imports from this crate |
//! |---|---|---|
//! | [`verify`] | HMAC signatures, ES256 runtime tokens, `AuthContext`, scope checks, API origin allow-list | nothing (leaf) |
//! | [`payload`] | decoding bodies (400 vs 422, field paths); the runtime-field scan | nothing (leaf) |
//! | [`replay`] | the replay guard: `ReplayStore`, claims by canonical delivery key | nothing (leaf) |
//! | [`telemetry`] | per-route counters (by route id), records off the response path | nothing (leaf) |
//! | [`manifest`] | `extension.yaml`: discovery, parsing, typed model | nothing (leaf) |
//! | `panic_guard` | keeps panic messages of extension code out of logs | nothing (leaf) |
//! | [`settings`] | settings: manifest defaults, `KIKET_SECRET_*`, explicit values | `manifest` |
//! | [`handler`] | the `Handler` trait, `HandlerError`, `Reply`, `HandlerContext`, hooks around handlers | `verify`, `settings`, `payload`, `queue` (`Deferred`) |
//! | [`queue`] | deferred handlers: `Deferred`, the `Queue` trait, `InMemoryQueue`, sealing | `replay`, `verify` |
//! | [`routing`] | event/version resolution, the handler table, type erasure, the prepare stage | `handler`, `payload`, `panic_guard` |
//! | `delivery` | the eight stages of a delivery, [`DeliveryError`] (one row per rejection); deferred routes and their workers | the above, never `config` |
//! | [`config`] | one configuration: verification policy, API credentials, settings, limits | leaves, `settings` |
//! | [`server`] | assembles the pipeline from `Config` once; routes, serving, shutdown | everything |
//! | `lambda` (feature) | the extension behind AWS Lambda (`lambda_http`) | `server` |
//! | `redis` (feature) | Redis shared by replicas: the replay store and the durable queue | `replay`, `queue` |
//!
//! `tests/module_graph.rs` (workspace root) reads these imports and fails on a circle, on
//! `delivery` importing `config`, on `routing` importing `telemetry`, and on a leaf importing
//! anything of this crate.
//!
//! Extension authors normally use the `kiket` facade, which adds one named trait per event
//! (`IssueCreatedV1Handler`) on top of [`Handler`].
#![deny(missing_docs)]

pub mod config;
mod delivery;
pub mod handler;
#[cfg(feature = "lambda")]
pub mod lambda;
pub mod manifest;
mod panic_guard;
pub mod payload;
pub mod queue;
#[cfg(feature = "redis")]
pub mod redis;
pub mod replay;
pub mod routing;
pub mod server;
pub mod settings;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
pub mod verify;

pub use config::{Config, ConfigBuilder, ConfigError, Settings, SettingsError};
pub use handler::{
    AuthContext, Decision, Delivery, Handler, HandlerContext, HandlerError, HandlerResult, Hook, IntoReply, Json, Next,
    Reply, ScopeError, Scoped,
};
pub use manifest::Manifest;
pub use payload::{decode, PayloadError};
pub use routing::Router;
pub use server::{DeliveryError, Extension, StartupError};
