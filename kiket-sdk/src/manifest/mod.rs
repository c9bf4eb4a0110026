//! The extension manifest (`extension.yaml`): discovery, parsing, and the typed model.
//!
//! Discovery looks in the working directory for `extension.yaml`, `extension.yml`,
//! `manifest.yaml`, `manifest.yml` (first hit wins); an explicit path that does not exist is
//! an error. Fields may be flat or nested under `extension:`; unknown keys are allowed and
//! kept. Malformed files fail with the file, line, column and field.

mod load;
mod model;

pub use load::{discover, load, parse, ManifestError, MANIFEST_NAMES};
pub use model::{
    is_env_reference, resolve_env, Action, Callback, Configuration, CustomDataSpec, Delivery, DeliveryConfig, Manifest,
    Permission, Property, Scopes, KNOWN_KEYS,
};

/// The JSON Schema of the manifest, rendered from [`Manifest`]; published as
/// `docs/extension-manifest.schema.json` (a test keeps that file current). Needs the cargo
/// feature `json-schema`.
#[cfg(feature = "json-schema")]
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Manifest)).unwrap_or_default()
}
