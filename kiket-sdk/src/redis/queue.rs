//! [`RedisQueue`]: deferred deliveries in a Redis stream with a consumer group.
//!
//! | key (under `kiket:<extension id>:`) | type | holds |
//! |---|---|---|
//! | `jobs` | stream, group `workers` | jobs waiting or being run (fields `e`, `v`, `a`, `s`) |
//! | `delayed` | sorted set (due time) | ids of retries waiting for their backoff |
//! | `delayed:<id>` | hash | such a retry's fields |
//! | `dead` | sorted set (time) | ids of dead letters |
//! | `dead:<id>` | hash | a dead letter's fields, `reason`, `at` |
//!
//! A worker reads with `XREADGROUP` and takes over entries idle longer than the visibility
//! timeout with `XAUTOCLAIM` (their worker died); it acks with `XACK` + `XDEL`. Retries and
//! dead letters leave the stream in the same `MULTI` as they enter their set; due retries
//! and re-queued dead letters go back with one Lua script each.

use super::replay::{self, claim_of, encode_answer, replay_key};
use super::{unavailable, RedisConnection, BLOCK};
use crate::queue::{now_ms, DeadLetter, Entry, Job, Queue};
use crate::replay::{Claim, Intake, StoreError};
use ::redis::streams::{StreamAutoClaimOptions, StreamAutoClaimReply, StreamId, StreamReadOptions, StreamReadReply};
use ::redis::{AsyncCommands, Script, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

const GROUP: &str = "workers";

/// Moves due retries (ids scored by due time in KEYS[2]; fields in `<ARGV[1]>delayed:<id>`)
/// into the stream KEYS[1].
static PROMOTE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[2], 'LIMIT', 0, 100)
for _, id in ipairs(due) do
  local key = ARGV[1] .. 'delayed:' .. id
  local fields = redis.call('HGETALL', key)
  if #fields > 0 then redis.call('XADD', KEYS[1], '*', unpack(fields)) end
  redis.call('DEL', key)
  redis.call('ZREM', KEYS[2], id)
end
return #due",
    )
});

/// Moves dead letter ARGV[2] (fields in `<ARGV[1]>dead:<id>`, listed in KEYS[2]) back into
/// the stream KEYS[1] with its attempts reset; 0 when there is none.
static REQUEUE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local key = ARGV[1] .. 'dead:' .. ARGV[2]
local f = redis.call('HMGET', key, 'e', 'v', 's')
if not f[1] then return 0 end
redis.call('XADD', KEYS[1], '*', 'e', f[1], 'v', f[2], 'a', '0', 's', f[3])
redis.call('DEL', key)
redis.call('ZREM', KEYS[2], ARGV[2])
return 1",
    )
});

/// A deferred delivery in one step (the queue's [`Intake`]): unless its claim key KEYS[1]
/// holds something, `XADD` its job (the field/value pairs from ARGV[3]) to KEYS[2] and store
/// its answer ARGV[2] for ARGV[1] ms; returns what the key held, or nothing.
static INTAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"local held = redis.call('GET', KEYS[1])
if held then return held end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[1])
return false",
    )
});

/// The durable queue of deferred deliveries on Redis, shared by every server and worker of
/// the extension. Selected when `KIKET_REDIS_URL` is set (with `KIKET_QUEUE_KEY` to seal
/// jobs); or explicitly:
///
/// ```
/// use kiket_sdk::queue::QueueKey;
/// use kiket_sdk::redis::{RedisConnection, RedisQueue};
/// let redis = RedisConnection::new("redis://127.0.0.1:6379", Some("com.example.crm")).unwrap();
/// let config = kiket_sdk::Config::builder()
///     .webhook_secret("whsec_example")
///     .queue(RedisQueue::new(redis))
///     .queue_key(QueueKey::from_bytes([7; 32]))
///     .build()
///     .unwrap();
/// assert_eq!(config.describe()["queue"], "kiket:com.example.crm:jobs");
/// ```
#[derive(Debug)]
pub struct RedisQueue {
    redis: RedisConnection,
    stream: String,
    delayed: String,
    dead: String,
    prefix: String,
    /// The consumer group is known to exist. Cleared when Redis says it does not (`NOGROUP`:
    /// Redis restarted empty, failed over, was flushed), so the next call creates it again.
    group_ready: AtomicBool,
    /// Where the next `XAUTOCLAIM` scan starts.
    cursor: Mutex<String>,
}

impl RedisQueue {
    /// The queue of the extension `redis` was opened for.
    pub fn new(redis: RedisConnection) -> Self {
        Self {
            stream: redis.key("jobs"),
            delayed: redis.key("delayed"),
            dead: redis.key("dead"),
            prefix: redis.key(""),
            redis,
            group_ready: AtomicBool::new(false),
            cursor: Mutex::new("0-0".to_owned()),
        }
    }

