//! AWS Lambda (cargo feature `lambda`): the same extension behind an API Gateway HTTP API
//! (payload format 2.0) or a Lambda Function URL, through `lambda_http`.
//!
//! `lambda_http` turns each invocation into an HTTP request (a base64-encoded body is decoded
//! to its exact bytes first) and the extension's own router answers it: verification,
//! routing, hooks, limits and the replay guard are the same as on a server. What differs:
//! connection-level limits (header-read timeout, h2c) are API Gateway's, and a frozen
//! execution environment pauses the telemetry worker between invocations.

use crate::server::Extension;

/// Why the Lambda runtime could not run the extension.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LambdaError {
    /// A variable the Lambda runtime sets is missing: this process is not running in AWS
    /// Lambda (or under `cargo lambda watch`).
    #[error("{0} is not set: kiket's Lambda entry point runs inside AWS Lambda or `cargo lambda watch`; use kiket::run to serve over HTTP")]
    NotInLambda(&'static str),
    /// The runtime failed (the Runtime API could not be reached, …).
    #[error("the Lambda runtime failed: {0}")]
    Runtime(#[source] lambda_http::Error),
}

/// The variables `lambda_http` needs (it panics without them; this module refuses instead).
const RUNTIME_VARIABLES: [&str; 4] = [
    "AWS_LAMBDA_RUNTIME_API",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
];

/// Serves `extension` to the Lambda Runtime API until the execution environment ends.
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use kiket_sdk::{Config, Extension, Router};
///
/// let extension = Extension::new(Router::new(), Config::from_env()?)?;
/// kiket_sdk::lambda::serve(extension).await?;
/// # Ok(()) }
/// ```
pub async fn serve(extension: Extension) -> Result<(), LambdaError> {
    if let Some(missing) = RUNTIME_VARIABLES.into_iter().find(|name| std::env::var_os(name).is_none()) {
        return Err(LambdaError::NotInLambda(missing));
    }
    tracing::info!(events = ?extension.registered_events(), "kiket extension serving AWS Lambda invocations");
    lambda_http::run(extension.into_router()).await.map_err(LambdaError::Runtime)
}
