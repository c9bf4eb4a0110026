//! The runtime block: the fields of a delivery that the webhook runtime reads itself.
//!
//! `schemas/common/delivery_runtime.json` lists them in `x-kiket-runtime-fields`
//! (`{"field": "runtime_token", "path": ["authentication", "runtime_token"]}`). From that one
//! list, with the types the schema gives each path, this step writes:
//! - `RuntimeFields<'a>`: the fields, borrowed;
//! - `RuntimeScan<'a>`: a borrowing `Deserialize` of just those paths, which skips every other
//!   key of a body (the runtime reads the block before anything is decoded when a body's
//!   signature did not verify it);
//! - the body of `EventPayload::runtime_fields` for every event schema that carries the block
//!   (its object blocks: `authentication`, `api`, `secrets`). A top-level string field (the
//!   event names) is read from the payload's own field when its schema declares it, and from
//!   its `extra` map otherwise.

use crate::bundle::Bundle;
use serde_json::Value;
use std::fmt::Write;

/// The schema title that declares the runtime block.
const RUNTIME_TITLE: &str = "DeliveryRuntime";

/// What a path ends in.
enum Leaf {
    /// A bundled type (`SecretString`, `Secrets`): scanned owned, lent by reference.
    Type(String),
    /// A string: scanned borrowed (`Cow<str>`), lent as `&str`.
    Str,
}

/// One field of the runtime block.
struct Field {
    name: String,
    /// Property names from the delivery's root.
    path: Vec<String>,
    leaf: Leaf,
    description: String,
}

/// The runtime block as the schemas declare it.
pub struct RuntimeBlock {
    fields: Vec<Field>,
    /// Top-level properties with the `$ref` each must carry (`authentication` → `Authentication`).
    roots: Vec<(String, Value)>,
}

