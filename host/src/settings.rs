//! Host settings and the limits that protect the host, with their defaults. Each is a top-level
//! key in `fastwasm.toml` and a `fastwasm serve` flag; the flag wins.

use anyhow::{Result, bail};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Every setting of a running app.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Where to listen. Default `127.0.0.1:8000`.
    pub listen: SocketAddr,
    /// Threads that run sync (`fn`) operations at once. Default 40, as FastAPI's thread pool.
    pub sync_workers: usize,
    /// Sync requests that may wait for a free worker; past that they get 503. Default 256.
    pub sync_queue: usize,
    /// Wall-clock limit for one request's guest work, queueing included; past it, 504. Default 30s.
    #[serde(with = "humantime_serde")]
    pub request_timeout: Duration,
    /// Largest request body; larger ones get 413. Default 1 MiB.
    pub max_body_bytes: u64,
    /// Linear memory one instance may grow to; past it the guest traps (500). Default 128 MiB.
    pub max_memory_bytes: u64,
    /// Wasm stack one call may use; deeper recursion traps (500). Default 1 MiB.
    pub max_wasm_stack_bytes: usize,
    /// Open connections; more wait in the kernel's backlog. Default 1024.
    pub max_connections: usize,
    /// Requests being served at once; more get 503. Default 1024.
    pub max_in_flight: usize,
    /// Time a client has to send its request headers. Default 10s.
    #[serde(with = "humantime_serde")]
    pub header_read_timeout: Duration,
    /// On SIGINT/SIGTERM, how long in-flight requests may take to finish. Default 30s.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    /// The instance allocator: `pooling` (fast instantiation, reserved address space) or
    /// `on-demand`. Default `pooling`.
    pub allocator: Allocator,
    /// Requests one shared instance serves at once; more start another instance. Default 128.
    pub instance_concurrency: usize,
    /// Requests one shared instance serves in its life before a fresh one replaces it, which
    /// bounds what a leak in guest code can grow to. Default 10000.
    pub instance_max_requests: u64,
    /// How long a shared instance without requests is kept. Default 60s.
    #[serde(with = "humantime_serde")]
    pub instance_idle_timeout: Duration,
    /// Where compiled components are cached. Default `$XDG_CACHE_HOME/fastwasm`
    /// (or `~/.cache/fastwasm`).
    pub cache_dir: Option<PathBuf>,
}

/// How instances get their memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Allocator {
    /// Pre-reserved slots: instantiation in microseconds.
    Pooling,
    /// Fresh mappings per instance.
    OnDemand,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8000)),
            sync_workers: 40,
            sync_queue: 256,
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 1 << 20,
            max_memory_bytes: 128 << 20,
            max_wasm_stack_bytes: 1 << 20,
            max_connections: 1024,
            max_in_flight: 1024,
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(30),
            allocator: Allocator::Pooling,
            instance_concurrency: 128,
            instance_max_requests: 10_000,
            instance_idle_timeout: Duration::from_secs(60),
            cache_dir: None,
        }
    }
}

impl Settings {
    /// Rejects settings that cannot work, naming the key.
    pub fn validate(&self) -> Result<()> {
        let positive = [
            ("sync_workers", self.sync_workers as u64),
            ("max_body_bytes", self.max_body_bytes),
            ("max_memory_bytes", self.max_memory_bytes),
            ("max_wasm_stack_bytes", self.max_wasm_stack_bytes as u64),
            ("max_connections", self.max_connections as u64),
            ("max_in_flight", self.max_in_flight as u64),
            ("instance_concurrency", self.instance_concurrency as u64),
            ("instance_max_requests", self.instance_max_requests),
        ];
        for (key, value) in positive {
            if value == 0 {
                bail!("`{key}` must be at least 1");
            }
        }
        if self.request_timeout.is_zero() {
            bail!("`request_timeout` must be longer than zero");
        }
        if self.max_wasm_stack_bytes > 64 << 20 {
            bail!("`max_wasm_stack_bytes` may be at most 64 MiB");
        }
        Ok(())
    }

    /// The compile cache folder.
    pub fn cache_dir(&self) -> PathBuf {
        if let Some(dir) = &self.cache_dir {
            return dir.clone();
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        base.join("fastwasm")
    }
}
