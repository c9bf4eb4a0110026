//! [`LocalApi`]: the local mock of the Kiket API that development mode answers API calls
//! from (`KIKET_ENV=development` without `KIKET_BASE_URL`). It is the test kit's
//! `MockKiketApi`, so it needs the cargo feature `testing`; without it, starting one is a
//! start-up error that says how to get it. The server never starts one itself: `kiket::run`
//! does, before it builds the configuration.

use crate::server::StartupError;

/// A local mock of the Kiket API, running until dropped; every call it answers is logged.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # #[cfg(feature = "testing")] {
/// let api = kiket_sdk::LocalApi::start().await?;
/// let config = kiket_sdk::Config::builder().webhook_secret("whsec_test").api_base_url(api.url()).build()?;
/// assert!(config.api_base_url().starts_with("http://127.0.0.1:"));
/// # }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LocalApi {
    #[cfg(feature = "testing")]
    mock: crate::testing::MockKiketApi,
}

impl LocalApi {
    /// Starts one on a free loopback port.
    pub async fn start() -> Result<Self, StartupError> {
        #[cfg(feature = "testing")]
        {
            Ok(Self { mock: crate::testing::MockKiketApi::start().await? })
        }
        #[cfg(not(feature = "testing"))]
        {
            Err(StartupError::LocalApiUnavailable)
        }
    }

    /// Its base URL (`http://127.0.0.1:<port>`).
    pub fn url(&self) -> String {
        #[cfg(feature = "testing")]
        {
            self.mock.url()
        }
        #[cfg(not(feature = "testing"))]
        {
            String::new()
        }
    }
}
