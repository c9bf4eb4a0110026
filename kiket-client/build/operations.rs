//! The operation table: one entry per operation of the spec (id, method, path template), so
//! code that needs to know the API's operations (the ergonomic layer's error names, the test
//! kit's mock) reads them from the spec instead of keeping a list by hand.

use std::fmt::Write;

/// Writes `operations.rs`: a constant per operation (`LIST_CUSTOM_DATA`) and [`ALL`].
pub fn generate(spec: &openapiv3::OpenAPI) -> Result<String, String> {
    let mut constants = String::new();
    let mut all = Vec::new();
    for (path, item) in spec.paths.iter() {
        let item = item.as_item().ok_or_else(|| format!("path {path} is a reference; inline it"))?;
        for (method, operation) in item.iter() {
            let id = operation.operation_id.as_deref().ok_or_else(|| format!("{method} {path} has no operationId"))?;
            let id = snake_case(id);
            let constant = id.to_ascii_uppercase();
            let method = method.to_ascii_uppercase();
            let summary = operation.summary.as_deref().unwrap_or_default();
            let _ = writeln!(
                constants,
                "/// `{method} {path}`: {summary}\npub const {constant}: Operation = Operation {{ id: {id:?}, method: {method:?}, path: {path:?} }};"
            );
            all.push(constant);
        }
    }
    Ok(format!(
        "{constants}\n/// Every operation of the spec, in the spec's order.\npub const ALL: &[Operation] = &[{}];\n",
        all.join(", ")
    ))
}

/// `listCustomData` → `list_custom_data` (the name progenitor gives the client's method).
fn snake_case(id: &str) -> String {
    let mut out = String::new();
    for (i, c) in id.chars().enumerate() {
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
