//! The allow-list of API origins a delivery's `api.base_url` may name (PROTOCOL §2.2): the
//! body is unverified input, so its URL is used only when its origin is configured.

use kiket_client::url::origin_of;

/// Origins (`https://host[:port]`) whose `api.base_url` a delivery may use.
#[derive(Debug, Clone, Default)]
pub(crate) struct AllowedOrigins(pub(crate) Vec<String>);

impl AllowedOrigins {
    /// The claimed URL, normalised (no trailing `/`), only when its origin is allow-listed.
    pub(crate) fn trusted(&self, claimed: Option<&str>) -> Option<String> {
        let claimed = claimed?;
        if self.0.is_empty() {
            tracing::debug!("ignoring api.base_url from the payload: no API origin is allow-listed");
            return None;
        }
        let origin = origin_of(claimed)?;
        if self.0.contains(&origin) {
            Some(claimed.trim().trim_end_matches('/').to_owned())
        } else {
            tracing::debug!("ignoring api.base_url from the payload: its origin is not allow-listed");
            None
        }
    }
}
