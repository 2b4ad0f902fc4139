//! A real `redis-server` (Debian's package, installed by the suite when missing) on a loopback
//! port of its own, with an append-only file in a temporary folder so that it can be stopped and
//! started again with its data.

use crate::support;
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Installs `redis-server` with apt when it is not on the PATH (once per run).
fn ensure_installed() {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    let result = INSTALLED
        .get_or_init(|| support::debian_package("redis-server", "redis-server", "the state tests"));
    if let Err(err) = result {
        panic!("{err}");
    }
}

/// A running `redis-server`.
pub struct Redis {
    child: Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Redis {
    /// A fresh server on a free loopback port.
    pub fn start() -> Self {
        ensure_installed();
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = spawn(port, dir.path());
        Self { child, port, dir }
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Stops the server (SIGKILL: what each write appended, fsynced, is all that is kept) and
    /// waits until its port refuses connections.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "redis-server did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again after `stop`.
    pub fn resume(&mut self) {
        self.child = spawn(self.port, self.dir.path());
    }

    /// Runs one command with `redis-cli`; its output.
    pub fn cli(&self, args: &[&str]) -> String {
        let output = Command::new("redis-cli")
            .args(["-p", &self.port.to_string()])
            .args(args)
            .output()
            .expect("cannot run redis-cli");
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    }
}

/// `redis-server` on `port` keeping an fsync-always append-only file in `dir`; returns once it
/// answers `PING` (after loading its data).
fn spawn(port: u16, dir: &Path) -> Child {
    let mut child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", "yes", "--appendfsync", "always"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start redis-server");
    let deadline = Instant::now() + Duration::from_secs(10);
    let pong = || {
        Command::new("redis-cli")
            .args(["-p", &port.to_string(), "ping"])
            .output()
            .is_ok_and(|output| output.stdout.starts_with(b"PONG"))
    };
    while !pong() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("redis-server exited at start ({status})");
        }
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
