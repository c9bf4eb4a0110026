//! Load benchmark: the SDK (`benches/server`) against bare axum (`benches/baseline`), plus the
//! quickstart's startup time and idle memory. One command, release mode, loopback only:
//!
//! ```text
//! cargo run --release -p kiket --example loadbench          # needs `wrk` (apt-get install wrk)
//! BENCH_SECONDS=60 BENCH_CONNECTIONS=64 cargo run --release -p kiket --example loadbench
//! BENCH_ROUNDS=5 cargo run --release -p kiket --example loadbench              # alternate 5 rounds, median ratio
//! BENCH_SOAK_SECONDS=60 cargo run --release -p kiket --example loadbench   # soak: 256 connections, memory stability
//! BENCH_METRICS_AB=1 BENCH_ROUNDS=9 cargo run --release -p kiket --example loadbench   # the SDK with Prometheus metrics on / off
//! BENCH_AGAINST=/path/to/kiket-bench-server BENCH_ROUNDS=9 cargo run --release -p kiket --example loadbench
//!     # this SDK server against another build of it (another revision's `target/bench/release/kiket-bench-server`)
//! ```
//!
//! The two servers are crates of their own (own `Cargo.toml` and lockfile, so none of the
//! workspace's dev-dependency features reach the SDK's server), built into `target/bench`
//! with the same release profile: thin LTO, one codegen unit.
//!
//! Both servers get the same ~1 KB signed `issue.created` v1 delivery at the same number of
//! connections for the same time. Both stay up for the whole comparison and are measured in
//! alternating order (SDK first in even rounds, baseline first in odd ones), so a drift in the
//! shared machine's speed hits both alike. Printed: throughput, p50/p99 latency, errors, RSS
//! at start and peak, the server's CPU time per request (user + system, from `/proc`; on a
//! machine where wrk shares the cores, steadier than throughput), and the SDK / baseline
//! ratios (per round and their median); then peak
//! RSS at 256 connections, startup time (process start → `/health` answers, median of 5) and
//! idle RSS of the quickstart.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "whsec_loadbench";

struct Load {
    requests_per_sec: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
    rss_start_kb: u64,
    rss_peak_kb: u64,
    /// The server's CPU time (user + system, all threads) per answered request, µs.
    cpu_us_per_request: f64,
}

fn env_number(key: &str, default: u64) -> u64 {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"), PathBuf::from)
}

/// The release profile both benchmark servers are built with (their own `Cargo.toml`s).
const PROFILE: &str = "release (thin LTO, one codegen unit)";

/// The SDK's benchmark server (`benches/server`).
const SDK: &str = "kiket-bench-server";
/// Bare axum (`benches/baseline`).
const BASELINE: &str = "kiket-bench-baseline";
/// The quickstart example (startup time and idle memory).
const QUICKSTART: &str = "quickstart";

/// Where the standalone benchmark crates are built.
fn bench_target_dir() -> PathBuf {
    target_dir().join("bench")
}

/// Builds the two benchmark servers, each a crate of its own with its own lockfile, and the
/// quickstart. `metrics`: the SDK's server with the `metrics` feature compiled in (switched
/// on at run time by `KIKET_METRICS=1`).
fn build_servers(metrics: bool) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (crate_dir, features) in [("benches/server", if metrics { "metrics" } else { "" }), ("benches/baseline", "")] {
        let status = Command::new("cargo")
            .args(["build", "--release", "--locked", "--features", features, "--target-dir"])
            .arg(bench_target_dir())
            .arg("--manifest-path")
            .arg(root.join(crate_dir).join("Cargo.toml"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building {crate_dir} failed");
    }
    let status = Command::new("cargo")
        .args(["build", "--release", "--example", QUICKSTART])
        .current_dir(root)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building the quickstart failed");
}

fn spawn(program: &str, port: u16, extra_env: &[(&str, &str)]) -> Child {
    let binary = if program == QUICKSTART {
        target_dir().join("release/examples").join(program)
    } else if program.contains('/') {
        PathBuf::from(program)
    } else {
        bench_target_dir().join("release").join(program)
    };
    let mut command = Command::new(&binary);
    command
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("KIKET_WEBHOOK_SECRET", SECRET)
        .env("RUST_LOG", "warn");
    for (key, value) in extra_env {
        command.env(key, value);
    }
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()))
}

fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

fn wait_until_listening(port: u16, deadline: Duration) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < deadline {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            use std::io::{Read, Write};
            let _ = stream.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = stream.read_to_string(&mut answer);
            if answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.1 404") {
                return Some(started.elapsed());
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    None
}

/// A wrk script posting the signed delivery, and the body's size. Signed now, so valid for the
/// 300 s window: write it again before each run.
fn wrk_script(dir: &Path) -> (PathBuf, usize) {
    let body = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/issue.created/v1.json"))
        .expect("fixture");
    let body: serde_json::Value = serde_json::from_slice(&body).expect("fixture is JSON");
    let mut body = body;
    if let Some(object) = body.as_object_mut() {
        object.remove("authentication");
    }
    let bytes = serde_json::to_vec_pretty(&body).expect("serialises");
    let timestamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    let signature = kiket::sdk::verify::sign(SECRET, i64::try_from(timestamp).unwrap_or_default(), &bytes);
    let body_file = dir.join("body.json");
    std::fs::write(&body_file, &bytes).expect("write body");
    let script = dir.join("post.lua");
    std::fs::write(
        &script,
        format!(
            r#"local f = io.open("{}", "rb")
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["{version_header}"] = "v1"
wrk.headers["{timestamp_header}"] = "{timestamp}"
wrk.headers["{signature_header}"] = "{signature}"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %f %f\n", summary.requests, summary.duration, e.status + e.connect + e.read + e.write + e.timeout, latency:percentile(50), latency:percentile(99)))
end
"#,
            body_file.display(),
            version_header = kiket::types::headers::EVENT_VERSION,
            timestamp_header = kiket::types::headers::TIMESTAMP,
            signature_header = kiket::types::headers::SIGNATURE,
        ),
    )
    .expect("write script");
    (script, bytes.len())
}

/// The CPU time process `pid` has used so far (user + system, all its threads), in µs; 0 when
/// `/proc` cannot tell. `/proc/<pid>/stat` counts it in clock ticks, 100 per second on Linux
/// (its `USER_HZ`, fixed for user space).
fn cpu_time_us(pid: u32) -> u64 {
    const MICROSECONDS_PER_TICK: u64 = 10_000;
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return 0 };
    // Fields after the command name (which may hold spaces): state is the 3rd field of the
    // line, utime the 14th and stime the 15th.
    let fields: Vec<&str> =
        stat.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    let ticks = |index: usize| fields.get(index).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    (ticks(14 - 3) + ticks(15 - 3)) * MICROSECONDS_PER_TICK
}

fn run_wrk(script: &Path, port: u16, connections: u64, seconds: u64, pid: u32) -> Load {
    let rss_start_kb = status_kb(pid, "VmRSS:");
    let cpu_start_us = cpu_time_us(pid);
    let output = Command::new("wrk")
        .args(["-t2", &format!("-c{connections}"), &format!("-d{seconds}s"), "--latency", "-s"])
        .arg(script)
        .arg(format!("http://127.0.0.1:{port}/webhooks/issue.created"))
        .output()
        .expect("wrk runs (apt-get install wrk)");
    let cpu_us = cpu_time_us(pid).saturating_sub(cpu_start_us);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line =
        stdout.lines().find(|l| l.starts_with("RESULT")).unwrap_or_else(|| panic!("wrk printed no result:\n{stdout}"));
    let fields: Vec<f64> = line.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    let [requests, duration_us, errors, p50_us, p99_us] = fields[..] else { panic!("unexpected wrk result {line}") };
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Load {
        requests_per_sec: requests / (duration_us / 1e6),
        p50_ms: p50_us / 1000.0,
        p99_ms: p99_us / 1000.0,
        errors: errors as u64,
        rss_start_kb,
        rss_peak_kb: status_kb(pid, "VmHWM:"),
        cpu_us_per_request: cpu_us as f64 / requests.max(1.0),
    }
}

