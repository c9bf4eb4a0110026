//! Other names a property may arrive under (`"x-kiket-aliases": ["issue"]` beside the
//! property, in a schema): since the case cut-over the entity of `case.*` events is `case`, and
//! installations still on the legacy shape send it as `issue` (PROTOCOL §9.2). The one-pass
//! visitor ([`crate::visitor`]) accepts each alias for its property; when both names arrive, the
//! property's own name wins and the alias's value is kept in `extra`, so nothing is lost.

use crate::bundle::Bundle;
use serde_json::Value;
use std::collections::BTreeMap;

/// The schema keyword.
pub const KEYWORD: &str = "x-kiket-aliases";

/// `(struct name, wire name of the property) → its aliases`.
pub type Aliases = BTreeMap<(String, String), Vec<String>>;

/// Every alias of the bundle. The struct is the nearest enclosing schema with a `title` (a
/// file's own title for the members of its `allOf`); an aliased property inside an object
/// without one is an error, because the generated struct's name would be a guess.
pub fn collect(bundle: &Bundle) -> Result<Aliases, String> {
    let mut aliases = Aliases::new();
    for file in &bundle.files {
        walk(&file.schema, &file.title, &mut aliases).map_err(|e| format!("{}: {e}", file.relative))?;
    }
    Ok(aliases)
}

fn walk(schema: &Value, owner: &str, aliases: &mut Aliases) -> Result<(), String> {
    let Some(object) = schema.as_object() else { return Ok(()) };
    let owner = object.get("title").and_then(Value::as_str).unwrap_or(owner);
    if let Some(properties) = object.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            if let Some(list) = property.get(KEYWORD) {
                let names: Vec<String> = list
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .filter(|names: &Vec<String>| !names.is_empty())
                    .ok_or(format!("`{name}`: x-kiket-aliases must be a non-empty array of strings"))?;
                if names.iter().any(|alias| properties.contains_key(alias)) {
                    return Err(format!("`{name}`: an alias is also a property of {owner}"));
                }
                aliases.insert((owner.to_owned(), name.clone()), names);
            }
            // A nested inline object is its own struct only when titled.
            let nested_owner = property.get("title").and_then(Value::as_str);
            match nested_owner {
                Some(title) => walk(property, title, aliases)?,
                None if property.as_object().is_some_and(|inner| {
                    inner.iter().any(|(key, value)| key != KEYWORD && has_aliases_below(value))
                }) =>
                {
                    return Err(format!("`{name}` holds an aliased property: give the object a `title`"));
                }
                None => {}
            }
        }
    }
    for member in object.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        walk(member, owner, aliases)?;
    }
    Ok(())
}

fn has_aliases_below(schema: &Value) -> bool {
    match schema {
        Value::Object(map) => map.contains_key(KEYWORD) || map.values().any(has_aliases_below),
        Value::Array(items) => items.iter().any(has_aliases_below),
        _ => false,
    }
}

/// `schema` without the keyword, for typify (which would not take a `$ref` with a sibling).
pub fn without_keyword(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => map
            .iter()
            .filter(|(key, _)| *key != KEYWORD)
            .map(|(key, value)| (key.clone(), without_keyword(value)))
            .collect(),
        Value::Array(items) => Value::Array(items.iter().map(without_keyword).collect()),
        other => other.clone(),
    }
}
