//! The operations of the extension API, generated from `openapi/` by `build.rs`: one constant
//! per operation (id as the generated client names its method, HTTP method, path template)
//! and [`ALL`].
//!
//! The ergonomic layer names the operation of each call through these constants (so a method
//! cannot name an operation the spec does not have), and the test kit's mock routes by them.
//!
//! ```
//! use kiket_client::operations::{self, LIST_CUSTOM_DATA};
//!
//! assert_eq!(LIST_CUSTOM_DATA.id, "list_custom_data");
//! assert_eq!(LIST_CUSTOM_DATA.method, "GET");
//! let params = LIST_CUSTOM_DATA.match_path("/api/v1/ext/custom_data/crm/contacts").unwrap();
//! assert_eq!(params, ["crm", "contacts"]);
//! assert!(operations::ALL.contains(&LIST_CUSTOM_DATA));
//! ```

/// One operation of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The operation id in snake case: the generated client's method (`list_custom_data`).
    pub id: &'static str,
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template with `{param}` segments.
    pub path: &'static str,
}

impl Operation {
    /// The raw (still percent-encoded) path parameters when `path` fits this operation's
    /// template, in template order; `None` otherwise. A trailing `/` is ignored.
    pub fn match_path<'p>(&self, path: &'p str) -> Option<Vec<&'p str>> {
        let mut segments = path.trim_end_matches('/').split('/');
        let mut params = Vec::new();
        for expected in self.path.split('/') {
            let segment = segments.next()?;
            if expected.starts_with('{') && expected.ends_with('}') {
                if segment.is_empty() {
                    return None;
                }
                params.push(segment);
            } else if expected != segment {
                return None;
            }
        }
        segments.next().is_none().then_some(params)
    }

    /// The operation with this id.
    pub fn find(id: &str) -> Option<Self> {
        ALL.iter().copied().find(|op| op.id == id)
    }
}

include!(concat!(env!("OUT_DIR"), "/operations.rs"));
