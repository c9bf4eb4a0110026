//! Properties of signing over generated inputs (version resolution's are beside it, in
//! `src/routing/version.rs`).

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
}
