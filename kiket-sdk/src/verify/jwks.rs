//! The platform's JSON Web Key Set: fetched from configuration only, filtered, cached.
//!
//! Keys come from `<configured base URL>/.well-known/jwks.json` (or an explicit URL), never
//! from the delivery. Only `kty=EC`, `crv=P-256` keys (with `alg=ES256` / `use=sig` when those
//! are present) are kept: a JWKS serving an `oct` or RSA key cannot turn into an HMAC or RSA
//! verifier. The set is cached for an hour; an unknown `kid` triggers at most one refetch per
//! cooldown, so a flood of forged `kid`s cannot hammer the platform.

use super::VerifyError;
use jsonwebtoken::DecodingKey;
use serde::Deserialize;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, RwLock};

/// A parsed, filtered key set.
#[derive(Clone, Default)]
pub struct Jwks {
    keys: HashMap<String, Arc<DecodingKey>>,
    /// The only key, when the set has exactly one usable key (tokens without `kid`).
    single: Option<Arc<DecodingKey>>,
}

impl std::fmt::Debug for Jwks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jwks").field("kids", &self.keys.keys().collect::<Vec<_>>()).finish()
    }
}

#[derive(Deserialize)]
struct RawSet {
    #[serde(default)]
    keys: Vec<RawKey>,
}

#[derive(Deserialize)]
struct RawKey {
    kty: Option<String>,
    crv: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    kid: Option<String>,
    x: Option<String>,
    y: Option<String>,
}

impl Jwks {
    /// Parses a JWKS document, keeping only ES256 signing keys. Unusable entries are skipped.
    pub fn parse(document: &[u8]) -> Result<Self, serde_json::Error> {
        let raw: RawSet = serde_json::from_slice(document)?;
        let mut keys = HashMap::new();
        let mut usable = Vec::new();
        for key in raw.keys {
            let ec_p256 = key.kty.as_deref() == Some("EC") && key.crv.as_deref() == Some("P-256");
            let alg_ok = key.alg.as_deref().is_none_or(|a| a == "ES256");
            let use_ok = key.use_.as_deref().is_none_or(|u| u == "sig");
            let (Some(x), Some(y)) = (key.x.as_deref(), key.y.as_deref()) else {
                continue;
            };
            if !(ec_p256 && alg_ok && use_ok) {
                continue;
            }
            let Ok(decoding) = DecodingKey::from_ec_components(x, y) else {
                continue;
            };
            let decoding = Arc::new(decoding);
            usable.push(decoding.clone());
            if let Some(kid) = key.kid {
                keys.insert(kid, decoding);
            }
        }
        let single = if usable.len() == 1 { usable.pop() } else { None };
        Ok(Self { keys, single })
    }

    /// The key for `kid`, or the only key when the token names none.
    pub fn key(&self, kid: Option<&str>) -> Option<Arc<DecodingKey>> {
        match kid {
            Some(kid) => self.keys.get(kid).cloned(),
            None => self.single.clone(),
        }
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len().max(usize::from(self.single.is_some()))
    }

    /// `true` when no key is usable.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Where key sets come from. The HTTP implementation fetches the configured URL; tests can
/// supply their own.
pub trait JwksSource: Send + Sync + 'static {
    /// Fetches the current key set.
    fn fetch(&self) -> Pin<Box<dyn Future<Output = Result<Jwks, String>> + Send + '_>>;
}

/// A shared source (one configured source serving several extensions).
impl JwksSource for Arc<dyn JwksSource> {
    fn fetch(&self) -> Pin<Box<dyn Future<Output = Result<Jwks, String>> + Send + '_>> {
        (**self).fetch()
    }
}

/// Most bytes of a key set read (64 KiB; a real set is a few hundred bytes per key).
pub const JWKS_BODY_LIMIT: usize = 64 * 1024;

/// Fetches a JWKS over HTTP with the process-wide client.
///
/// The set must be served at the configured URL itself. An answer that is a redirect (the
/// client follows none to another origin) or arrived through one (same-origin ones are
/// refused here too), or whose body exceeds [`JWKS_BODY_LIMIT`] (not read past it), is
/// **refused**: it counts as a set with no usable key, so runtime tokens are rejected with
/// 401 and a warning names the reason. An endpoint that cannot be reached or answers an
/// error is *unavailable* instead (503 until it recovers, or the cached set keeps working).
pub(crate) struct HttpJwks {
    pub(crate) client: reqwest::Client,
    pub(crate) url: String,
}

