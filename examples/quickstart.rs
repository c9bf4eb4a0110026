//! Quickstart extension (placeholder until the webhook runtime lands).
//!
//! Serves `GET /health` on `HOST`:`PORT` (default `127.0.0.1:8080`) with the extension's
//! identity and the event catalog this build knows, so you can check that the toolkit builds
//! and serves on your machine:
//!
//! ```text
//! cargo run --example quickstart
//! curl http://127.0.0.1:8080/health
//! ```

use axum::{routing::get, Json, Router};
use serde_json::{json, Value};
use std::net::SocketAddr;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let host = std::env::var("HOST").unwrap_or_else(|_| "127.0.0.1".to_string());
    let port: u16 = match std::env::var("PORT") {
        Ok(text) => text
            .parse()
            .map_err(|_| format!("PORT must be a port number, got {text:?}"))?,
        Err(_) => 8080,
    };
    let address: SocketAddr = format!("{host}:{port}")
        .parse()
        .map_err(|_| format!("HOST must be an IP address, got {host:?}"))?;

    let app = Router::new().route("/health", get(health));
    let listener = tokio::net::TcpListener::bind(address).await?;
    println!(
        "kiket quickstart serving on http://{}/health",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}

async fn health() -> Json<Value> {
    let catalog: Vec<String> = kiket::Event::CATALOG
        .iter()
        .map(|(e, v)| format!("{e}@{v}"))
        .collect();
    Json(json!({
        "status": "ok",
        "extension_id": "com.example.quickstart",
        "extension_version": env!("CARGO_PKG_VERSION"),
        "registered_events": [],
        "catalog": catalog,
    }))
}