    /// Creates the stream and its consumer group unless it is known to exist (an existing
    /// group is fine). A group created again reads the stream from its start, so what was
    /// stored while it was missing is run.
    async fn ensure_group(&self) -> Result<(), StoreError> {
        if self.group_ready.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut redis = self.redis.manager().await?;
        let created: Result<(), ::redis::RedisError> = redis.xgroup_create_mkstream(&self.stream, GROUP, "0").await;
        match created {
            Err(error) if error.code() != Some("BUSYGROUP") => Err(unavailable(error)),
            _ => {
                self.group_ready.store(true, Ordering::Release);
                Ok(())
            }
        }
    }

    /// A failed group command as a [`StoreError`]; when the group is gone (`NOGROUP`), the
    /// next call creates it again instead of failing the same way until the process restarts.
    fn group_failed(&self, error: ::redis::RedisError) -> StoreError {
        if error.code() == Some("NOGROUP") && self.group_ready.swap(false, Ordering::AcqRel) {
            *self.cursor() = "0-0".to_owned();
            tracing::warn!(stream = %self.stream, "the queue's consumer group is gone (Redis restarted empty, failed over or was flushed); creating it again");
        }
        unavailable(error)
    }

    /// Runs `script` with the stream and `set` as keys, the key prefix and `arg` as arguments.
    async fn script(&self, script: &Script, set: &str, arg: impl ::redis::ToRedisArgs) -> Result<i64, StoreError> {
        let mut redis = self.redis.manager().await?;
        script.key(&self.stream).key(set).arg(&self.prefix).arg(arg).invoke_async(&mut redis).await.map_err(unavailable)
    }

    /// Runs `pipe` (an atomic block) with the entry's `XACK` and `XDEL` appended: the entry
    /// leaves the stream in the same step as it goes wherever `pipe` puts it.
    async fn leave_stream(&self, entry: &Entry, pipe: &mut ::redis::Pipeline) -> Result<(), StoreError> {
        let mut redis = self.redis.manager().await?;
        pipe.xack(&self.stream, GROUP, &[&entry.id]).xdel(&self.stream, &[&entry.id]);
        pipe.query_async::<Value>(&mut redis).await.map_err(unavailable)?;
        Ok(())
    }

    fn cursor(&self) -> std::sync::MutexGuard<'_, String> {
        self.cursor.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A stream entry as an [`Entry`]; `None` when a field is missing (written by someone else).
fn entry(id: &StreamId) -> Option<Entry> {
    let text = |name: &str| id.get::<String>(name);
    let job = Job {
        event: text("e")?,
        version: text("v")?,
        attempt: text("a")?.parse().ok()?,
        sealed: id.get::<Vec<u8>>("s")?.into(),
    };
    Some(Entry { id: id.id.clone(), job })
}

/// Entries that cannot be read still reach the worker, as a job that does not open (it is
/// dead-lettered, not left in the stream forever).
fn entry_or_unreadable(id: &StreamId) -> Entry {
    entry(id).unwrap_or_else(|| Entry {
        id: id.id.clone(),
        job: Job { event: String::new(), version: String::new(), attempt: 0, sealed: Default::default() },
    })
}

/// A job's stream fields, with `attempt` as its count (borrowed: the sealed bytes are not
/// copied).
fn job_fields<'a>(job: &'a Job, attempt: &'a str) -> [(&'static str, &'a [u8]); 4] {
    [("e", job.event.as_bytes()), ("v", job.version.as_bytes()), ("a", attempt.as_bytes()), ("s", &job.sealed)]
}

fn millis(duration: Duration) -> usize {
    usize::try_from(duration.as_millis()).unwrap_or(usize::MAX)
}

#[async_trait::async_trait]
impl Intake<Job> for RedisQueue {
    async fn claim_storing(
        &self,
        key: &str,
        window: Duration,
        job: &Job,
        status: u16,
        body: &[u8],
    ) -> Result<Claim, StoreError> {
        self.ensure_group().await?;
        let mut redis = self.redis.manager().await?;
        let attempt = job.attempt.to_string();
        let mut script = INTAKE.key(replay_key(&self.redis, key));
        script.key(&self.stream).arg(replay::millis(window)).arg(encode_answer(status, body));
        for (name, value) in job_fields(job, &attempt) {
            script.arg(name).arg(value);
        }
        let held: Option<Vec<u8>> = script.invoke_async(&mut redis).await.map_err(unavailable)?;
        claim_of(held, key)
    }
}

#[async_trait::async_trait]
impl Queue for RedisQueue {
    fn name(&self) -> &str {
        &self.stream
    }

    fn durable(&self) -> bool {
        true
    }

    async fn push(&self, job: Job) -> Result<String, StoreError> {
        self.ensure_group().await?;
        let mut redis = self.redis.manager().await?;
        let attempt = job.attempt.to_string();
        redis.xadd(&self.stream, "*", &job_fields(&job, &attempt)).await.map_err(unavailable)
    }

