//! [`TestServer`]: the real server on a free loopback port.

use crate::server::Extension;
use std::net::SocketAddr;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// An extension served on `127.0.0.1:<free port>` until [`TestServer::shutdown`] or drop.
///
/// ```
/// use kiket_sdk::testing::{SignedRequest, TestServer};
/// use kiket_sdk::{Config, Extension, HandlerContext, Router};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let router = Router::new().raw("issue.created", "v1", |_p: serde_json::Value, _ctx: HandlerContext| async { Ok(()) });
/// let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
/// // The real server (limits, timeouts, HTTP/1 parsing) on a loopback port.
/// let server = TestServer::start(extension).await?;
/// let request = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).secret("whsec_test");
/// assert_eq!(request.send(&reqwest::Client::new(), &server.url()).await?.status(), 200);
/// server.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TestServer {
    address: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts `extension` on a free loopback port.
    ///
    /// ```
    /// # use kiket_sdk::testing::{SignedRequest, TestClient};
    /// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let router = Router::new().raw("issue.created", "v1", |p: serde_json::Value, _ctx: HandlerContext| async move { Ok(serde_json::json!({"id": p["issue"]["id"]})) });
    /// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// let server = kiket_sdk::testing::TestServer::start(extension).await?;
    /// assert!(server.address().ip().is_loopback());
    /// # Ok(()) }
    /// ```
    pub async fn start(extension: Extension) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = stopped.await;
            };
            if let Err(error) = extension.serve_listener(listener, shutdown).await {
                tracing::error!(%error, "test server failed");
            }
        });
        Ok(Self { address, stop: Some(stop), task: Some(task) })
    }

    /// `http://127.0.0.1:<port>`.
    ///
    /// ```
    /// # use kiket_sdk::testing::{SignedRequest, TestClient};
    /// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let router = Router::new().raw("issue.created", "v1", |p: serde_json::Value, _ctx: HandlerContext| async move { Ok(serde_json::json!({"id": p["issue"]["id"]})) });
    /// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// let server = kiket_sdk::testing::TestServer::start(extension).await?;
    /// let health = reqwest::get(format!("{}/health", server.url())).await?;
    /// assert_eq!(health.status(), 200);
    /// # Ok(()) }
    /// ```
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The bound address.
    ///
    /// ```
    /// # use kiket_sdk::testing::{SignedRequest, TestClient};
    /// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let router = Router::new().raw("issue.created", "v1", |p: serde_json::Value, _ctx: HandlerContext| async move { Ok(serde_json::json!({"id": p["issue"]["id"]})) });
    /// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// let server = kiket_sdk::testing::TestServer::start(extension).await?;
    /// // A raw socket, for what an HTTP client will not send (slow headers, garbage).
    /// let stream = tokio::net::TcpStream::connect(server.address()).await?;
    /// # drop(stream);
    /// # Ok(()) }
    /// ```
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops accepting connections, waits for in-flight deliveries, and returns.
    ///
    /// ```
    /// # use kiket_sdk::testing::{SignedRequest, TestClient};
    /// # use kiket_sdk::{Config, Extension, HandlerContext, Router};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let router = Router::new().raw("issue.created", "v1", |p: serde_json::Value, _ctx: HandlerContext| async move { Ok(serde_json::json!({"id": p["issue"]["id"]})) });
    /// # let extension = Extension::new(router, Config::builder().webhook_secret("whsec_test").build()?)?;
    /// let server = kiket_sdk::testing::TestServer::start(extension).await?;
    /// let address = server.address();
    /// server.shutdown().await;
    /// assert!(tokio::net::TcpStream::connect(address).await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
