//! Generated async client of the Kiket extension API (placeholder until the codegen lands).
