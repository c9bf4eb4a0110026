//! [`run`] and [`run_with`]: the one-line start of an extension's `main`, with the logs a
//! newcomer needs to see and the development mode that runs offline.

use crate::sdk::config::{Environment, LogFormat};
use crate::sdk::{Config, ConfigBuilder, Extension, LocalApi, Router};
use crate::Error;

/// Runs the extension: builds the configuration from the manifest in the working directory
/// and the environment (`KIKET_*`, see [`sdk::Config::from_env`](crate::sdk::Config::from_env)),
/// joins it with `router`, and serves on `HOST`:`PORT` until SIGTERM or Ctrl-C.
///
/// Unless the application installed a `tracing` subscriber already, it installs one: what
/// `RUST_LOG` asks for (default `info`), as text (colours only on a terminal) or as JSON lines
/// (`KIKET_LOG_FORMAT=json`). The server then logs one line when it starts (address, routes,
/// verification, manifest, stores) and one per delivery (event, version, status, duration,
/// delivery key; never a secret).
///
/// With `KIKET_ENV=development` it runs offline: the published development secret unless one
/// is configured, loopback only, and, when `KIKET_BASE_URL` is unset, a local mock of the
/// Kiket API (kiket's `testing` feature) that handlers' calls go to; it says so on every start.
///
/// ```no_run
/// use kiket::prelude::*;
///
/// #[tokio::main]
/// async fn main() -> Result<(), kiket::Error> {
///     let router = Router::new().issue_created_v1(|_issue: IssueCreatedV1, _ctx: HandlerContext| async { Ok(()) });
///     kiket::run(router).await // KIKET_WEBHOOK_SECRET=… HOST=0.0.0.0 PORT=8080
/// }
/// ```
pub async fn run(router: Router) -> Result<(), Error> {
    run_with(router, |config| config).await
}

/// [`run`], with the configuration customised in one line: `customize` receives the builder
/// that has the manifest and the environment, and what it sets wins over both.
///
/// ```no_run
/// use kiket::prelude::*;
///
/// #[tokio::main]
/// async fn main() -> Result<(), kiket::Error> {
///     let hook = kiket::sdk::telemetry::feedback_hook(|record| async move {
///         tracing::info!(event = %record.event, ms = record.duration_ms, "handled");
///     });
///     let router = Router::new().issue_created_v1(|_issue: IssueCreatedV1, _ctx: HandlerContext| async { Ok(()) });
///     kiket::run_with(router, |config| config.feedback_hook(hook)).await
/// }
/// ```
pub async fn run_with(router: Router, customize: impl FnOnce(ConfigBuilder) -> ConfigBuilder) -> Result<(), Error> {
    let builder = customize(Config::builder().discover_manifest(".").with_env());
    let (builder, _local_api) = local_api(builder).await?;
    let config = builder.build()?;
    install_logging(config.log_format());
    if config.environment() == Environment::Development {
        tracing::warn!(
            api = config.api_base_url(),
            secret = crate::sdk::config::DEVELOPMENT_WEBHOOK_SECRET,
            "DEVELOPMENT MODE (KIKET_ENV=development): deliveries signed with the published development secret are \
             accepted unless a real one is configured, the server listens on loopback only, API calls go to the \
             address above; never run it like this in production"
        );
    }
    Ok(Extension::new(router, config)?.run().await?)
}

/// The local mock of the Kiket API that development mode asks for, kept alive while serving.
async fn local_api(builder: ConfigBuilder) -> Result<(ConfigBuilder, Option<LocalApi>), Error> {
    if !builder.wants_local_api() {
        return Ok((builder, None));
    }
    let api = LocalApi::start().await?;
    Ok((builder.api_base_url(api.url()), Some(api)))
}

/// A `tracing` subscriber for `RUST_LOG` (default `info`) in `format`, unless the application
/// installed one.
fn install_logging(format: LogFormat) {
    use std::io::IsTerminal;
    use tracing_subscriber::EnvFilter;

    if tracing::dispatcher::has_been_set() {
        return;
    }
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    // A subscriber set meanwhile by another thread wins; logging stays as it is then.
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        _ => builder.with_ansi(std::io::stdout().is_terminal()).try_init(),
    };
}