/// A benchmark server process, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts `program` on `port` and waits for it to answer.
    fn start(program: &str, port: u16) -> Self {
        Self::start_with(program, port, &[])
    }

    /// [`Self::start`] with extra environment variables.
    fn start_with(program: &str, port: u16, env: &[(&str, &str)]) -> Self {
        let child = spawn(program, port, env);
        let server = Self { child, port };
        wait_until_listening(port, Duration::from_secs(10)).unwrap_or_else(|| panic!("{program} did not start"));
        server
    }

    /// One wrk run against this server, with a freshly signed delivery.
    fn load(&self, dir: &Path, connections: u64, seconds: u64) -> Load {
        let (script, _) = wrk_script(dir);
        run_wrk(&script, self.port, connections, seconds, self.child.id())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The SDK against the baseline, `rounds` times in alternating order on the same two warm
/// processes. Returns (SDK, baseline) per round.
fn compare(dir: &Path, connections: u64, seconds: u64, rounds: u64) -> Vec<(Load, Load)> {
    alternate(dir, connections, seconds, rounds, &Server::start(SDK, 18090), &Server::start(BASELINE, 18091))
}

/// `a` and `b` warmed up, then loaded `rounds` times in alternating order (`a` first in even
/// rounds), so a drift in the shared machine's speed hits both alike. Returns (a, b) per round.
fn alternate(dir: &Path, connections: u64, seconds: u64, rounds: u64, a: &Server, b: &Server) -> Vec<(Load, Load)> {
    let _ = a.load(dir, connections, 2);
    let _ = b.load(dir, connections, 2);
    (0..rounds)
        .map(|round| {
            if round % 2 == 0 {
                let first = a.load(dir, connections, seconds);
                (first, b.load(dir, connections, seconds))
            } else {
                let second = b.load(dir, connections, seconds);
                (a.load(dir, connections, seconds), second)
            }
        })
        .collect()
}

/// One side of an A/B comparison: a benchmark server program (a name under `target/bench`,
/// or a path to another build of it) and its environment.
struct Side<'a> {
    label: &'a str,
    program: &'a str,
    env: &'a [(&'a str, &'a str)],
}

/// `b` against `a`, `rounds` times in alternating order on two warm processes, without the
/// bare-axum baseline's own noise in between. Prints the per-round and median b / a ratios.
fn ab(dir: &Path, connections: u64, seconds: u64, rounds: u64, a: &Side<'_>, b: &Side<'_>) {
    let first = Server::start_with(a.program, 18095, a.env);
    let second = Server::start_with(b.program, 18096, b.env);
    let (mut ratios, mut p99s, mut cpu) = (Vec::new(), Vec::new(), Vec::new());
    println!("\nper round ({} / {} requests/s, p99 ratio):", b.label, a.label);
    for (round, (x, y)) in alternate(dir, connections, seconds, rounds, &first, &second).into_iter().enumerate() {
        let ratio = y.requests_per_sec / x.requests_per_sec;
        println!(
            "  round {}: {:.0} / {:.0} = {ratio:.3}, p99 {:.2}, CPU per request {:.3}, errors {} / {}",
            round + 1,
            y.requests_per_sec,
            x.requests_per_sec,
            y.p99_ms / x.p99_ms,
            y.cpu_us_per_request / x.cpu_us_per_request,
            y.errors,
            x.errors
        );
        ratios.push(ratio);
        p99s.push(y.p99_ms / x.p99_ms);
        cpu.push(y.cpu_us_per_request / x.cpu_us_per_request);
    }
    println!(
        "\n{} / {}, median of {rounds} alternating rounds of {seconds} s at {connections} connections: throughput {:.3}, p99 {:.2}, CPU time per request {:.3}",
        b.label,
        a.label,
        median(ratios),
        median(p99s),
        median(cpu)
    );
}

