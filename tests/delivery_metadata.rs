//! `ctx.delivery()`: the key the replay guard claims, the signature timestamp and the receive
//! time reach the handler, and the key is on every log line of the delivery.

mod support;

use kiket::prelude::*;
use kiket::sdk::testing::{SignedRequest, TestClient};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use support::Captured;

const SECRET: &str = "whsec_delivery_metadata";

#[tokio::test]
async fn the_handler_sees_its_delivery_key_timestamps_and_the_log_carries_the_key() {
    let (captured, _guard) = Captured::install(tracing::Level::INFO);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let store = seen.clone();
    let router = Router::new().issue_created_v1(move |_p: IssueCreatedV1, ctx: HandlerContext| {
        let store = store.clone();
        async move {
            let delivery = ctx.delivery().clone();
            tracing::info!("handler ran");
            store.lock().unwrap().push(delivery);
            Ok(())
        }
    });
    let config = Config::builder().webhook_secret(SECRET).build().unwrap();
    let client = TestClient::new(Extension::new(router, config).unwrap().into_router());
    let before = SystemTime::now();
    // One timestamp, fixed: a request signed at send time would be a new delivery when its two
    // sends straddle a second (seen under load: the handler ran three times).
    let now = before.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs() as i64;
    let first = SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": 1}})).secret(SECRET).timestamp(now);
    let second = SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": 2}})).secret(SECRET).timestamp(now);
    for request in [&first, &first, &second] {
        assert_eq!(client.send(request).await.status, 200);
    }

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "the repeated delivery was answered by the replay guard, not the handler");
    let keys: Vec<&str> = seen.iter().map(|d| d.key().expect("a verified delivery has a key")).collect();
    assert_ne!(keys[0], keys[1], "two deliveries, two keys");
    for (delivery, key) in seen.iter().zip(&keys) {
        let timestamp = delivery.signature_timestamp().expect("the signature carries a timestamp");
        assert!(key.starts_with(&format!("sig:{timestamp}:")), "{key}");
        assert_eq!((delivery.event(), delivery.version()), ("issue.created", "v1"));
        let received = delivery.received_at();
        assert!(received >= before && received <= before + Duration::from_secs(10));
    }
    let log = captured.text();
    for key in &keys {
        let line = log.lines().find(|l| l.contains("handler ran") && l.contains(key));
        assert!(line.is_some(), "no `handler ran` line carries delivery={key}:\n{log}");
    }
}
