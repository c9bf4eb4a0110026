//! [`RedisReplayStore`]: claims shared by every replica, one atomic script per step.

use super::{unavailable, RedisConnection};
use crate::replay::{Claim, ReplayStore, StoreError};
use ::redis::Script;
use bytes::Bytes;
use std::sync::LazyLock;
use std::time::Duration;

/// A copy in flight.
const IN_FLIGHT: &[u8] = b"i";
/// An answer: `d` + the status as three digits + the body.
const DONE: u8 = b'd';

/// Claims the key for the lease unless something is stored; returns what is stored.
static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local held = redis.call('GET', KEYS[1])
if held then return held end
redis.call('SET', KEYS[1], 'i', 'PX', ARGV[1])
return false",
    )
});

/// Stores the answer for the window unless another answer is stored already.
static COMPLETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local held = redis.call('GET', KEYS[1])
if held and held ~= 'i' then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
return 1",
    )
});

/// Forgets a claim in flight; never an answer.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"if redis.call('GET', KEYS[1]) == 'i' then return redis.call('DEL', KEYS[1]) end
return 0",
    )
});

/// The replay guard's store in Redis, shared by every replica: a copy of a delivery that
/// reaches another replica is answered with the first answer and not handled again.
///
/// Keys are `kiket:<extension id>:replay:<delivery key>`. A claim in flight lives for its
/// lease (the handler timeout and a margin): a replica that dies mid-delivery frees the key
/// then, and the platform's retry is handled. An answer lives for the window (twice the
/// signature tolerance). Each step is one Lua script, so claims are atomic across replicas.
///
/// Selected by `KIKET_REDIS_URL` or [`ConfigBuilder::redis`](crate::ConfigBuilder::redis);
/// or explicitly:
///
/// ```
/// use kiket_sdk::redis::{RedisConnection, RedisReplayStore};
/// let redis = RedisConnection::new("redis://127.0.0.1:6379", Some("com.example.crm")).unwrap();
/// let config = kiket_sdk::Config::builder()
///     .webhook_secret("whsec_example")
///     .replay_guard(RedisReplayStore::new(redis))
///     .build()
///     .unwrap();
/// assert_eq!(config.describe()["replay_guard"], true);
/// ```
#[derive(Debug, Clone)]
pub struct RedisReplayStore {
    redis: RedisConnection,
}

impl RedisReplayStore {
    /// A store on `redis`.
    pub fn new(redis: RedisConnection) -> Self {
        Self { redis }
    }

    fn key(&self, delivery: &str) -> String {
        replay_key(&self.redis, delivery)
    }
}

/// The key of a delivery's claim (shared with the queue's one-step intake).
pub(super) fn replay_key(redis: &RedisConnection, delivery: &str) -> String {
    redis.key(&format!("replay:{delivery}"))
}

/// What a claim script found under `key` (nothing: the key is the caller's now).
pub(super) fn claim_of(held: Option<Vec<u8>>, key: &str) -> Result<Claim, StoreError> {
    Ok(match held {
        None => Claim::New,
        Some(value) if value == IN_FLIGHT => Claim::InFlight(None),
        Some(value) => match decode_answer(&value) {
            Some((status, body)) => Claim::Done { status, body },
            None => return Err(StoreError { store: "redis", reason: format!("unreadable replay entry under {key}") }),
        },
    })
}

/// `d` + three status digits + body: an answer as the store keeps it.
pub(super) fn encode_answer(status: u16, body: &[u8]) -> Vec<u8> {
    let mut value = Vec::with_capacity(4 + body.len());
    value.push(DONE);
    let status = status.min(999);
    value.extend_from_slice(&[status / 100, status / 10 % 10, status % 10].map(|digit| b'0' + digit as u8));
    value.extend_from_slice(body);
    value
}

pub(super) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[async_trait::async_trait]
impl ReplayStore for RedisReplayStore {
    async fn claim(&self, key: &str, lease: Duration, _window: Duration) -> Result<Claim, StoreError> {
        let mut redis = self.redis.manager().await?;
        let held: Option<Vec<u8>> =
            CLAIM.key(self.key(key)).arg(millis(lease)).invoke_async(&mut redis).await.map_err(unavailable)?;
        claim_of(held, key)
    }

    async fn complete(&self, key: &str, window: Duration, status: u16, body: Bytes) -> Result<(), StoreError> {
        let mut redis = self.redis.manager().await?;
        let _: i64 = COMPLETE
            .key(self.key(key))
            .arg(millis(window))
            .arg(encode_answer(status, &body))
            .invoke_async(&mut redis)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let mut redis = self.redis.manager().await?;
        let _: i64 = RELEASE.key(self.key(key)).invoke_async(&mut redis).await.map_err(unavailable)?;
        Ok(())
    }
}

/// `d` + three status digits + body → (status, body).
fn decode_answer(value: &[u8]) -> Option<(u16, Bytes)> {
    let (&tag, rest) = value.split_first()?;
    if tag != DONE || rest.len() < 3 {
        return None;
    }
    let status = std::str::from_utf8(&rest[..3]).ok()?.parse().ok()?;
    Some((status, Bytes::copy_from_slice(&rest[3..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_decode_and_garbage_does_not() {
        assert_eq!(decode_answer(b"d200{\"ok\":true}"), Some((200, Bytes::from_static(b"{\"ok\":true}"))));
        assert_eq!(decode_answer(b"d404"), Some((404, Bytes::new())));
        assert_eq!(encode_answer(202, b"{}"), b"d202{}");
        assert_eq!(encode_answer(7, b""), b"d007");
        assert_eq!(decode_answer(&encode_answer(404, b"x")), Some((404, Bytes::from_static(b"x"))));
        for garbage in [&b""[..], b"d", b"d20", b"x200{}", b"dabc{}"] {
            assert_eq!(decode_answer(garbage), None, "{garbage:?}");
        }
    }
}
