//! Runtime configuration: one [`Config`] shared by the server, the API client
//! and telemetry. This module holds what documents the options: the option list
//! ([`OPTIONS`]), their environment variables ([`env`](mod@env)), defaults ([`defaults`] and the
//! `DEFAULT_*` constants); [`Config`], [`ConfigBuilder`]
//! and [`ConfigError`] are at the crate root.
//!
//! Every option is declared once, as a row of the table in `options.rs`: its type, default
//! (a named constant), environment variables, how people see it, its doc line. The builder's
//! storage, the resolution, [`Config::describe`](crate::Config::describe) and `Debug`, the [`OPTIONS`] list (and so the
//! README's configuration table and `kiket manifest check`) come from that table.
//! [`ConfigBuilder`]'s setters are in `builder.rs`; the resolvers the rows name, in
//! `resolve.rs`.
//!
//! Precedence, highest first: values set on the [`ConfigBuilder`], the manifest
//! (`extension.yaml`), `KIKET_*` environment variables (read only after
//! [`ConfigBuilder::with_env`](crate::ConfigBuilder::with_env)), defaults. Settings follow PROTOCOL.md §5: manifest defaults,
//! overlaid by `KIKET_SECRET_<NAME>` for keys marked secret, overlaid by explicit values.
//!
//! Fail-closed: [`ConfigBuilder::build`](crate::ConfigBuilder::build) refuses a configuration that would accept unsigned
//! deliveries, unless [`ConfigBuilder::insecure_skip_verification`](crate::ConfigBuilder::insecure_skip_verification) is called explicitly
//! (local development only; every request then logs a warning).

pub(crate) mod builder;
pub(crate) mod error;
mod options;
mod resolve;
pub(crate) mod resolved;

pub use options::{
    env, Environment, LogFormat, OptionSpec, Unit, DEFAULT_BASE_URL, DEFAULT_BODY_LIMIT, DEFAULT_BODY_TIMEOUT,
    DEFAULT_HANDLER_TIMEOUT, DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_JWKS_CACHE_TTL, DEFAULT_JWKS_REFETCH_COOLDOWN,
    DEFAULT_LISTEN_ADDRESS, DEFAULT_MAX_CONCURRENCY, DEFAULT_SIGNATURE_TOLERANCE, DEFAULT_TOKEN_LEEWAY,
    DEFAULT_UNVERIFIED_BODY_BUDGET, DEFAULT_WORKER_CONCURRENCY, DEVELOPMENT_WEBHOOK_SECRET, MAX_HTTP2_STREAMS, OPTIONS,
    VISIBILITY_MARGIN,
};
pub use resolve::defaults;
pub(crate) use {builder::ConfigBuilder, error::ConfigError, resolved::Config};
