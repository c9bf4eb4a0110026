//! Replicas as real processes: the test binary runs itself again with a role in the
//! environment (`KIKET_TEST_ROLE`), and the child announces its address on stdout.
//!
//! A child exits when its stdin closes, so a test that fails (or is killed) leaves no
//! replica behind.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStdin, Command, Stdio};

/// The environment variable naming a child's role; unset in the parent.
pub const ROLE: &str = "KIKET_TEST_ROLE";
/// What a server child prints once it listens: `LISTENING http://127.0.0.1:<port>`.
pub const LISTENING: &str = "LISTENING ";

/// Longest a child may take to start.
const ANNOUNCE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// One child process; killed on drop.
pub struct Replica {
    child: Child,
    _stdin: ChildStdin,
    /// What it announced (`http://127.0.0.1:<port>` for a server, empty for a worker).
    pub url: String,
}

impl Replica {
    /// Runs the test named `entry` of this test binary as a child with `role` and `env`, and
    /// waits for its announcement.
    pub fn spawn(entry: &str, role: &str, env: &HashMap<&str, String>) -> Self {
        let exe = std::env::current_exe().expect("the test binary's path");
        let mut command = Command::new(exe);
        command.args(["--exact", entry, "--ignored", "--nocapture", "--test-threads=1"]).env(ROLE, role);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the test binary runs as a replica");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (announced, announcement) = std::sync::mpsc::channel();
        // Reads the announcement (libtest may print its own text before it on the same line),
        // then keeps draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(at) = line.find(LISTENING) {
                    let _ = announced.send(line[at + LISTENING.len()..].trim().to_owned());
                }
            }
        });
        let url = match announcement.recv_timeout(ANNOUNCE_TIMEOUT) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("replica {role} did not announce itself within {ANNOUNCE_TIMEOUT:?}");
            }
        };
        Self { child, _stdin: stdin, url }
    }

    /// SIGTERM, then waits (10 s at most) for it to exit; how long that took, and whether it
    /// exited successfully.
    pub fn terminate(&mut self) -> (std::time::Duration, bool) {
        let started = std::time::Instant::now();
        let pid = libc::pid_t::try_from(self.child.id()).expect("a pid");
        // SAFETY: sends a signal to our own child process; no memory is involved.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        while started.elapsed() < std::time::Duration::from_secs(10) {
            if let Ok(Some(status)) = self.child.try_wait() {
                return (started.elapsed(), status.success());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("the replica did not exit within 10 s of SIGTERM");
    }

    /// SIGKILL, now.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        self.kill();
    }
}

/// In a child: exits the process when the parent closes stdin (it finished or died).
pub fn exit_with_parent() {
    std::thread::spawn(|| {
        let mut sink = String::new();
        while std::io::stdin().read_line(&mut sink).is_ok_and(|read| read > 0) {
            sink.clear();
        }
        std::process::exit(0);
    });
}

/// Prints the announcement the parent waits for.
pub fn announce(url: &str) {
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{LISTENING}{url}");
    let _ = out.flush();
}
