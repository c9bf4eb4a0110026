//! URL origins (`scheme://host[:port]`): base-URL validation and the allow-list of payload URLs.

/// The origin of an absolute http(s) URL, lower-cased, default ports dropped; `None` for
/// anything else (relative URLs, other schemes, credentials in the URL, empty hosts).
///
/// ```
/// use kiket_client::url::origin_of;
/// assert_eq!(origin_of("HTTPS://EU.Kiket.dev:443/api?x=1").as_deref(), Some("https://eu.kiket.dev"));
/// assert_eq!(origin_of("http://127.0.0.1:8080").as_deref(), Some("http://127.0.0.1:8080"));
/// assert_eq!(origin_of("https://user@evil.example"), None);
/// assert_eq!(origin_of("ftp://kiket.dev"), None);
/// ```
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => "80",
        "https" => "443",
        _ => return None,
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') || authority.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, _)) if !host.ends_with(']') && host.contains(':') => (authority.as_str(), None),
        Some((host, port)) => {
            if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            (host, Some(port))
        }
        None => (authority.as_str(), None),
    };
    if host.is_empty() {
        return None;
    }
    Some(match port {
        Some(port) if port != default_port => format!("{scheme}://{host}:{port}"),
        _ => format!("{scheme}://{host}"),
    })
}

/// `url` without surrounding space and trailing slashes, when it is an absolute http(s) URL
/// without credentials.
///
/// ```
/// assert_eq!(kiket_client::url::normalise_base_url(" https://kiket.dev/ ").as_deref(), Some("https://kiket.dev"));
/// assert_eq!(kiket_client::url::normalise_base_url("kiket.dev"), None);
/// ```
pub fn normalise_base_url(url: &str) -> Option<String> {
    let trimmed = url.trim().trim_end_matches('/');
    origin_of(trimmed).map(|_| trimmed.to_owned())
}

/// `value` as it may be printed: credentials in a URL's userinfo (`https://user:pw@host`)
/// become `[redacted]`, so a refusal never repeats them.
///
/// ```
/// use kiket_client::url::without_userinfo;
/// assert_eq!(without_userinfo("redis://:hunter2@10.0.0.5:6379/0"), "redis://[redacted]@10.0.0.5:6379/0");
/// assert_eq!(without_userinfo("https://kiket.dev/api"), "https://kiket.dev/api");
/// ```
pub fn without_userinfo(value: &str) -> String {
    let (scheme, rest) = value.split_once("://").unwrap_or(("", value));
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => {
            let separator = if scheme.is_empty() { "" } else { "://" };
            format!("{scheme}{separator}[redacted]@{}", &rest[at + 1..])
        }
        None => value.to_owned(),
    }
}
