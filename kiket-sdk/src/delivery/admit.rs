//! Stage 1, admit: a handler permit, then the body, refused over the limit before it is
//! buffered.

use super::DeliveryError;
use axum::body::Body;
use axum::http::request::Parts;
use axum::http::{header, Request};
use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Limits on what a delivery may hold.
#[derive(Debug)]
pub(crate) struct Admission {
    /// Deliveries handled at once; more are answered 503 + `Retry-After`.
    pub(crate) permits: Arc<Semaphore>,
    /// Largest accepted body in bytes.
    pub(crate) body_limit: usize,
}

/// A request let in: its head, its whole body, and the permit it holds until answered.
pub(crate) struct Admitted {
    pub(crate) parts: Parts,
    pub(crate) body: Bytes,
    pub(crate) _permit: OwnedSemaphorePermit,
}

impl Admission {
    /// Takes a permit and reads the body.
    pub(crate) async fn admit(&self, request: Request<Body>) -> Result<Admitted, DeliveryError> {
        let permit = self.permits.clone().try_acquire_owned().map_err(|_| DeliveryError::Overloaded)?;
        let (parts, body) = request.into_parts();
        let limit = self.body_limit;
        let declared =
            parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(DeliveryError::BodyTooLarge { limit });
        }
        let body = match Limited::new(body, limit).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(error) if error.downcast_ref::<LengthLimitError>().is_some() => {
                return Err(DeliveryError::BodyTooLarge { limit })
            }
            Err(_) => return Err(DeliveryError::BodyUnreadable),
        };
        Ok(Admitted { parts, body, _permit: permit })
    }
}
