//! Extension settings (PROTOCOL §5, §9.1): the manifest's declarations and defaults (typed by
//! their declared `type`), overlaid by the environment, overlaid by values set in code; a
//! handler's [`HandlerContext::setting`](crate::HandlerContext::setting) puts the delivery's
//! own value (`secrets.<KEY>`) above all of them.
//!
//! The environment of a setting `KEY`: `KIKET_SECRET_<KEY>` for a secret one (as always), and
//! the variable named exactly `KEY` when the key is written like one (`SMTP_PORT`: capitals,
//! digits, `_`), as the 1.x manifests write them.

use crate::manifest::{is_variable_name, resolve_references, Manifest, ManifestError, SettingType};
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
        /// The requested Rust type, or the declared type.
        expected: &'static str,
        /// What is wrong (never the value of a secret).
        reason: String,
    },
    /// A secret setting's default references an environment variable that is not set.
    #[error(transparent)]
    Unset(#[from] ManifestError),
}

/// Resolved settings. `Debug` shows secret keys but not their values.
#[derive(Clone, Default)]
pub struct Settings {
    values: BTreeMap<String, Setting>,
    secret_keys: Vec<String>,
    unset_required: Vec<String>,
    /// Each declared key's type.
    types: BTreeMap<String, SettingType>,
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
    /// Resolves settings from the manifest's declarations, the environment (`var`) and
    /// explicit values. A required setting without a value is not an error (its value may
    /// arrive with each delivery): it is listed by [`unset_required`](Self::unset_required).
    ///
    /// `references` resolves the variables a default references; `overlay` reads the
    /// environment (`KIKET_SECRET_<KEY>`, `KEY`).
    pub(crate) fn resolve(
        manifest: Option<&Manifest>,
        explicit: &BTreeMap<String, Value>,
        references: &dyn Fn(&str) -> Option<String>,
        overlay: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, SettingsError> {
        let mut settings = Self::default();
        let properties = manifest.and_then(|m| m.configuration.as_ref().map(|c| (m, &c.properties)));
        for (manifest, (key, property)) in properties.into_iter().flat_map(|(m, p)| p.iter().map(move |e| (m, e))) {
            let kind = property.setting_type();
            settings.types.insert(key.clone(), kind);
            if property.secret {
                settings.secret_keys.push(key.clone());
            }
            let default = match &property.default {
                Some(Value::String(text)) => match resolve_references(text, references) {
                    Ok(resolved) => Some(Value::String(resolved)),
                    // A secret the extension cannot run without: say which variable, and where.
                    Err(variable) if property.secret => {
                        return Err(manifest
                            .unset_variable(&format!("configuration.{key}.default"), text, variable)
                            .into());
                    }
                    Err(_) => None,
                },
                other => other.clone(),
            };
            let mut value = default.map(|v| typed(key, kind, property.secret, v)).transpose()?;
            if let Some(from_env) = environment_of(key, property.secret, overlay) {
                value = Some(typed(key, kind, property.secret, Value::String(from_env))?);
            }
            if let Some(explicit) = explicit.get(key) {
                value = Some(explicit.clone());
            }
            match value {
                Some(value) => settings.insert(key, value),
                None if property.required => settings.unset_required.push(key.clone()),
                None => {}
            }
        }
        for (key, value) in explicit {
            if !settings.values.contains_key(key) {
                settings.insert(key, value.clone());
            }
        }
        Ok(settings)
    }

    /// Required settings without a value at start-up, sorted: each must arrive with the
    /// deliveries (`secrets.<KEY>`), or be set in the environment. The server warns once per
    /// key and `kiket manifest check` lists them.
    ///
    /// ```
    /// let text = "model_version: \"1.0\"\nextension:\n  delivery: http\n  callback: {secret: whsec_x}\n  configuration:\n    PAGER_API_KEY: {type: string, secret: true, required: true}\n";
    /// let config = kiket_sdk::Config::builder().manifest(kiket_sdk::manifest::parse(text, "m.yaml".as_ref())?).build()?;
    /// assert_eq!(config.settings().unset_required(), ["PAGER_API_KEY"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn unset_required(&self) -> &[String] {
        &self.unset_required
    }

    /// `text`, a delivery's value of `key`, as `T`: read as the key's declared type first
    /// (`"587"` for an `integer` setting). A delivery's values are secrets: errors never
    /// repeat them.
    pub(crate) fn delivered<T: DeserializeOwned>(&self, key: &str, text: &str) -> Result<T, SettingsError> {
        let kind = self.types.get(key).copied().unwrap_or(SettingType::Text);
        let value = typed(key, kind, true, Value::String(text.to_owned()))?;
        convert(key, value, Some("the delivery's value has another type"))
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
        match setting {
            Setting::Plain(value) => convert(key, value.clone(), None).map(Some),
            Setting::Secret(secret) => {
                convert(key, Value::String(secret.expose().to_owned()), Some("the secret value has another type"))
                    .map(Some)
            }
        }
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

/// `value` read as the declared type `kind`, or [`SettingsError::WrongType`] (quoting the
/// value unless it is `secret`).
fn typed(key: &str, kind: SettingType, secret: bool, value: Value) -> Result<Value, SettingsError> {
    kind.read(value, secret).map_err(|reason| SettingsError::WrongType {
        key: key.to_owned(),
        expected: kind.name(),
        reason,
    })
}

/// `value` as `T`; the error's reason is `hidden` when the value must not be repeated.
fn convert<T: DeserializeOwned>(key: &str, value: Value, hidden: Option<&str>) -> Result<T, SettingsError> {
    serde_json::from_value(value).map_err(|e| SettingsError::WrongType {
        key: key.to_owned(),
        expected: std::any::type_name::<T>(),
        reason: hidden.map_or_else(|| e.to_string(), str::to_owned),
    })
}

/// The environment's value of setting `key`: `KIKET_SECRET_<KEY>` for a secret, then the
/// variable named `key` when the key is written like one.
fn environment_of(key: &str, secret: bool, var: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let named_like_a_variable = is_variable_name(key) && !key.chars().any(|c| c.is_ascii_lowercase());
    let secret_overlay = || secret.then(|| var(&secret_env_name(key))).flatten();
    secret_overlay().or_else(|| named_like_a_variable.then(|| var(key)).flatten()).filter(|v| !v.trim().is_empty())
}

fn hint(key: &str, secret: bool) -> String {
    let mut hint =
        format!("it arrives with a delivery as `secrets.{key}`; or set `configuration.{key}.default` in the manifest");
    if secret {
        hint.push_str(&format!(", or the environment variable {}", secret_env_name(key)));
    }
    hint.push_str(", or pass it with ConfigBuilder::setting");
    hint
}
