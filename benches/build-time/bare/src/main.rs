//! The reference of `benches/build-time.sh`: what a hand-written extension with the same stack
//! looks like — one route that checks an HMAC signature, decodes the body and calls an API.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Json;
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

#[derive(serde::Deserialize)]
struct Issue {
    title: Option<String>,
}

#[derive(serde::Deserialize)]
struct IssueCreated {
    issue: Issue,
}

async fn issue_created(headers: HeaderMap, body: Bytes) -> Result<Json<Value>, StatusCode> {
    let secret = std::env::var("KIKET_WEBHOOK_SECRET").map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    let signature = headers.get("x-kiket-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    mac.update(&body);
    let expected = hex::decode(signature.trim_start_matches("sha256=")).map_err(|_| StatusCode::UNAUTHORIZED)?;
    mac.verify_slice(&expected).map_err(|_| StatusCode::UNAUTHORIZED)?;
    let payload: IssueCreated = serde_json::from_slice(&body).map_err(|_| StatusCode::UNPROCESSABLE_ENTITY)?;
    let title = payload.issue.title.unwrap_or_default();
    let client = reqwest::Client::new();
    let base = std::env::var("KIKET_BASE_URL").unwrap_or_else(|_| "https://kiket.dev".into());
    let logged = client.post(format!("{base}/api/v1/extensions/logs")).json(&json!({"message": "issue.created", "metadata": {"title": title}})).send().await;
    Ok(Json(json!({"ok": true, "logged": logged.is_ok(), "title": title})))
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let app = axum::Router::new().route("/webhooks/issue.created", post(issue_created));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    axum::serve(listener, app).await
}
