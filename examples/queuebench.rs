//! Deferred-delivery benchmark: how many deferred deliveries per second the server accepts
//! (verify, route, decode, claim, seal, `XADD`, answer 202) against a raw `XADD` loop on the
//! same Redis, in one run, on loopback.
//!
//! ```text
//! cargo run --release -p kiket --features redis --example queuebench      # needs redis-server (apt-get install redis-server)
//! QUEUEBENCH_DELIVERIES=40000 QUEUEBENCH_CONCURRENCY=64 cargo run --release -p kiket --features redis --example queuebench
//! ```
//!
//! Each delivery is a distinct signed `issue.created` v1 delivery (~1 KB), so every one is
//! claimed in the replay store and stored in the stream (a repeated one would be answered from
//! the replay store). The load generator runs in the server's process, as the raw loop does:
//! pre-built requests written and answers read straight off keep-alive sockets. References, same run: the raw loop `XADD`s payloads of the sealed job's
//! size with the same number of concurrent tasks over one multiplexed connection;
//! `redis-benchmark` `XADD`s the same size with as many clients (when it is installed); and
//! the same deliveries handled inline with the replay guard in memory. Printed: rates, p50/p99
//! of the answer, ratios.

use kiket::prelude::*;
use kiket::sdk::queue::QueueKey;
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

const SECRET: &str = "whsec_queuebench";

