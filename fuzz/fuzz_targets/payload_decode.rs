//! Decoding arbitrary bytes as every catalogued payload never panics; what decodes re-encodes
//! and decodes again to the same value.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    macro_rules! check {
        ($ty:ident, $event:literal, $version:literal) => {
            if let Ok(payload) = kiket_sdk::decode::<kiket_types::$ty>($event, $version, data) {
                let encoded = serde_json::to_vec(&payload).expect("decoded payloads encode");
                let again = kiket_sdk::decode::<kiket_types::$ty>($event, $version, &encoded).expect("re-encoded payloads decode");
                assert_eq!(payload, again);
            }
        };
    }
    kiket_types::for_each_event!(check);
});
