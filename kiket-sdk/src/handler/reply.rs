//! [`Reply`]: the JSON body a handler answers with.

use bytes::Bytes;
use serde::Serialize;

/// A handler's successful answer, sent with status 200.
///
/// Serialised when it is built, so the server only copies bytes:
///
/// ```
/// use kiket_sdk::Reply;
/// let reply = Reply::json(serde_json::json!({"ok": true, "version": "v2"}));
/// assert_eq!(reply.body(), Some(&br#"{"ok":true,"version":"v2"}"#[..]));
/// assert_eq!(Reply::ok().body(), Some(&br#"{"ok":true}"#[..]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply(Result<Bytes, String>);

impl Reply {
    /// `{"ok":true}`: what the platform expects when a handler has nothing to say.
    pub fn ok() -> Self {
        Self(Ok(Bytes::from_static(br#"{"ok":true}"#)))
    }

    /// Any serialisable value as the response body.
    ///
    /// A value that cannot be serialised (a map with non-string keys, a failing custom
    /// `Serialize`) makes the delivery fail with 500 and a log line naming the error.
    pub fn json<T: Serialize>(value: T) -> Self {
        Self(serde_json::to_vec(&value).map(Bytes::from).map_err(|e| e.to_string()))
    }

    /// The encoded body, or `None` when encoding failed.
    pub fn body(&self) -> Option<&[u8]> {
        self.0.as_ref().ok().map(|b| b.as_ref())
    }

    pub(crate) fn into_bytes(self) -> Result<Bytes, String> {
        self.0
    }
}

impl Default for Reply {
    fn default() -> Self {
        Self::ok()
    }
}

impl From<serde_json::Value> for Reply {
    fn from(value: serde_json::Value) -> Self {
        Self::json(value)
    }
}

impl From<()> for Reply {
    fn from((): ()) -> Self {
        Self::ok()
    }
}
