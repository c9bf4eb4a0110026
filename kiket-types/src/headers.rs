//! The HTTP headers of the Kiket protocol, named once for every crate of the SDK: the webhook
//! runtime reads them (`kiket-sdk`), the API client and the test kit send them.
//!
//! Each header has its wire name in lower case (what HTTP/2 sends, and what
//! `http::HeaderName::from_static` accepts) and its conventional spelling for messages.
//!
//! ```
//! use kiket_types::headers;
//!
//! assert_eq!(headers::SIGNATURE.name(), "x-kiket-signature");
//! assert_eq!(headers::SIGNATURE.to_string(), "X-Kiket-Signature");
//! ```

/// One header of the protocol.
///
/// ```
/// use kiket_types::headers;
/// // Every header the protocol defines, e.g. to log which ones a request carried.
/// let names: Vec<&str> = headers::ALL.iter().map(|header| header.name()).collect();
/// assert!(names.contains(&"x-kiket-runtime-token"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KiketHeader {
    name: &'static str,
    display: &'static str,
}

impl KiketHeader {
    /// The wire name, lower case (`x-kiket-signature`).
    ///
    /// ```
    /// let name = kiket_types::headers::TIMESTAMP.name();
    /// assert_eq!(name, "x-kiket-timestamp");
    /// ```
    pub const fn name(self) -> &'static str {
        self.name
    }

    /// The conventional spelling (`X-Kiket-Signature`), for messages and documentation.
    ///
    /// ```
    /// let shown = kiket_types::headers::EVENT_VERSION.display();
    /// assert_eq!(shown, "X-Kiket-Event-Version");
    /// ```
    pub const fn display(self) -> &'static str {
        self.display
    }
}

impl std::fmt::Display for KiketHeader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.display)
    }
}

/// `X-Kiket-Signature`: HMAC-SHA256 of `<timestamp>.<body>` (PROTOCOL §2.1), inbound.
pub const SIGNATURE: KiketHeader = KiketHeader { name: "x-kiket-signature", display: "X-Kiket-Signature" };
/// `X-Kiket-Timestamp`: unix seconds the signature covers, inbound.
pub const TIMESTAMP: KiketHeader = KiketHeader { name: "x-kiket-timestamp", display: "X-Kiket-Timestamp" };
/// `X-Kiket-Event-Version`: the event version, inbound (routing) and outbound (API calls).
pub const EVENT_VERSION: KiketHeader = KiketHeader { name: "x-kiket-event-version", display: "X-Kiket-Event-Version" };
/// `X-Kiket-Runtime-Token`: the invocation's runtime token on outbound API calls.
pub const RUNTIME_TOKEN: KiketHeader = KiketHeader { name: "x-kiket-runtime-token", display: "X-Kiket-Runtime-Token" };

/// Every header of the protocol.
pub const ALL: [KiketHeader; 4] = [SIGNATURE, TIMESTAMP, EVENT_VERSION, RUNTIME_TOKEN];

#[cfg(test)]
mod tests {
    #[test]
    fn wire_names_are_the_lower_case_spelling() {
        for header in super::ALL {
            assert_eq!(header.name(), header.display().to_ascii_lowercase());
        }
    }
}
