//! The manifest's typed model (PROTOCOL.md §5). Unknown keys are kept in `extra` maps.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// An extension manifest (`extension.yaml`), flat or nested under `extension:`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Manifest {
    /// Extension id, e.g. `com.example.marketing`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Extension version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Vendor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How the platform delivers events: a delivery type (`http`) or a mapping with
    /// `callback.secret`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// Configuration properties (settings) of the extension.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration: Option<Configuration>,
    /// Custom-data permissions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<CustomDataSpec>,
    /// Scopes requested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Scopes>,
    /// Events the extension subscribes to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<String>,
    /// Actions offered in the UI.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<Action>,
    /// Output fields shown in the configuration UI (free-form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_fields: Option<Value>,
    /// Keys this SDK does not read, kept as they are.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
    /// The file it was read from (not part of the manifest itself).
    #[serde(skip)]
    #[cfg_attr(feature = "json-schema", schemars(skip))]
    pub source: Option<std::path::PathBuf>,
}

/// `delivery`: a plain delivery type (`http`, which is **not** a secret) or a mapping.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
pub enum Delivery {
    /// A delivery type such as `http`.
    Type(String),
    /// A delivery mapping.
    Config(DeliveryConfig),
}

/// `delivery` as a mapping.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct DeliveryConfig {
    /// Delivery type (`http`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Callback settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback: Option<Callback>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `delivery.callback`.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Callback {
    /// Callback URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Webhook secret, literal or `env:NAME`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secret = self.secret.as_deref().map(|s| if is_env_reference(s) { s } else { "[redacted]" });
        f.debug_struct("Callback").field("url", &self.url).field("secret", &secret).finish_non_exhaustive()
    }
}

/// `configuration`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Configuration {
    /// Properties by key.
    pub properties: BTreeMap<String, Property>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One configuration property.
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Property {
    /// Default value (may be `env:NAME`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Whether the value is a secret (overlaid by `KIKET_SECRET_<NAME>`, never printed).
    pub secret: bool,
    /// Whether the extension cannot start without a value.
    pub required: bool,
    /// Value type as declared (`string`, `number`, …).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl std::fmt::Debug for Property {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let default: &dyn std::fmt::Debug = if self.secret { &"[redacted]" } else { &self.default };
        f.debug_struct("Property")
            .field("default", default)
            .field("secret", &self.secret)
            .field("required", &self.required)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// `custom_data`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct CustomDataSpec {
    /// Modules and the operations allowed on them.
    pub permissions: Vec<Permission>,
    /// Other keys.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One custom-data permission.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Permission {
    /// Module, e.g. `com.example.crm.contacts`.
    pub module: String,
    /// Operations (`read`, `write`, `delete`, …).
    pub operations: Vec<String>,
}

/// `scopes`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Scopes {
    /// Read scopes.
    pub read: Vec<String>,
    /// Write scopes.
    pub write: Vec<String>,
}

/// An action offered in the UI.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "json-schema", derive(schemars::JsonSchema))]
#[serde(default)]
pub struct Action {
    /// Action key.
    pub key: String,
    /// Label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Inputs (free-form).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Value>,
}

/// The top-level keys the model reads (flat, or under `extension:`): an unknown key one or two
/// edits from one of them is most likely a typo (`configuraton`).
pub const KNOWN_KEYS: &[&str] = &[
    "id",
    "version",
    "name",
    "vendor",
    "description",
    "delivery",
    "configuration",
    "custom_data",
    "scopes",
    "events",
    "actions",
    "output_fields",
];

