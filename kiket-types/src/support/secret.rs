//! [`SecretString`]: a string that never prints, and [`secret_env_name`]: the environment
//! variable that overrides a secret.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use zeroize::Zeroize;

/// `KIKET_SECRET_<NAME>` for a setting or secret key (PROTOCOL §5): upper-cased, every run of characters outside
/// `[A-Z0-9]` replaced by `_`, leading and trailing `_` stripped.
///
/// ```
/// use kiket_types::secret_env_name;
/// assert_eq!(secret_env_name("example.apiKey"), "KIKET_SECRET_EXAMPLE_APIKEY");
/// assert_eq!(secret_env_name("--crm..token--"), "KIKET_SECRET_CRM_TOKEN");
/// ```
pub fn secret_env_name(key: &str) -> String {
    let mut name = String::with_capacity(key.len());
    let mut in_run = false;
    for c in key.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_uppercase());
            in_run = false;
        } else if !in_run {
            name.push('_');
            in_run = true;
        }
    }
    format!("KIKET_SECRET_{}", name.trim_matches('_'))
}

/// A secret value (runtime token, per-organisation secret) that never shows its contents.
///
/// `Debug` and `Display` print `[redacted]`; the value is only reachable through
/// [`SecretString::expose`], and its memory is zeroed on drop. Serialising writes the real
/// value, because payloads are re-encoded when forwarded.
///
/// ```
/// use kiket_types::SecretString;
/// let token = SecretString::new("eyJhbGciOi...");
/// assert_eq!(format!("{token:?}"), "SecretString([redacted])");
/// assert_eq!(token.expose(), "eyJhbGciOi...");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value. Do not log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `true` when the value is empty or only whitespace.
    pub fn is_blank(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(feature = "json-schema")]
impl schemars::JsonSchema for SecretString {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("SecretString")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "writeOnly": true })
    }
}
