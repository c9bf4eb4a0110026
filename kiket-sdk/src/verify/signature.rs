//! HMAC-SHA256 webhook signatures (PROTOCOL.md §2.1).
//!
//! The platform signs `<timestamp>.<raw body>` with the shared webhook secret and sends the
//! lowercase hex MAC in `X-Kiket-Signature` and the unix timestamp in `X-Kiket-Timestamp`.
//! Verification runs over the bytes exactly as received, compares in constant time, accepts
//! several signatures in one header and several configured secrets (rotation), and bounds
//! the timestamp both ways.

use super::timestamp::{parse_iso8601, parse_unix_timestamp};
use super::VerifyError;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use hmac::{Hmac, Mac};
use kiket_types::headers::{KiketHeader, SIGNATURE, TIMESTAMP};
use kiket_types::SecretString;
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Header carrying the signature(s) (named in [`kiket_types::headers`]).
pub const SIGNATURE_HEADER: &str = SIGNATURE.name();
/// Header carrying the unix timestamp the signature covers (named in [`kiket_types::headers`]).
pub const TIMESTAMP_HEADER: &str = TIMESTAMP.name();

/// Most signatures one header may carry; more is treated as an attack, not a rotation.
const MAX_SIGNATURES: usize = 8;
/// Length of a hex SHA-256 MAC.
const HEX_MAC_LEN: usize = 64;

/// Which signed string the platform uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// `HMAC(secret, "<timestamp>.<body>")`, timestamp required (the current platform).
    #[default]
    TimestampedBody,
    /// The first Python SDK's scheme: `HMAC(secret, body)`; the timestamp is optional and, when
    /// present, unix seconds or ISO-8601. Only used when selected explicitly.
    LegacyBodyOnly,
}

/// Signs a delivery the way the platform does: lowercase hex of
/// `HMAC-SHA256(secret, "<timestamp>.<body>")`.
///
/// ```
/// let signature = kiket_sdk::verify::sign("whsec_test", 1_700_000_000, br#"{"ok":true}"#);
/// assert_eq!(signature.len(), 64);
/// ```
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = new_mac(secret.as_bytes());
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// The two headers of a signed delivery, as the platform sends them:
/// `[(x-kiket-timestamp, <timestamp>), (x-kiket-signature, <hex MAC>)]`.
///
/// ```
/// let [(ts_name, ts), (sig_name, sig)] = kiket_sdk::verify::signature_headers("whsec_test", 1_700_000_000, b"{}");
/// assert_eq!((ts_name, ts.as_str()), ("x-kiket-timestamp", "1700000000"));
/// assert_eq!((sig_name, sig.len()), ("x-kiket-signature", 64));
/// ```
pub fn signature_headers(secret: &str, timestamp: i64, body: &[u8]) -> [(&'static str, String); 2] {
    [(TIMESTAMP_HEADER, timestamp.to_string()), (SIGNATURE_HEADER, sign(secret, timestamp, body))]
}

/// Signs with the legacy scheme (body only). For tests of [`SignatureScheme::LegacyBodyOnly`].
#[cfg(test)]
pub(crate) fn sign_legacy(secret: &str, body: &[u8]) -> String {
    let mut mac = new_mac(secret.as_bytes());
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn new_mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length; `new_from_slice` only fails for fixed-size-key MACs.
    HmacSha256::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
}

/// Parses the signature header into raw MACs. Items are separated by spaces or commas and may
/// carry a `sha256=` prefix; each must be 64 hex digits. (The verifier parses into a fixed
/// array instead; this is the entry point of tests and the fuzz targets.)
#[cfg(any(test, feature = "fuzzing"))]
pub fn parse_signatures(value: &[u8]) -> Result<Vec<[u8; 32]>, VerifyError> {
    let mut macs = [[0u8; 32]; MAX_SIGNATURES];
    let count = parse_signatures_into(value, &mut macs)?;
    Ok(macs[..count].to_vec())
}

/// `parse_signatures` into a fixed array, so verification allocates nothing. Returns how many
/// MACs were found (at least one).
fn parse_signatures_into(value: &[u8], macs: &mut [[u8; 32]; MAX_SIGNATURES]) -> Result<usize, VerifyError> {
    let mut count = 0;
    // Splitting bytes on ASCII separators is the same as splitting text: any non-ASCII byte
    // lands inside an item, which then fails the hex check.
    for item in value.split(|b| *b == b' ' || *b == b',').filter(|s| !s.is_empty()) {
        let mac = macs.get_mut(count).ok_or(VerifyError::InvalidSignature)?;
        let hex_part = item.strip_prefix(b"sha256=").unwrap_or(item);
        if hex_part.len() != HEX_MAC_LEN {
            return Err(VerifyError::InvalidSignature);
        }
        for (byte, pair) in mac.iter_mut().zip(hex_part.chunks_exact(2)) {
            *byte = (hex_value(pair[0])? << 4) | hex_value(pair[1])?;
        }
        count += 1;
    }
    if count == 0 {
        return Err(VerifyError::InvalidSignature);
    }
    Ok(count)
}

fn hex_value(digit: u8) -> Result<u8, VerifyError> {
    match digit {
        b'0'..=b'9' => Ok(digit - b'0'),
        b'a'..=b'f' => Ok(digit - b'a' + 10),
        b'A'..=b'F' => Ok(digit - b'A' + 10),
        _ => Err(VerifyError::InvalidSignature),
    }
}

/// Verifies signatures of deliveries against one or more secrets.
#[derive(Clone)]
pub struct SignatureVerifier {
    /// One HMAC state per secret with the key already absorbed; cloned per delivery.
    keyed: Vec<HmacSha256>,
    tolerance_secs: i64,
    scheme: SignatureScheme,
}

impl std::fmt::Debug for SignatureVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignatureVerifier")
            .field("secrets", &format_args!("[{} redacted]", self.keyed.len()))
            .field("tolerance_secs", &self.tolerance_secs)
            .field("scheme", &self.scheme)
            .finish()
    }
}

