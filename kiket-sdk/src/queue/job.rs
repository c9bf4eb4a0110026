//! What a stored delivery holds: enough to rebuild the handler's context in a worker, and
//! the body exactly as it was verified.

use crate::verify::RuntimeClaims;
use serde::{Deserialize, Serialize};

/// A deferred delivery before sealing: a JSON head, a newline, the verified body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredDelivery {
    /// The delivery key (replay guard's), when verified.
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

/// The sealing context of a job: queue, event and version.
pub(crate) fn seal_context(queue: &str, event: &str, version: &str) -> Vec<u8> {
    format!("kiket-job:1:{queue}:{event}@{version}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_delivery_comes_back_with_its_exact_body() {
        let stored = StoredDelivery {
            key: Some("sig:1:ab".into()),
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
