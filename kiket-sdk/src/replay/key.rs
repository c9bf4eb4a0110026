//! Every key the replay guard claims, spelled here and nowhere else.
//!
//! | key | names | made by |
//! |---|---|---|
//! | `sig:<timestamp>:<digest>` | a signed delivery: its timestamp (`-` when the signature carried none) and the first 128 bits of the SHA-256 of its verified MAC, as hex | [`signed`] |
//! | `jti:<id>` | a delivery authenticated by its runtime token alone | [`token`] |
//! | `run:<delivery key>` | the run of a deferred delivery by a worker | [`run`] |
//!
//! The MAC enters a key only as a digest, so keys can go to logs and shared stores without
//! carrying a usable signature. [`idempotency_seed`] derives, from a delivery key, the seed of
//! the idempotency keys a deferred run's API calls repeat on every attempt.

use sha2::{Digest, Sha256};
use std::sync::Arc;

/// `sig:` + an `i64` + `:` + 32 hex digits fits this many bytes.
const SIGNED_KEY_BUFFER: usize = 64;

/// The key of a signed delivery: the verified MAC **bytes** and the signed timestamp, never
/// the header text, so re-spelled signature headers name the same delivery. Written on the
/// stack; one allocation for the `Arc`.
pub(crate) fn signed(timestamp: Option<i64>, mac: &[u8]) -> Arc<str> {
    let mut key = [0u8; SIGNED_KEY_BUFFER];
    let mut rest = &mut key[..];
    let written = match timestamp {
        Some(timestamp) => std::io::Write::write_fmt(&mut rest, format_args!("sig:{timestamp}:")),
        None => std::io::Write::write_all(&mut rest, b"sig:-:"),
    };
    written.expect("an i64 timestamp fits the key buffer");
    let prefix = SIGNED_KEY_BUFFER - rest.len();
    let len = prefix + 32;
    hex::encode_to_slice(&Sha256::digest(mac)[..16], &mut key[prefix..len]).expect("16 bytes are 32 hex digits");
    Arc::from(std::str::from_utf8(&key[..len]).expect("ASCII"))
}

/// The key of a delivery authenticated by its runtime token alone: the token's `jti`.
pub(crate) fn token(jti: &str) -> Arc<str> {
    Arc::from(format!("jti:{jti}"))
}

/// The key of a worker's run of the deferred delivery `delivery` (one of the keys above).
pub(crate) fn run(delivery: &str) -> Arc<str> {
    Arc::from(format!("run:{delivery}"))
}

/// The seed of the idempotency keys of a deferred run's API calls: the same on every attempt
/// of `delivery`, so the platform applies each call once in effect.
pub(crate) fn idempotency_seed(delivery: &str) -> String {
    format!("job:{delivery}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_keys_name_the_timestamp_and_a_digest_of_the_mac() {
        let mac = [7u8; 32];
        let digest = hex::encode(&Sha256::digest(mac)[..16]);
        for (timestamp, shown) in [
            (Some(1_700_000_000), "1700000000".to_owned()),
            (Some(i64::MIN), i64::MIN.to_string()),
            (None, "-".to_owned()),
        ] {
            assert_eq!(&*signed(timestamp, &mac), format!("sig:{shown}:{digest}"));
        }
        assert_ne!(signed(Some(1), &[1; 32]), signed(Some(1), &[2; 32]), "another MAC, another delivery");
    }

    #[test]
    fn token_run_and_seed_keys_are_distinct_namespaces() {
        assert_eq!(&*token("abc"), "jti:abc");
        assert_eq!(&*run("jti:abc"), "run:jti:abc");
        assert_eq!(idempotency_seed("sig:1:ab"), "job:sig:1:ab");
    }
}