/// The median of `values` (the upper one of the middle two for an even count).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Longest single wrk run: a delivery is signed when its run starts and must stay inside the
/// platform's 300 s signature window until the run ends.
const LONGEST_RUN_SECONDS: u64 = 240;

/// Soak: the SDK at 256 connections for `seconds` (in back-to-back runs of at most
/// [`LONGEST_RUN_SECONDS`], each freshly signed), RSS after a 5 s warm-up and at the end.
#[allow(clippy::cast_precision_loss)]
fn soak(dir: &Path, seconds: u64) {
    let server = Server::start(SDK, 18099);
    let _ = server.load(dir, 256, 5);
    let rss_warm_kb = status_kb(server.child.id(), "VmRSS:");
    let (mut requests, mut errors, mut worst_p99_ms, mut rss_peak_kb) = (0.0, 0, 0.0_f64, 0);
    let mut remaining = seconds.max(1);
    while remaining > 0 {
        let run = remaining.min(LONGEST_RUN_SECONDS);
        let load = server.load(dir, 256, run);
        requests += load.requests_per_sec * run as f64;
        errors += load.errors;
        worst_p99_ms = worst_p99_ms.max(load.p99_ms);
        rss_peak_kb = load.rss_peak_kb;
        remaining -= run;
    }
    let rss_end_kb = status_kb(server.child.id(), "VmRSS:");
    println!(
        "soak: {seconds} s at 256 connections: {:.0} requests/s, {errors} errors, p99 {worst_p99_ms:.2} ms (worst run); RSS after warm-up {:.1} MB, at the end {:.1} MB, peak {:.1} MB",
        requests / seconds.max(1) as f64,
        rss_warm_kb as f64 / 1024.0,
        rss_end_kb as f64 / 1024.0,
        rss_peak_kb as f64 / 1024.0
    );
}

