//! Heap allocations per delivery, counted by a counting global allocator: a whole signed
//! 1 KB `issue.created` v1 delivery dispatched in process (verify, route, decode, handler,
//! encode; no socket), and the typed decode of its body beside a `serde_json::Value` parse,
//! also with two keys no schema declares.
//!
//! `cargo bench -p kiket-sdk --features testing --bench allocations`
//!
//! Prints allocations (and bytes) per operation, averaged over 1,000 runs after a warm-up,
//! so one-time allocations (lazy statics, the first use of a route) do not count.

#[path = "support/mod.rs"]
mod support;

use kiket_sdk::Config;
use kiket_types::IssueCreatedV1;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use tower::ServiceExt;

/// The system allocator, counting allocations (a `realloc` counts as one) and bytes asked for.
struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counters are atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: the caller's contract is the system allocator's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        // SAFETY: as above.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const RUNS: u64 = 1_000;

/// Average allocations and bytes of `operation` over [`RUNS`] runs, after 100 unmeasured ones.
fn count(mut operation: impl FnMut()) -> (f64, f64) {
    for _ in 0..100 {
        operation();
    }
    let (allocations, bytes) = (ALLOCATIONS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    for _ in 0..RUNS {
        operation();
    }
    #[allow(clippy::cast_precision_loss)]
    let per_run = |now: u64, before: u64| (now - before) as f64 / RUNS as f64;
    (per_run(ALLOCATIONS.load(Ordering::Relaxed), allocations), per_run(BYTES.load(Ordering::Relaxed), bytes))
}

fn main() {
    // `cargo bench` passes `--bench`; this harness takes no options.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let app = support::app(&runtime, Config::builder());
    let delivery = support::SignedDelivery::new();
    let body = delivery.body.to_vec();

    let dispatch = count(|| {
        let http = delivery.request();
        let app = app.clone();
        runtime.block_on(async move {
            let response = app.oneshot(http).await.expect("infallible");
            assert_eq!(response.status(), 200);
            axum::body::to_bytes(response.into_body(), usize::MAX).await.expect("body");
        });
    });
    let request_only = count(|| {
        std::hint::black_box(delivery.request());
    });
    let typed = count(|| {
        std::hint::black_box(kiket_sdk::decode::<IssueCreatedV1>("issue.created", "v1", &body).expect("decodes"));
    });
    let value = count(|| {
        std::hint::black_box(serde_json::from_slice::<serde_json::Value>(&body).expect("parses"));
    });
    // The same body with two keys no schema declares (kept in `extra`).
    let mut undeclared: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
    undeclared["delivered_by"] = serde_json::json!("platform-7");
    undeclared["trace"] = serde_json::json!({"hops": [1, 2, 3], "region": "eu-west-1"});
    let undeclared = serde_json::to_vec(&undeclared).expect("serialises");
    let typed_undeclared = count(|| {
        std::hint::black_box(kiket_sdk::decode::<IssueCreatedV1>("issue.created", "v1", &undeclared).expect("decodes"));
    });
    let value_undeclared = count(|| {
        std::hint::black_box(serde_json::from_slice::<serde_json::Value>(&undeclared).expect("parses"));
    });

    println!("allocations per operation ({} byte issue.created v1 body, mean of {RUNS} runs)\n", body.len());
    println!("| operation | allocations | bytes |\n|---|---|---|");
    let rows = [
        (
            "delivery dispatched in process, minus building the test's request",
            (dispatch.0 - request_only.0, dispatch.1 - request_only.1),
        ),
        ("typed decode (`kiket_sdk::decode::<IssueCreatedV1>`)", typed),
        ("`serde_json::from_slice::<Value>`", value),
        ("typed decode, the body with two undeclared keys", typed_undeclared),
        ("`serde_json::from_slice::<Value>`, the body with two undeclared keys", value_undeclared),
    ];
    for (name, (allocations, bytes)) in rows {
        println!("| {name} | {allocations:.1} | {bytes:.0} |");
    }
}
