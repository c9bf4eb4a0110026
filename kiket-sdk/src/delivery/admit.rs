//! Stage 1, admit: the body, read under a deadline and a budget shared by every request that
//! is not verified yet; refused over the limit before it is buffered.
//!
//! An unauthenticated client can hold only this budget, never a handler permit: those are
//! taken after stage 5 ([`HandlerPermits`]). The budget is charged per byte received (a
//! declared `Content-Length` alone costs nothing), so stalled uploads that sent one byte hold
//! one byte, and uploads that send a lot and stall are refused once the budget is spent.

use super::allowance::{Allowance, Held};
use super::deadline::within;
use super::DeliveryError;
use axum::body::Body;
use axum::http::{header, HeaderMap};
use bytes::Bytes;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Duration;

/// Limits on what a request may hold before it is verified.
#[derive(Debug)]
pub(crate) struct Admission {
    /// Bytes of unverified bodies, all requests together.
    pub(crate) budget: Allowance,
    /// Largest accepted body in bytes.
    pub(crate) body_limit: usize,
    /// How long the body may take once the head is in.
    pub(crate) body_timeout: Duration,
}

/// A body let in: all of it, and the budget it holds until its delivery is verified.
pub(crate) struct Admitted<'a> {
    pub(crate) body: Bytes,
    pub(crate) budget: Option<Held<'a>>,
}

impl Admission {
    /// Reads `body` (announced by `headers`) by `started` + the body timeout, charging the
    /// budget as bytes arrive.
    pub(crate) async fn admit(
        &self,
        headers: &HeaderMap,
        mut body: Body,
        started: std::time::Instant,
    ) -> Result<Admitted<'_>, DeliveryError> {
        let limit = self.body_limit;
        let declared =
            headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(DeliveryError::BodyTooLarge { limit });
        }
        let deadline = tokio::time::Instant::from_std(started) + self.body_timeout;
        let mut budget: Option<Held<'_>> = None;
        let mut charge = |bytes: usize| -> Result<(), DeliveryError> {
            let permit = self.budget.try_take(bytes).ok_or(DeliveryError::Overloaded)?;
            match &mut budget {
                Some(held) => held.merge(permit),
                None => budget = Some(permit),
            }
            Ok(())
        };
        // One chunk (the usual case) is kept as it came; more are copied into one buffer,
        // whose allocation (not just the bytes in it) is what the budget is charged for.
        let mut first: Option<Bytes> = None;
        let mut joined: Vec<u8> = Vec::new();
        let mut received = 0usize;
        loop {
            let frame = match within(deadline, body.frame()).await {
                Err(_elapsed) => return Err(DeliveryError::BodyTimeout),
                Ok(None) => break,
                Ok(Some(Err(_))) => return Err(DeliveryError::BodyUnreadable),
                Ok(Some(Ok(frame))) => frame,
            };
            let Ok(data) = frame.into_data() else { continue };
            received += data.len();
            if received > limit {
                return Err(DeliveryError::BodyTooLarge { limit });
            }
            if first.is_none() && joined.is_empty() {
                charge(data.len())?;
                first = Some(data);
                continue;
            }
            let held = joined.capacity();
            if let Some(first) = first.take() {
                joined.reserve(received.max(2 * first.len()));
                joined.extend_from_slice(&first);
            }
            joined.extend_from_slice(&data);
            charge(joined.capacity().saturating_sub(held))?;
        }
        let body = if joined.is_empty() { first.unwrap_or_default() } else { Bytes::from(joined) };
        Ok(Admitted { body, budget })
    }
}

/// Deliveries handled at once: taken only by verified deliveries (after stage 5).
#[derive(Debug, Clone)]
pub(crate) struct HandlerPermits(Arc<Allowance>);

impl HandlerPermits {
    /// `capacity` permits.
    pub(crate) fn new(capacity: usize) -> Self {
        Self(Arc::new(Allowance::new(capacity)))
    }

    /// A permit, or 503 + `Retry-After` when every one is taken.
    pub(crate) fn take(&self) -> Result<Held<'_>, DeliveryError> {
        self.0.try_take(1).ok_or(DeliveryError::Overloaded)
    }

    /// Permits held right now: verified deliveries being handled.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn in_use(&self) -> usize {
        self.0.in_use()
    }
}
