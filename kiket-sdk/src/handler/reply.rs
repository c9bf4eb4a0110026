//! [`Reply`]: the JSON body a handler answers with, and [`IntoReply`]: what a handler may
//! return in its place.

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
    ///
    /// ```
    /// assert_eq!(kiket_sdk::Reply::ok().body(), Some(&br#"{"ok":true}"#[..]));
    /// ```
    pub fn ok() -> Self {
        Self(Ok(Bytes::from_static(br#"{"ok":true}"#)))
    }

    /// Any serialisable value as the response body.
    ///
    /// A value that cannot be serialised (a map with non-string keys, a failing custom
    /// `Serialize`) makes the delivery fail with 500 and a log line naming the error.
    ///
    /// ```
    /// #[derive(serde::Serialize)]
    /// struct Synced { contact_id: u64 }
    /// let reply = kiket_sdk::Reply::json(Synced { contact_id: 42 });
    /// assert_eq!(reply.body(), Some(&br#"{"contact_id":42}"#[..]));
    /// ```
    pub fn json<T: Serialize>(value: T) -> Self {
        Self(serde_json::to_vec(&value).map(Bytes::from).map_err(|e| e.to_string()))
    }

    /// The encoded body, or `None` when encoding failed.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// // A map with non-string keys cannot be JSON: no body, and the delivery fails with 500.
    /// let reply = kiket_sdk::Reply::json(HashMap::from([((1, 2), "x")]));
    /// assert_eq!(reply.body(), None);
    /// ```
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

/// What a function or closure handler may return as its success value: a [`Reply`], `()`
/// (`{"ok":true}`), a [`Decision`](super::respond::Decision), a `serde_json::Value`, or any
/// `Serialize` type wrapped in [`Json`].
///
/// ```
/// use kiket_sdk::respond::{deny, Decision};
/// use kiket_sdk::{HandlerContext, HandlerError, IntoReply, Json, Router};
/// use kiket_types::{IssueCreatedV1, WorkflowBeforeTransitionV1};
///
/// async fn noted(_issue: IssueCreatedV1, _ctx: HandlerContext) -> Result<(), HandlerError> {
///     Ok(())
/// }
///
/// async fn gate(_t: WorkflowBeforeTransitionV1, _ctx: HandlerContext) -> Result<Decision, HandlerError> {
///     Ok(deny("Over budget"))
/// }
///
/// #[derive(serde::Serialize)]
/// struct Synced { contacts: usize }
///
/// let router = Router::new()
///     .on::<IssueCreatedV1, _>(noted)
///     .on::<WorkflowBeforeTransitionV1, _>(gate)
///     .raw("billing.paid", "v1", |_body: serde_json::Value, _ctx: HandlerContext| async {
///         Ok::<_, HandlerError>(Json(Synced { contacts: 3 }))
///     });
/// # drop(router);
/// assert_eq!(().into_reply().body(), Some(&br#"{"ok":true}"#[..]));
/// assert_eq!(Json(Synced { contacts: 3 }).into_reply().body(), Some(&br#"{"contacts":3}"#[..]));
/// ```
///
/// ```
/// // Your own answer type: implement the trait once, return it from any handler.
/// use kiket_sdk::{IntoReply, Reply};
///
/// struct Synced { contacts: usize }
///
/// impl IntoReply for Synced {
///     fn into_reply(self) -> Reply {
///         Reply::json(serde_json::json!({"ok": true, "contacts": self.contacts}))
///     }
/// }
/// assert_eq!(Synced { contacts: 2 }.into_reply().body(), Some(&br#"{"contacts":2,"ok":true}"#[..]));
/// ```
pub trait IntoReply {
    /// The reply this value answers with.
    fn into_reply(self) -> Reply;
}

impl IntoReply for Reply {
    fn into_reply(self) -> Reply {
        self
    }
}

impl IntoReply for () {
    fn into_reply(self) -> Reply {
        Reply::ok()
    }
}

impl IntoReply for serde_json::Value {
    fn into_reply(self) -> Reply {
        Reply::json(self)
    }
}

impl IntoReply for super::respond::Decision {
    fn into_reply(self) -> Reply {
        self.into()
    }
}

/// Any `Serialize` value as a handler's answer: `Ok(Json(summary))`.
///
/// ```
/// use kiket_sdk::{HandlerContext, HandlerError, IntoReply, Json};
///
/// #[derive(serde::Serialize)]
/// struct Summary { synced: usize }
///
/// async fn handle(_payload: serde_json::Value, _ctx: HandlerContext) -> Result<Json<Summary>, HandlerError> {
///     Ok(Json(Summary { synced: 3 }))
/// }
/// assert_eq!(Json(Summary { synced: 3 }).into_reply().body(), Some(&br#"{"synced":3}"#[..]));
/// # let _ = handle;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoReply for Json<T> {
    fn into_reply(self) -> Reply {
        Reply::json(self.0)
    }
}
