//! Typed decoding against a `serde_json::Value` parse of the same bytes, one group per event
//! of the catalog.
//!
//! `cargo bench -p kiket-sdk --bench decode`
//!
//! Each body is the catalog's sample of the event ([`EventSchema::sample`]) with the runtime
//! block a real delivery carries (`authentication`, `api`, `secrets`) and two keys no schema
//! declares (kept in `extra`), serialised once. `typed` is `serde_json::from_slice::<T>`;
//! `value` is `serde_json::from_slice::<serde_json::Value>`. The README's table is the ratio
//! of their medians.
//!
//! [`EventSchema::sample`]: kiket_types::catalog::EventSchema::sample

use criterion::{criterion_group, Criterion, Throughput};
use std::hint::black_box;

/// The sample body of `event`@`version` as the platform sends it: the catalog's sample with
/// the runtime block. `unknown`: also two keys no schema declares (kept in `extra`).
fn body(event: &str, version: &str, unknown: bool) -> Vec<u8> {
    let schema = kiket_types::catalog::find(event, version).expect("catalogued");
    let mut sample = schema.sample();
    if let Some(object) = sample.as_object_mut() {
        object.insert("authentication".into(), serde_json::json!({"runtime_token": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"}));
        object.insert("api".into(), serde_json::json!({"base_url": "https://kiket.dev"}));
        object.insert("secrets".into(), serde_json::json!({"CRM_API_KEY": "crm-123"}));
        if unknown {
            object.insert("delivered_by".into(), serde_json::json!("platform-7"));
            object.insert("trace".into(), serde_json::json!({"hops": [1, 2, 3], "region": "eu-west-1"}));
        }
    }
    serde_json::to_vec(&sample).expect("serialises")
}

fn decoding(c: &mut Criterion) {
    macro_rules! pair {
        ($ty:ident, $event:literal, $version:literal) => {
            let bytes = body($event, $version, false);
            let mut group = c.benchmark_group(concat!("decode/", $event, "@", $version));
            group.throughput(Throughput::Bytes(bytes.len() as u64));
            group.bench_function("typed", |b| {
                b.iter(|| kiket_sdk::decode::<kiket_types::$ty>($event, $version, black_box(&bytes)).expect("decodes"))
            });
            group.bench_function("typed from_slice", |b| {
                b.iter(|| serde_json::from_slice::<kiket_types::$ty>(black_box(&bytes)).expect("decodes"))
            });
            group.bench_function("value", |b| {
                b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).expect("parses"))
            });
            group.finish();
        };
    }
    kiket_types::for_each_event!(pair);
}

/// Rounds per event in the paired table, and decodes per side in each round.
const PAIRED_ROUNDS: usize = 21;
const PAIRED_BATCH: u32 = 500;

/// Seconds for `PAIRED_BATCH` runs of `operation`.
fn batch(mut operation: impl FnMut()) -> f64 {
    let started = std::time::Instant::now();
    for _ in 0..PAIRED_BATCH {
        operation();
    }
    started.elapsed().as_secs_f64()
}

/// One paired measurement: `bytes | typed µs | Value µs | **ratio** (range)`, medians of
/// [`PAIRED_ROUNDS`] rounds.
fn pair(bytes: usize, typed: impl Fn() + Copy, value: impl Fn() + Copy) -> String {
    let (mut ratios, mut typed_times, mut value_times) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..PAIRED_ROUNDS {
        let (t, v) = if round % 2 == 0 {
            let t = batch(typed);
            (t, batch(value))
        } else {
            let v = batch(value);
            (batch(typed), v)
        };
        ratios.push(t / v);
        typed_times.push(t * 1e6 / f64::from(PAIRED_BATCH));
        value_times.push(v * 1e6 / f64::from(PAIRED_BATCH));
    }
    let (ratio, low, high) = median(ratios);
    format!(
        "{bytes} | {:.2} | {:.2} | **{ratio:.2}** ({low:.2}–{high:.2})",
        median(typed_times).0,
        median(value_times).0
    )
}

/// Median, lowest and highest of `values`.
fn median(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (values[values.len() / 2], values[0], values[values.len() - 1])
}

/// The paired table: typed decode / `Value` parse, measured back to back, for each sample
/// and for the same sample with two undeclared keys.
fn paired() {
    println!("\ntyped decode / Value parse, {PAIRED_ROUNDS} paired rounds of {PAIRED_BATCH} each (median, range):\n");
    println!("| event | body bytes | typed µs | Value µs | typed / Value | with 2 unknown keys: bytes | typed µs | Value µs | typed / Value |");
    println!("|---|---|---|---|---|---|---|---|---|");
    macro_rules! row {
        ($ty:ident, $event:literal, $version:literal) => {
            let mut cells = Vec::new();
            for unknown in [false, true] {
                let bytes = body($event, $version, unknown);
                let typed = || {
                    black_box(
                        kiket_sdk::decode::<kiket_types::$ty>($event, $version, black_box(&bytes)).expect("decodes"),
                    );
                };
                let value = || {
                    black_box(serde_json::from_slice::<serde_json::Value>(black_box(&bytes)).expect("parses"));
                };
                cells.push(pair(bytes.len(), typed, value));
            }
            println!("| {}@{} | {} | {} |", $event, $version, cells[0], cells[1]);
        };
    }
    kiket_types::for_each_event!(row);
}

criterion_group!(benches, decoding);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    if std::env::var("KIKET_BENCH_PAIRED").map_or(true, |v| v != "0") {
        paired();
    }
}
