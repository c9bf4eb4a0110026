//! Parsing arbitrary text as a manifest never panics; errors name the file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(error) = kiket_sdk::manifest::parse(text, std::path::Path::new("fuzz.yaml")) {
            assert!(error.to_string().contains("fuzz.yaml"));
        }
    }
});
