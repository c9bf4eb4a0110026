//! [`Id`]: identifiers that arrive as JSON numbers or strings.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::fmt;

/// An identifier the platform sends either as a number (`42`) or as a string (`"ISS-42"`).
///
/// The form that arrived is kept, so re-encoding a payload is lossless; [`fmt::Display`]
/// prints the bare value either way.
///
/// ```
/// use kiket_types::Id;
/// let numeric: Id = serde_json::from_str("42").unwrap();
/// let text: Id = serde_json::from_str("\"42\"").unwrap();
/// assert_eq!(numeric.to_string(), text.to_string());
/// assert_eq!(serde_json::to_string(&numeric).unwrap(), "42");
/// assert_eq!(numeric.as_u64(), Some(42));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum Id {
    /// Sent as a JSON number.
    Number(serde_json::Number),
    /// Sent as a JSON string.
    Text(String),
}

impl<'de> Deserialize<'de> for Id {
    /// Reads a number or a string directly (no buffering, unlike an untagged enum).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IdVisitor;

        impl Visitor<'_> for IdVisitor {
            type Value = Id;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an identifier (a number or a string)")
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Id, E> {
                Ok(Id::Number(value.into()))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Id, E> {
                Ok(Id::Number(value.into()))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Id, E> {
                serde_json::Number::from_f64(value)
                    .map(Id::Number)
                    .ok_or_else(|| E::custom("an identifier must be a finite number"))
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Id, E> {
                Ok(Id::Text(value.to_owned()))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<Id, E> {
                Ok(Id::Text(value))
            }
        }

        deserializer.deserialize_any(IdVisitor)
    }
}

impl Id {
    /// The identifier as a non-negative integer, when it is one (in either form).
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Self::Number(n) => n.as_u64(),
            Self::Text(s) => s.parse().ok(),
        }
    }

    /// `true` when the identifier is an empty or all-whitespace string: such an id names
    /// nothing, and the API client refuses to send it.
    ///
    /// ```
    /// use kiket_types::Id;
    /// assert!(Id::from(" ").is_blank());
    /// assert!(!Id::from(0u64).is_blank());
    /// ```
    pub fn is_blank(&self) -> bool {
        matches!(self, Self::Text(s) if s.trim().is_empty())
    }

    /// The identifier as text (borrowed when it arrived as a string).
    pub fn as_str(&self) -> Cow<'_, str> {
        match self {
            Self::Number(n) => Cow::Owned(n.to_string()),
            Self::Text(s) => Cow::Borrowed(s),
        }
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Number(n) => fmt::Display::fmt(n, f),
            Self::Text(s) => f.write_str(s),
        }
    }
}

impl From<u64> for Id {
    fn from(value: u64) -> Self {
        Self::Number(value.into())
    }
}

impl From<i64> for Id {
    fn from(value: i64) -> Self {
        Self::Number(value.into())
    }
}

impl From<i32> for Id {
    fn from(value: i32) -> Self {
        Self::Number(value.into())
    }
}

impl From<u32> for Id {
    fn from(value: u32) -> Self {
        Self::Number(value.into())
    }
}

impl From<usize> for Id {
    fn from(value: usize) -> Self {
        Self::Number(value.into())
    }
}

impl From<&String> for Id {
    fn from(value: &String) -> Self {
        Self::Text(value.clone())
    }
}

impl From<&Id> for Id {
    fn from(value: &Id) -> Self {
        value.clone()
    }
}

impl From<&str> for Id {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<String> for Id {
    fn from(value: String) -> Self {
        Self::Text(value)
    }
}

#[cfg(feature = "json-schema")]
impl schemars::JsonSchema for Id {
    fn schema_name() -> Cow<'static, str> {
        Cow::Borrowed("Id")
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "Identifier sent as a number or a string.",
            "type": ["integer", "string"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Id;

    #[test]
    fn keeps_the_form_it_arrived_in() {
        for text in ["42", "\"42\"", "\"ISS-7\"", "18446744073709551615"] {
            let id: Id = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&id).unwrap(), text);
        }
    }

    #[test]
    fn rejects_other_json_types() {
        assert!(serde_json::from_str::<Id>("true").is_err());
        assert!(serde_json::from_str::<Id>("{}").is_err());
    }
}
