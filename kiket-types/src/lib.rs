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
//! This crate has no HTTP or async dependencies; the webhook runtime lives in `kiket-sdk`.
#![deny(missing_docs)]

mod support;

pub use support::{Id, SecretString};

#[allow(clippy::all, clippy::pedantic, missing_docs, rustdoc::all)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/types.rs"));
}

pub use generated::*;

/// The catalog of events and versions known to this build.
pub mod catalog {
    /// One event schema of the catalog.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct EventSchema {
        /// Event name as delivered (`issue.created`).
        pub event: &'static str,
        /// Version label (`v1`).
        pub version: &'static str,
        /// Name of the payload type in this crate (`IssueCreatedV1`).
        pub type_name: &'static str,
        /// Schema file the type was generated from, relative to `schemas/`.
        pub schema_file: &'static str,
    }

    /// A payload type of a catalogued event and version.
    ///
    /// Implemented (by the build script) exactly for the types in [`EVENTS`], so code that is
    /// generic over `P: EventPayload` can only ever be used with a real event of the catalog.
    pub trait EventPayload:
        serde::Serialize
        + serde::de::DeserializeOwned
        + std::fmt::Debug
        + Clone
        + Send
        + Sync
        + 'static
    {
        /// Event name (`issue.created`).
        const EVENT: &'static str;
        /// Version label (`v1`).
        const VERSION: &'static str;
    }

    include!(concat!(env!("OUT_DIR"), "/catalog.rs"));

    /// Looks up an event and version exactly as catalogued.
    pub fn find(event: &str, version: &str) -> Option<&'static EventSchema> {
        EVENTS
            .iter()
            .find(|e| e.event == event && e.version == version)
    }
}
