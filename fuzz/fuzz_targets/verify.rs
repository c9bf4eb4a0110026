//! Verification never panics on arbitrary headers and bodies, and accepts a delivery only
//! when it was signed with the secret (the signature is recomputed to check).
#![no_main]
use kiket_sdk::verify::{sign, SignatureScheme, SignatureVerifier};
use kiket_types::SecretString;
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_700_000_000;

fuzz_target!(|data: &[u8]| {
    let (headers, body) = data.split_at(data.len().min(96));
    let split = headers.iter().position(|b| *b == b'|').unwrap_or(headers.len());
    let (signature, timestamp) = (&headers[..split], headers.get(split + 1..).unwrap_or_default());
    let verifier = SignatureVerifier::new(vec![SecretString::new("whsec_fuzz")], 300, SignatureScheme::TimestampedBody);
    if verifier.verify(Some(signature), Some(timestamp), body, NOW).is_ok() {
        let ts = kiket_sdk::fuzzing::parse_unix_timestamp(timestamp).expect("accepted timestamps parse");
        let expected = sign("whsec_fuzz", ts, body);
        let text = String::from_utf8_lossy(signature).to_ascii_lowercase();
        assert!(text.contains(&expected), "accepted a signature that is not the body's MAC");
    }
    let legacy = SignatureVerifier::new(vec![SecretString::new("whsec_fuzz")], 300, SignatureScheme::LegacyBodyOnly);
    let _ = legacy.verify(Some(signature), Some(timestamp), body, NOW);
});
