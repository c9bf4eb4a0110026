//! Matchers shared by the client's integration tests.

#![allow(dead_code)]

use kiket_client::endpoints::Endpoints;
use kiket_client::hooks::ApiState;
use kiket_client::retry::RetryPolicy;
use kiket_client::Client;
use std::collections::BTreeSet;
use wiremock::{Match, Request};

/// The query string has exactly these pairs (order-insensitive), no more, no fewer.
pub struct ExactQuery(pub Vec<(String, String)>);

impl ExactQuery {
    pub fn of(pairs: &[(&str, &str)]) -> Self {
        Self(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }
}

impl Match for ExactQuery {
    fn matches(&self, request: &Request) -> bool {
        let got: BTreeSet<(String, String)> =
            request.url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let want: BTreeSet<(String, String)> = self.0.iter().cloned().collect();
        got == want
    }
}

/// Credentials and invocation headers are present; POSTs carry an idempotency key, other
/// methods none.
pub struct StandardHeaders;

impl Match for StandardHeaders {
    fn matches(&self, request: &Request) -> bool {
        let header = |name: &str| request.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let is_post = request.method.as_str() == "POST";
        header("authorization").as_deref() == Some("Bearer wk_test")
            && header("x-kiket-runtime-token").as_deref() == Some("rt_test")
            && header("x-kiket-event-version").as_deref() == Some("v1")
            && header("accept").as_deref() == Some("application/json")
            && header("user-agent").is_some_and(|ua| ua.starts_with("kiket-sdk-rust/"))
            && header("idempotency-key").is_some() == is_post
    }
}

/// The request has no body.
pub struct NoBody;

impl Match for NoBody {
    fn matches(&self, request: &Request) -> bool {
        request.body.is_empty()
    }
}

/// Endpoints against `base` with test credentials and the given retry policy, over the
/// HTTP client the SDK builds (its redirect policy included).
pub fn endpoints(base: &str, retry: RetryPolicy) -> Endpoints {
    let state =
        ApiState::new().workspace_token("wk_test").runtime_token("rt_test").event_version("v1").retry_policy(retry);
    let http = kiket_client::transport::http_client().expect("the SDK's HTTP client builds");
    Endpoints::new(Client::new_with_client(base, http, state)).with_extension_id("com.example/ext")
}
