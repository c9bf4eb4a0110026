//! Where the server listens, how it accepts connections, and when it stops.

use super::front::Front;
use hyper::server::conn::http1;
#[cfg(feature = "h2c")]
use hyper::server::conn::http2;
#[cfg(feature = "h2c")]
use hyper_util::rt::TokioExecutor;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

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

/// What a connection may hold before any delivery on it is verified (PROTOCOL §7.1).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ConnectionLimits {
    /// How long a client may take to send a request head. hyper starts this timer whenever a
    /// connection waits for a head, so it also closes idle keep-alive connections.
    pub(crate) header_read_timeout: Duration,
    /// Cleartext HTTP/2 with at most this many concurrent streams per connection; `None`
    /// speaks HTTP/1 only (always, without the `h2c` feature).
    #[cfg_attr(not(feature = "h2c"), allow(dead_code))]
    pub(crate) http2_max_streams: Option<u32>,
}

/// Most bytes hyper buffers per HTTP/1 connection (also the largest request head). hyper's
/// default (~400 KB) lets 1,000 stalled uploads pin ~250 MB in read buffers alone; 16 KiB
/// pins 16 MB, and the body bytes themselves are bounded by the unverified-body budget.
const CONNECTION_READ_BUFFER: usize = 16 * 1024;

/// The first bytes of an HTTP/2 connection with prior knowledge.
#[cfg(feature = "h2c")]
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting and waits for
/// open connections to finish their requests.
///
/// Each connection is served by hyper's HTTP/1 builder with its header-read timeout; with
/// cleartext HTTP/2 enabled (feature `h2c`, then `http2_cleartext`), a connection that opens with the HTTP/2 preface (read within the
/// same timeout) goes to hyper's HTTP/2 builder with the stream limit instead. Nothing reads a
/// connection without a deadline (hyper-util's `auto` builder would wait for the first bytes
/// forever).
pub(crate) async fn serve(
    listener: TcpListener,
    front: std::sync::Arc<Front>,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let mut http1 = http1::Builder::new();
    http1.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).max_buf_size(CONNECTION_READ_BUFFER);
    #[cfg(feature = "h2c")]
    let http2 = limits.http2_max_streams.map(|streams| {
        let mut http2 = http2::Builder::new(TokioExecutor::new());
        http2.timer(TokioTimer::new()).max_concurrent_streams(streams);
        http2
    });
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    // Out of file descriptors and the like: wait a moment instead of spinning.
                    tracing::warn!(%error, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let front = front.clone();
        let service = hyper::service::service_fn(move |request| front.answer(request));
        let watcher = graceful.watcher();
        let http1 = http1.clone();
        #[cfg(feature = "h2c")]
        let http2 = http2.clone();
        tokio::spawn(async move {
            // A client that goes away, or a timeout, ends its connection: nothing to report.
            #[cfg(feature = "h2c")]
            if let Some(http2) = http2 {
                match tokio::time::timeout(limits.header_read_timeout, opens_with_h2_preface(&stream)).await {
                    Ok(Ok(true)) => {
                        let _ = watcher.watch(http2.serve_connection(TokioIo::new(stream), service)).await;
                    }
                    Ok(Ok(false)) => {
                        let _ = watcher.watch(http1.serve_connection(TokioIo::new(stream), service)).await;
                    }
                    Ok(Err(_)) | Err(_) => {}
                }
                return;
            }
            let _ = watcher.watch(http1.serve_connection(TokioIo::new(stream), service)).await;
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Whether the connection opens with the HTTP/2 preface, looking without consuming. Waits for
/// more bytes only while what arrived is still a prefix of the preface.
#[cfg(feature = "h2c")]
async fn opens_with_h2_preface(stream: &tokio::net::TcpStream) -> std::io::Result<bool> {
    let mut seen = [0u8; 24];
    loop {
        let n = stream.peek(&mut seen).await?;
        if n == 0 || seen[..n] != H2_PREFACE[..n] {
            return Ok(false);
        }
        if n == H2_PREFACE.len() {
            return Ok(true);
        }
        // A strict prefix: the rest is on its way (bounded by the caller's timeout).
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
