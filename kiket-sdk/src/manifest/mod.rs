//! The extension manifest: discovery, parsing, the typed model, and references to the
//! environment.
//!
//! Discovery looks in the working directory for [`MANIFEST_NAMES`] in order —
//! `.kiket/manifest.yaml`, `.kiket/manifest.yml`, `extension.yaml`, `extension.yml`,
//! `manifest.yaml`, `manifest.yml` — and the first hit wins; an explicit path that does not
//! exist is an error. The 1.x shape (`model_version`, fields under `extension:`, PROTOCOL §9.1)
//! and the older flat one both parse; unknown keys are allowed and kept. Values may reference
//! environment variables (`env.NAME`, `env:NAME`, `${NAME}`, see [`reference()`]). Malformed files
//! fail with the file, line, column and field.

mod load;
mod model;
mod reference;

pub use load::{discover, load, parse, ManifestError, MANIFEST_NAMES};
pub(crate) use model::SettingType;
pub use model::{
    Action, Callback, CommandContribution, Configuration, Contributes, CustomDataSpec, Delivery, DeliveryConfig,
    EventHandlerRef, Hook, Manifest, Parameter, Permission, Property, Scopes, WorkflowAction, HOOK_MARGIN_MAX,
    KNOWN_KEYS,
};
pub(crate) use reference::is_variable_name;
pub use reference::{reference, referenced_variables, resolve_references, Reference};

/// The JSON Schema of the flat manifest (`extension.yaml`), rendered from [`Manifest`];
/// published as `docs/extension-manifest.schema.json` (a test keeps that file current). Needs
/// the cargo feature `json-schema`.
#[cfg(feature = "json-schema")]
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Manifest)).unwrap_or_default()
}

/// The JSON Schema of the 1.x manifest (`.kiket/manifest.yaml`: `model_version` and
/// `extension:`, PROTOCOL §9.1), rendered from the same model; published as
/// `docs/kiket-manifest-1.x.schema.json` (a test keeps that file current). `configuration`
/// entries other than `properties` are the 1.x settings map (each a [`Property`]). Needs the
/// cargo feature `json-schema`.
#[cfg(feature = "json-schema")]
pub fn json_schema_1x() -> serde_json::Value {
    /// `.kiket/manifest.yaml`.
    #[derive(schemars::JsonSchema)]
    #[allow(dead_code)]
    struct KiketManifest {
        /// `"1.0"`.
        model_version: String,
        /// The extension.
        extension: Manifest,
    }
    serde_json::to_value(schemars::schema_for!(KiketManifest)).unwrap_or_default()
}