impl HttpJwks {
    fn refused(&self, reason: &str) -> Result<Jwks, String> {
        tracing::warn!(
            reason,
            "the runtime-token key set was refused; tokens are rejected until it is served directly"
        );
        Ok(Jwks::default())
    }
}

impl JwksSource for HttpJwks {
    fn fetch(&self) -> Pin<Box<dyn Future<Output = Result<Jwks, String>> + Send + '_>> {
        Box::pin(async move {
            let response = self
                .client
                .get(&self.url)
                .timeout(Duration::from_secs(5))
                .send()
                .await
                .map_err(|e| format!("JWKS request failed: {e}"))?;
            let redirected = reqwest::Url::parse(&self.url).ok().as_ref() != Some(response.url());
            if response.status().is_redirection() || redirected {
                return self.refused("the JWKS endpoint redirected; keys are only taken from the configured URL");
            }
            if !response.status().is_success() {
                return Err(format!("JWKS endpoint answered {}", response.status()));
            }
            let Some(body) = kiket_client::transport::read_capped(response, JWKS_BODY_LIMIT)
                .await
                .map_err(|e| format!("JWKS body unreadable: {e}"))?
            else {
                return self.refused("the JWKS body is larger than 64 KiB; not read");
            };
            Jwks::parse(&body).map_err(|e| format!("JWKS is not valid JSON: {e}"))
        })
    }
}

struct Cached {
    jwks: Jwks,
    fetched_at: Instant,
}

/// A cached key set with refetch rules.
pub(crate) struct JwksCache {
    source: Box<dyn JwksSource>,
    ttl: Duration,
    cooldown: Duration,
    cached: RwLock<Option<Cached>>,
    /// Serialises fetches and remembers the last attempt (for the unknown-`kid` cooldown).
    last_attempt: Mutex<Option<Instant>>,
}

impl JwksCache {
    pub(crate) fn new(source: Box<dyn JwksSource>, ttl: Duration, cooldown: Duration) -> Self {
        Self { source, ttl, cooldown, cached: RwLock::new(None), last_attempt: Mutex::new(None) }
    }

    /// The key for `kid`: from the cache when fresh, else after one (rate-limited) fetch.
    pub(crate) async fn key(&self, kid: Option<&str>) -> Result<Arc<DecodingKey>, VerifyError> {
        {
            let cached = self.cached.read().await;
            if let Some(c) = cached.as_ref()
                && c.fetched_at.elapsed() < self.ttl
                && let Some(key) = c.jwks.key(kid)
            {
                return Ok(key);
            }
        }
        // Boxed: a fetch is rare, and its future would otherwise enlarge every delivery's.
        Box::pin(self.refresh()).await?;
        let cached = self.cached.read().await;
        cached.as_ref().and_then(|c| c.jwks.key(kid)).ok_or(VerifyError::InvalidRuntimeToken("unknown signing key"))
    }

    async fn refresh(&self) -> Result<(), VerifyError> {
        let mut last_attempt = self.last_attempt.lock().await;
        let have_cache = self.cached.read().await.is_some();
        if last_attempt.is_some_and(|t| t.elapsed() < self.cooldown) {
            // Fetched (or tried) moments ago: an unknown kid, a stale cache or a dead endpoint
            // does not cause another request before the cooldown ends.
            return if have_cache { Ok(()) } else { Err(VerifyError::KeysUnavailable) };
        }
        *last_attempt = Some(Instant::now());
        match self.source.fetch().await {
            Ok(jwks) => {
                *self.cached.write().await = Some(Cached { jwks, fetched_at: Instant::now() });
                Ok(())
            }
            Err(reason) => {
                tracing::warn!(%reason, "could not refresh the runtime-token key set");
                if have_cache {
                    // Warm cache: keep verifying with the keys we have.
                    Ok(())
                } else {
                    Err(VerifyError::KeysUnavailable)
                }
            }
        }
    }
}
