//! The generated one-pass `Deserialize` visitors (`build/visitor.rs`) against serde's own
//! derive of the same structs (`#[serde(flatten)] extra`, kept here only, in
//! `$OUT_DIR/types_derived.rs`): for every fixture, every catalog sample and 10,000 objects
//! derived from them (keys removed, replaced, added, repeated; values of every JSON kind),
//! both give the same value (compared by their derived `Serialize`, byte for byte) or the same
//! error at the same path with the same message.

// The derived reference names `crate::Id`, `crate::SecretString` and the open enums, which
// it shares with the generated types: the crate root imports them all.
#[allow(unused_imports)]
use kiket_types::*;

#[allow(clippy::all, clippy::pedantic, dead_code, missing_docs, unreachable_pub)]
mod derived {
    include!(concat!(env!("OUT_DIR"), "/types_derived.rs"));
}

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// A decode with the error's path, as the SDK reports it (`issue.id`).
fn decode<T: DeserializeOwned>(text: &str) -> Result<T, (String, String)> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| (e.path().to_string(), e.into_inner().to_string()))?;
    deserializer.end().map_err(|e| (".".to_owned(), e.to_string()))?;
    Ok(value)
}

/// What one decoder made of a text: the re-encoded value, or the error path and message.
fn outcome<T: DeserializeOwned + Serialize>(text: &str) -> Result<String, (String, String)> {
    decode::<T>(text).map(|value| serde_json::to_string(&value).expect("decoded values encode"))
}

/// One event: its name and the comparison of its two decoders.
struct Pair {
    event: &'static str,
    version: &'static str,
    generated: fn(&str) -> Result<String, (String, String)>,
    reference: fn(&str) -> Result<String, (String, String)>,
}

fn pairs() -> Vec<Pair> {
    let mut pairs = Vec::new();
    macro_rules! pair {
        ($ty:ident, $event:literal, $version:literal) => {
            pairs.push(Pair {
                event: $event,
                version: $version,
                generated: outcome::<kiket_types::$ty>,
                reference: outcome::<derived::$ty>,
            });
        };
    }
    kiket_types::for_each_event!(pair);
    pairs
}

/// Both decoders agree on `text`; returns whether it decoded.
fn agree(pair: &Pair, text: &str) -> bool {
    let generated = (pair.generated)(text);
    let reference = (pair.reference)(text);
    assert_eq!(generated, reference, "{}@{} disagree on {text}", pair.event, pair.version);
    generated.is_ok()
}

/// `(path of the object, property, alias)` of every `x-kiket-aliases` in the event's schema:
/// `[]` for the payload itself, `["data"]` for a v2 envelope's data.
fn aliases(event: &str, version: &str) -> Vec<(Vec<String>, String, String)> {
    fn walk(schema: &Value, path: &[String], out: &mut Vec<(Vec<String>, String, String)>) {
        for (name, property) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
            for alias in property.get("x-kiket-aliases").and_then(Value::as_array).into_iter().flatten() {
                out.push((path.to_vec(), name.clone(), alias.as_str().unwrap_or_default().to_owned()));
            }
            let mut inner = path.to_vec();
            inner.push(name.clone());
            walk(property, &inner, out);
        }
        for member in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            walk(member, path, out);
        }
    }
    let mut out = Vec::new();
    walk(&kiket_types::catalog::find(event, version).expect("catalogued").schema(), &[], &mut out);
    out
}

/// The object at `path` (the last entry of each key, as a decoder would keep it).
fn object_at<'d>(doc: &'d mut Doc, path: &[String]) -> Option<&'d mut Vec<(String, Doc)>> {
    let Doc::Object(entries) = doc else { return None };
    match path.split_first() {
        None => Some(entries),
        Some((key, rest)) => {
            let index = entries.iter().rposition(|(k, _)| k == key)?;
            object_at(&mut entries[index].1, rest)
        }
    }
}

/// The aliases' contract, applied for the derive (which has none): in the aliased object,
/// when it lacks the property's own key, the last alias entry becomes that key and the other
/// alias entries go. Returns whether anything was renamed.
fn rename_aliases(doc: &mut Doc, aliases: &[(Vec<String>, String, String)]) -> bool {
    let mut renamed = false;
    for (path, property, alias) in aliases {
        let Some(entries) = object_at(doc, path) else { continue };
        if entries.iter().any(|(key, _)| key == property) {
            continue;
        }
        let Some(last) = entries.iter().rposition(|(key, _)| key == alias) else { continue };
        entries[last].0 = property.clone();
        entries.retain(|(key, _)| key != alias);
        renamed = true;
    }
    renamed
}

