//! Marketing automation: a production-style Kiket extension.
//!
//! Configuration comes from `extension.yaml` (discovered in the working directory, else the
//! one beside this file) and the environment (`MARKETING_WEBHOOK_SECRET` for the manifest's
//! `env:` reference, `KIKET_BASE_URL`, `KIKET_WORKSPACE_TOKEN`, `KIKET_SECRET_CRM_APIKEY`,
//! `HOST`, `PORT`). Logs are JSON lines; SIGTERM finishes in-flight deliveries.
//!
//! ```text
//! MARKETING_WEBHOOK_SECRET=whsec_… cargo run --release --example marketing
//! ```

mod campaigns;

use kiket::prelude::*;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();

    let cwd = std::env::current_dir()?;
    let builder = if kiket::sdk::manifest::discover(&cwd).is_some() {
        Config::builder().discover_manifest(cwd)
    } else {
        Config::builder().manifest_path(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/marketing/extension.yaml"))
    };
    let config = match builder.with_env().build() {
        Ok(config) => config,
        Err(error) => {
            tracing::error!(%error, "configuration is not usable");
            return Err(error.into());
        }
    };
    tracing::info!(config = %config.describe(), "configuration resolved");
    Extension::new(campaigns::router(), config)?.run().await?;
    Ok(())
}
