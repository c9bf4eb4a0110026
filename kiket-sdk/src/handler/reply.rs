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

/// What a function or closure handler may return as its success value: a [`Reply`], `()`
/// (`{"ok":true}`), a [`Decision`](super::respond::Decision), a `serde_json::Value`, or any
/// `Serialize` type wrapped in [`Json`].
///
/// ```
/// use kiket_sdk::handler::respond::{deny, Decision};
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoReply for Json<T> {
    fn into_reply(self) -> Reply {
        Reply::json(self.0)
    }
}
