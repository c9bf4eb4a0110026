//! The shape of kiket-sdk (`shared/DESIGN.md`), written as a test: the import graph of
//! `kiket-sdk/src` between its top-level modules has no circle, the leaves import nothing of
//! the crate, `delivery` never sees `config`, and `routing` never sees `telemetry`.
//!
//! The graph is read from the source at module level (everything from a `#[cfg(test)]` line
//! on is a test module and left out): every `crate::a…` path (also `crate::{a, b}`) and every
//! `super::` path that climbs to the crate root names module `a`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules that import nothing of the crate.
const LEAVES: &[&str] = &["verify", "payload", "replay", "telemetry", "manifest", "panic_guard"];
/// (from, to) imports that must not exist.
const FORBIDDEN: &[(&str, &str)] = &[("delivery", "config"), ("routing", "telemetry")];

type Graph = BTreeMap<String, BTreeSet<String>>;

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// `delivery/admit.rs` → `["delivery", "admit"]`; `delivery/mod.rs` → `["delivery"]`.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn ident(text: &str) -> &str {
    let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(text.len());
    &text[..end]
}

/// The first identifier of every item of a `{a, b::c, d::{e}}` group (text after the `{`).
fn group_heads(text: &str) -> Vec<String> {
    let (mut depth, mut heads, mut item_start) = (0usize, Vec::new(), true);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if item_start && (c.is_ascii_alphabetic() || c == '_') => {
                if depth == 0 {
                    heads.push(ident(&text[i..]).to_owned());
                }
                item_start = false;
            }
            _ => {}
        }
    }
    heads
}

/// The top-level modules a file's module-level code names.
fn imports(code: &str, module: &[String]) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    let module_level = code.split("\n#[cfg(test)]").next().unwrap_or_default();
    for line in module_level.lines().map(str::trim_start).filter(|l| !l.starts_with("//")) {
        let mut rest = line;
        while let Some(at) = rest.find("crate::").into_iter().chain(rest.find("super::")).min() {
            let (mut tail, mut depth) = (&rest[at..], module.len());
            let from_root = if let Some(after) = tail.strip_prefix("crate::") {
                tail = after;
                true
            } else {
                while let Some(after) = tail.strip_prefix("super::") {
                    tail = after;
                    depth = depth.saturating_sub(1);
                }
                depth == 0
            };
            // `pub(crate)` and `crate::` inside an identifier are not paths.
            let preceded = rest[..at].chars().last().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            if from_root && !preceded {
                match tail.strip_prefix('{') {
                    Some(group) => named.extend(group_heads(group)),
                    None => {
                        named.insert(ident(tail).to_owned());
                    }
                }
            }
            rest = &rest[at + 1..];
        }
    }
    named
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("kiket-sdk/src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let modules: BTreeSet<String> =
        files.iter().filter_map(|f| module_path(&src, f).first().cloned()).filter(|m| m != "lib").collect();
    let mut graph: Graph = modules.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    for file in &files {
        let module = module_path(&src, file);
        let Some(top) = module.first().filter(|m| *m != "lib") else { continue };
        let code = std::fs::read_to_string(file).unwrap();
        for target in imports(&code, &module) {
            if &target != top && modules.contains(&target) {
                graph.get_mut(top).unwrap().insert(target);
            }
        }
    }
    graph
}

/// A circle through the graph, if there is one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(node: &str, graph: &Graph, path: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

#[test]
fn the_reader_sees_imports_in_every_form() {
    let module = vec!["delivery".to_owned(), "admit".to_owned()];
    let code = "use crate::config::Config;\nuse crate::{routing::Router, verify};\nuse super::super::telemetry::X;\n\
                pub(crate) fn f() { let _ = crate::replay::Guard::new(); }\nuse super::DeliveryError;\n\
                #[cfg(test)]\nmod tests { use crate::manifest::Manifest; }";
    let expected: BTreeSet<String> =
        ["config", "routing", "verify", "telemetry", "replay"].iter().map(|s| (*s).to_owned()).collect();
    assert_eq!(imports(code, &module), expected);
    let top_level = vec!["server".to_owned()];
    assert!(imports("use super::config::Config;", &top_level).contains("config"));
}

#[test]
fn kiket_sdk_modules_form_no_circle_and_keep_their_layers() {
    let graph = graph();
    let edges = |from: &str| graph.get(from).cloned().unwrap_or_default();
    // The reader must see the edges that exist, or every check below passes vacuously.
    for (from, to) in [("server", "config"), ("server", "delivery"), ("delivery", "routing"), ("routing", "handler")] {
        assert!(edges(from).contains(to), "expected {from} → {to}; graph: {graph:#?}");
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import circle in kiket-sdk: {}\ngraph: {graph:#?}", cycle.join(" → "));
    }
    for leaf in LEAVES {
        assert!(edges(leaf).is_empty(), "leaf `{leaf}` imports {:?}; a leaf imports nothing of the crate", edges(leaf));
    }
    for (from, to) in FORBIDDEN {
        assert!(!edges(from).contains(*to), "`{from}` imports `{to}`, which the design forbids");
    }
}

/// The import graph as ARCHITECTURE.md quotes it: one line per module, what it imports.
fn rendered(graph: &Graph) -> String {
    let mut out = String::from("```text\n");
    for (module, imports) in graph {
        let imports: Vec<&str> = imports.iter().map(String::as_str).collect();
        let shown = if imports.is_empty() { "(nothing of the crate)".to_owned() } else { imports.join(", ") };
        out.push_str(&format!("{module:<12} → {shown}\n"));
    }
    out.push_str("```\n");
    out
}

/// ARCHITECTURE.md quotes the graph this test reads (`KIKET_UPDATE_SNAPSHOTS=1` rewrites it).
#[test]
fn the_architecture_document_quotes_the_module_graph() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ARCHITECTURE.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (begin, end) = ("<!-- begin module-graph -->\n", "<!-- end module-graph -->");
    let start = text.find(begin).expect("ARCHITECTURE.md has the module-graph section") + begin.len();
    let stop = start + text[start..].find(end).expect("and its end");
    let expected = rendered(&graph());
    if text[start..stop] == expected {
        return;
    }
    if std::env::var("KIKET_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, format!("{}{expected}{}", &text[..start], &text[stop..])).unwrap();
        return;
    }
    panic!("ARCHITECTURE.md's module graph is not the code's; run KIKET_UPDATE_SNAPSHOTS=1 cargo test -p kiket --test module_graph\n{expected}");
}