fn env_number(key: &str, default: usize) -> usize {
    std::env::var(key).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A `redis-server` on a free loopback port (no persistence: the disk is not measured).
struct Redis {
    child: Child,
    port: u16,
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_redis() -> Redis {
    let port = TcpListener::bind(("127.0.0.1", 0)).and_then(|l| l.local_addr()).expect("a free port").port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server runs (apt-get install redis-server)");
    // Dropped (killed and waited for) on every path from here.
    let redis = Redis { child, port };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return redis;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("redis-server did not start");
}

/// Runs `jobs` futures made by `make`, `concurrency` at a time; returns the elapsed time and
/// each one's latency.
async fn run<F, Fut>(jobs: usize, concurrency: usize, make: F) -> (Duration, Vec<Duration>)
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    use futures_util::StreamExt;
    let started = Instant::now();
    let latencies = futures_util::stream::iter(0..jobs)
        .map(|i| {
            let job = make(i);
            async move {
                let at = Instant::now();
                job.await;
                at.elapsed()
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>()
        .await;
    (started.elapsed(), latencies)
}

fn percentile(latencies: &mut [Duration], share: f64) -> f64 {
    latencies.sort();
    let at = ((latencies.len() as f64 * share) as usize).min(latencies.len() - 1);
    latencies[at].as_secs_f64() * 1000.0
}

/// Distinct signed deliveries (~1 KB each), signed before any clock starts.
type Signed = Arc<Vec<(Vec<u8>, [(&'static str, String); 2])>>;

fn sign_deliveries(count: usize) -> Signed {
    let now = kiket::sdk::verify::Clock::now_unix(&kiket::sdk::verify::SystemClock);
    let filler = "x".repeat(900);
    Arc::new(
        (0..count)
            .map(|i| {
                let body = serde_json::to_vec(&serde_json::json!({
                    "issue": {"id": i, "title": "Printer on fire", "description": filler},
                }))
                .unwrap();
                let headers = kiket::sdk::verify::signature_headers(SECRET, now, &body);
                (body, headers)
            })
            .collect(),
    )
}

/// What one server sustained.
struct Accepted {
    count: usize,
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    failures: usize,
}

/// One delivery as a client writes it: request line, headers, body.
fn raw_request(address: SocketAddr, body: &[u8], headers: &[(&'static str, String); 2]) -> Vec<u8> {
    let mut request = format!(
        "POST /webhooks/issue.created HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/json\r\n\
         x-kiket-event-version: v1\r\ncontent-length: {}\r\n",
        body.len()
    )
    .into_bytes();
    for (name, value) in headers {
        request.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(body);
    request
}

/// The status of the answer at the start of `buffer` and its length in bytes (head and
/// `Content-Length` body), once its head is complete.
fn answer_head(buffer: &[u8]) -> std::io::Result<Option<(u16, usize)>> {
    let invalid = || std::io::Error::new(std::io::ErrorKind::InvalidData, "not an HTTP/1.1 answer");
    let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") else { return Ok(None) };
    let head = std::str::from_utf8(&buffer[..end]).map_err(|_| invalid())?;
    let status = head.get(9..12).and_then(|code| code.parse().ok()).ok_or_else(invalid)?;
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .map_or(Ok(0), |(_, value)| value.trim().parse().map_err(|_| invalid()))?;
    Ok(Some((status, end + 4 + length)))
}

/// Room for one answer (the server's are a few hundred bytes).
const ANSWER_ROOM: usize = 4096;

/// Writes `request` on a keep-alive connection and reads its answer into `buffer` (reused,
/// never zeroed again); returns the status.
async fn exchange(stream: &TcpStream, request: &[u8], buffer: &mut [u8; ANSWER_ROOM]) -> std::io::Result<u16> {
    use std::io::ErrorKind::{InvalidData, UnexpectedEof, WouldBlock};
    let mut written = 0;
    while written < request.len() {
        stream.writable().await?;
        match stream.try_write(&request[written..]) {
            Ok(n) => written += n,
            Err(e) if e.kind() == WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
    let mut filled = 0;
    loop {
        if let Some((status, length)) = answer_head(&buffer[..filled])?
            && filled >= length
        {
            return Ok(status);
        }
        if filled == buffer.len() {
            return Err(InvalidData.into());
        }
        stream.readable().await?;
        match stream.try_read(&mut buffer[filled..]) {
            Ok(0) => return Err(UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e) if e.kind() == WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

/// Serves `router` under `config` on loopback and posts every delivery once over
/// `concurrency` keep-alive connections; every answer must be `expected`. The load generator
/// writes pre-built requests and reads answers straight off the sockets (no HTTP client
/// library), so that it takes as little as possible of the CPU the server is measured on.
async fn accept(router: Router, config: Config, deliveries: &Signed, concurrency: usize, expected: u16) -> Accepted {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let address = listener.local_addr().unwrap();
    let extension = Extension::new(router, config).expect("extension");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(extension.serve_listener(listener, async move {
        let _ = stopped.await;
    }));
    let requests: Arc<Vec<Vec<u8>>> =
        Arc::new(deliveries.iter().map(|(body, headers)| raw_request(address, body, headers)).collect());
    // Warm up: every connection opened and used once, the Redis connection, the scripts.
    let warm = concurrency.min(requests.len());
    let mut connections = Vec::with_capacity(warm);
    for request in &requests[..warm] {
        let stream = TcpStream::connect(address).await.unwrap();
        stream.set_nodelay(true).unwrap();
        assert_eq!(exchange(&stream, request, &mut [0; ANSWER_ROOM]).await.unwrap(), expected);
        connections.push(stream);
    }
    let next = Arc::new(AtomicUsize::new(warm));
    let started = Instant::now();
    let workers: Vec<_> = connections
        .into_iter()
        .map(|stream| {
            let (requests, next) = (requests.clone(), next.clone());
            tokio::spawn(async move {
                let (mut latencies, mut failures, mut buffer) = (Vec::new(), 0usize, Box::new([0; ANSWER_ROOM]));
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(request) = requests.get(i) else { break };
                    let at = Instant::now();
                    match exchange(&stream, request, &mut buffer).await {
                        Ok(status) if status == expected => latencies.push(at.elapsed()),
                        Ok(_) => failures += 1,
                        Err(_) => {
                            failures += 1;
                            break;
                        }
                    }
                }
                (latencies, failures)
            })
        })
        .collect();
    let (mut latencies, mut failures) = (Vec::new(), 0);
    for worker in workers {
        let (mut some, failed) = worker.await.unwrap();
        latencies.append(&mut some);
        failures += failed;
    }
    let elapsed = started.elapsed();
    let _ = stop.send(());
    let _ = server.await;
    Accepted {
        count: latencies.len(),
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: percentile(&mut latencies, 0.50),
        p99_ms: percentile(&mut latencies, 0.99),
        failures,
    }
}

fn config(redis_url: Option<&str>) -> Config {
    let mut config = Config::builder()
        .webhook_secret(SECRET)
        .queue_key(QueueKey::from_bytes([7; 32]))
        .role(kiket::sdk::queue::Role::Server)
        .telemetry_opt_out(true);
    if let Some(url) = redis_url {
        config = config.redis(url);
    }
    config.build().expect("configuration")
}

fn handler() -> impl Fn(IssueCreatedV1, HandlerContext) -> std::future::Ready<Result<Reply, HandlerError>> + Clone {
    |_p: IssueCreatedV1, _c: HandlerContext| std::future::ready(Ok(Reply::ok()))
}

#[tokio::main]
async fn main() {
    let count = env_number("QUEUEBENCH_DELIVERIES", 20_000);
    let concurrency = env_number("QUEUEBENCH_CONCURRENCY", 64);
    let redis = start_redis();
    let url = format!("redis://127.0.0.1:{}", redis.port);

    // Deferred on Redis (claim, seal, XADD, answer), no workers: acceptance only.
    let deferred = Router::new().issue_created_v1(handler()).deferred();
    let queued = accept(deferred, config(Some(&url)), &sign_deliveries(count), concurrency, 202).await;
    // For scale: the same deliveries handled inline, replay guard in memory (no Redis).
    let inline = Router::new().issue_created_v1(handler());
    let handled = accept(inline, config(None), &sign_deliveries(count), concurrency, 200).await;

    // The raw loop: XADD of a sealed job's size, same concurrency, one multiplexed connection.
    let client = redis::Client::open(url.as_str()).unwrap();
    let connection = client.get_multiplexed_async_connection().await.unwrap();
    let payload = Arc::new(vec![b'j'; JOB_BYTES]);
    let (raw_elapsed, _) = run(count, concurrency, |_| {
        let (mut connection, payload) = (connection.clone(), payload.clone());
        async move {
            let fields: [(&str, &[u8]); 4] =
                [("e", b"issue.created"), ("v", b"v1"), ("a", b"0"), ("s", payload.as_slice())];
            let _: String = redis::AsyncCommands::xadd(&mut connection, "queuebench:raw", "*", &fields).await.unwrap();
        }
    })
    .await;
    let raw = count as f64 / raw_elapsed.as_secs_f64();
    let benchmark = redis_benchmark(redis.port, count, concurrency);

    println!(
        "{count} distinct signed deliveries (~1 KB), {concurrency} connections, loopback, one process + redis-server"
    );
    let line = |name: &str, a: &Accepted| {
        println!(
            "  {name:<34} {:>8.0} /s   p50 {:.2} ms   p99 {:.2} ms   ({} answered, {} failures)",
            a.per_second, a.p50_ms, a.p99_ms, a.count, a.failures
        )
    };
    line("deferred on Redis (202)", &queued);
    line("inline, replay guard in memory (200)", &handled);
    println!(
        "  {:<34} {raw:>8.0} /s   ({concurrency} tasks, {JOB_BYTES}-byte jobs, one multiplexed connection)",
        "raw XADD loop"
    );
    match benchmark {
        Some(rate) => {
            println!("  {:<34} {rate:>8.0} /s   (-c {concurrency}, {JOB_BYTES}-byte field)", "redis-benchmark XADD")
        }
        None => println!("  redis-benchmark XADD: not installed (apt-get install redis-tools)"),
    }
    println!("  deferred / raw XADD loop:          {:.2}", queued.per_second / raw);
    if let Some(rate) = benchmark {
        println!("  deferred / redis-benchmark XADD:   {:.2}", queued.per_second / rate);
    }
    println!("  deferred / inline:                 {:.2}", queued.per_second / handled.per_second);
}

/// Bytes of a sealed `issue.created` job of ~1 KB (sealing and the stored head add ~400).
const JOB_BYTES: usize = 1_400;

/// `redis-benchmark`'s XADD rate (a field of a sealed job's size), when it is installed.
fn redis_benchmark(port: u16, count: usize, concurrency: usize) -> Option<f64> {
    let field = "j".repeat(JOB_BYTES);
    let out = Command::new("redis-benchmark")
        .args(["-p", &port.to_string(), "-n", &count.to_string(), "-c", &concurrency.to_string(), "-q"])
        .args(["XADD", "queuebench:benchmark", "*", "s", &field])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let tail = text.rsplit(": ").next()?;
    tail.split_whitespace().next()?.parse().ok()
}