/// [`agree`], for a document whose aliases the visitor reads: the derive decodes the document
/// with its aliases renamed; when one was, an error's message must match (without serde_json's
/// position, which a value decoded from a `Value` has not) and its path may name the object.
fn agree_with_aliases(pair: &Pair, doc: &Doc) -> bool {
    let mut text = String::new();
    doc.write(&mut text);
    let mut renamed = doc.clone();
    if !rename_aliases(&mut renamed, &aliases(pair.event, pair.version)) {
        return agree(pair, &text);
    }
    let mut reference_text = String::new();
    renamed.write(&mut reference_text);
    let generated = (pair.generated)(&text);
    let reference = (pair.reference)(&reference_text);
    let without_position = |message: &str| message.split(" at line ").next().unwrap_or_default().to_owned();
    match (&generated, &reference) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{}@{} disagree on {text}", pair.event, pair.version),
        (Err((_, a)), Err((_, b))) => {
            assert_eq!(without_position(a), without_position(b), "{}@{}: {text}", pair.event, pair.version)
        }
        _ => panic!("{}@{} disagree on {text}: {generated:?} vs {reference:?}", pair.event, pair.version),
    }
    generated.is_ok()
}

fn fixture(event: &str, version: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(event)
        .join(format!("{version}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
    serde_json::from_str(&text).expect("fixtures are JSON")
}

fn sample(event: &str, version: &str) -> Value {
    kiket_types::catalog::find(event, version).expect("catalogued").sample()
}

#[test]
fn every_fixture_and_sample_decodes_the_same() {
    let pairs = pairs();
    assert_eq!(pairs.len(), kiket_types::catalog::EVENTS.len());
    for pair in &pairs {
        for base in [fixture(pair.event, pair.version), sample(pair.event, pair.version)] {
            assert!(agree(pair, &base.to_string()), "{}@{} must decode", pair.event, pair.version);
        }
    }
}

/// The contract the visitors keep, stated once by example (the differential test checks the
/// same against the derive on generated inputs).
#[test]
fn duplicates_nulls_and_absent_fields() {
    let decode = decode::<IssueCreatedV1>;
    // A declared key twice is an error in its object; an undeclared key twice keeps the last.
    let (path, message) = decode(r#"{"issue": {"id": 1, "title": "a", "title": "b"}}"#).unwrap_err();
    assert_eq!(path, "issue");
    assert!(message.starts_with("duplicate field `title`"), "{message}");
    let payload = decode(r#"{"issue": {"id": 1}, "later": 1, "later": 2}"#).unwrap();
    assert_eq!(payload.extra["later"], 2);
    // `null` and absent are both `None` for an optional field; `null` is an error for a
    // defaulted collection, absent is empty; a missing required field is named by its parent.
    assert_eq!(decode(r#"{"issue": {"id": 1, "title": null}}"#).unwrap().issue.title, None);
    assert!(decode(r#"{"issue": {"id": 1}}"#).unwrap().issue.labels.is_empty());
    assert_eq!(decode(r#"{"issue": {"id": 1, "labels": null}}"#).unwrap_err().0, "issue.labels");
    let (path, message) = decode(r#"{"issue": {"title": "x"}}"#).unwrap_err();
    assert_eq!((path.as_str(), message.starts_with("missing field `id`")), ("issue", true), "{message}");
    // A key named like the flattened map itself is just another unknown key.
    let payload = decode(r#"{"issue": {"id": 1}, "extra": {"a": 1}}"#).unwrap();
    assert_eq!(payload.extra["extra"], serde_json::json!({"a": 1}));
    // Not an object.
    let (_, message) = decode(r#"[1, 2]"#).unwrap_err();
    assert!(message.starts_with("invalid type: sequence, expected struct IssueCreatedV1"), "{message}");
}

/// A JSON document that can hold the same key twice (a `Value` cannot).
#[derive(Clone, Debug)]
enum Doc {
    Object(Vec<(String, Doc)>),
    Array(Vec<Doc>),
    Leaf(Value),
}

impl Doc {
    fn from_value(value: &Value) -> Self {
        match value {
            Value::Object(map) => Doc::Object(map.iter().map(|(k, v)| (k.clone(), Doc::from_value(v))).collect()),
            Value::Array(items) => Doc::Array(items.iter().map(Doc::from_value).collect()),
            other => Doc::Leaf(other.clone()),
        }
    }

    fn write(&self, out: &mut String) {
        match self {
            Doc::Object(entries) => {
                out.push('{');
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::to_string(key).expect("keys encode"));
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
            Doc::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Doc::Leaf(value) => out.push_str(&value.to_string()),
        }
    }

    /// How many objects the document holds.
    fn count_objects(&self) -> usize {
        match self {
            Doc::Object(entries) => 1 + entries.iter().map(|(_, d)| d.count_objects()).sum::<usize>(),
            Doc::Array(items) => items.iter().map(Doc::count_objects).sum(),
            Doc::Leaf(_) => 0,
        }
    }

    /// The entries of the `n`-th object, in pre-order (`n` counts down as objects pass).
    fn nth_object(&mut self, n: &mut usize) -> Option<&mut Vec<(String, Doc)>> {
        match self {
            Doc::Object(entries) => {
                if *n == 0 {
                    return Some(entries);
                }
                *n -= 1;
                entries.iter_mut().find_map(|(_, d)| d.nth_object(n))
            }
            Doc::Array(items) => items.iter_mut().find_map(|d| d.nth_object(n)),
            Doc::Leaf(_) => None,
        }
    }
}

/// One change to a document.
#[derive(Clone, Debug)]
enum Edit {
    Remove { object: usize, entry: usize },
    Replace { object: usize, entry: usize, value: Value },
    Add { object: usize, key: String, value: Value },
    Repeat { object: usize, entry: usize, value: Option<Value> },
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e6f64..1e6).prop_map(Value::from),
        "[a-z_é\"\\\\]{0,8}".prop_map(Value::String),
        Just(Value::String("2026-01-01T00:00:00Z".into())),
        Just(Value::String("todo".into())),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn edit() -> impl Strategy<Value = Edit> {
    let key = prop_oneof![
        Just("extra".to_owned()),
        Just("id".to_owned()),
        Just("title".to_owned()),
        Just("issue".to_owned()),
        "[a-z_]{1,10}",
    ];
    prop_oneof![
        (any::<usize>(), any::<usize>()).prop_map(|(object, entry)| Edit::Remove { object, entry }),
        (any::<usize>(), any::<usize>(), json_value()).prop_map(|(object, entry, value)| Edit::Replace {
            object,
            entry,
            value
        }),
        (any::<usize>(), key, json_value()).prop_map(|(object, key, value)| Edit::Add { object, key, value }),
        (any::<usize>(), any::<usize>(), prop::option::of(json_value()))
            .prop_map(|(object, entry, value)| { Edit::Repeat { object, entry, value } }),
    ]
}

fn apply(doc: &mut Doc, edit: &Edit) {
    let pick = |n: usize, len: usize| if len == 0 { None } else { Some(n % len) };
    let (Edit::Remove { object, .. }
    | Edit::Replace { object, .. }
    | Edit::Add { object, .. }
    | Edit::Repeat { object, .. }) = edit;
    let Some(mut index) = pick(*object, doc.count_objects()) else { return };
    let Some(entries) = doc.nth_object(&mut index) else { return };
    match edit {
        Edit::Remove { entry, .. } => {
            if let Some(i) = pick(*entry, entries.len()) {
                entries.remove(i);
            }
        }
        Edit::Replace { entry, value, .. } => {
            if let Some(i) = pick(*entry, entries.len()) {
                entries[i].1 = Doc::from_value(value);
            }
        }
        Edit::Add { key, value, .. } => entries.push((key.clone(), Doc::from_value(value))),
        Edit::Repeat { entry, value, .. } => {
            if let Some(i) = pick(*entry, entries.len()) {
                let (key, old) = entries[i].clone();
                entries.push((key, value.as_ref().map_or(old, Doc::from_value)));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_objects_decode_the_same(
        which in any::<usize>(),
        from_fixture in any::<bool>(),
        edits in prop::collection::vec(edit(), 0..6),
    ) {
        let pairs = pairs();
        let pair = &pairs[which % pairs.len()];
        let base = if from_fixture { fixture(pair.event, pair.version) } else { sample(pair.event, pair.version) };
        let mut doc = Doc::from_value(&base);
        for edit in &edits {
            apply(&mut doc, edit);
        }
        agree_with_aliases(pair, &doc);
    }
}

/// The legacy key fills an aliased property, in place of the property's own.
#[test]
fn an_alias_fills_its_property_and_both_keys_lose_nothing() {
    let legacy: CaseCreatedV1 = serde_json::from_str(r#"{"issue": {"id": 7}}"#).unwrap();
    assert_eq!(legacy.case.id.to_string(), "7");
    let both: CaseCreatedV1 = serde_json::from_str(r#"{"issue": {"id": 1}, "case": {"id": 2}}"#).unwrap();
    assert_eq!(both.case.id.to_string(), "2");
    assert_eq!(both.extra["issue"]["id"], 1);
    assert!(serde_json::from_str::<CaseCreatedV1>(r#"{"title": "neither"}"#).is_err());
}
