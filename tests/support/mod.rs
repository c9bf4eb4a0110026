//! Helpers shared by the integration tests: captured `tracing` output, the open-file limit,
//! a counting handler, a stalled upload.

#![allow(dead_code)]

pub mod redis_server;
pub mod replica;

use kiket::prelude::*;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The head of a 1 MiB `issue.created` upload and its first body byte.
pub const STALLED_UPLOAD: &[u8] =
    b"POST /webhooks/issue.created HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
X-Kiket-Event-Version: v1\r\nContent-Length: 1048576\r\n\r\n{";

/// Now, in Unix seconds (a signature's timestamp).
pub fn now() -> i64 {
    kiket::sdk::verify::Clock::now_unix(&kiket::sdk::verify::SystemClock)
}

/// An environment of exactly `pairs`, for `ConfigBuilder::with_env_from`.
pub fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let map: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    move |key| map.get(key).cloned()
}

/// A router whose `issue.created` v1 handler counts its runs and answers `{"ok":true}`.
pub fn counting_router() -> (Router, Arc<AtomicUsize>) {
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let router = Router::new().issue_created_v1(move |_p: IssueCreatedV1, _c: HandlerContext| {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Reply::ok())
        }
    });
    (router, runs)
}

/// Collects everything a `tracing` subscriber writes.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Captures what this thread's `tracing` events write, at `level` and above, until the
    /// guard is dropped (tests on a current-thread runtime see the server's events too).
    pub fn install(level: tracing::Level) -> (Self, tracing::subscriber::DefaultGuard) {
        let captured = Self::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        (captured, tracing::subscriber::set_default(subscriber))
    }

    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Raises this process's open-file limit to its hard limit: the floods open a few thousand
/// sockets (both ends live in the test process).
pub fn raise_open_file_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit read and write the struct passed by pointer, nothing else.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// Mounts `GET /api/v1/ext/rate_limit` on `api`, answered 200 with a rate-limit window.
pub async fn mount_rate_limit(api: &wiremock::MockServer) {
    use wiremock::matchers::{method, path};
    let window = serde_json::json!({"rate_limit": {"limit": 10, "remaining": 9, "window_seconds": 60, "reset_in": 5}});
    wiremock::Mock::given(method("GET"))
        .and(path("/api/v1/ext/rate_limit"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(window))
        .mount(api)
        .await;
}

/// POSTs `request` (its body and signed headers) to the server at `base_url` over real HTTP.
pub async fn post_signed(
    http: &reqwest::Client,
    base_url: &str,
    request: &kiket::sdk::testing::SignedRequest,
) -> reqwest::Response {
    let body = request.body();
    let mut builder = http.post(format!("{base_url}{}", request.path_and_query()));
    for (name, value) in request.header_pairs(&body) {
        builder = builder.header(name, value);
    }
    builder.body(body).send().await.expect("the test server answers")
}

/// The `kiket` CLI binary (package `kiket-cli`, feature `redis`), built once per test process
/// into the workspace's target directory: it is another package's binary, which cargo does not
/// hand to this package's tests.
pub fn kiket_cli() -> std::path::PathBuf {
    static BUILT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
            let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), Into::into);
            let status = std::process::Command::new(env!("CARGO"))
                .args(["build", "--quiet", "-p", "kiket-cli", "--features", "redis", "--bin", "kiket"])
                .current_dir(root)
                .env("CARGO_TARGET_DIR", &target)
                .status()
                .expect("cargo runs");
            assert!(status.success(), "building the kiket CLI failed");
            target.join("debug").join(format!("kiket{}", std::env::consts::EXE_SUFFIX))
        })
        .clone()
}
