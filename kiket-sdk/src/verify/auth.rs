//! Who an invocation is for: the verified runtime token and its claims ([`AuthContext`]), the
//! policy that decides whether a delivery's token is required ([`TokenPolicy`]), and scope
//! checks ([`ScopeError`]: answered 403).

use super::{RuntimeClaims, TokenVerifier, VerifyError};
use kiket_types::{Id, SecretString};

/// Authentication of one invocation.
#[derive(Clone, Default)]
pub struct AuthContext {
    runtime_token: Option<SecretString>,
    claims: Option<RuntimeClaims>,
}

impl std::fmt::Debug for AuthContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthContext")
            .field("runtime_token", &self.runtime_token.as_ref().map(|_| "[redacted]"))
            .field("scopes", &self.scopes())
            .field("org_id", &self.org_id())
            .field("ext_id", &self.ext_id())
            .field("proj_id", &self.proj_id())
            .finish_non_exhaustive()
    }
}

impl AuthContext {
    pub(crate) fn verified(token: SecretString, claims: RuntimeClaims) -> Self {
        Self { runtime_token: Some(token), claims: Some(claims) }
    }

    /// Claims verified earlier, without the token (it has expired since).
    pub(crate) fn expired(claims: RuntimeClaims) -> Self {
        Self { runtime_token: None, claims: Some(claims) }
    }

    /// The verified runtime token (forwarded on API calls). Never log it.
    pub fn runtime_token(&self) -> Option<&SecretString> {
        self.runtime_token.as_ref()
    }

    /// `"runtime"` when the invocation carries a verified runtime token.
    pub fn token_type(&self) -> Option<&'static str> {
        self.runtime_token.as_ref().map(|_| "runtime")
    }

    /// Expiry of the runtime token, unix seconds.
    pub fn expires_at(&self) -> Option<f64> {
        self.claims.as_ref().and_then(|c| c.exp)
    }

    /// Scopes the token grants (empty without a token).
    pub fn scopes(&self) -> &[String] {
        self.claims.as_ref().map_or(&[], |c| c.scopes.as_slice())
    }

    /// Organisation id (`org_id` claim).
    pub fn org_id(&self) -> Option<&Id> {
        self.claims.as_ref().and_then(|c| c.org_id.as_ref())
    }

    /// Extension id (`ext_id` claim).
    pub fn ext_id(&self) -> Option<&Id> {
        self.claims.as_ref().and_then(|c| c.ext_id.as_ref())
    }

    /// Project id (`proj_id` claim).
    pub fn proj_id(&self) -> Option<&Id> {
        self.claims.as_ref().and_then(|c| c.proj_id.as_ref())
    }

    /// All verified claims (`sub`, `pi_id`, `src`, `jti`, …).
    pub fn claims(&self) -> Option<&RuntimeClaims> {
        self.claims.as_ref()
    }
}

/// The runtime token lacks required scopes. Answered with 403 and
/// `{"error":"Insufficient scopes","required_scopes":[…],"missing_scopes":[…]}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Insufficient scopes")]
pub struct ScopeError {
    /// Every scope that was required.
    pub required: Vec<String>,
    /// The required scopes the token does not grant.
    pub missing: Vec<String>,
}

/// Checks `required` against `granted`; only the literal `*` grants everything.
///
/// ```
/// use kiket_sdk::verify::check_scopes;
///
/// let granted = vec!["custom_data.read".to_string()];
/// let err = check_scopes(&granted, &["custom_data.write".to_string()]).unwrap_err();
/// assert_eq!(err.missing, ["custom_data.write"]);
/// assert!(check_scopes(&["*".to_string()], &["anything".to_string()]).is_ok());
/// ```
pub fn check_scopes(granted: &[String], required: &[String]) -> Result<(), ScopeError> {
    if required.is_empty() || granted.iter().any(|g| g == "*") {
        return Ok(());
    }
    let missing: Vec<String> = required.iter().filter(|r| !granted.contains(r)).cloned().collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ScopeError { required: required.to_vec(), missing })
    }
}

/// How a delivery's runtime token is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenMode {
    /// Verified when present; deliveries without one proceed unauthenticated.
    WhenPresent,
    /// Every delivery must carry a valid token.
    Required,
    /// Nothing is verified (local development only); every delivery logs a warning.
    Skip,
}

/// Runtime-token claims pinned by configuration: a verified token carrying another value is
/// refused (PROTOCOL §7.1, token binding).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenPins {
    /// The `ext_id` every token must carry.
    pub ext_id: Option<String>,
    /// The `org_id` every token must carry.
    pub org_id: Option<String>,
}

impl TokenPins {
    /// Fails when `claims` does not carry a pinned value.
    fn check(&self, claims: &RuntimeClaims) -> Result<(), VerifyError> {
        let pinned = [
            (&self.ext_id, &claims.ext_id, "token is for another extension"),
            (&self.org_id, &claims.org_id, "token is for another organisation"),
        ];
        for (expected, found, refusal) in pinned {
            if let Some(expected) = expected
                && found.as_ref().map(ToString::to_string).as_deref() != Some(expected.as_str())
            {
                return Err(VerifyError::InvalidRuntimeToken(refusal));
            }
        }
        Ok(())
    }
}

/// Turns a delivery's runtime token into an [`AuthContext`] under a [`TokenMode`].
#[derive(Debug)]
pub(crate) struct TokenPolicy {
    pub(crate) verifier: TokenVerifier,
    pub(crate) mode: TokenMode,
    pub(crate) pins: TokenPins,
}

impl TokenPolicy {
    /// Verifies `token` (blank counts as absent) as the mode asks.
    pub(crate) async fn authenticate(&self, token: Option<&SecretString>) -> Result<AuthContext, VerifyError> {
        let token = token.filter(|t| !t.is_blank());
        match (self.mode, token) {
            (TokenMode::Skip, _) => Ok(AuthContext::default()),
            (_, Some(token)) => {
                let claims = self.verifier.verify(token.expose()).await?;
                self.pins.check(&claims)?;
                Ok(AuthContext::verified(token.clone(), claims))
            }
            (TokenMode::Required, None) => Err(VerifyError::MissingRuntimeToken),
            (TokenMode::WhenPresent, None) => Ok(AuthContext::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check_scopes;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn only_the_literal_star_is_a_wildcard() {
        assert!(check_scopes(&v(&["*"]), &v(&["a", "b"])).is_ok());
        let err = check_scopes(&v(&["custom_data.*", "a"]), &v(&["a", "custom_data.write"])).unwrap_err();
        assert_eq!(err.missing, v(&["custom_data.write"]));
        assert_eq!(err.required, v(&["a", "custom_data.write"]));
        assert!(check_scopes(&[], &[]).is_ok());
    }
}
