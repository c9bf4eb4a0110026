//! ES256 runtime tokens (PROTOCOL.md §2.2).
//!
//! The token travels in the body (`authentication.runtime_token`). It must be an ES256 JWT
//! signed by a key of the configured JWKS, issued by `kiket.dev`, with `exp` and `iat`. The
//! algorithm comes from the key set, never from the token: `alg: none`, HS* (including HS256
//! keyed with the public key) and every other algorithm are rejected. Time checks use the
//! injectable [`Clock`](super::Clock).

use super::jwks::JwksCache;
use super::{Clock, VerifyError};
use jsonwebtoken::{Algorithm, Validation};
use kiket_types::Id;
use serde::{Deserialize, Deserializer, Serialize};
use std::sync::Arc;

/// The only accepted issuer.
pub const TOKEN_ISSUER: &str = "kiket.dev";

/// Longest token accepted; anything bigger is not a platform token.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Claims of a verified runtime token, as exposed to handlers.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RuntimeClaims {
    /// Issuer (always `kiket.dev` once verified).
    #[serde(default)]
    pub iss: Option<String>,
    /// Expiry, unix seconds.
    #[serde(default)]
    pub exp: Option<f64>,
    /// Issued at, unix seconds.
    #[serde(default)]
    pub iat: Option<f64>,
    /// Not before, unix seconds.
    #[serde(default)]
    pub nbf: Option<f64>,
    /// Subject.
    #[serde(default)]
    pub sub: Option<String>,
    /// Organisation id.
    #[serde(default)]
    pub org_id: Option<Id>,
    /// Extension id.
    #[serde(default)]
    pub ext_id: Option<Id>,
    /// Project id.
    #[serde(default)]
    pub proj_id: Option<Id>,
    /// Project installation id.
    #[serde(default)]
    pub pi_id: Option<Id>,
    /// What triggered the invocation.
    #[serde(default)]
    pub src: Option<String>,
    /// Token id.
    #[serde(default)]
    pub jti: Option<String>,
    /// Granted scopes (an array, or a space-separated string).
    #[serde(default, deserialize_with = "scopes")]
    pub scopes: Vec<String>,
}

fn scopes<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scopes {
        List(Vec<String>),
        Text(String),
        Null(()),
    }
    Ok(match Scopes::deserialize(deserializer)? {
        Scopes::List(list) => list,
        Scopes::Text(text) => text.split_whitespace().map(str::to_owned).collect(),
        Scopes::Null(()) => Vec::new(),
    })
}

/// Verifies runtime tokens against the configured key set.
pub struct TokenVerifier {
    keys: JwksCache,
    leeway_secs: f64,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for TokenVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenVerifier").field("leeway_secs", &self.leeway_secs).finish_non_exhaustive()
    }
}

impl TokenVerifier {
    pub(crate) fn new(keys: JwksCache, leeway_secs: u64, clock: Arc<dyn Clock>) -> Self {
        // Leeway is seconds of clock skew; f64 holds any sensible value exactly.
        #[allow(clippy::cast_precision_loss)]
        let leeway_secs = leeway_secs as f64;
        Self { keys, leeway_secs, clock }
    }

    /// Verifies `token` and returns its claims.
    pub async fn verify(&self, token: &str) -> Result<RuntimeClaims, VerifyError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(VerifyError::InvalidRuntimeToken("token too long"));
        }
        let kid = signing_key_id(token)?;
        let key = self.keys.key(kid.as_deref()).await?;

        let mut validation = Validation::new(Algorithm::ES256);
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<RuntimeClaims>(token, &key, &validation)
            .map_err(|e| VerifyError::InvalidRuntimeToken(describe(&e)))?;
        let claims = data.claims;
        self.check_claims(&claims)?;
        Ok(claims)
    }

    fn check_claims(&self, claims: &RuntimeClaims) -> Result<(), VerifyError> {
        if claims.iss.as_deref() != Some(TOKEN_ISSUER) {
            return Err(VerifyError::InvalidRuntimeToken("issuer must be kiket.dev"));
        }
        // Unix seconds as f64 are exact far beyond any realistic date.
        #[allow(clippy::cast_precision_loss)]
        let now = self.clock.now_unix() as f64;
        let exp = claims.exp.ok_or(VerifyError::InvalidRuntimeToken("exp claim missing"))?;
        let iat = claims.iat.ok_or(VerifyError::InvalidRuntimeToken("iat claim missing"))?;
        if now > exp + self.leeway_secs {
            return Err(VerifyError::InvalidRuntimeToken("token expired"));
        }
        if iat > now + self.leeway_secs {
            return Err(VerifyError::InvalidRuntimeToken("token issued in the future"));
        }
        if claims.nbf.is_some_and(|nbf| nbf > now + self.leeway_secs) {
            return Err(VerifyError::InvalidRuntimeToken("token not yet valid"));
        }
        Ok(())
    }
}

/// The `kid` of an ES256 token's header. Only the key id is kept: the parsed header is large
/// (over 500 bytes), and keeping it across the key lookup's await would enlarge every
/// delivery's future.
fn signing_key_id(token: &str) -> Result<Option<String>, VerifyError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::InvalidRuntimeToken("malformed token"))?;
    if header.alg != Algorithm::ES256 {
        return Err(VerifyError::InvalidRuntimeToken("algorithm must be ES256"));
    }
    Ok(header.kid)
}

fn describe(error: &jsonwebtoken::errors::Error) -> &'static str {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::InvalidSignature => "signature does not verify",
        ErrorKind::InvalidAlgorithm | ErrorKind::InvalidAlgorithmName => "algorithm must be ES256",
        ErrorKind::Json(_) => "claims are not valid JSON",
        _ => "malformed token",
    }
}
