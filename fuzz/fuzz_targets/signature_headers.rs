//! Parsing `X-Kiket-Signature` and `X-Kiket-Timestamp` never panics, and whatever parses is
//! well-formed.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(signatures) = kiket_sdk::fuzzing::parse_signatures(data) {
        assert!(!signatures.is_empty() && signatures.len() <= 8);
    }
    if let Ok(timestamp) = kiket_sdk::fuzzing::parse_unix_timestamp(data) {
        assert!(timestamp >= 0 && data.iter().all(u8::is_ascii_digit));
    }
});
