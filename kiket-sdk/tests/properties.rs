//! Properties of signing and version resolution over generated inputs.

use axum::http::{HeaderMap, HeaderValue};
use kiket_sdk::routing::version::{alternate, resolve, VERSION_HEADER};
use kiket_sdk::verify::{sign, SignatureScheme, SignatureVerifier, VerifyError};
use kiket_types::SecretString;
use proptest::prelude::*;

const NOW: i64 = 1_700_000_000;

fn verifier(secret: &str) -> SignatureVerifier {
    SignatureVerifier::new(vec![SecretString::new(secret)], 300, SignatureScheme::TimestampedBody)
}

proptest! {
    #[test]
    fn what_is_signed_verifies(secret in "[ -~]{1,64}", body in proptest::collection::vec(any::<u8>(), 0..2048), skew in -300i64..=300) {
        let ts = NOW + skew;
        let signature = sign(&secret, ts, &body);
        prop_assert_eq!(verifier(&secret).verify(Some(signature.as_bytes()), Some(ts.to_string().as_bytes()), &body, NOW), Ok(()));
        let prefixed = format!("sha256={signature}");
        prop_assert_eq!(verifier(&secret).verify(Some(prefixed.as_bytes()), Some(ts.to_string().as_bytes()), &body, NOW), Ok(()));
    }

    #[test]
    fn any_changed_byte_fails(secret in "[ -~]{1,32}", body in proptest::collection::vec(any::<u8>(), 1..512), index in any::<prop::sample::Index>(), flip in 1u8..=255) {
        let signature = sign(&secret, NOW, &body);
        let mut altered = body.clone();
        let i = index.index(altered.len());
        altered[i] ^= flip;
        prop_assert_eq!(
            verifier(&secret).verify(Some(signature.as_bytes()), Some(NOW.to_string().as_bytes()), &altered, NOW),
            Err(VerifyError::SignatureMismatch)
        );
    }

    #[test]
    fn another_secret_never_verifies(a in "[a-z]{8}", b in "[a-z]{8}", body in proptest::collection::vec(any::<u8>(), 0..256)) {
        prop_assume!(a != b);
        let signature = sign(&a, NOW, &body);
        prop_assert!(verifier(&b).verify(Some(signature.as_bytes()), Some(NOW.to_string().as_bytes()), &body, NOW).is_err());
    }

    #[test]
    fn numeric_versions_alias_both_ways(n in 0u64..1_000_000) {
        let bare = n.to_string();
        let prefixed = format!("v{n}");
        prop_assert_eq!(alternate(&bare), Some(prefixed.clone()));
        prop_assert_eq!(alternate(&prefixed), Some(bare));
    }

    #[test]
    fn alternates_are_involutions(version in "[ -~]{0,16}") {
        if let Some(other) = alternate(&version) {
            prop_assert_eq!(alternate(&other), Some(version));
        }
    }

    #[test]
    fn resolved_versions_are_trimmed_and_follow_the_precedence(path in "[ a-z0-9.-]{0,8}", header in "[a-z0-9.-]{0,8}", query in "[a-z0-9.-]{0,8}") {
        let mut headers = HeaderMap::new();
        headers.insert(VERSION_HEADER, HeaderValue::from_str(&header).unwrap());
        let query_string = format!("version={query}");
        let resolved = resolve(Some(&path), &headers, Some(&query_string));
        let expected = [path.trim(), header.trim(), query.trim()].into_iter().find(|v| !v.is_empty()).map(str::to_owned);
        prop_assert_eq!(resolved.map(|v| v.into_owned()), expected);
    }
}
