//! The test kit's `MockKiketApi` and the ergonomic client layer both follow the operation
//! table generated from `openapi/` (`kiket_client::operations`), so neither can drift from
//! the spec: every operation has a default answer in the mock, and every method of the
//! `endpoints` layer names an operation that exists.

use kiket_client::operations::{self, Operation};
use kiket_sdk::testing::MockKiketApi;
use std::collections::BTreeSet;

/// `/api/v1/ext/custom_data/{module}/{table}` → `/api/v1/ext/custom_data/p1/p2`.
fn concrete_path(operation: &Operation) -> String {
    let mut index = 0;
    operation
        .path
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                index += 1;
                format!("p{index}")
            } else {
                segment.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_operation_of_the_spec_has_a_default_answer_in_the_mock() {
    let mock = MockKiketApi::start().await.unwrap();
    let http = reqwest::Client::new();
    assert!(operations::ALL.len() >= 28, "the operation table lost operations: {}", operations::ALL.len());
    for operation in operations::ALL {
        let method = reqwest::Method::from_bytes(operation.method.as_bytes()).unwrap();
        let url = format!("{}{}?project_id=1", mock.url(), concrete_path(operation));
        let response = http.request(method, &url).json(&serde_json::json!({})).send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap_or_default();
        assert_ne!(status, 501, "{} {} has no default answer: {body}", operation.method, operation.path);
        assert!(!body.contains("does not know"), "{} {} was not routed: {body}", operation.method, operation.path);
        let calls = mock.calls_to(operation.id);
        assert_eq!(calls.len(), 1, "{} was recorded {} times", operation.id, calls.len());
        let params: Vec<&str> = calls[0].params.iter().map(String::as_str).collect();
        let expected: Vec<String> = (1..=params.len()).map(|i| format!("p{i}")).collect();
        assert_eq!(params, expected, "{}: path parameters", operation.id);
    }
}

#[tokio::test]
async fn a_path_outside_the_spec_is_not_an_operation() {
    let mock = MockKiketApi::start().await.unwrap();
    let response = reqwest::get(format!("{}/api/v1/ext/nothing_here", mock.url())).await.unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(mock.calls()[0].operation, "unknown");
}

/// Operation names the `endpoints` sources use: the generated client's methods they call
/// (`….client.list_custom_data()`).
fn called_operations(code: &str) -> Vec<String> {
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut names = Vec::new();
    let marker = ".client.";
    let mut rest = compact.as_str();
    while let Some(at) = rest.find(marker) {
        let tail = &rest[at + marker.len()..];
        let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(tail.len());
        if tail[end..].starts_with("()") {
            names.push(tail[..end].to_owned());
        }
        rest = tail;
    }
    names
}

#[test]
fn every_endpoints_method_names_an_operation_that_exists() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("kiket-client/src/endpoints");
    let ids: BTreeSet<&str> = operations::ALL.iter().map(|op| op.id).collect();
    let mut seen = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap().flatten() {
        let code = std::fs::read_to_string(entry.path()).unwrap();
        let file = entry.file_name().to_string_lossy().into_owned();
        for name in called_operations(&code) {
            assert!(ids.contains(name.as_str()), "{file} calls `{name}`, which is not an operation of the spec");
            seen.insert(name);
        }
        // Error messages name the operation through the generated table, never a string
        // that could drift (the one local computation, the Merkle proof check, is no call).
        for line in code.lines().filter(|l| l.contains("const OP: &str =")) {
            assert!(
                line.contains("crate::operations::") || line.contains("\"verify_merkle_proof\""),
                "{file}: {line:?} names an operation by a string; use crate::operations::<OP>.id"
            );
        }
    }
    assert!(seen.len() >= 25, "the scan found only {} operations in endpoints/: {seen:?}", seen.len());
}
