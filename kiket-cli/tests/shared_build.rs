//! `cargo run --bin kiket -- send …` right after `cargo run --example quickstart` rebuilds
//! nothing: every unit of the CLI's build whose crate the quickstart also built is the very
//! unit the quickstart made (same package, target, mode, features and profile); what is left
//! is the CLI's own crates (clap and its parts), compiled once.
//!
//! Both builds are planned, not run, with cargo's unit graph (`--unit-graph`, unstable; the
//! stable toolchain allows it with `RUSTC_BOOTSTRAP=1`), so the test takes a second. What it
//! guards: the examples live in their own package (`examples/`, kiket-examples), and the
//! workspace's default members are that package and the CLI; the root package's
//! dev-dependencies (the test suite's wiremock, lambda_http, redis, …) would otherwise change
//! the features of ~90 shared crates between the two builds.

use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

/// The units of `cargo build <args>` at the workspace root, each as one comparable line.
fn planned_units(args: &[&str]) -> BTreeSet<String> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let output = Command::new(env!("CARGO"))
        .arg("build")
        .args(args)
        .args(["--unit-graph", "-Z", "unstable-options", "--offline"])
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .output()
        .expect("cargo runs");
    assert!(output.status.success(), "cargo build {args:?} --unit-graph: {}", String::from_utf8_lossy(&output.stderr));
    let graph: Value = serde_json::from_slice(&output.stdout).expect("the unit graph is JSON");
    let units = graph["units"].as_array().expect("units");
    assert!(units.len() > 50, "a real build plan: {} units", units.len());
    units
        .iter()
        .map(|unit| {
            format!(
                "{} {} {} {} {} {}",
                unit["pkg_id"].as_str().unwrap_or_default(),
                unit["target"]["name"],
                unit["target"]["kind"],
                unit["mode"],
                unit["features"],
                unit["profile"],
            )
        })
        .collect()
}

#[test]
fn the_cli_after_the_quickstart_builds_nothing_new() {
    let quickstart = planned_units(&["--example", "quickstart"]);
    let cli = planned_units(&["--bin", "kiket"]);
    // A package the quickstart does not build at all is the CLI's own (clap, …): built once.
    let package = |unit: &str| unit.split(' ').next().unwrap_or_default().to_owned();
    let shared: BTreeSet<String> = quickstart.iter().map(|u| package(u)).collect();
    let new: Vec<&String> =
        cli.iter().filter(|unit| shared.contains(&package(unit)) && !quickstart.contains(*unit)).collect();
    let own = cli.iter().filter(|unit| !shared.contains(&package(unit))).count();
    assert!(own < 25, "the CLI's own crates grew to {own} units: {cli:#?}");
    assert!(
        new.is_empty(),
        "{} unit(s) of `cargo build --bin kiket` rebuild a crate the quickstart built (features differ):\n{}",
        new.len(),
        new.iter().take(20).map(|u| u.split(' ').take(2).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n")
    );
}