/// A delivery whose signature verified, named canonically: the same delivery gives the same
/// value however its signature header was spelled (case, `sha256=` prefixes, separators, an
/// added decoy MAC, the MAC twice) and whichever configured secret it was signed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signed {
    /// The signed timestamp (unix seconds); `None` under the legacy scheme, whose MAC does not
    /// cover the timestamp.
    pub timestamp: Option<i64>,
    /// The MAC of this delivery under the first configured secret (computed, never copied
    /// from the header).
    pub mac: [u8; 32],
}

impl SignatureVerifier {
    /// Verifies a delivery from its request headers: `X-Kiket-Signature` and
    /// `X-Kiket-Timestamp` must each appear at most once. Returns the delivery's canonical
    /// [`Signed`] name, the replay guard's key.
    ///
    /// ```
    /// use axum::http::HeaderMap;
    /// use kiket_sdk::verify::{signature_headers, SignatureScheme, SignatureVerifier};
    ///
    /// let verifier = SignatureVerifier::new(vec!["whsec_test".into()], 300, SignatureScheme::TimestampedBody);
    /// let mut headers = HeaderMap::new();
    /// for (name, value) in signature_headers("whsec_test", 1_700_000_000, b"{}") {
    ///     headers.insert(name, value.parse().unwrap());
    /// }
    /// let signed = verifier.verify_headers(&headers, b"{}", 1_700_000_000).unwrap();
    /// assert_eq!(signed.timestamp, Some(1_700_000_000));
    /// ```
    pub fn verify_headers(&self, headers: &HeaderMap, body: &[u8], now: i64) -> Result<Signed, VerifyError> {
        let signature = single_header(headers, &SIGNATURE_NAME, SIGNATURE)?;
        let timestamp = single_header(headers, &TIMESTAMP_NAME, TIMESTAMP)?;
        self.verify_signed(signature, timestamp, body, now)
    }

    /// A verifier for `secrets` (newest first), accepting timestamps within `tolerance_secs`
    /// of now in either direction.
    pub fn new(secrets: Vec<SecretString>, tolerance_secs: u64, scheme: SignatureScheme) -> Self {
        let tolerance_secs = i64::try_from(tolerance_secs).unwrap_or(i64::MAX);
        let keyed = secrets.iter().map(|secret| new_mac(secret.expose().as_bytes())).collect();
        Self { keyed, tolerance_secs, scheme }
    }

    /// Checks the headers' values (already extracted, `None` when absent) against `body`.
    pub fn verify(
        &self,
        signature: Option<&[u8]>,
        timestamp: Option<&[u8]>,
        body: &[u8],
        now: i64,
    ) -> Result<(), VerifyError> {
        self.verify_signed(signature, timestamp, body, now).map(|_| ())
    }

