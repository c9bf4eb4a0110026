//! Step 1: the catalog's entries, one per `schemas/events/<event>/<version>.json`, with the
//! names each one becomes in Rust.

use crate::events;
use proc_macro2::{Ident, Span};
use std::path::Path;

/// One event schema file and its Rust names.
pub struct EventEntry {
    /// The schema file, relative to the package (`schemas/events/issue.created/v1.json`).
    pub schema_file: String,
    /// `issue.created`.
    pub event: String,
    /// `v1`.
    pub version: String,
    /// The payload type in `kiket-types` (the schema's `title`): `IssueCreatedV1`.
    pub type_name: String,
    /// The schema's `description`.
    pub description: String,
}

impl EventEntry {
    /// The payload type: `IssueCreatedV1`.
    pub fn payload(&self) -> Ident {
        ident(&self.type_name)
    }

    /// The handler trait: `IssueCreatedV1Handler`.
    pub fn handler_trait(&self) -> Ident {
        ident(&format!("{}Handler", self.type_name))
    }

    /// The registration method and `AllHandlers` field: `issue_created_v1`.
    pub fn method(&self) -> Ident {
        ident(&snake(&self.type_name))
    }
}

/// Every event schema below `<root>/schemas/events`, in catalog order.
pub fn read(root: &Path) -> Result<Vec<EventEntry>, String> {
    let files = events::read(&root.join("schemas").join("events"))?;
    if files.is_empty() {
        return Err("the catalog has no events".to_owned());
    }
    Ok(files
        .into_iter()
        .map(|file| EventEntry {
            schema_file: file.path.strip_prefix(root).unwrap_or(&file.path).display().to_string().replace('\\', "/"),
            description: file
                .schema
                .get("description")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            event: file.event,
            version: file.version,
            type_name: file.title,
        })
        .collect())
}

/// `issue.created` → `ISSUE_CREATED`.
pub fn const_name(event: &str) -> String {
    event.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect()
}

/// `IssueCreatedV1` → `issue_created_v1`.
pub fn snake(type_name: &str) -> String {
    let mut out = String::new();
    for (i, c) in type_name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

pub fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}
