//! Where the server listens, and when it stops.

use super::StartupError;
use std::net::SocketAddr;

/// `HOST` / `PORT` from a variable source, defaulting to `127.0.0.1:8080`.
pub fn listen_address(var: impl Fn(&str) -> Option<String>) -> Result<SocketAddr, StartupError> {
    let host = var("HOST").filter(|h| !h.trim().is_empty()).unwrap_or_else(|| "127.0.0.1".into());
    let port = match var("PORT").filter(|p| !p.trim().is_empty()) {
        Some(port) => port
            .trim()
            .parse::<u16>()
            .map_err(|_| StartupError::Address(format!("PORT must be a port number, got {port:?}")))?,
        None => 8080,
    };
    let host = host.trim();
    let literal = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    literal.parse().map_err(|_| StartupError::Address(format!("HOST must be an IP address, got {host:?}")))
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received; finishing in-flight deliveries");
}
