//! The process's HTTP client and what it may do: timeouts, redirects that never leave the API
//! origin, and caps on the bodies read (PROTOCOL §7.2).
//!
//! Credentials (`Authorization`, `X-Kiket-Runtime-Token`) are sent to the configured API
//! origin only. A redirect to the same origin (scheme, host and port) is followed, at most
//! [`MAX_REDIRECTS`] times, with the same headers; a redirect anywhere else is **not**
//! followed: the caller gets the `3xx` answer as an error, and nothing is sent to the other
//! origin. Every client the SDK builds gets this policy, including from a
//! `reqwest::ClientBuilder` a user hands in.

use bytes::Bytes;
use reqwest::redirect::{Attempt, Policy};
use std::time::Duration;

/// Most same-origin redirects followed for one request.
pub const MAX_REDIRECTS: usize = 5;

/// Most bytes of an error answer read (16 KiB); the rest is never read.
pub const ERROR_BODY_LIMIT: usize = 16 * 1024;

/// What an unfollowed redirect reports (never the target, whose query may carry anything).
pub const REDIRECT_NOT_FOLLOWED: &str =
    "redirected to another origin; not followed (credentials are only sent to the API origin)";

/// The redirect policy of every client of the SDK: same-origin redirects followed (up to
/// [`MAX_REDIRECTS`]), any other redirect answered to the caller unfollowed.
///
/// ```
/// let client = reqwest::Client::builder().redirect(kiket_client::transport::redirect_policy()).build().unwrap();
/// # drop(client);
/// ```
pub fn redirect_policy() -> Policy {
    Policy::custom(follow_same_origin)
}

fn follow_same_origin(attempt: Attempt<'_>) -> reqwest::redirect::Action {
    let Some(first) = attempt.previous().first() else {
        return attempt.stop();
    };
    if attempt.url().origin() != first.origin() {
        return attempt.stop();
    }
    if attempt.previous().len() > MAX_REDIRECTS {
        return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
    }
    attempt.follow()
}

/// The SDK's client settings on a builder of your own (proxies, TLS roots, pool sizes): 5 s
/// connect timeout, 30 s total, 90 s idle pool timeout, the SDK's user agent and
/// [`redirect_policy`]. Whatever the builder had as a redirect policy is replaced.
pub fn configure(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .pool_idle_timeout(Duration::from_secs(90))
        .user_agent(concat!("kiket-sdk-rust/", env!("CARGO_PKG_VERSION")))
        .redirect(redirect_policy())
}

/// The process-wide HTTP client: [`configure`] on a default builder. Build it once and share
/// it (clones share the connection pool).
pub fn http_client() -> reqwest::Result<reqwest::Client> {
    configure(reqwest::Client::builder()).build()
}

/// The body of `response`, or `None` when it is longer than `limit` bytes: reading stops at
/// the first chunk past the limit, so a huge answer costs at most `limit` plus one chunk.
pub async fn read_capped(mut response: reqwest::Response, limit: usize) -> reqwest::Result<Option<Bytes>> {
    if response.content_length().is_some_and(|length| length > limit as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.into()))
}
