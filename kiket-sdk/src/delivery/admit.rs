//! Stage 1, admit: the body, read under a deadline and a budget shared by every request that
//! is not verified yet; refused over the limit before it is buffered.
//!
//! An unauthenticated client can hold only this budget, never a handler permit: those are
//! taken after stage 5 ([`HandlerPermits`]). The budget is charged per byte received (a
//! declared `Content-Length` alone costs nothing), so stalled uploads that sent one byte hold
//! one byte, and uploads that send a lot and stall are refused once the budget is spent.

use super::DeliveryError;
use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{header, Request};
use bytes::Bytes;
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Limits on what a request may hold before it is verified.
#[derive(Debug)]
pub(crate) struct Admission {
    /// Bytes of unverified bodies, all requests together.
    pub(crate) budget: Arc<Semaphore>,
    /// Largest accepted body in bytes.
    pub(crate) body_limit: usize,
    /// How long the body may take once the head is in.
    pub(crate) body_timeout: Duration,
}

/// A request let in: its head, its whole body, and the budget its body holds until verified.
pub(crate) struct Admitted {
    pub(crate) parts: Parts,
    pub(crate) body: Bytes,
    pub(crate) budget: Option<OwnedSemaphorePermit>,
}

impl Admission {
    /// Reads the body within the deadline, charging the budget as bytes arrive.
    pub(crate) async fn admit(&self, request: Request<Body>) -> Result<Admitted, DeliveryError> {
        let (parts, mut body) = request.into_parts();
        let limit = self.body_limit;
        let declared =
            parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(DeliveryError::BodyTooLarge { limit });
        }
        let deadline = tokio::time::Instant::now() + self.body_timeout;
        let mut budget: Option<OwnedSemaphorePermit> = None;
        let mut charge = |bytes: usize| -> Result<(), DeliveryError> {
            let bytes = u32::try_from(bytes).map_err(|_| DeliveryError::BodyTooLarge { limit })?;
            let permit = self.budget.clone().try_acquire_many_owned(bytes).map_err(|_| DeliveryError::Overloaded)?;
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
            let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
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
        Ok(Admitted { parts, body, budget })
    }
}

/// Deliveries handled at once: taken only by verified deliveries (after stage 5).
#[derive(Debug, Clone)]
pub(crate) struct HandlerPermits {
    semaphore: Arc<Semaphore>,
    capacity: usize,
}

impl HandlerPermits {
    /// `capacity` permits (at most what a semaphore holds).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.min(Semaphore::MAX_PERMITS);
        Self { semaphore: Arc::new(Semaphore::new(capacity)), capacity }
    }

    /// A permit, or 503 + `Retry-After` when every one is taken.
    pub(crate) fn take(&self) -> Result<OwnedSemaphorePermit, DeliveryError> {
        self.semaphore.clone().try_acquire_owned().map_err(|_| DeliveryError::Overloaded)
    }

    /// Permits held right now: verified deliveries being handled.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn in_use(&self) -> usize {
        self.capacity.saturating_sub(self.semaphore.available_permits())
    }
}