impl Manifest {
    /// What looks wrong in the manifest without making it unusable (unknown keys are kept as
    /// data and never an error): keys one or two edits from a known one, and events one or two
    /// edits from a catalogued one. Each entry says what was found and what was probably
    /// meant; the SDK logs them as warnings at start-up and `kiket manifest check` prints them.
    ///
    /// ```
    /// let manifest = kiket_sdk::manifest::parse("id: x\nconfiguraton: {}\nevents: [issue.creatd]\n", "m.yaml".as_ref())?;
    /// assert_eq!(manifest.problems(), [
    ///     "unknown key `configuraton`: did you mean `configuration`?",
    ///     "event `issue.creatd` is not catalogued: did you mean `issue.created`?",
    /// ]);
    /// # Ok::<(), kiket_sdk::manifest::ManifestError>(())
    /// ```
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for key in self.extra.keys() {
            let near = KNOWN_KEYS.iter().map(|known| (strsim::levenshtein(key, known), *known)).min();
            if let Some((1..=2, known)) = near {
                problems.push(format!("unknown key `{}`: did you mean `{known}`?", key.escape_debug()));
            }
        }
        for event in &self.events {
            if let Some(near) = kiket_types::catalog::nearest_event(event, 2) {
                problems.push(format!("event `{}` is not catalogued: did you mean `{near}`?", event.escape_debug()));
            }
        }
        problems
    }
}

impl Manifest {
    /// Every event the manifest declares, sorted, each once: what the platform may deliver to
    /// the extension, so what its router should handle.
    ///
    /// ```
    /// let manifest = kiket_sdk::manifest::parse("events: [issue.created, crm.sync, issue.created]\n", "m.yaml".as_ref())?;
    /// assert_eq!(manifest.declared_events(), ["crm.sync", "issue.created"]);
    /// # Ok::<(), kiket_sdk::manifest::ManifestError>(())
    /// ```
    pub fn declared_events(&self) -> Vec<String> {
        let mut events = self.events.clone();
        events.sort();
        events.dedup();
        events
    }
}

/// `true` for `env:NAME` references (prefix case-insensitive).
pub fn is_env_reference(value: &str) -> bool {
    value.len() > 4 && value[..4].eq_ignore_ascii_case("env:")
}

impl Manifest {
    /// The webhook secret from `delivery.callback.secret`, with `env:` resolved through `var`.
    /// A plain `delivery: http` is a delivery type, never a secret.
    pub fn webhook_secret(&self, var: &dyn Fn(&str) -> Option<String>) -> Option<String> {
        let Some(Delivery::Config(config)) = &self.delivery else {
            return None;
        };
        let raw = config.callback.as_ref()?.secret.as_deref()?;
        resolve_env(raw, var).filter(|s| !s.trim().is_empty())
    }
}

/// Resolves `env:NAME` through `var`; other values are returned as they are.
pub fn resolve_env(value: &str, var: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if is_env_reference(value) {
        var(value[4..].trim())
    } else {
        Some(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key of [`KNOWN_KEYS`] is read by the model (none lands in `extra`), and every key
    /// the model writes is in the list: the two cannot drift apart.
    #[test]
    fn the_known_keys_are_the_models_keys() {
        for key in KNOWN_KEYS {
            // An unknown key takes any value into `extra`; a known one is typed (a string fits
            // some, others refuse it).
            if let Ok(manifest) = serde_json::from_value::<Manifest>(serde_json::json!({ *key: "probe" })) {
                assert!(manifest.extra.is_empty(), "`{key}` is not read by the model");
            }
        }
        let unknown: Manifest = serde_json::from_value(serde_json::json!({ "probe": "x" })).unwrap();
        assert!(unknown.extra.contains_key("probe"), "the probe tells known keys from unknown ones");
        let full = Manifest {
            id: Some("i".into()),
            version: Some("v".into()),
            name: Some("n".into()),
            vendor: Some("v".into()),
            description: Some("d".into()),
            delivery: Some(Delivery::Type("http".into())),
            configuration: Some(Configuration::default()),
            custom_data: Some(CustomDataSpec::default()),
            scopes: Some(Scopes::default()),
            events: vec!["e".into()],
            actions: vec![Action::default()],
            output_fields: Some(Value::Null),
            ..Manifest::default()
        };
        let written = serde_json::to_value(&full).unwrap();
        let keys: Vec<&str> = written.as_object().unwrap().keys().map(String::as_str).collect();
        for key in keys {
            assert!(KNOWN_KEYS.contains(&key), "`{key}` is written by the model but not in KNOWN_KEYS");
        }
    }
}
