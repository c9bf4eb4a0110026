//! Strongly typed payloads of every Kiket event, generated at build time from `schemas/`.
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
#![deny(missing_docs)]

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
