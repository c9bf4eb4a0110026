//! The physical reference of the load benchmark: bare axum reading the body, parsing it to
//! `serde_json::Value` and answering a small JSON object. No verification, no routing table.
//!
//! Built and started by `cargo run --release --example loadbench`; on its own:
//! `cargo run --release --manifest-path benches/baseline/Cargo.toml`

use axum::body::Bytes;
use axum::routing::post;
use axum::Json;
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let port = std::env::var("PORT").unwrap_or_else(|_| "8081".into());
    let app = axum::Router::new().route(
        "/webhooks/{event}",
        post(|body: Bytes| async move {
            let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            Json(json!({"ok": true, "title": parsed["issue"]["title"]}))
        }),
    );
    let listener = tokio::net::TcpListener::bind(format!("{host}:{port}")).await?;
    axum::serve(listener, app).await
}
