//! `external.webhook.<name>` (PROTOCOL §9.2): third-party callbacks the platform relays reach
//! one route for the whole prefix, with the name in the context and the body exactly as it
//! arrived, never read for Kiket's runtime fields; verified like any delivery; deferred, the
//! name survives the queue. On a real server.

mod support;

use kiket::prelude::*;
use kiket::sdk::testing::{SignedRequest, TestServer};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SECRET: &str = "whsec_external";

/// What the handler saw: (name, event, version, body, a per-organisation secret if any).
type Seen = Arc<Mutex<Vec<(String, String, String, Vec<u8>, Option<String>)>>>;

fn router(seen: &Seen) -> Router {
    let seen = seen.clone();
    Router::new().external_webhooks(move |hook: ExternalWebhook, ctx: HandlerContext| {
        let seen = seen.clone();
        async move {
            let delivery = ctx.delivery();
            seen.lock().unwrap().push((
                delivery.external_webhook().unwrap_or_default().to_owned(),
                delivery.event().to_owned(),
                delivery.version().to_owned(),
                hook.body().to_vec(),
                ctx.secret("PAGER_API_KEY").map(|s| s.expose().to_owned()),
            ));
            Ok(Reply::ok())
        }
    })
}

async fn server(router: Router) -> TestServer {
    let config = Config::builder().webhook_secret(SECRET).telemetry_opt_out(true).build().unwrap();
    TestServer::start(Extension::new(router, config).unwrap()).await.unwrap()
}

fn callback(name: &str, version: &str, body: &[u8]) -> SignedRequest {
    let now = support::now();
    SignedRequest::new(&format!("external.webhook.{name}"), version, &()).raw_body(body).secret(SECRET).timestamp(now)
}

async fn post(server: &TestServer, request: &SignedRequest) -> u16 {
    support::post_signed(&reqwest::Client::new(), &server.url(), request).await.status().as_u16()
}

#[tokio::test]
async fn every_name_reaches_the_one_route_with_its_body_as_sent() {
    let seen = Seen::default();
    let server = server(router(&seen)).await;
    // A form (not JSON) and a JSON body whose fields look like Kiket's runtime block and event
    // name: the third party's business, not read as a runtime token, secrets or the event.
    let form = b"MessageStatus=delivered&MessageSid=SM1&event=case.created".to_vec();
    let lookalike =
        br#"{"event":"case.created","secrets":{"PAGER_API_KEY":"from-the-third-party"},"authentication":{"runtime_token":"x.y.z"}}"#.to_vec();
    assert_eq!(post(&server, &callback("sms_status", "v1", &form)).await, 200);
    assert_eq!(post(&server, &callback("pager_ack", "2026-05", &lookalike)).await, 200);
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            ("sms_status".into(), "external.webhook.sms_status".into(), "v1".into(), form, None),
            ("pager_ack".into(), "external.webhook.pager_ack".into(), "2026-05".into(), lookalike, None),
        ],
        "name, event and version are the delivery's; the body is untouched; no secret came from it"
    );
}

#[tokio::test]
async fn a_callback_is_verified_like_any_delivery_and_the_prefix_alone_is_no_name() {
    let seen = Seen::default();
    let server = server(router(&seen)).await;
    let forged = callback("pager_ack", "v1", b"status=ok").secret("whsec_someone_else");
    assert_eq!(post(&server, &forged).await, 401, "a signature by another secret");
    let unsigned = SignedRequest::new("external.webhook.pager_ack", "v1", &()).raw_body(&b"status=ok"[..]);
    assert_eq!(post(&server, &unsigned).await, 401, "unsigned");
    let nameless = callback("", "v1", b"{}");
    assert_eq!(post(&server, &nameless).await, 404, "`external.webhook.` names no callback");
    assert!(seen.lock().unwrap().is_empty(), "no handler ran: {:?}", seen.lock().unwrap());
}

#[tokio::test]
async fn a_deferred_callback_keeps_its_name_through_the_queue() {
    let seen = Seen::default();
    let server = server(router(&seen).deferred()).await;
    assert_eq!(post(&server, &callback("pager_ack", "v1", b"ack=p_7")).await, 202);
    for _ in 0..100 {
        if !seen.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [("pager_ack".into(), "external.webhook.pager_ack".into(), "v1".into(), b"ack=p_7".to_vec(), None)]
    );
}
