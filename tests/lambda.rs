//! AWS Lambda (feature `lambda`): API Gateway HTTP API (payload 2.0) and Function URL events,
//! built here as the Lambda service receives them, go through `lambda_http`'s request
//! conversion (base64 bodies decoded to their exact bytes) into the extension's router: a
//! signed delivery is answered 200 and its handler runs; a tampered body is 401 and it does not.

use base64::Engine as _;
use kiket::prelude::*;
use kiket::sdk::testing::SignedRequest;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use tower::ServiceExt;

const SECRET: &str = "whsec_lambda";

/// A payload-2.0 event carrying `body` with the headers `request` signs for `signed`:
/// `function_url` names a Function URL's domain instead of an API's.
fn event(request: &SignedRequest, signed: &[u8], body: &[u8], base64: bool, function_url: bool) -> Value {
    let mut headers = serde_json::Map::new();
    for (name, value) in request.header_pairs(signed) {
        headers.insert(name.to_ascii_lowercase(), Value::String(value));
    }
    headers.insert("content-type".into(), json!("application/json"));
    let path_and_query = request.path_and_query();
    let (raw_path, raw_query) = path_and_query.split_once('?').unwrap_or((&path_and_query, ""));
    let domain = if function_url {
        "abcdefg.lambda-url.eu-west-1.on.aws"
    } else {
        "abcdefg.execute-api.eu-west-1.amazonaws.com"
    };
    let body = if base64 {
        base64::engine::general_purpose::STANDARD.encode(body)
    } else {
        String::from_utf8(body.to_vec()).unwrap()
    };
    json!({
        "version": "2.0",
        "routeKey": if function_url { "$default" } else { "POST /webhooks/{event}" },
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abcdefg",
            "domainName": domain,
            "domainPrefix": "abcdefg",
            "http": {"method": "POST", "path": raw_path, "protocol": "HTTP/1.1", "sourceIp": "198.51.100.7", "userAgent": "kiket"},
            "requestId": "id-1",
            "routeKey": "$default",
            "stage": "$default",
            "time": "02/Dec/2026:10:00:00 +0000",
            "timeEpoch": 1_795_000_000_000u64
        },
        "body": body,
        "isBase64Encoded": base64
    })
}

async fn invoke(router: &axum::Router, event: &Value) -> (u16, Value) {
    let request = lambda_http::request::from_str(&event.to_string()).expect("a payload-2.0 event");
    let response = router.clone().oneshot(request).await.unwrap();
    // What lambda_http sends back to the Lambda service.
    let response = lambda_http::IntoResponse::into_response(response).await;
    let status = response.status().as_u16();
    let body = match response.into_body() {
        lambda_http::Body::Text(text) => serde_json::from_str(&text).unwrap(),
        lambda_http::Body::Binary(bytes) => serde_json::from_slice(&bytes).unwrap(),
        lambda_http::Body::Empty => Value::Null,
        _ => Value::Null,
    };
    (status, body)
}

#[tokio::test]
async fn api_gateway_and_function_url_events_are_verified_over_the_exact_bytes() {
    let runs = Arc::new(AtomicUsize::new(0));
    let counted = runs.clone();
    let router = Router::new().issue_created_v1(move |issue: IssueCreatedV1, _ctx: HandlerContext| {
        counted.fetch_add(1, Ordering::SeqCst);
        async move { Ok(json!({"seen": issue.issue.id.to_string()})) }
    });
    let config = Config::builder().webhook_secret(SECRET).build().unwrap();
    let router = Extension::new(router, config).unwrap().into_router();

    // A body with bytes that text re-encoding would change: non-ASCII and escaped slashes.
    let cases = [(1, false, false), (2, false, true), (3, true, false), (4, true, true)];
    for (id, base64, function_url) in cases {
        let payload = json!({"issue": {"id": id, "title": "Ünïcödé \u{2028} \\/ ✓"}});
        let request = SignedRequest::new("issue.created", "v1", &payload).secret(SECRET);
        let body = request.body();
        let (status, answer) = invoke(&router, &event(&request, &body, &body, base64, function_url)).await;
        assert_eq!(
            (status, answer),
            (200, json!({"seen": id.to_string()})),
            "base64 {base64}, function URL {function_url}"
        );

        let mut tampered = body.clone();
        let last = tampered.len() - 2;
        tampered[last] = b' ';
        let (status, _) = invoke(&router, &event(&request, &body, &tampered, base64, function_url)).await;
        assert_eq!(status, 401, "a tampered body (base64 {base64}, function URL {function_url})");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 4, "the handler ran for the four genuine deliveries only");
}

#[tokio::test]
async fn outside_lambda_the_entry_point_refuses_instead_of_panicking() {
    let config = Config::builder().webhook_secret(SECRET).build().unwrap();
    let extension = Extension::new(Router::new(), config).unwrap();
    let error = kiket::sdk::lambda::serve(extension).await.unwrap_err();
    assert!(error.to_string().contains("AWS_LAMBDA_"), "{error}");
}
