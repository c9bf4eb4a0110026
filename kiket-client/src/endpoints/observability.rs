//! Logs, metrics, notifications, the rate limit and the extension's own record.

use super::Endpoints;
use crate::error::ApiError;
use crate::generated::types::{ExtensionInfo, LogEventRequest, MetricRequest, NotificationLevel, NotificationRequest};
use crate::retry::new_idempotency_key;
use serde_json::{Map, Value};

/// The current rate-limit window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Calls allowed per window.
    pub limit: i64,
    /// Calls left in this window.
    pub remaining: i64,
    /// Window length in seconds.
    pub window_seconds: i64,
    /// Seconds until the window resets.
    pub reset_in: i64,
}

impl Endpoints {
    /// Records a structured log event: `log_event("issue.created", json!({"summary": …}))`.
    pub async fn log_event(&self, message: &str, metadata: Value) -> Result<(), ApiError> {
        const OP: &str = crate::operations::LOG_EVENT.id;
        let metadata = match metadata {
            Value::Object(map) => map,
            Value::Null => Map::new(),
            _ => return Err(ApiError::input(OP, "metadata must be a JSON object")),
        };
        let body = LogEventRequest { message: message.to_owned(), metadata };
        self.client
            .log_event()
            .idempotency_key(new_idempotency_key())
            .body(body)
            .send()
            .await
            .map_err(|e| ApiError::from_generated(OP, e))?;
        Ok(())
    }

    /// Records a metric sample; `unit` defaults to `count`.
    pub async fn emit_metric(&self, name: &str, value: f64, unit: Option<&str>) -> Result<(), ApiError> {
        const OP: &str = crate::operations::RECORD_METRIC.id;
        if !value.is_finite() {
            return Err(ApiError::input(OP, "a metric value must be a finite number"));
        }
        let body = MetricRequest { name: name.to_owned(), value, unit: unit.unwrap_or("count").to_owned() };
        self.client
            .record_metric()
            .idempotency_key(new_idempotency_key())
            .body(body)
            .send()
            .await
            .map_err(|e| ApiError::from_generated(OP, e))?;
        Ok(())
    }

    /// Notifies the workspace at `level` (`NotificationLevel::Info` is the usual default).
    pub async fn notify(&self, title: &str, body: &str, level: NotificationLevel) -> Result<(), ApiError> {
        const OP: &str = crate::operations::SEND_NOTIFICATION.id;
        let request = NotificationRequest { title: title.to_owned(), body: body.to_owned(), level };
        self.client
            .send_notification()
            .idempotency_key(new_idempotency_key())
            .body(request)
            .send()
            .await
            .map_err(|e| ApiError::from_generated(OP, e))?;
        Ok(())
    }

    /// The current rate-limit window.
    pub async fn rate_limit(&self) -> Result<RateLimit, ApiError> {
        const OP: &str = crate::operations::GET_RATE_LIMIT.id;
        let window = self
            .client
            .get_rate_limit()
            .send()
            .await
            .map_err(|e| ApiError::from_generated(OP, e))?
            .into_inner()
            .rate_limit;
        Ok(RateLimit {
            limit: window.limit,
            remaining: window.remaining,
            window_seconds: window.window_seconds,
            reset_in: window.reset_in,
        })
    }

    /// The extension's record on the platform (needs the extension id).
    pub async fn extension_info(&self) -> Result<ExtensionInfo, ApiError> {
        const OP: &str = crate::operations::GET_EXTENSION.id;
        let id = self.require_extension_id(OP)?;
        Ok(self
            .client
            .get_extension()
            .ext_id(id)
            .send()
            .await
            .map_err(|e| ApiError::from_generated(OP, e))?
            .into_inner())
    }
}
