//! ES256 test keys, their JWKS, and tokens (valid or deliberately broken).

use crate::verify::{Jwks, JwksSource, TOKEN_ISSUER};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::EncodePrivateKey;
use serde_json::{json, Value};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// A freshly generated P-256 key pair standing in for the platform's signing key.
///
/// ```
/// use kiket_sdk::testing::{SignedRequest, TestClient, TestKeys};
/// use kiket_sdk::{Config, Extension, HandlerContext, Router};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let keys = TestKeys::generate("kid-1");
/// let router = Router::new().raw("issue.created", "v1", |_p: serde_json::Value, ctx: HandlerContext| async move {
///     Ok(serde_json::json!({"org": ctx.auth().org_id().map(|id| id.to_string())}))
/// });
/// let config = Config::builder().runtime_token_only().jwks_source(keys.jwks_source()).build()?;
/// let client = TestClient::new(Extension::new(router, config)?.into_router());
///
/// let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
/// let request = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).runtime_token(keys.runtime_token(&[], now));
/// assert_eq!(client.send(&request).await.status, 200);
/// // A token signed by another key is refused.
/// let stranger = TestKeys::generate("kid-1");
/// let forged = SignedRequest::new("issue.created", "v1", &serde_json::json!({})).runtime_token(stranger.runtime_token(&[], now));
/// assert_eq!(client.send(&forged).await.status, 401);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TestKeys {
    kid: String,
    x: String,
    y: String,
    encoding: Arc<EncodingKey>,
}

impl std::fmt::Debug for TestKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestKeys").field("kid", &self.kid).finish_non_exhaustive()
    }
}

impl TestKeys {
    /// Generates a key pair identified by `kid`.
    ///
    /// ```
    /// let keys = kiket_sdk::testing::TestKeys::generate("2026-12");
    /// assert_eq!(keys.kid(), "2026-12");
    /// ```
    pub fn generate(kid: &str) -> Self {
        let secret = p256::SecretKey::random(&mut rand_core::OsRng);
        let point = secret.public_key().to_encoded_point(false);
        let coordinate = |c: Option<&p256::FieldBytes>| {
            URL_SAFE_NO_PAD.encode(c.map(|b| -> &[u8] { b.as_ref() }).unwrap_or_default())
        };
        let der = secret.to_pkcs8_der().map(|d| d.as_bytes().to_vec()).unwrap_or_default();
        Self {
            kid: kid.to_owned(),
            x: coordinate(point.x()),
            y: coordinate(point.y()),
            encoding: Arc::new(EncodingKey::from_ec_der(&der)),
        }
    }

    /// The key id.
    ///
    /// ```
    /// let keys = kiket_sdk::testing::TestKeys::generate("kid-7");
    /// assert_eq!(keys.jwk()["kid"], keys.kid());
    /// ```
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// This key as one JWK (`kty=EC`, `crv=P-256`, `alg=ES256`, `use=sig`).
    ///
    /// ```
    /// let jwk = kiket_sdk::testing::TestKeys::generate("kid-1").jwk();
    /// assert_eq!((jwk["kty"].as_str(), jwk["alg"].as_str()), (Some("EC"), Some("ES256")));
    /// ```
    pub fn jwk(&self) -> Value {
        json!({"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": self.kid, "x": self.x, "y": self.y})
    }

    /// A JWKS document holding this key.
    ///
    /// ```
    /// let jwks = kiket_sdk::testing::TestKeys::generate("kid-1").jwks();
    /// assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(1));
    /// ```
    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk()] })
    }

    /// An in-memory key source serving [`Self::jwks`].
    ///
    /// ```
    /// let keys = kiket_sdk::testing::TestKeys::generate("kid-1");
    /// let source = keys.jwks_source();
    /// let config = kiket_sdk::Config::builder().runtime_token_only().jwks_source(source.clone()).build()?;
    /// assert_eq!(source.fetch_count(), 0); // fetched on the first token
    /// # drop(config);
    /// # Ok::<(), kiket_sdk::ConfigError>(())
    /// ```
    pub fn jwks_source(&self) -> StaticJwks {
        StaticJwks::new(self.jwks())
    }

    /// Signs `claims` with ES256 under this key's `kid`.
    ///
    /// ```
    /// let keys = kiket_sdk::testing::TestKeys::generate("kid-1");
    /// let mut claims = keys.claims(&[], 1_700_000_000);
    /// claims["org_id"] = serde_json::json!("org_7"); // any claim, e.g. to test the org pin
    /// let token = keys.sign(&claims);
    /// assert_eq!(token.split('.').count(), 3);
    /// ```
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap_or_default()
    }

    /// The claims of a valid runtime token at `now`, granting `scopes`, valid for 5 minutes.
    ///
    /// ```
    /// let claims = kiket_sdk::testing::TestKeys::generate("kid-1").claims(&["custom_data.read"], 1_700_000_000);
    /// assert_eq!(claims["exp"], 1_700_000_300);
    /// assert_eq!(claims["scopes"], serde_json::json!(["custom_data.read"]));
    /// ```
    pub fn claims(&self, scopes: &[&str], now: i64) -> Value {
        json!({
            "iss": TOKEN_ISSUER, "sub": "ext-runtime", "iat": now, "exp": now + 300,
            "org_id": 3, "ext_id": "com.example.test", "proj_id": 12, "pi_id": 44,
            "src": "webhook", "jti": format!("jti-{now}"), "scopes": scopes,
        })
    }

    /// A valid runtime token at `now` granting `scopes`.
    ///
    /// ```
    /// let keys = kiket_sdk::testing::TestKeys::generate("kid-1");
    /// let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs() as i64;
    /// let token = keys.runtime_token(&["custom_data.write"], now); // valid for five minutes
    /// assert!(token.starts_with("eyJ"));
    /// # Ok::<(), std::time::SystemTimeError>(())
    /// ```
    pub fn runtime_token(&self, scopes: &[&str], now: i64) -> String {
        self.sign(&self.claims(scopes, now))
    }
}

/// Builds a JWT from any header and claims with a raw signature, for hostile-input tests
/// (`alg: none`, HS256 over the public key, tampered claims, …).
pub fn forge_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    let part = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap_or_default());
    format!("{}.{}.{}", part(header), part(claims), URL_SAFE_NO_PAD.encode(signature))
}

/// An in-memory [`JwksSource`] that counts fetches and can be switched off.
#[derive(Clone, Debug)]
pub struct StaticJwks {
    document: Arc<Mutex<Option<Vec<u8>>>>,
    fetches: Arc<AtomicUsize>,
}

impl StaticJwks {
    /// Serves `document`.
    pub fn new(document: Value) -> Self {
        Self { document: Arc::new(Mutex::new(Some(document.to_string().into_bytes()))), fetches: Arc::default() }
    }

    /// Serves `document` from now on.
    pub fn set(&self, document: Value) {
        *self.document.lock().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some(document.to_string().into_bytes());
    }

    /// Fails every fetch from now on, as an unreachable endpoint would.
    pub fn set_unavailable(&self) {
        *self.document.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// How many times the key set was fetched.
    pub fn fetch_count(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

impl JwksSource for StaticJwks {
    fn fetch(&self) -> Pin<Box<dyn Future<Output = Result<Jwks, String>> + Send + '_>> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        let document = self.document.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        Box::pin(async move {
            let document = document.ok_or_else(|| "test JWKS is switched off".to_owned())?;
            Jwks::parse(&document).map_err(|e| e.to_string())
        })
    }
}
