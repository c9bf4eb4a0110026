//! Event version resolution (PROTOCOL.md §1).
//!
//! The first non-blank of: the path's `{version}`, the `X-Kiket-Event-Version` header, the
//! `version` query parameter; values are trimmed. Versions are opaque labels; when the exact
//! label is not registered, an all-digit version also matches its `v`-prefixed form and vice
//! versa (`1` ≡ `v1`).

use axum::http::{HeaderMap, HeaderName};
use std::borrow::Cow;

/// Header naming the event version (named in [`kiket_types::headers`]).
pub const VERSION_HEADER: &str = kiket_types::headers::EVENT_VERSION.name();

/// [`VERSION_HEADER`] as a header name, built once (looking a header up by text parses the text).
static VERSION_HEADER_NAME: HeaderName = HeaderName::from_static(VERSION_HEADER);

/// The message of the 400 answered when no version is given anywhere (PROTOCOL §1, verbatim).
pub const VERSION_REQUIRED: &str =
    "Event version required. Provide X-Kiket-Event-Version header, version query param, or /v/{version} path.";

/// Resolves the version of a delivery, or `None` when none is given.
pub fn resolve<'a>(path: Option<&'a str>, headers: &'a HeaderMap, query: Option<&'a str>) -> Option<Cow<'a, str>> {
    let non_blank = |s: &'a str| Some(s.trim()).filter(|t| !t.is_empty());
    if let Some(version) = path.and_then(non_blank) {
        return Some(Cow::Borrowed(version));
    }
    if let Some(version) = headers.get(&VERSION_HEADER_NAME).and_then(|v| v.to_str().ok()).and_then(non_blank) {
        return Some(Cow::Borrowed(version));
    }
    let query = query?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, value)| key == "version" && !value.trim().is_empty())
        .map(|(_, value)| Cow::Owned(value.trim().to_owned()))
}

/// The other spelling of a numeric version: `1` → `v1`, `v1` → `1`; `None` for other labels.
pub fn alternate(version: &str) -> Option<String> {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if all_digits(version) {
        return Some(format!("v{version}"));
    }
    version.strip_prefix('v').filter(|rest| all_digits(rest)).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(version: Option<&str>) -> HeaderMap {
        let mut map = HeaderMap::new();
        if let Some(v) = version {
            map.insert(VERSION_HEADER, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn path_then_header_then_query_first_non_blank_wins() {
        assert_eq!(resolve(Some("v2"), &headers(Some("v1")), Some("version=v3")).as_deref(), Some("v2"));
        assert_eq!(resolve(Some("  "), &headers(Some(" v1 ")), Some("version=v3")).as_deref(), Some("v1"));
        assert_eq!(resolve(None, &headers(Some("")), Some("a=1&version=%20v3%20")).as_deref(), Some("v3"));
        assert_eq!(resolve(None, &headers(None), Some("version=&version=2024-10-01")).as_deref(), Some("2024-10-01"));
        assert_eq!(resolve(None, &headers(None), Some("versions=v1")), None);
        assert_eq!(resolve(None, &headers(None), None), None);
    }

    #[test]
    fn numeric_versions_have_one_alternate_spelling() {
        assert_eq!(alternate("1").as_deref(), Some("v1"));
        assert_eq!(alternate("v12").as_deref(), Some("12"));
        assert_eq!(alternate("v"), None);
        assert_eq!(alternate("v1beta"), None);
        assert_eq!(alternate("2024-10-01"), None);
        assert_eq!(alternate("V1"), None);
    }

    mod properties {
        use super::super::{alternate, resolve, VERSION_HEADER};
        use axum::http::{HeaderMap, HeaderValue};
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn numeric_versions_alias_both_ways(n in 0u64..1_000_000) {
                let bare = n.to_string();
                let prefixed = format!("v{n}");
                prop_assert_eq!(alternate(&bare), Some(prefixed.clone()));
                prop_assert_eq!(alternate(&prefixed), Some(bare));
            }

            #[test]
            fn alternates_are_involutions(version in "[ -~]{0,16}") {
                if let Some(other) = alternate(&version) {
                    prop_assert_eq!(alternate(&other), Some(version));
                }
            }

            #[test]
            fn resolved_versions_are_trimmed_and_follow_the_precedence(path in "[ a-z0-9.-]{0,8}", header in "[a-z0-9.-]{0,8}", query in "[a-z0-9.-]{0,8}") {
                let mut headers = HeaderMap::new();
                headers.insert(VERSION_HEADER, HeaderValue::from_str(&header).unwrap());
                let query_string = format!("version={query}");
                let resolved = resolve(Some(&path), &headers, Some(&query_string));
                let expected = [path.trim(), header.trim(), query.trim()].into_iter().find(|v| !v.is_empty()).map(str::to_owned);
                prop_assert_eq!(resolved.map(|v| v.into_owned()), expected);
            }
        }
    }
}
