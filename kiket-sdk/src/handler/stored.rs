//! [`StoredDelivery`]: what a deferred delivery keeps of its handler's context, so a worker can
//! rebuild it ([`HandlerContext::restore`]), and the body exactly as it was verified.
//!
//! Made by [`StoredDelivery::capture`] from the context the server authorised; the queue only
//! ever sees it sealed.

use super::HandlerContext;
use crate::verify::RuntimeClaims;
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A deferred delivery before sealing: a JSON head, a newline, the verified body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredDelivery {
    /// The delivery key (the replay guard's), when verified.
    pub(crate) key: Option<String>,
    pub(crate) signature_timestamp: Option<i64>,
    /// When the server started receiving it, Unix milliseconds.
    pub(crate) received_at_ms: u64,
    /// Request headers whose values are text.
    pub(crate) headers: Vec<(String, String)>,
    /// The verified runtime token and its claims.
    pub(crate) runtime_token: Option<String>,
    pub(crate) claims: Option<RuntimeClaims>,
    /// The payload's allow-listed `api.base_url`.
    pub(crate) api_base_url_override: Option<String>,
}

impl StoredDelivery {
    /// Room for the head: headers, token and claims (a guess; the buffer grows past it).
    pub(crate) const HEAD_ROOM: usize = 1024;

    /// What a worker needs of `context` to rebuild it.
    pub(crate) fn capture(context: &HandlerContext) -> Self {
        let delivery = context.delivery();
        let auth = context.auth();
        Self {
            key: delivery.key().map(str::to_owned),
            signature_timestamp: delivery.signature_timestamp(),
            received_at_ms: unix_ms(delivery.received_at()),
            headers: context
                .headers()
                .iter()
                .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
                .collect(),
            runtime_token: auth.runtime_token().map(|token| token.expose().to_owned()),
            claims: auth.claims().cloned(),
            api_base_url_override: context.api_base_url_override().map(str::to_owned),
        }
    }

    /// When the server started receiving the delivery.
    pub(crate) fn received_at(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.received_at_ms)
    }

    /// `head` ‖ `\n` ‖ `body`.
    pub(crate) fn encode(&self, body: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(Self::HEAD_ROOM + body.len());
        self.encode_into(&mut out, body);
        out
    }

    /// [`Self::encode`], appended to `out`.
    pub(crate) fn encode_into(&self, out: &mut Vec<u8>, body: &[u8]) {
        let start = out.len();
        // Strings, numbers and options only: serialising cannot fail; were it to, the head
        // would be empty and the job would not decode (dead-lettered, never run).
        if serde_json::to_writer(&mut *out, self).is_err() {
            out.truncate(start);
        }
        out.push(b'\n');
        out.extend_from_slice(body);
    }

    /// The head and the body of what [`Self::encode`] wrote; `None` when it is not that.
    pub(crate) fn decode(bytes: &[u8]) -> Option<(Self, &[u8])> {
        let at = bytes.iter().position(|&b| b == b'\n')?;
        let head = serde_json::from_slice(&bytes[..at]).ok()?;
        Some((head, &bytes[at + 1..]))
    }
}

/// `at` in Unix milliseconds (0 before the epoch).
fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_delivery_comes_back_with_its_exact_body() {
        let stored = StoredDelivery {
            key: Some("dlv-1".into()),
            headers: vec![("x-kiket-event".into(), "issue.created".into())],
            runtime_token: Some("eyJ.token".into()),
            ..StoredDelivery::default()
        };
        let body = b"{\"issue\":{\"id\":7}}\n  trailing";
        let encoded = stored.encode(body);
        let (head, back) = StoredDelivery::decode(&encoded).unwrap();
        assert_eq!((head, back), (stored, &body[..]));
        assert!(StoredDelivery::decode(b"no newline").is_none());
        assert!(StoredDelivery::decode(b"{not json\n{}").is_none());
    }
}