    fn verify_signed(
        &self,
        signature: Option<&[u8]>,
        timestamp: Option<&[u8]>,
        body: &[u8],
        now: i64,
    ) -> Result<Signed, VerifyError> {
        let signature = signature.ok_or(VerifyError::MissingSignature)?;
        let mut macs = [[0u8; 32]; MAX_SIGNATURES];
        let count = parse_signatures_into(signature, &mut macs)?;
        let candidates = &macs[..count];
        let (timestamp_text, signed_at) = match (self.scheme, timestamp) {
            (SignatureScheme::TimestampedBody, None) => return Err(VerifyError::MissingTimestamp),
            (SignatureScheme::TimestampedBody, Some(raw)) => {
                let ts = parse_unix_timestamp(raw)?;
                self.check_window(ts, now)?;
                (Some(raw), Some(ts))
            }
            (SignatureScheme::LegacyBodyOnly, Some(raw)) => {
                let ts = parse_unix_timestamp(raw).or_else(|_| parse_iso8601(raw))?;
                self.check_window(ts, now)?;
                // The legacy MAC does not cover the timestamp, so it does not name the delivery.
                (None, None)
            }
            (SignatureScheme::LegacyBodyOnly, None) => (None, None),
        };
        let mut matched = subtle::Choice::from(0);
        let mut canonical = None;
        for keyed in &self.keyed {
            let mut mac = keyed.clone();
            if let Some(ts) = timestamp_text {
                mac.update(ts);
                mac.update(b".");
            }
            mac.update(body);
            let expected: [u8; 32] = mac.finalize().into_bytes().into();
            for candidate in candidates {
                matched |= expected.as_slice().ct_eq(candidate.as_slice());
            }
            canonical.get_or_insert(expected);
        }
        match canonical.filter(|_| bool::from(matched)) {
            Some(mac) => Ok(Signed { timestamp: signed_at, mac }),
            None => Err(VerifyError::SignatureMismatch),
        }
    }

    fn check_window(&self, timestamp: i64, now: i64) -> Result<(), VerifyError> {
        if now.abs_diff(timestamp) > self.tolerance_secs.unsigned_abs() {
            return Err(VerifyError::TimestampOutOfWindow);
        }
        Ok(())
    }
}

/// The signature header's name, built once (looking a header up by text parses the text).
static SIGNATURE_NAME: HeaderName = HeaderName::from_static(SIGNATURE.name());
/// The timestamp header's name, built once.
static TIMESTAMP_NAME: HeaderName = HeaderName::from_static(TIMESTAMP.name());

