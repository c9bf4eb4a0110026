//! References from manifest values to environment variables (PROTOCOL §9.1): `env.NAME`,
//! `env:NAME` (a whole value) and `${NAME}` (anywhere in a value, several allowed). Every
//! place that reads a manifest value that may reference one resolves it here.

/// How a value names environment variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reference<'a> {
    /// The whole value is `env.NAME` or `env:NAME` (prefix case-insensitive).
    Whole(&'a str),
    /// The value has `${NAME}` in it (once or more); the rest is text.
    Interpolated,
    /// A plain value.
    None,
}

/// `NAME` of an environment variable: a letter or `_`, then letters, digits, `_`.
pub(crate) fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What `value` references.
///
/// ```
/// use kiket_sdk::manifest::{reference, Reference};
/// assert_eq!(reference("env.KIKET_WEBHOOK_SECRET"), Reference::Whole("KIKET_WEBHOOK_SECRET"));
/// assert_eq!(reference("ENV:SMTP_HOST"), Reference::Whole("SMTP_HOST"));
/// assert_eq!(reference("${EXTENSION_BASE_URL}/hooks"), Reference::Interpolated);
/// assert_eq!(reference("env.example.com"), Reference::None); // a host name, not a variable
/// assert_eq!(reference("http"), Reference::None);
/// ```
pub fn reference(value: &str) -> Reference<'_> {
    let trimmed = value.trim();
    if trimmed.len() > 4 && trimmed[..3].eq_ignore_ascii_case("env") && matches!(&trimmed[3..4], "." | ":") {
        let name = trimmed[4..].trim();
        if is_variable_name(name) {
            return Reference::Whole(name);
        }
    }
    if variables(value).next().is_some() {
        return Reference::Interpolated;
    }
    Reference::None
}

/// The `${NAME}` references in `value`, in order.
fn variables(value: &str) -> impl Iterator<Item = &str> {
    value.match_indices("${").filter_map(move |(at, _)| {
        let rest = &value[at + 2..];
        let name = &rest[..rest.find('}')?];
        is_variable_name(name).then_some(name)
    })
}

/// Every variable `value` references, in order (none for a plain value).
///
/// ```
/// assert_eq!(kiket_sdk::manifest::referenced_variables("https://${HOST}:${PORT}/x"), ["HOST", "PORT"]);
/// assert_eq!(kiket_sdk::manifest::referenced_variables("env:SECRET"), ["SECRET"]);
/// assert!(kiket_sdk::manifest::referenced_variables("plain").is_empty());
/// ```
pub fn referenced_variables(value: &str) -> Vec<&str> {
    match reference(value) {
        Reference::Whole(name) => vec![name],
        Reference::Interpolated => variables(value).collect(),
        Reference::None => Vec::new(),
    }
}

/// `value` with its references resolved through `var`; `Err(NAME)` names the first variable
/// that is unset (or blank). A plain value is returned as it is.
///
/// ```
/// let var = |name: &str| (name == "HOST").then(|| "hooks.example.com".to_owned());
/// assert_eq!(kiket_sdk::manifest::resolve_references("https://${HOST}/x", &var), Ok("https://hooks.example.com/x".into()));
/// assert_eq!(kiket_sdk::manifest::resolve_references("env.HOST", &var), Ok("hooks.example.com".into()));
/// assert_eq!(kiket_sdk::manifest::resolve_references("env:MISSING", &var), Err("MISSING".into()));
/// assert_eq!(kiket_sdk::manifest::resolve_references("http", &var), Ok("http".into()));
/// ```
pub fn resolve_references(value: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let lookup = |name: &str| var(name).filter(|v| !v.trim().is_empty()).ok_or_else(|| name.to_owned());
    match reference(value) {
        Reference::None => Ok(value.to_owned()),
        Reference::Whole(name) => lookup(name),
        Reference::Interpolated => {
            let mut out = String::with_capacity(value.len());
            let mut rest = value;
            while let Some(at) = rest.find("${") {
                let after = &rest[at + 2..];
                match after.find('}').map(|end| &after[..end]).filter(|name| is_variable_name(name)) {
                    Some(name) => {
                        out.push_str(&rest[..at]);
                        out.push_str(&lookup(name)?);
                        rest = &after[name.len() + 1..];
                    }
                    None => {
                        out.push_str(&rest[..at + 2]);
                        rest = after;
                    }
                }
            }
            out.push_str(rest);
            Ok(out)
        }
    }
}

/// The 1-based line of `text` where `needle` first appears, if it does.
pub(crate) fn line_of(text: &str, needle: &str) -> Option<usize> {
    let at = text.find(needle)?;
    Some(text[..at].matches('\n').count() + 1)
}
