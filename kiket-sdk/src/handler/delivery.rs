//! [`Delivery`]: what a handler knows about the delivery it runs for, beyond its payload.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// Third-party callbacks the platform relays are the events `external.webhook.<name>`
/// (PROTOCOL §9.2); this is the name of the one route that takes them all
/// ([`Router::external_webhooks`](crate::Router::external_webhooks)): their prefix, then `*`.
pub(crate) const EXTERNAL_WEBHOOKS: &str = "external.webhook.*";

/// `<name>` of an `external.webhook.<name>` event (never empty); `None` for any other event.
pub(crate) fn external_webhook_name(event: &str) -> Option<&str> {
    let prefix = &EXTERNAL_WEBHOOKS[..EXTERNAL_WEBHOOKS.len() - 1];
    event.strip_prefix(prefix).filter(|name| !name.is_empty())
}

/// The delivery a handler runs for: its key, when it was signed and received, its event and
/// version, its deadline (`ctx.delivery()`).
///
/// The **key** names the delivery across retries and replicas: it is the key the replay guard
/// claims (made from a signed delivery's timestamp and a digest of its verified MAC, or from a
/// runtime-token-only delivery's token id), and it is on the `kiket.delivery` tracing span as
/// `delivery`, so
/// every log line of the delivery carries it. A delivery that was not verified (the
/// insecure skip mode, or a test context) has none.
///
/// ```
/// use kiket_sdk::testing::TestContext;
/// let ctx = TestContext::new("issue.created", "v1").delivery_key("dlv_1700000000_ab12").build();
/// let delivery = ctx.delivery();
/// assert_eq!(delivery.key(), Some("dlv_1700000000_ab12"));
/// assert_eq!((delivery.event(), delivery.version()), ("issue.created", "v1"));
/// assert!(delivery.received_at() <= std::time::SystemTime::now());
/// ```
#[derive(Debug, Clone)]
pub struct Delivery {
    pub(crate) key: Option<Arc<str>>,
    pub(crate) signature_timestamp: Option<i64>,
    pub(crate) received_at: SystemTime,
    pub(crate) event: Arc<str>,
    pub(crate) version: Arc<str>,
    pub(crate) deadline: Instant,
}

impl Delivery {
    /// The delivery's key (the replay guard's), when it was verified.
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").delivery_key("evt_9f1").build();
    /// // The replay guard's key: log it to correlate with the platform's delivery log.
    /// assert_eq!(ctx.delivery().key(), Some("evt_9f1"));
    /// ```
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// The signature's timestamp (Unix seconds), when the signature carried one.
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").build();
    /// // Unsigned test contexts have none; served deliveries carry `X-Kiket-Timestamp`.
    /// assert_eq!(ctx.delivery().signature_timestamp(), None);
    /// ```
    pub fn signature_timestamp(&self) -> Option<i64> {
        self.signature_timestamp
    }

    /// When the server started receiving the request.
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("issue.created", "v1").build();
    /// let waited = ctx.delivery().received_at().elapsed().unwrap_or_default();
    /// assert!(waited < std::time::Duration::from_secs(60));
    /// ```
    pub fn received_at(&self) -> SystemTime {
        self.received_at
    }

    /// The event (`issue.created`).
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("sla.breach", "v1").build();
    /// assert_eq!(ctx.delivery().event(), "sla.breach");
    /// ```
    pub fn event(&self) -> &str {
        &self.event
    }

    /// The resolved version (`v1`).
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("sla.breach", "v1").build();
    /// assert_eq!(ctx.delivery().version(), "v1");
    /// ```
    pub fn version(&self) -> &str {
        &self.version
    }

    /// When the handler's run is cut off: from the delivery's arrival, its route's timeout
    /// ([`Router::timeout`](crate::Router::timeout), else its manifest hook's, else the
    /// configured handler timeout). An inline handler still running then is dropped and the
    /// delivery answered `503` with `Retry-After`; budget outbound calls against it.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let ctx = kiket_sdk::testing::TestContext::new("case.created", "v1").deadline_in(Duration::from_secs(2)).build();
    /// // Give an outbound call what is left, less a little time to answer.
    /// let budget = ctx.delivery().deadline().saturating_duration_since(Instant::now());
    /// assert!(budget <= Duration::from_secs(2));
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// The time left before [`Self::deadline`] (zero once it has passed).
    ///
    /// ```
    /// use std::time::Duration;
    /// let ctx = kiket_sdk::testing::TestContext::new("case.created", "v1").deadline_in(Duration::from_secs(2)).build();
    /// let left = ctx.delivery().remaining();
    /// assert!(left > Duration::from_secs(1) && left <= Duration::from_secs(2));
    /// ```
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// For a relayed third-party callback (`external.webhook.<name>`), its `<name>`.
    ///
    /// ```
    /// let ctx = kiket_sdk::testing::TestContext::new("external.webhook.pager_ack", "v1").build();
    /// assert_eq!(ctx.delivery().external_webhook(), Some("pager_ack"));
    /// let ctx = kiket_sdk::testing::TestContext::new("case.created", "v1").build();
    /// assert_eq!(ctx.delivery().external_webhook(), None);
    /// ```
    pub fn external_webhook(&self) -> Option<&str> {
        external_webhook_name(&self.event)
    }
}