#[allow(clippy::cast_precision_loss)]
fn main() {
    // One comparison run must end inside the signature window; longer soaks are split.
    let seconds = env_number("BENCH_SECONDS", 20).clamp(1, LONGEST_RUN_SECONDS);
    let connections = env_number("BENCH_CONNECTIONS", 64);
    let metrics_ab_mode = std::env::var("BENCH_METRICS_AB").is_ok_and(|v| v == "1");
    build_servers(metrics_ab_mode);
    let dir = std::env::temp_dir().join(format!("kiket-loadbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (_, payload_bytes) = wrk_script(&dir);
    println!("payload: {payload_bytes} bytes, signed issue.created v1");
    if let Some(soak_seconds) = std::env::var("BENCH_SOAK_SECONDS").ok().and_then(|v| v.parse().ok()) {
        soak(&dir, soak_seconds);
        let _ = std::fs::remove_dir_all(dir);
        return;
    }

    let rounds = env_number("BENCH_ROUNDS", 1).max(1);
    if metrics_ab_mode {
        let off = Side { label: "metrics off", program: SDK, env: &[("KIKET_METRICS", "0")] };
        let on = Side { label: "metrics on", program: SDK, env: &[("KIKET_METRICS", "1")] };
        ab(&dir, connections, seconds, rounds, &off, &on);
        let _ = std::fs::remove_dir_all(dir);
        return;
    }
    if let Ok(other) = std::env::var("BENCH_AGAINST") {
        let before = Side { label: "other build", program: &other, env: &[] };
        ab(&dir, connections, seconds, rounds, &before, &Side { label: "this build", program: SDK, env: &[] });
        let _ = std::fs::remove_dir_all(dir);
        return;
    }
    let results = compare(&dir, connections, seconds, rounds);
    let ratios: Vec<f64> = results.iter().map(|(s, b)| s.requests_per_sec / b.requests_per_sec).collect();
    if rounds > 1 {
        println!("\nper round (SDK / baseline requests/s, p99 ratio, CPU time per request ratio):");
        for (round, ((s, b), ratio)) in results.iter().zip(&ratios).enumerate() {
            println!(
                "  round {}: {:.0} / {:.0} = {ratio:.2}, p99 {:.2}, CPU per request {:.2}",
                round + 1,
                s.requests_per_sec,
                b.requests_per_sec,
                s.p99_ms / b.p99_ms,
                s.cpu_us_per_request / b.cpu_us_per_request
            );
        }
    }
    // The table shows the round whose throughput ratio is the median.
    let middle = median(ratios.clone());
    let (sdk, base) = &results[ratios.iter().position(|r| *r == middle).unwrap_or(0)];
    let run = if rounds > 1 { format!(", median of {rounds} alternating rounds") } else { String::new() };
    println!("\n{connections} connections, {seconds} s, wrk -t2, loopback, both built {PROFILE}{run}\n");
    println!("| | requests/s | p50 ms | p99 ms | errors | RSS start | RSS peak | CPU µs per request |");
    println!("|---|---|---|---|---|---|---|---|");
    for (name, load) in [("kiket-rs SDK", sdk), ("bare axum", base)] {
        println!(
            "| {name} | {:.0} | {:.2} | {:.2} | {} | {:.1} MB | {:.1} MB | {:.1} |",
            load.requests_per_sec,
            load.p50_ms,
            load.p99_ms,
            load.errors,
            load.rss_start_kb as f64 / 1024.0,
            load.rss_peak_kb as f64 / 1024.0,
            load.cpu_us_per_request
        );
    }
    println!(
        "| SDK / baseline | {:.2} | {:.2} | {:.2} | | | | {:.2} |",
        sdk.requests_per_sec / base.requests_per_sec,
        sdk.p50_ms / base.p50_ms,
        sdk.p99_ms / base.p99_ms,
        sdk.cpu_us_per_request / base.cpu_us_per_request
    );
    if rounds > 1 {
        let cpu: Vec<f64> = results.iter().map(|(s, b)| s.cpu_us_per_request / b.cpu_us_per_request).collect();
        println!("\nCPU time per request, SDK / baseline, median of {rounds} rounds: {:.2}", median(cpu));
    }

    let heavy = {
        let server = Server::start(SDK, 18092);
        let _ = server.load(&dir, 256, 2);
        server.load(&dir, 256, seconds.min(10))
    };
    println!(
        "\nSDK at 256 connections: {:.0} requests/s, {} errors, peak RSS {:.1} MB",
        heavy.requests_per_sec,
        heavy.errors,
        heavy.rss_peak_kb as f64 / 1024.0
    );

    let mut startups = Vec::new();
    let mut idle_rss = 0;
    for attempt in 0..5u16 {
        let port = 18093 + attempt;
        let started = Instant::now();
        let mut child = spawn(QUICKSTART, port, &[("KIKET_BASE_URL", "http://127.0.0.1:9")]);
        let ready = wait_until_listening(port, Duration::from_secs(10)).map(|_| started.elapsed());
        std::thread::sleep(Duration::from_millis(200));
        idle_rss = status_kb(child.id(), "VmRSS:");
        let _ = child.kill();
        let _ = child.wait();
        startups.push(ready.expect("quickstart answered /health"));
    }
    startups.sort();
    println!(
        "quickstart: startup to ready (median of 5) {:.1} ms, idle RSS {:.1} MB",
        startups[2].as_secs_f64() * 1000.0,
        idle_rss as f64 / 1024.0
    );
    let _ = std::fs::remove_dir_all(dir);
}
