//! Marketing automation: a production-style Kiket extension.
//!
//! Configuration comes from `extension.yaml` (discovered in the working directory, else the
//! one beside this file) and the environment (`MARKETING_WEBHOOK_SECRET` for the manifest's
//! `env:` reference, `KIKET_BASE_URL`, `KIKET_WORKSPACE_TOKEN`, `KIKET_SECRET_CRM_APIKEY`,
//! `HOST`, `PORT`). Logs are JSON lines (one at start-up, one per delivery); SIGTERM finishes
//! in-flight deliveries.
//!
//! ```text
//! MARKETING_WEBHOOK_SECRET=whsec_… cargo run --release --example marketing
//! ```

mod campaigns;

use kiket::sdk::config::LogFormat;

#[tokio::main]
async fn main() -> Result<(), kiket::Error> {
    let beside_this_file = concat!(env!("CARGO_MANIFEST_DIR"), "/marketing/extension.yaml");
    let in_working_directory = std::env::current_dir().is_ok_and(|cwd| kiket::sdk::manifest::discover(&cwd).is_some());
    kiket::run_with(campaigns::router(), |config| {
        let config = config.log_format(LogFormat::Json);
        if in_working_directory {
            config
        } else {
            config.manifest_path(beside_this_file)
        }
    })
    .await
}
