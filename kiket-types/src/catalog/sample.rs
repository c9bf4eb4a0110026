//! Placeholder values that satisfy a schema, for samples and test fixtures.

use serde_json::{json, Map, Value};

/// Properties the runtime fills (tokens, secrets, URLs): never part of a sample.
const RUNTIME_FIELDS: [&str; 3] = ["authentication", "api", "secrets"];

/// A value valid for `schema`; `name` is the property it is for (guides strings).
pub(super) fn example(schema: &Value, definitions: &Value, name: &str, depth: usize) -> Value {
    if depth > 12 {
        return Value::Null;
    }
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let title = target.rsplit('/').next().unwrap_or_default();
        return definitions.get(title).map_or(Value::Null, |s| example(s, definitions, name, depth + 1));
    }
    if let Some(first) = schema.get("enum").and_then(Value::as_array).and_then(|v| v.first()) {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(key).and_then(Value::as_array).and_then(|v| v.first()) {
            return example(first, definitions, name, depth + 1);
        }
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let mut object = Map::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (key, property) in properties {
                    if depth == 0 && RUNTIME_FIELDS.contains(&key.as_str()) {
                        continue;
                    }
                    object.insert(key.clone(), example(property, definitions, key, depth + 1));
                }
            }
            Value::Object(object)
        }
        Some("array") => match schema.get("items") {
            Some(items) => json!([example(items, definitions, name, depth + 1)]),
            None => json!([]),
        },
        Some("integer") => json!(1),
        Some("number") => json!(1.5),
        Some("boolean") => json!(true),
        Some("string") => Value::String(text_for(name)),
        _ => json!({}),
    }
}

fn text_for(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with("_at") || lower.ends_with("at") && lower.contains("created") {
        "2026-01-01T00:00:00Z".into()
    } else if lower.contains("email") {
        "user@example.com".into()
    } else if lower == "key" {
        "PRJ-1".into()
    } else if lower == "title" {
        "Example title".into()
    } else if lower == "from" {
        "todo".into()
    } else if lower == "to" {
        "in_progress".into()
    } else if lower.is_empty() {
        "example".into()
    } else {
        format!("example {}", lower.replace('_', " "))
    }
}