/// The value of header `name` (shown as `header`), which must appear at most once.
fn single_header<'h>(
    headers: &'h HeaderMap,
    name: &HeaderName,
    header: KiketHeader,
) -> Result<Option<&'h [u8]>, VerifyError> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(VerifyError::DuplicateHeader(header.display()));
    }
    Ok(first.map(HeaderValue::as_bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;
    const BODY: &[u8] = br#"{"issue":{"id":1}}"#;

    fn verifier(secrets: &[&str]) -> SignatureVerifier {
        SignatureVerifier::new(
            secrets.iter().map(|s| SecretString::new(*s)).collect(),
            300,
            SignatureScheme::TimestampedBody,
        )
    }

    fn check(v: &SignatureVerifier, sig: &str, ts: &str) -> Result<(), VerifyError> {
        v.verify(Some(sig.as_bytes()), Some(ts.as_bytes()), BODY, NOW)
    }

    #[test]
    fn known_answer_vector() {
        // HMAC-SHA256("whsec_test", "1700000000.{\"issue\":{\"id\":1}}"), computed independently
        // with Python's hmac module.
        assert_eq!(sign("whsec_test", NOW, BODY), "936aa905003523f376417bb8d09122fc3b493a58bec1094a96592e2a64b94ccf");
    }

    #[test]
    fn accepts_bare_prefixed_multiple_and_rotated() {
        let sig = sign("new", NOW, BODY);
        let v = verifier(&["new", "old"]);
        assert_eq!(check(&v, &sig, "1700000000"), Ok(()));
        assert_eq!(check(&v, &format!("sha256={sig}"), "1700000000"), Ok(()));
        let old = sign("old", NOW, BODY);
        assert_eq!(check(&v, &old, "1700000000"), Ok(()));
        assert_eq!(check(&v, &format!("{} {sig}", "0".repeat(64)), "1700000000"), Ok(()));
        assert_eq!(check(&v, &format!("{},{sig}", "a".repeat(64)), "1700000000"), Ok(()));
        assert_eq!(check(&v, &sig.to_uppercase(), "1700000000"), Ok(()));
    }

    #[test]
    fn window_is_inclusive_at_the_tolerance() {
        let v = verifier(&["s"]);
        for offset in [-300i64, 300] {
            let ts = NOW + offset;
            assert_eq!(check(&v, &sign("s", ts, BODY), &ts.to_string()), Ok(()), "offset {offset}");
        }
        for offset in [-301i64, 301] {
            let ts = NOW + offset;
            assert_eq!(check(&v, &sign("s", ts, BODY), &ts.to_string()), Err(VerifyError::TimestampOutOfWindow));
        }
    }

    #[test]
    fn rejects_malformed_timestamps() {
        let v = verifier(&["s"]);
        let sig = sign("s", NOW, BODY);
        for ts in
            ["+1700000000", " 1700000000", "1700000000 ", "1700000000.0", "-5", "", "99999999999999999999", "17e8"]
        {
            assert_eq!(check(&v, &sig, ts), Err(VerifyError::InvalidTimestamp), "{ts:?}");
        }
    }

    #[test]
    fn rejects_malformed_signatures() {
        let v = verifier(&["s"]);
        let sig = sign("s", NOW, BODY);
        for bad in [
            "",
            "   ",
            "zz",
            &sig[..63],
            &format!("{sig}0"),
            &format!("sha1={sig}"),
            &format!("sha256:{sig}"),
            &"g".repeat(64),
            &"é".repeat(32),
        ] {
            assert_eq!(check(&v, bad, "1700000000"), Err(VerifyError::InvalidSignature), "{bad:?}");
        }
        assert_eq!(parse_signatures(&[0xff; 64]), Err(VerifyError::InvalidSignature), "not UTF-8");
        let eight = [sig.as_str(); 8].join(",");
        assert_eq!(parse_signatures(eight.as_bytes()).map(|m| m.len()), Ok(8));
        let many = [sig.as_str(); 9].join(" ");
        assert_eq!(check(&v, &many, "1700000000"), Err(VerifyError::InvalidSignature));
    }

    #[test]
    fn rejects_altered_bodies_wrong_secrets_and_other_timestamps() {
        let v = verifier(&["s"]);
        let sig = sign("s", NOW, BODY);
        assert_eq!(
            v.verify(Some(sig.as_bytes()), Some(b"1700000000"), b"{\"issue\":{\"id\":2}}", NOW),
            Err(VerifyError::SignatureMismatch)
        );
        assert_eq!(check(&verifier(&["other"]), &sig, "1700000000"), Err(VerifyError::SignatureMismatch));
        assert_eq!(check(&v, &sig, "1700000001"), Err(VerifyError::SignatureMismatch));
    }

    #[test]
    fn missing_headers_are_named() {
        let v = verifier(&["s"]);
        assert_eq!(v.verify(None, Some(b"1"), BODY, NOW), Err(VerifyError::MissingSignature));
        assert_eq!(
            v.verify(Some(sign("s", NOW, BODY).as_bytes()), None, BODY, NOW),
            Err(VerifyError::MissingTimestamp)
        );
    }

    #[test]
    fn legacy_scheme_signs_the_body_alone() {
        let v = SignatureVerifier::new(vec![SecretString::new("s")], 300, SignatureScheme::LegacyBodyOnly);
        let sig = sign_legacy("s", BODY);
        assert_eq!(v.verify(Some(sig.as_bytes()), None, BODY, NOW), Ok(()));
        assert_eq!(v.verify(Some(sig.as_bytes()), Some(b"2023-11-14T22:13:20Z"), BODY, NOW), Ok(()));
        assert_eq!(v.verify(Some(sig.as_bytes()), Some(b"2023-11-14T23:13:20.5+01:00"), BODY, NOW), Ok(()));
        assert_eq!(
            v.verify(Some(sig.as_bytes()), Some(b"2023-11-14T20:00:00Z"), BODY, NOW),
            Err(VerifyError::TimestampOutOfWindow)
        );
        assert_eq!(v.verify(Some(sig.as_bytes()), Some(b"yesterday"), BODY, NOW), Err(VerifyError::InvalidTimestamp));
        // The current scheme's signature does not pass the legacy check, and vice versa.
        assert_eq!(
            v.verify(Some(sign("s", NOW, BODY).as_bytes()), None, BODY, NOW),
            Err(VerifyError::SignatureMismatch)
        );
    }
}
