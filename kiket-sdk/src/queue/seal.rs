//! Sealing of stored deliveries (PROTOCOL §8): XChaCha20-Poly1305 under a key from
//! configuration, so a store that leaks or is written to by someone else never yields a
//! runtime token or a per-organisation secret, and never runs a forged job.
//!
//! A sealed job is `1` (format) ‖ the key's 8-byte fingerprint ‖ a random 24-byte nonce ‖
//! ciphertext and tag. The associated data binds the queue's name, event and version, so an
//! entry moved to another queue or relabelled in the store does not open.

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, AeadCore, AeadInPlace, KeyInit, OsRng, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use sha2::{Digest, Sha256};

const FORMAT: u8 = 1;
const FINGERPRINT: usize = 8;
const NONCE: usize = 24;
const TAG: usize = 16;

/// A 32-byte sealing key (`KIKET_QUEUE_KEY`: 32 random bytes, base64). `Debug` shows only
/// its fingerprint.
///
/// ```
/// use kiket_sdk::queue::QueueKey;
/// let key = QueueKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap();
/// assert!(!format!("{key:?}").contains("AAEC"));
/// assert!(QueueKey::from_base64("too short").is_err());
/// ```
#[derive(Clone)]
pub struct QueueKey {
    key: [u8; 32],
    fingerprint: [u8; FINGERPRINT],
}

impl std::fmt::Debug for QueueKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "QueueKey({})", hex::encode(self.fingerprint))
    }
}

/// A sealing key that is not 32 bytes of base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a queue key must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`); got {0}")]
pub struct QueueKeyError(String);

impl QueueKey {
    /// The key from its base64 text (standard alphabet, padding optional).
    pub fn from_base64(text: &str) -> Result<Self, QueueKeyError> {
        let text = text.trim();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .map_err(|_| QueueKeyError("text that is not base64".to_owned()))?;
        let key: [u8; 32] =
            decoded.try_into().map_err(|bytes: Vec<u8>| QueueKeyError(format!("{} bytes", bytes.len())))?;
        Ok(Self::from_bytes(key))
    }

    /// The key from raw bytes.
    pub fn from_bytes(key: [u8; 32]) -> Self {
        let digest = Sha256::digest(key);
        let mut fingerprint = [0u8; FINGERPRINT];
        fingerprint.copy_from_slice(&digest[..FINGERPRINT]);
        Self { key, fingerprint }
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new((&self.key).into())
    }
}

/// A stored job that does not open: tampered, sealed with a key this process does not have,
/// or not sealed at all. Such a job is dead-lettered, never run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the stored delivery does not open ({0}): tampered, or sealed with another key")]
pub struct SealError(&'static str);

/// The keys of one queue: the newest seals and opens, older ones (rotation) only open.
#[derive(Debug, Clone)]
pub(crate) struct Sealer {
    keys: Vec<QueueKey>,
}

impl Sealer {
    /// Keys newest first; `None` when there is none (a durable queue refuses to start).
    pub(crate) fn new(keys: Vec<QueueKey>) -> Option<Self> {
        (!keys.is_empty()).then_some(Self { keys })
    }

    /// Seals what `write` appends (about `plain_len` bytes) for `context` (queue, event,
    /// version) under the newest key, in one buffer: the plain text is written after the
    /// header and encrypted where it lies.
    pub(crate) fn seal_with(&self, context: &[u8], plain_len: usize, write: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let key = &self.keys[0];
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut out = Vec::with_capacity(1 + FINGERPRINT + NONCE + plain_len + TAG);
        out.push(FORMAT);
        out.extend_from_slice(&key.fingerprint);
        out.extend_from_slice(&nonce);
        let header = out.len();
        write(&mut out);
        match key.cipher().encrypt_in_place_detached(&nonce, context, &mut out[header..]) {
            Ok(tag) => out.extend_from_slice(&tag),
            // Only inputs beyond the cipher's limit (256 GiB) fail, and a body limit keeps every
            // job far below it; should it happen, the plain text must not be stored: the header
            // alone is a job that does not open (dead-lettered, never run).
            Err(_) => out.truncate(header),
        }
        out
    }

    /// Seals `plain` (see [`Self::seal_with`]).
    #[cfg(test)]
    pub(crate) fn seal(&self, context: &[u8], plain: &[u8]) -> Vec<u8> {
        self.seal_with(context, plain.len(), |out| out.extend_from_slice(plain))
    }

    /// Opens what [`Sealer::seal`] made for the same `context`, with whichever key sealed it.
    pub(crate) fn open(&self, context: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
        if sealed.len() < 1 + FINGERPRINT + NONCE + TAG {
            return Err(SealError("too short"));
        }
        if sealed[0] != FORMAT {
            return Err(SealError("unknown format"));
        }
        let (fingerprint, rest) = sealed[1..].split_at(FINGERPRINT);
        let (nonce, ciphertext) = rest.split_at(NONCE);
        let key = self.keys.iter().find(|k| k.fingerprint == fingerprint).ok_or(SealError("unknown key"))?;
        key.cipher()
            .decrypt(nonce.into(), Payload { msg: ciphertext, aad: context })
            .map_err(|_| SealError("authentication failed"))
    }
}

/// The sealing context of a job: queue, event and version (a job opens only where it was
/// sealed for).
pub(crate) fn seal_context(queue: &str, event: &str, version: &str) -> Vec<u8> {
    format!("kiket-job:1:{queue}:{event}@{version}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> QueueKey {
        QueueKey::from_bytes([byte; 32])
    }

    #[test]
    fn sealed_jobs_open_only_with_their_key_and_context_and_untouched() {
        let old = Sealer::new(vec![key(1)]).unwrap();
        let rotated = Sealer::new(vec![key(2), key(1)]).unwrap();
        let other = Sealer::new(vec![key(3)]).unwrap();
        let sealed = old.seal(b"q:issue.created@v1", b"secret body");
        assert!(!sealed.windows(6).any(|w| w == b"secret"), "the body is not stored in clear");
        assert_eq!(old.open(b"q:issue.created@v1", &sealed).unwrap(), b"secret body");
        assert_eq!(rotated.open(b"q:issue.created@v1", &sealed).unwrap(), b"secret body", "old keys still open");
        assert_eq!(other.open(b"q:issue.created@v1", &sealed), Err(SealError("unknown key")));
        assert_eq!(old.open(b"q:issue.deleted@v1", &sealed), Err(SealError("authentication failed")));
        for at in [0, 5, 20, sealed.len() - 1] {
            let mut tampered = sealed.clone();
            tampered[at] ^= 1;
            assert!(old.open(b"q:issue.created@v1", &tampered).is_err(), "a flipped bit at {at} is refused");
        }
        assert!(old.open(b"q", &sealed[..10]).is_err());
        let fresh = rotated.seal(b"q", b"x");
        assert_eq!(&fresh[1..9], &key(2).fingerprint, "the newest key seals");
        assert!(Sealer::new(Vec::new()).is_none());
    }
}
