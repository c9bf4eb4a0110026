//! Bounded retries with exponential backoff and jitter (PROTOCOL.md §4, reliability).
//!
//! Retried: 429, 5xx, connection failures and timeouts — on idempotent methods (GET, HEAD,
//! PUT, DELETE, OPTIONS) and on requests that carry an `Idempotency-Key` (the ergonomic
//! layer creates one per logical call, so every attempt of one call sends the same key).
//! Never retried: other statuses, and POST/PATCH without a key. `Retry-After` (seconds) is
//! honoured up to [`RetryPolicy::max_retry_after`]; beyond it the answer is returned as is.

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use std::time::Duration;

/// Header that makes a POST safe to retry.
pub const IDEMPOTENCY_KEY_HEADER: &str = "idempotency-key";

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = no retries).
    pub max_attempts: u32,
    /// Delay before the first retry; doubles each time.
    pub base_delay: Duration,
    /// Longest backoff delay.
    pub max_delay: Duration,
    /// Longest `Retry-After` honoured; a longer one ends the retries.
    pub max_retry_after: Duration,
    /// No retry starts once this much time has passed since the first attempt.
    pub total_budget: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
            total_budget: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retries.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Whether a request may be retried at all.
    pub fn may_retry(&self, method: &Method, headers: &HeaderMap) -> bool {
        self.max_attempts > 1
            && (matches!(*method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS)
                || headers.contains_key(IDEMPOTENCY_KEY_HEADER))
    }

    /// The wait before retry number `retry` (1-based): `Retry-After` when given, else
    /// exponential backoff with jitter in `[delay/2, delay]`. `None` when `Retry-After` asks
    /// for longer than [`Self::max_retry_after`].
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if let Some(wait) = retry_after {
            return (wait <= self.max_retry_after).then_some(wait);
        }
        let exponential = self.base_delay.saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let capped = exponential.min(self.max_delay);
        let half = capped / 2;
        Some(half + half.mul_f64(fastrand::f64()))
    }
}

/// Statuses worth retrying: 429 and 5xx.
pub fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// `Retry-After` in seconds (HTTP dates are not used by the platform and are ignored).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    text.parse::<u64>().ok().map(Duration::from_secs)
}

/// A fresh idempotency key for one logical call.
pub fn new_idempotency_key() -> String {
    format!("kiket-rs-{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let policy = RetryPolicy::default();
        for retry in 1..=10 {
            let delay = policy.delay(retry, None).unwrap();
            let full = (policy.base_delay * 2u32.pow(retry - 1)).min(policy.max_delay);
            assert!(delay >= full / 2 && delay <= full, "retry {retry}: {delay:?}");
        }
    }

    #[test]
    fn retry_after_wins_unless_too_long() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.delay(1, Some(Duration::from_secs(2))), Some(Duration::from_secs(2)));
        assert_eq!(policy.delay(1, Some(Duration::from_secs(31))), None);
    }

    #[test]
    fn posts_need_a_key() {
        let policy = RetryPolicy::default();
        let mut headers = HeaderMap::new();
        assert!(policy.may_retry(&Method::GET, &headers));
        assert!(policy.may_retry(&Method::DELETE, &headers));
        assert!(!policy.may_retry(&Method::POST, &headers));
        assert!(!policy.may_retry(&Method::PATCH, &headers));
        headers.insert(IDEMPOTENCY_KEY_HEADER, "k".parse().unwrap());
        assert!(policy.may_retry(&Method::POST, &headers));
        assert!(!RetryPolicy::none().may_retry(&Method::GET, &HeaderMap::new()));
    }

    #[test]
    fn keys_are_unique() {
        assert_ne!(new_idempotency_key(), new_idempotency_key());
    }
}
