//! Quickstart extension: `cargo run --example quickstart`.
//!
//! Runs in development mode, set here in code because the quickstart is for your own
//! machine: without `KIKET_WEBHOOK_SECRET` it accepts deliveries signed with the published
//! development secret (as `kiket send` signs them), it listens on 127.0.0.1 only (`PORT`,
//! default 8080), and without `KIKET_BASE_URL` its handlers' API calls go to a local mock of
//! the Kiket API, each call logged. Set `KIKET_WEBHOOK_SECRET`, `KIKET_BASE_URL` and
//! `KIKET_WORKSPACE_TOKEN` to talk to the real platform.

mod handlers;

use kiket::sdk::config::Environment;

#[tokio::main]
async fn main() -> Result<(), kiket::Error> {
    println!("kiket quickstart: once it listens, send it a signed sample event from a second terminal:");
    println!("  cargo run --bin kiket -- send issue.created");
    println!();
    kiket::run_with(handlers::router(), |config| {
        config
            .environment(Environment::Development)
            .extension("com.example.quickstart", env!("CARGO_PKG_VERSION"))
            .feedback_hook(handlers::telemetry_hook())
    })
    .await
}
