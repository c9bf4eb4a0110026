//! Prometheus metrics (feature `metrics`), scraped from the real server: every series after
//! signed, forged, replayed and unknown deliveries and API calls with a retry, bounded label
//! values, and the scrape token.
//!
//! The `metrics` recorder is global to the process, so the counting test is the only one in
//! this binary that asserts absolute values.

mod support;

use kiket::prelude::*;
use kiket::sdk::telemetry::MetricsEndpoint;
use kiket::sdk::testing::{SignedRequest, TestServer};
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "whsec_metrics";
const SCRAPE_TOKEN: &str = "scrape-token-metrics";

/// `name{labels} value` lines of a Prometheus text page, keyed by `name{labels}`.
fn samples_of(page: &str) -> BTreeMap<String, f64> {
    page.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .filter_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect()
}

fn value(samples: &BTreeMap<String, f64>, series: &str) -> f64 {
    *samples.get(series).unwrap_or_else(|| panic!("no series {series} in:\n{samples:#?}"))
}

async fn post(http: &reqwest::Client, server: &TestServer, request: &SignedRequest) -> u16 {
    support::post_signed(http, &server.url(), request).await.status().as_u16()
}

#[tokio::test]
async fn every_series_counts_what_happened_and_unknown_events_stay_one_label_value() {
    let api = MockServer::start().await;
    // The first rate-limit call is answered 503 once, then 200: one retry.
    Mock::given(method("GET"))
        .and(path("/api/v1/ext/rate_limit"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&api)
        .await;
    support::mount_rate_limit(&api).await;

    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    // issue.updated waits until the test lets it go: a delivery in flight during a scrape.
    let (started, release) = (Arc::new(tokio::sync::Notify::new()), Arc::new(tokio::sync::Notify::new()));
    let (started_tx, release_rx) = (started.clone(), release.clone());
    let router = Router::new()
        .issue_created_v1(move |_issue: IssueCreatedV1, ctx: HandlerContext| {
            let counted = counted.clone();
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                ctx.endpoints().rate_limit().await.map_err(|e| HandlerError::permanent(e.to_string()))?;
                Ok(())
            }
        })
        .issue_updated_v1(move |_issue: IssueUpdatedV1, _ctx: HandlerContext| {
            let (started, release) = (started_tx.clone(), release_rx.clone());
            async move {
                started.notify_one();
                release.notified().await;
                Ok(())
            }
        });
    let config = Config::builder()
        .webhook_secret(SECRET)
        .api_base_url(api.uri())
        .workspace_token("wt_metrics")
        .api_retry(kiket::client::retry::RetryPolicy { base_delay: Duration::from_millis(1), ..Default::default() })
        .metrics(MetricsEndpoint::new().token(SCRAPE_TOKEN))
        .build()
        .unwrap();
    let server = TestServer::start(Extension::new(router, config).unwrap()).await.unwrap();
    let http = reqwest::Client::new();

    // 3 genuine deliveries, the first one sent twice more (replays).
    let genuine: Vec<SignedRequest> = (1..=3)
        .map(|id| SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": id}})).secret(SECRET))
        .collect();
    for request in genuine.iter().chain([&genuine[0], &genuine[0]]) {
        assert_eq!(post(&http, &server, request).await, 200);
    }
    // 2 forged (another secret) and 1 unsigned.
    for id in [10, 11] {
        let forged = SignedRequest::new("issue.created", "v1", &json!({"issue": {"id": id}})).secret("whsec_forger");
        assert_eq!(post(&http, &server, &forged).await, 401);
    }
    let unsigned = http
        .post(format!("{}/webhooks/issue.created", server.url()))
        .header("x-kiket-event-version", "v1")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);
    // 1,000 signed deliveries to random event names nobody handles.
    for n in 0..1000u32 {
        let name = format!("random.{}{n}", fastrand_name(n));
        let request = SignedRequest::new(&name, "v1", &json!({})).secret(SECRET);
        assert_eq!(post(&http, &server, &request).await, 404);
    }
    assert_eq!(runs.load(Ordering::SeqCst), 3, "the handler ran once per distinct delivery");

    let metrics_url = format!("{}/metrics", server.url());
    assert_eq!(http.get(&metrics_url).send().await.unwrap().status(), 401, "no token, no metrics");
    let wrong = http.get(&metrics_url).bearer_auth("scrape-token-metricz").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let page = http.get(&metrics_url).bearer_auth(SCRAPE_TOKEN).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let samples = samples_of(&page);

    let route = r#"event="issue.created",version="v1""#;
    let unknown = r#"event="unknown",version="unknown""#;
    assert_eq!(value(&samples, &format!("kiket_deliveries_total{{{route},status=\"200\"}}")), 5.0);
    assert_eq!(value(&samples, &format!("kiket_deliveries_total{{{unknown},status=\"401\"}}")), 3.0);
    assert_eq!(value(&samples, &format!("kiket_deliveries_total{{{unknown},status=\"404\"}}")), 1000.0);
    assert_eq!(value(&samples, &format!("kiket_delivery_duration_seconds_count{{{route}}}")), 5.0);
    assert_eq!(value(&samples, &format!("kiket_delivery_duration_seconds_count{{{unknown}}}")), 1003.0);
    assert_eq!(value(&samples, r#"kiket_verification_failures_total{reason="signature_mismatch"}"#), 2.0);
    assert_eq!(value(&samples, r#"kiket_verification_failures_total{reason="missing_signature"}"#), 1.0);
    assert_eq!(value(&samples, "kiket_replays_total"), 2.0);
    assert_eq!(value(&samples, "kiket_in_flight"), 0.0);
    assert_eq!(value(&samples, r#"kiket_api_requests_total{operation="get_rate_limit",status="200"}"#), 3.0);
    assert_eq!(value(&samples, r#"kiket_api_retries_total{operation="get_rate_limit"}"#), 1.0);
    assert!(!samples.keys().any(|k| k.starts_with("kiket_telemetry_dropped_total")), "nothing was dropped");

    // In flight: one verified delivery held in its handler during a scrape, none after.
    let held = SignedRequest::new("issue.updated", "v1", &json!({"issue": {"id": 9}})).secret(SECRET);
    let (client, url) = (http.clone(), server.url());
    let sending = tokio::spawn(async move { support::post_signed(&client, &url, &held).await.status().as_u16() });
    started.notified().await;
    let scrape = || async {
        let page = http.get(&metrics_url).bearer_auth(SCRAPE_TOKEN).send().await.unwrap().text().await.unwrap();
        value(&samples_of(&page), "kiket_in_flight")
    };
    assert_eq!(scrape().await, 1.0, "one delivery is in its handler");
    release.notify_one();
    assert_eq!(sending.await.unwrap(), 200);
    assert_eq!(scrape().await, 0.0);

    // Bounded cardinality: the only event label values are the registered routes' (each
    // registered when the extension is built, at 0) and `unknown`.
    let events: BTreeSet<&str> = samples
        .keys()
        .filter(|k| k.starts_with("kiket_deliveries_total{"))
        .filter_map(|k| k.split("event=\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(events, BTreeSet::from(["issue.created", "issue.updated", "unknown"]), "{page}");
    assert!(!page.contains("random."), "a request-derived event name reached a label");
    let final_page = http.get(&metrics_url).bearer_auth(SCRAPE_TOKEN).send().await.unwrap().text().await.unwrap();
    let held_route = r#"kiket_deliveries_total{event="issue.updated",version="v1",status="200"}"#;
    assert_eq!(value(&samples_of(&final_page), held_route), 1.0);
    server.shutdown().await;
}

/// A different-looking name per delivery without a random-number dependency.
fn fastrand_name(n: u32) -> String {
    format!("{:x}", n.wrapping_mul(2_654_435_761))
}

#[tokio::test]
async fn metrics_on_a_separate_address_are_not_on_the_webhook_listener() {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = probe.local_addr().unwrap();
    drop(probe);
    let config =
        Config::builder().webhook_secret(SECRET).metrics(MetricsEndpoint::new().address(address)).build().unwrap();
    let server = TestServer::start(Extension::new(Router::new(), config).unwrap()).await.unwrap();
    let http = reqwest::Client::new();
    assert_eq!(http.get(format!("{}/metrics", server.url())).send().await.unwrap().status(), 404);
    let mut status = None;
    for _ in 0..50 {
        if let Ok(response) = http.get(format!("http://{address}/metrics")).send().await {
            status = Some(response.status());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, Some(reqwest::StatusCode::OK), "the separate metrics listener answers");
    server.shutdown().await;
}

#[test]
fn kiket_metrics_from_the_environment() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string())
    };
    let config = Config::builder()
        .webhook_secret(SECRET)
        .with_env_from(env(&[
            ("KIKET_METRICS", "1"),
            ("KIKET_METRICS_TOKEN", "t0ken"),
            ("KIKET_METRICS_ADDR", "127.0.0.1:9464"),
        ]))
        .build()
        .unwrap();
    let endpoint = config.metrics_endpoint().expect("KIKET_METRICS=1 serves metrics");
    assert_eq!(endpoint.listen_address(), Some("127.0.0.1:9464".parse().unwrap()));
    assert_eq!(endpoint.bearer_token().map(|t| t.expose()), Some("t0ken"));
    assert!(!format!("{config:?}").contains("t0ken"), "the token reached Debug");
    let error = Config::builder()
        .webhook_secret(SECRET)
        .with_env_from(env(&[("KIKET_METRICS", "on"), ("KIKET_METRICS_ADDR", "everywhere")]))
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("KIKET_METRICS_ADDR"), "{error}");
    let off = Config::builder().webhook_secret(SECRET).with_env_from(env(&[("KIKET_METRICS", "0")])).build().unwrap();
    assert!(off.metrics_endpoint().is_none());
}

/// `/metrics` is never public by accident: without a token it is served only on a loopback
/// webhook listener or on an address of its own; on any other listener the configuration is
/// refused, saying what to set. A blank token is a mistake, not "no token".
#[test]
fn metrics_without_a_token_only_where_the_public_cannot_reach_them() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |key: &str| pairs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.to_string())
    };
    let build = |pairs: &'static [(&'static str, &'static str)]| {
        Config::builder().webhook_secret(SECRET).with_env_from(env(pairs)).build()
    };
    let public = build(&[("KIKET_METRICS", "1"), ("HOST", "0.0.0.0")]).unwrap_err().to_string();
    assert!(
        public.contains("/metrics to anyone who reaches 0.0.0.0:8080")
            && public.contains("KIKET_METRICS_TOKEN")
            && public.contains("KIKET_METRICS_ADDR"),
        "{public}"
    );
    let in_code = Config::builder()
        .webhook_secret(SECRET)
        .listen_address("0.0.0.0:8080".parse().unwrap())
        .metrics(MetricsEndpoint::new())
        .build()
        .unwrap_err();
    assert!(matches!(in_code, kiket::sdk::ConfigError::MetricsUnprotected(_)), "{in_code}");
    for pairs in [
        &[("KIKET_METRICS", "1")][..], // the listener is loopback by default
        &[("KIKET_METRICS", "1"), ("HOST", "0.0.0.0"), ("KIKET_METRICS_TOKEN", "t0ken")],
        &[("KIKET_METRICS", "1"), ("HOST", "0.0.0.0"), ("KIKET_METRICS_ADDR", "0.0.0.0:9464")],
    ] {
        assert!(build(pairs).unwrap().metrics_endpoint().is_some(), "{pairs:?}");
    }
    let blank = build(&[("KIKET_METRICS", "1"), ("KIKET_METRICS_TOKEN", "  ")]).unwrap_err().to_string();
    assert_eq!(blank, "KIKET_METRICS_TOKEN is set but blank: give it a value, or unset it");
    let blank_in_code =
        Config::builder().webhook_secret(SECRET).metrics(MetricsEndpoint::new().token("")).build().unwrap_err();
    assert!(matches!(blank_in_code, kiket::sdk::ConfigError::BlankToken(_)), "{blank_in_code}");
}
