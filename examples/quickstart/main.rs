//! Quickstart extension: `cargo run --example quickstart`.
//!
//! Serves on `HOST`:`PORT` (default `127.0.0.1:8080`). Configuration comes from the
//! environment:
//! - `KIKET_WEBHOOK_SECRET`: the secret deliveries are signed with (never printed). When
//!   unset, a published development secret is used: every delivery logs a warning, and the
//!   server refuses to listen on anything but loopback.
//! - `KIKET_BASE_URL`, `KIKET_WORKSPACE_TOKEN`: the Kiket API. When `KIKET_BASE_URL` is unset,
//!   a local mock of the API is started, so everything works offline; what the handlers call
//!   is printed.
//!
//! It prints a ready-to-paste command that sends a signed sample event.

mod handlers;

use kiket::prelude::*;
use kiket::sdk::config::env;
use kiket::sdk::testing::MockKiketApi;

/// Used when `KIKET_WEBHOOK_SECRET` is not set. Never use it outside your machine.
const DEV_SECRET: &str = "whsec_quickstart_dev_only";
const EXTENSION_ID: &str = "com.example.quickstart";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();

    let var = |key: &str| std::env::var(key).ok().filter(|v| !v.trim().is_empty());
    // The secret itself is never printed: the hint below names the variable instead.
    let from_env = var(env::KIKET_WEBHOOK_SECRET).is_some();
    if !from_env {
        println!("KIKET_WEBHOOK_SECRET is not set: using the published DEVELOPMENT secret (loopback only)");
    }
    let mut config = Config::builder()
        .development_webhook_secret(DEV_SECRET)
        .extension(EXTENSION_ID, env!("CARGO_PKG_VERSION"))
        .feedback_hook(handlers::telemetry_hook())
        .with_env();
    // Keeps the mock alive while serving.
    let _mock = match var(env::KIKET_BASE_URL) {
        Some(_) => None,
        None => {
            let mock = MockKiketApi::start().await?;
            println!("KIKET_BASE_URL is not set: API calls go to a local mock of the Kiket API at {}", mock.url());
            config = config.api_base_url(mock.url());
            Some(mock)
        }
    };
    // A KIKET_BASE_URL with credentials in it is refused here, without repeating them.
    let config = config.build()?;
    println!("Kiket API: {}", config.api_base_url());
    let address = config.listen_address();

    let extension = Extension::new(handlers::router(), config)?;
    let listener = tokio::net::TcpListener::bind(address).await?;
    let url = format!("http://{}", listener.local_addr()?);
    println!("kiket quickstart listening on {url} (handles {})", extension.registered_events().join(", "));
    println!();
    println!("Send it a signed sample event:");
    let secret = if from_env { "\"$KIKET_WEBHOOK_SECRET\"" } else { DEV_SECRET };
    println!("  cargo run --bin kiket -- send issue.created --version v1 --url {url} --secret {secret}");
    println!();
    extension.serve_listener(listener, kiket::sdk::shutdown_signal()).await?;
    Ok(())
}
