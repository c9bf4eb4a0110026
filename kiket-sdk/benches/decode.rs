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

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

/// The sample body of `event`@`version` as the platform would send it.
fn body(event: &str, version: &str) -> Vec<u8> {
    let schema = kiket_types::catalog::find(event, version).expect("catalogued");
    let mut sample = schema.sample();
    if let Some(object) = sample.as_object_mut() {
        object.insert("authentication".into(), serde_json::json!({"runtime_token": "eyJhbGciOiJFUzI1NiJ9.e30.c2ln"}));
        object.insert("api".into(), serde_json::json!({"base_url": "https://kiket.dev"}));
        object.insert("secrets".into(), serde_json::json!({"CRM_API_KEY": "crm-123"}));
        object.insert("delivered_by".into(), serde_json::json!("platform-7"));
        object.insert("trace".into(), serde_json::json!({"hops": [1, 2, 3], "region": "eu-west-1"}));
    }
    serde_json::to_vec(&sample).expect("serialises")
}

fn decoding(c: &mut Criterion) {
    macro_rules! pair {
        ($ty:ident, $event:literal, $version:literal) => {
            let bytes = body($event, $version);
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

criterion_group!(benches, decoding);
criterion_main!(benches);
