//! Strongly typed payloads of every Kiket event, generated at build time from `schemas/`.
//!
//! This crate is the data layer of the SDK, with no HTTP or async code: handlers receive
//! these types (through `kiket` or `kiket-sdk`), tests build them, and the [`catalog`] says
//! which event and version each one is.
//!
//! ## The three jobs
//!
//! **Handle events**: a handler receives one of these payloads, decoded and checked:
//!
//! ```
//! use kiket_types::SlaBreachV1;
//!
//! let body = r#"{"issue": {"id": 9, "title": "Outage"}, "sla": {"state": "breached"}, "x_new_field": 1}"#;
//! let payload: SlaBreachV1 = serde_json::from_str(body)?;
//! assert_eq!(payload.extra["x_new_field"], 1); // unknown fields kept, never an error
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! **Call the extension API**: the client (`kiket-client`) takes and returns these types
//! where the API speaks of issues, SLA records and identifiers ([`Id`]).
//!
//! **Regenerate when the spec changes**: add or edit a file under `schemas/` and build; the
//! new types appear here, and `kiket-types/GENERATED.md` (also [`GENERATED_SURFACE`]) shows
//! the change as a diff in review:
//!
//! ```
//! assert!(kiket_types::GENERATED_SURFACE.contains("IssueCreatedV2"));
//! assert!(kiket_types::catalog::find("issue.created", "v2").is_some());
//! ```
//!
//! The generated structs carry no examples of their own; how to use them in handlers is in
//! the `kiket` crate's guide and its
//! [cookbook](https://docs.rs/kiket/latest/kiket/cookbook/index.html).
//!
//! ## What the types guarantee
//!
//! Each file `schemas/events/<event>/<version>.json` becomes one struct named by its `title`
//! (`issue.created` v1 → [`IssueCreatedV1`]); shared shapes under `schemas/common/` become the
//! types they reference ([`Issue`], [`Actor`], [`SlaRecord`], …). [`catalog::EVENTS`] lists
//! every event and version with its type.
//!
//! The types are open to platform evolution:
//! - unknown JSON keys are kept in each struct's `extra` map and re-encoded unchanged;
//! - extensible string enums ([`IssueStatus`], [`SlaState`], …) decode new values as
//!   `Unknown(String)`;
//! - identifiers ([`Id`]) accept numbers and strings and keep the form they arrived in;
//! - secrets and runtime tokens are [`SecretString`]s that never print.
//!
//! Every struct has a builder, so tests can construct payloads without JSON:
//!
//! ```
//! use kiket_types::{Issue, IssueCreatedV1, IssueStatus};
//!
//! let payload: IssueCreatedV1 = IssueCreatedV1::builder()
//!     .issue(Issue::builder().id(42).title("Printer on fire".to_string()).status(IssueStatus::Todo))
//!     .try_into()
//!     .expect("every required field is set");
//! assert_eq!(payload.issue.title.as_deref(), Some("Printer on fire"));
//! assert_eq!(serde_json::to_value(&payload).unwrap()["issue"]["status"], "todo");
//! ```
//!
//! [`SPEC_VERSION`] and [`SPEC_DIGEST`] name the schemas these types were generated from;
//! `GENERATED.md` (also [`GENERATED_SURFACE`]) lists every generated type and field.
//!
//! This crate has no HTTP or async dependencies; the webhook runtime lives in `kiket-sdk`.

mod support;

pub use support::{secret_env_name, Id, SecretString};

#[allow(clippy::all, clippy::pedantic, missing_docs, rustdoc::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/types.rs"));
}

pub use generated::*;

pub mod catalog;
pub mod headers;

include!(concat!(env!("OUT_DIR"), "/spec_version.rs"));

/// The readable surface of everything this build generated (`kiket-types/GENERATED.md`):
/// events, types, fields and their Rust types, enum values.
pub const GENERATED_SURFACE: &str = include_str!(concat!(env!("OUT_DIR"), "/GENERATED.md"));

include!(concat!(env!("OUT_DIR"), "/for_each_event.rs"));
