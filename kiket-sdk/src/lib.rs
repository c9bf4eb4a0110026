//! Runtime of Kiket extensions.
//!
//! This crate owns everything between the socket and an extension's handler: payload decoding
//! with field paths, and (as the runtime grows) verification, versioned routing, the handler
//! context and the axum server. Extension authors normally depend on the `kiket` facade.
#![deny(missing_docs)]

pub mod payload;

pub use payload::{decode, PayloadError};