impl RuntimeBlock {
    /// Reads `x-kiket-runtime-fields` of `DeliveryRuntime` and resolves each path.
    pub fn load(bundle: &Bundle) -> Result<Self, String> {
        let schema_of = |title: &str| bundle.files.iter().find(|f| f.title == title).map(|f| &f.schema);
        let runtime = schema_of(RUNTIME_TITLE).ok_or(format!("no schema titled {RUNTIME_TITLE}"))?;
        let declared = runtime
            .get("x-kiket-runtime-fields")
            .and_then(Value::as_array)
            .ok_or(format!("{RUNTIME_TITLE} has no `x-kiket-runtime-fields` array"))?;
        let mut fields = Vec::new();
        let mut roots: Vec<(String, Value)> = Vec::new();
        for entry in declared {
            let name = entry.get("field").and_then(Value::as_str).ok_or("a runtime field has no `field`")?.to_owned();
            let path: Vec<String> = entry
                .get("path")
                .and_then(Value::as_array)
                .map(|p| p.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default();
            if path.is_empty() || path.len() > 2 {
                return Err(format!("runtime field `{name}`: `path` must name one or two properties"));
            }
            let mut schema = runtime;
            let mut description = String::new();
            let mut leaf = None;
            for (depth, segment) in path.iter().enumerate() {
                let property = schema
                    .get("properties")
                    .and_then(|p| p.get(segment))
                    .ok_or(format!("runtime field `{name}`: no property `{segment}`"))?;
                if depth == 0 && !roots.iter().any(|(root, _)| root == segment) {
                    roots.push((segment.clone(), property.clone()));
                }
                let target =
                    property.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/"));
                if let Some(text) = property.get("description").and_then(Value::as_str) {
                    description = text.to_owned();
                }
                if depth + 1 < path.len() {
                    let title = target.ok_or(format!("runtime field `{name}`: `{segment}` must be a `$ref`"))?;
                    schema = schema_of(title).ok_or(format!("runtime field `{name}`: no schema titled {title}"))?;
                } else {
                    leaf = Some(match (target, property.get("type").and_then(Value::as_str)) {
                        (Some(title), _) => {
                            if description.is_empty() {
                                description = schema_of(title)
                                    .and_then(|s| s.get("description"))
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .to_owned();
                            }
                            Leaf::Type(title.to_owned())
                        }
                        (None, Some("string")) => Leaf::Str,
                        _ => return Err(format!("runtime field `{name}`: `{segment}` must be a `$ref` or a string")),
                    });
                }
            }
            let leaf = leaf.ok_or(format!("runtime field `{name}` resolves to nothing"))?;
            fields.push(Field { name, path, leaf, description });
        }
        Ok(Self { fields, roots })
    }

    /// `true` when `schema` (an event, `allOf` merged) declares every object block of the
    /// runtime (`$ref` roots), optional and with the same type as `DeliveryRuntime`.
    pub fn carried_by(&self, schema: &Value) -> bool {
        self.roots.iter().filter(|(_, declared)| declared.get("$ref").is_some()).all(|(name, declared)| {
            let property = schema.get("properties").and_then(|p| p.get(name));
            !required(schema, name) && property.and_then(|p| p.get("$ref")) == declared.get("$ref")
        })
    }

    /// `RuntimeFields`, `RuntimeScan` and their impls.
    pub fn types(&self) -> String {
        let mut out = String::from(
            "/// The fields of a delivery that the webhook runtime reads itself, borrowed from a payload\n\
             /// or from a [`RuntimeScan`] of the body. Generated from `x-kiket-runtime-fields` of\n\
             /// `schemas/common/delivery_runtime.json`.\n///\n\
             /// `Debug` shows the token and secret values as `[redacted]`.\n\
             #[derive(Debug, Clone, Copy, Default)]\n#[non_exhaustive]\npub struct RuntimeFields<'a> {\n",
        );
        for field in &self.fields {
            let _ = writeln!(
                out,
                "    /// `{}`: {}\n    pub {}: Option<{}>,",
                field.path.join("."),
                field.description,
                field.name,
                lent_type(&field.leaf)
            );
        }
        out.push_str("}\n\nimpl<'a> RuntimeFields<'a> {\n    /// Runtime fields from their parts (for payload types written by hand).\n    pub fn new(");
        let params: Vec<String> =
            self.fields.iter().map(|f| format!("{}: Option<{}>", f.name, lent_type(&f.leaf))).collect();
        let names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
        let _ =
            writeln!(out, "{}) -> Self {{\n        Self {{ {} }}\n    }}\n}}\n", params.join(", "), names.join(", "));

        out.push_str(
            "/// Just the runtime fields of a delivery body, read without decoding anything else: every\n\
             /// other key is skipped, strings are borrowed from the body where they can be.\n\
             #[derive(serde::Deserialize, Default, Debug)]\npub struct RuntimeScan<'a> {\n",
        );
        let mut nested = String::new();
        for (root, _) in &self.roots {
            let children: Vec<&Field> =
                self.fields.iter().filter(|f| f.path.len() == 2 && &f.path[0] == root).collect();
            if let Some(field) = self.fields.iter().find(|f| f.path.len() == 1 && &f.path[0] == root) {
                let borrow = if matches!(field.leaf, Leaf::Str) { ", borrow" } else { "" };
                let rust = ident(root);
                let rename = if rust == *root { String::new() } else { format!(", rename = {root:?}") };
                let _ = writeln!(
                    out,
                    "    #[serde(default{borrow}{rename})]\n    {rust}: Option<{}>,",
                    scanned_type(&field.leaf)
                );
                continue;
            }
            let struct_name = format!("RuntimeScan{}", pascal(root));
            let borrows = children.iter().any(|f| matches!(f.leaf, Leaf::Str));
            let lifetime = if borrows { "<'a>" } else { "" };
            let borrow = if borrows { ", borrow" } else { "" };
            let _ = writeln!(out, "    #[serde(default{borrow})]\n    {root}: Option<{struct_name}{lifetime}>,");
            let _ =
                writeln!(nested, "#[derive(serde::Deserialize, Default, Debug)]\nstruct {struct_name}{lifetime} {{");
            for child in children {
                let child_borrow = if matches!(child.leaf, Leaf::Str) { ", borrow" } else { "" };
                let _ = writeln!(
                    nested,
                    "    #[serde(default{child_borrow})]\n    {}: Option<{}>,",
                    child.path[1],
                    scanned_type(&child.leaf)
                );
            }
            nested.push_str("}\n\n");
        }
        out.push_str("    #[serde(skip)]\n    _body: std::marker::PhantomData<&'a [u8]>,\n}\n\n");
        out.push_str(&nested);
        let _ = writeln!(
            out,
            "impl RuntimeScan<'_> {{\n    /// The scanned fields.\n    pub fn fields(&self) -> RuntimeFields<'_> {{\n        {}\n    }}\n}}",
            self.constructor(None)
        );
        out
    }

    /// The body of `runtime_fields` for a payload type of `schema` carrying the block.
    pub fn payload_impl(&self, schema: &Value) -> String {
        format!(" fn runtime_fields(&self) -> Option<RuntimeFields<'_>> {{ Some({}) }}", self.constructor(Some(schema)))
    }

    /// `RuntimeFields { … }` read from `self`: a payload of `schema`, or (`None`) the scan;
    /// fields follow the schema's property names.
    fn constructor(&self, schema: Option<&Value>) -> String {
        let parts: Vec<String> = self
            .fields
            .iter()
            .map(|field| {
                let lend = match field.leaf {
                    Leaf::Type(_) => "as_ref()",
                    Leaf::Str => "as_deref()",
                };
                let declared =
                    |name: &str| schema.is_none_or(|s| s.get("properties").and_then(|p| p.get(name)).is_some());
                let access = match field.path.as_slice() {
                    [root] if matches!(field.leaf, Leaf::Str) && !declared(root) => {
                        format!("self.extra.get({root:?}).and_then(serde_json::Value::as_str)")
                    }
                    [root] if schema.is_some_and(|s| required(s, root)) => {
                        format!("Some(self.{}.as_str())", ident(root))
                    }
                    [root] => format!("self.{}.{lend}", ident(root)),
                    [root, child] => format!("self.{root}.as_ref().and_then(|b| b.{child}.{lend})"),
                    _ => unreachable!("paths are checked to have one or two segments"),
                };
                format!("{}: {access}", field.name)
            })
            .collect();
        format!("RuntimeFields {{ {} }}", parts.join(", "))
    }
}

/// `true` when `schema` lists `name` as required.
fn required(schema: &Value, name: &str) -> bool {
    schema.get("required").and_then(Value::as_array).is_some_and(|r| r.iter().any(|n| n == name))
}

/// The Rust field typify gives property `name` (keywords get a trailing `_`).
fn ident(name: &str) -> String {
    match name {
        "type" | "match" | "ref" | "self" | "struct" | "enum" | "fn" | "impl" | "mod" | "use" | "move" => {
            format!("{name}_")
        }
        _ => name.to_owned(),
    }
}

fn lent_type(leaf: &Leaf) -> String {
    match leaf {
        Leaf::Type(title) => format!("&'a crate::{title}"),
        Leaf::Str => "&'a str".into(),
    }
}

fn scanned_type(leaf: &Leaf) -> String {
    match leaf {
        Leaf::Type(title) => format!("crate::{title}"),
        Leaf::Str => "std::borrow::Cow<'a, str>".into(),
    }
}

/// `authentication` → `Authentication`, `api_info` → `ApiInfo`.
fn pascal(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}
