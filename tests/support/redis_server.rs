//! A real `redis-server` (Debian package `redis-server`) for the tests: started on a free
//! loopback port with a temporary directory, append-only on (fsynced on every write), stopped
//! on drop. A machine without it fails the test and says what to install; nothing is skipped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server`; killed (and its directory removed) on drop.
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl RedisServer {
    /// Starts a server on a free loopback port and waits until it answers `PING`.
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("kiket-redis-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&dir).expect("a temporary directory for redis-server");
        for _ in 0..5 {
            let port = free_port();
            let mut server = Self { child: None, port, dir: dir.clone() };
            if server.launch() {
                return server;
            }
        }
        panic!("redis-server did not start on a free loopback port (5 attempts)");
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (SIGKILL): clients see connections refused.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and directory (the append-only file brings the data
    /// back).
    pub fn restart(&mut self) {
        self.stop();
        self.relaunch();
    }

    /// Starts it again on the same port with nothing in it (its files removed first), as Redis
    /// comes back without persistence, from a snapshot older than the data, or after a failover.
    pub fn restart_empty(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
        std::fs::create_dir_all(&self.dir).expect("a temporary directory for redis-server");
        self.relaunch();
    }

    /// Launches the stopped server again on its port (bounded wait).
    fn relaunch(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.launch() {
            assert!(Instant::now() < deadline, "redis-server did not come back on port {}", self.port);
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Sends one command (inline protocol) and returns the raw reply.
    pub fn command(&self, command: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("redis-server accepts");
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        stream.write_all(format!("{command}\r\n").as_bytes()).unwrap();
        let mut reply = vec![0u8; 64 * 1024];
        let read = stream.read(&mut reply).unwrap_or(0);
        String::from_utf8_lossy(&reply[..read]).into_owned()
    }

    fn launch(&mut self) -> bool {
        let spawned = Command::new("redis-server")
            // `appendfsync always`: a write is in the append-only file before Redis answers it.
            // Under the default (`everysec`) Redis may postpone the write while a background
            // fsync is slow and answer anyway, so a SIGKILL (`stop`) could lose a delivery the
            // SDK had rightly answered 202 for (seen once on a loaded CI machine).
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "yes", "--appendfsync", "always"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(error) => panic!(
                "redis-server could not be run ({error}); install it: apt-get install redis-server \
                 (.ci/run does this on a fresh machine)"
            ),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_exited)) = child.try_wait() {
                return false;
            }
            if ping(self.port) {
                self.child = Some(child);
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut reply = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok() && stream.read_exact(&mut reply).is_ok() && &reply == b"+PONG\r\n"
}

fn free_port() -> u16 {
    TcpListener::bind(("127.0.0.1", 0)).and_then(|l| l.local_addr()).expect("a free loopback port").port()
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
