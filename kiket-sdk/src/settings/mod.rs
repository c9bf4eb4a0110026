//! Extension settings: manifest defaults, overlaid by `KIKET_SECRET_<NAME>` for keys marked
//! secret, overlaid by explicit values (PROTOCOL.md §5).

use crate::manifest::{resolve_env, Manifest};
use kiket_types::{secret_env_name, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone)]
enum Setting {
    Plain(Value),
    Secret(SecretString),
}

/// Why a setting could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The setting has no value; `hint` says what sets it.
    #[error("setting `{key}` is not set: {hint}")]
    Missing {
        /// The key.
        key: String,
        /// What sets it.
        hint: String,
    },
    /// The value does not have the requested type.
    #[error("setting `{key}` is not a valid {expected}: {reason}")]
    WrongType {
        /// The key.
        key: String,
        /// The requested Rust type.
        expected: &'static str,
        /// What is wrong (never the value of a secret).
        reason: String,
    },
}

/// Resolved settings. `Debug` shows secret keys but not their values.
#[derive(Clone, Default)]
pub struct Settings {
    values: BTreeMap<String, Setting>,
    secret_keys: Vec<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut map = f.debug_map();
        for (key, value) in &self.values {
            match value {
                Setting::Plain(v) => map.entry(key, v),
                Setting::Secret(_) => map.entry(key, &"[redacted]"),
            };
        }
        map.finish()
    }
}

impl Settings {
    /// Resolves settings from the manifest's properties, the environment (`var`) and
    /// explicit values. Returns the keys of required properties without a value as errors.
    ///
    /// `references` resolves `env:NAME` defaults; `overlay` supplies `KIKET_SECRET_<NAME>`.
    pub(crate) fn resolve(
        manifest: Option<&Manifest>,
        explicit: &BTreeMap<String, Value>,
        references: &dyn Fn(&str) -> Option<String>,
        overlay: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, Vec<SettingsError>> {
        let mut settings = Self::default();
        let properties = manifest.and_then(|m| m.configuration.as_ref()).map(|c| &c.properties);
        let mut missing = Vec::new();
        for (key, property) in properties.into_iter().flatten() {
            let mut value = property.default.clone().and_then(|default| match default {
                Value::String(text) => resolve_env(&text, references).map(Value::String),
                other => Some(other),
            });
            if property.secret {
                settings.secret_keys.push(key.clone());
                if let Some(secret) = overlay(&secret_env_name(key)).filter(|v| !v.is_empty()) {
                    value = Some(Value::String(secret));
                }
            }
            if let Some(explicit) = explicit.get(key) {
                value = Some(explicit.clone());
            }
            match value {
                Some(value) => settings.insert(key, value),
                None if property.required => {
                    missing.push(SettingsError::Missing { key: key.clone(), hint: hint(key, property.secret) })
                }
                None => {}
            }
        }
        for (key, value) in explicit {
            if !settings.values.contains_key(key) {
                settings.insert(key, value.clone());
            }
        }
        if missing.is_empty() {
            Ok(settings)
        } else {
            Err(missing)
        }
    }

    fn insert(&mut self, key: &str, value: Value) {
        let setting = if self.secret_keys.iter().any(|k| k == key) {
            let text = match value {
                Value::String(text) => text,
                other => other.to_string(),
            };
            Setting::Secret(SecretString::new(text))
        } else {
            Setting::Plain(value)
        };
        self.values.insert(key.to_owned(), setting);
    }

    /// The setting as `T`, or `None` when it has no value.
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, SettingsError> {
        let Some(setting) = self.values.get(key) else {
            return Ok(None);
        };
        let (value, secret) = match setting {
            Setting::Plain(value) => (value.clone(), false),
            Setting::Secret(secret) => (Value::String(secret.expose().to_owned()), true),
        };
        serde_json::from_value(value).map(Some).map_err(|e| SettingsError::WrongType {
            key: key.to_owned(),
            expected: std::any::type_name::<T>(),
            reason: if secret { "the secret value has another type".to_owned() } else { e.to_string() },
        })
    }

    /// The setting as `T`, failing with a message that says what sets it.
    pub fn require<T: DeserializeOwned>(&self, key: &str) -> Result<T, SettingsError> {
        let secret = self.secret_keys.iter().any(|k| k == key);
        self.get(key)?.ok_or_else(|| SettingsError::Missing { key: key.to_owned(), hint: hint(key, secret) })
    }

    /// A secret setting as a [`SecretString`] (also works for plain string settings).
    pub fn secret(&self, key: &str) -> Option<SecretString> {
        match self.values.get(key)? {
            Setting::Secret(secret) => Some(secret.clone()),
            Setting::Plain(Value::String(text)) => Some(SecretString::new(text.clone())),
            Setting::Plain(_) => None,
        }
    }

    /// Keys that have a value.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    /// The settings as JSON with secret values replaced by `"[redacted]"` (for display).
    pub fn redacted(&self) -> Value {
        self.values
            .iter()
            .map(|(k, v)| {
                let shown = match v {
                    Setting::Plain(value) => value.clone(),
                    Setting::Secret(_) => Value::String("[redacted]".into()),
                };
                (k.clone(), shown)
            })
            .collect::<serde_json::Map<_, _>>()
            .into()
    }
}

fn hint(key: &str, secret: bool) -> String {
    let mut hint = format!("set `configuration.properties.{key}.default` in the manifest");
    if secret {
        hint.push_str(&format!(", or the environment variable {}", secret_env_name(key)));
    }
    hint.push_str(", or pass it with ConfigBuilder::setting");
    hint
}
