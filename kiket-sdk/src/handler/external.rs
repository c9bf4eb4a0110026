//! [`ExternalWebhook`]: the payload of a relayed third-party callback (`external.webhook.<name>`,
//! PROTOCOL §9.2), whose body is the third party's and not Kiket's.

use super::HandlerError;
use bytes::Bytes;
use serde::de::DeserializeOwned;

/// The body of a third-party callback the platform relayed, exactly as it arrived (JSON, a
/// form, anything): what a handler registered with
/// [`Router::external_webhooks`](crate::Router::external_webhooks) receives. Its name
/// (`pager_ack` of `external.webhook.pager_ack`) is
/// [`ctx.delivery().external_webhook()`](crate::Delivery::external_webhook); its content type
/// is among `ctx.headers()`.
///
/// ```
/// use kiket_sdk::ExternalWebhook;
/// let hook = ExternalWebhook::from(&b"MessageStatus=delivered&MessageSid=SM1"[..]);
/// assert_eq!(hook.body(), b"MessageStatus=delivered&MessageSid=SM1");
/// assert_eq!(hook.len(), 38);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalWebhook {
    body: Bytes,
}

impl ExternalWebhook {
    /// The body's bytes.
    ///
    /// ```
    /// let hook = kiket_sdk::ExternalWebhook::from(&b"{}"[..]);
    /// assert_eq!(hook.body(), b"{}");
    /// ```
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body's length in bytes.
    ///
    /// ```
    /// assert!(kiket_sdk::ExternalWebhook::from(&b""[..]).is_empty());
    /// ```
    pub fn len(&self) -> usize {
        self.body.len()
    }

    /// `true` when the body is empty.
    ///
    /// ```
    /// assert!(!kiket_sdk::ExternalWebhook::from(&b"x"[..]).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    /// The body, owned.
    ///
    /// ```
    /// let bytes: bytes::Bytes = kiket_sdk::ExternalWebhook::from(&b"ok"[..]).into_bytes();
    /// assert_eq!(&bytes[..], b"ok");
    /// ```
    pub fn into_bytes(self) -> Bytes {
        self.body
    }

    /// The body read as JSON into `T`; a body that is not answers the delivery `422` (the
    /// message names the JSON error, never the body).
    ///
    /// ```
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Ack { page: String }
    /// let hook = kiket_sdk::ExternalWebhook::from(&br#"{"page":"p_7","extra":1}"#[..]);
    /// assert_eq!(hook.json::<Ack>()?.page, "p_7");
    /// let error = kiket_sdk::ExternalWebhook::from(&b"status=ok"[..]).json::<Ack>().unwrap_err();
    /// assert_eq!(error.status(), 422);
    /// # Ok::<(), kiket_sdk::HandlerError>(())
    /// ```
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, HandlerError> {
        serde_json::from_slice(&self.body).map_err(|error| {
            let what = match error.classify() {
                serde_json::error::Category::Data => "JSON of another shape",
                _ => "not JSON",
            };
            let (line, column) = (error.line(), error.column());
            HandlerError::permanent(format!("the external webhook's body is {what} (line {line}, column {column})"))
        })
    }
}

impl From<&[u8]> for ExternalWebhook {
    fn from(body: &[u8]) -> Self {
        Self { body: Bytes::copy_from_slice(body) }
    }
}

impl From<Bytes> for ExternalWebhook {
    fn from(body: Bytes) -> Self {
        Self { body }
    }
}
