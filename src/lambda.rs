//! AWS Lambda (cargo feature `lambda`): `kiket::lambda::run(router)` serves the same router
//! behind an API Gateway HTTP API or a Function URL. See `examples/lambda` for building and
//! deploying with cargo-lambda.

pub use kiket_sdk::lambda::{serve, LambdaError};

/// Runs the extension on AWS Lambda: the configuration as [`crate::run`] builds it (the
/// manifest in the working directory, then `KIKET_*` variables), then every invocation
/// answered by `router`.
///
/// ```no_run
/// use kiket::prelude::*;
///
/// #[tokio::main]
/// async fn main() -> Result<(), kiket::Error> {
///     kiket::lambda::run(Router::new()).await
/// }
/// ```
pub async fn run(router: kiket_sdk::Router) -> Result<(), crate::Error> {
    let config = kiket_sdk::Config::from_env()?;
    Ok(serve(kiket_sdk::Extension::new(router, config)?).await?)
}
