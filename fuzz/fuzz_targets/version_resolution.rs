//! Version resolution and numeric aliasing never panic on any path, header or query.
#![no_main]
use axum::http::{HeaderMap, HeaderValue};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\n');
    let (path, header, query) = (parts.next(), parts.next(), parts.next());
    let mut headers = HeaderMap::new();
    if let Some(value) = header.and_then(|h| HeaderValue::from_str(h).ok()) {
        headers.insert(kiket_sdk::fuzzing::VERSION_HEADER, value);
    }
    if let Some(version) = kiket_sdk::fuzzing::resolve(path, &headers, query) {
        assert!(!version.trim().is_empty() && version.trim() == version);
        if let Some(alternate) = kiket_sdk::fuzzing::alternate(&version) {
            assert_eq!(kiket_sdk::fuzzing::alternate(&alternate).as_deref(), Some(&*version));
        }
    }
});