    async fn pull(
        &self,
        consumer: &str,
        max: usize,
        wait: Duration,
        visibility: Duration,
    ) -> Result<Vec<Entry>, StoreError> {
        self.ensure_group().await?;
        self.script(&PROMOTE, &self.delayed, now_ms()).await?;
        let mut redis = self.redis.manager().await?;
        let start = self.cursor().clone();
        let claimed: StreamAutoClaimReply = redis
            .xautoclaim_options(
                &self.stream,
                GROUP,
                consumer,
                millis(visibility),
                &start,
                StreamAutoClaimOptions::default().count(max.max(1)),
            )
            .await
            .map_err(|error| self.group_failed(error))?;
        *self.cursor() = claimed.next_stream_id.clone();
        let mut entries: Vec<Entry> = claimed.claimed.iter().map(entry_or_unreadable).collect();
        if entries.len() < max {
            let mut blocking = self.redis.blocking().await?;
            let options = StreamReadOptions::default()
                .group(GROUP, consumer)
                .count(max - entries.len())
                .block(millis(wait.min(BLOCK)));
            let read: Option<StreamReadReply> = blocking
                .xread_options(&[&self.stream], &[">"], &options)
                .await
                .map_err(|error| self.group_failed(error))?;
            for key in read.map(|r| r.keys).unwrap_or_default() {
                entries.extend(key.ids.iter().map(entry_or_unreadable));
            }
        }
        Ok(entries)
    }

    async fn ack(&self, entry: &Entry) -> Result<(), StoreError> {
        self.leave_stream(entry, ::redis::pipe().atomic()).await
    }

    async fn retry(&self, entry: &Entry, delay: Duration) -> Result<(), StoreError> {
        let next = entry.job.attempt.saturating_add(1).to_string();
        let id = format!("{}.{next}", entry.id);
        let due = now_ms().saturating_add(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX));
        let mut pipe = ::redis::pipe();
        pipe.atomic().hset_multiple(format!("{}delayed:{id}", self.prefix), &job_fields(&entry.job, &next)).zadd(
            &self.delayed,
            &id,
            due,
        );
        self.leave_stream(entry, &mut pipe).await
    }

    async fn dead_letter(&self, entry: &Entry, reason: &str) -> Result<(), StoreError> {
        let (attempts, at) = (entry.job.attempt.saturating_add(1).to_string(), now_ms());
        let at_text = at.to_string();
        let mut fields = job_fields(&entry.job, &attempts).to_vec();
        fields.extend([("reason", reason.as_bytes()), ("at", at_text.as_bytes())]);
        let mut pipe = ::redis::pipe();
        pipe.atomic()
            .hset_multiple(format!("{}dead:{}", self.prefix, entry.id), &fields)
            .zadd(&self.dead, &entry.id, at);
        self.leave_stream(entry, &mut pipe).await
    }

    async fn dead_letters(&self) -> Result<Vec<DeadLetter>, StoreError> {
        let mut redis = self.redis.manager().await?;
        let ids: Vec<String> = redis.zrange(&self.dead, 0, -1).await.map_err(unavailable)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = ::redis::pipe();
        for id in &ids {
            pipe.cmd("HMGET").arg(format!("{}dead:{id}", self.prefix)).arg(&["e", "v", "a", "reason", "at"]);
        }
        type Fields = (Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);
        let rows: Vec<Fields> = pipe.query_async(&mut redis).await.map_err(unavailable)?;
        Ok(ids
            .into_iter()
            .zip(rows)
            .map(|(id, (event, version, attempts, reason, at))| DeadLetter {
                id,
                event: event.unwrap_or_default(),
                version: version.unwrap_or_default(),
                attempts: attempts.and_then(|a| a.parse().ok()).unwrap_or_default(),
                reason: reason.unwrap_or_default(),
                dead_at_ms: at.and_then(|a| a.parse().ok()).unwrap_or_default(),
            })
            .collect())
    }

    async fn dead_letter_count(&self) -> Result<u64, StoreError> {
        let mut redis = self.redis.manager().await?;
        redis.zcard(&self.dead).await.map_err(unavailable)
    }

    async fn requeue(&self, id: &str) -> Result<bool, StoreError> {
        self.ensure_group().await?;
        Ok(self.script(&REQUEUE, &self.dead, id).await? == 1)
    }

    async fn depth(&self) -> Result<u64, StoreError> {
        let mut redis = self.redis.manager().await?;
        let (waiting, delayed): (u64, u64) = ::redis::pipe()
            .xlen(&self.stream)
            .zcard(&self.delayed)
            .query_async(&mut redis)
            .await
            .map_err(unavailable)?;
        Ok(waiting + delayed)
    }
}
