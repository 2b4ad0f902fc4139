//! A guest that misbehaves on request, for the host's failure tests.

use fastwasm_guest::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

static CALLS: AtomicU64 = AtomicU64::new(0);

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[get("/ok")]
    fn ok() -> &'static str {
        "ok"
    }

    /// Counts calls in a global: with an instance per request, every request sees 1.
    #[get("/calls")]
    fn calls() -> String {
        (CALLS.fetch_add(1, Ordering::SeqCst) + 1).to_string()
    }

    /// The same count from an async operation: async requests share an instance by default.
    #[get("/calls-async")]
    async fn calls_async() -> String {
        (CALLS.fetch_add(1, Ordering::SeqCst) + 1).to_string()
    }

    #[get("/panic")]
    fn panic_sync() -> &'static str {
        panic!("the guest panicked on purpose")
    }

    #[get("/panic-async")]
    async fn panic_async() -> &'static str {
        panic!("the async guest panicked on purpose")
    }

    #[get("/spin")]
    fn spin() -> &'static str {
        let mut n = 0u64;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }

    #[get("/spin-async")]
    async fn spin_async() -> &'static str {
        let mut n = 0u64;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }

    #[get("/wait-async")]
    async fn wait_async(ms: Query<u64>) -> &'static str {
        sleep(Duration::from_millis(ms.0)).await;
        "waited"
    }

    /// Allocates and touches `mb` MiB.
    #[get("/hog")]
    fn hog(mb: Query<usize>) -> String {
        let block = vec![1u8; mb.0 << 20];
        std::hint::black_box(&block);
        format!("allocated {} MiB", mb.0)
    }

    /// Recurses `depth` frames deep.
    #[get("/recurse")]
    fn recurse(depth: Query<u64>) -> String {
        fn down(n: u64) -> u64 {
            // A frame the optimizer must keep, so the recursion really uses stack.
            let frame = std::hint::black_box([n; 64]);
            if n == 0 { frame[0] } else { 1 + down(n - 1) }
        }
        down(depth.0).to_string()
    }

    /// An environment variable, if the manifest grants it.
    #[get("/env")]
    fn env(name: Query<String>) -> String {
        std::env::var(&name.0).unwrap_or_else(|_| "<unset>".into())
    }

    /// A file's text, if the manifest mounts its folder.
    #[get("/file")]
    fn file(path: Query<String>) -> String {
        std::fs::read_to_string(&path.0).unwrap_or_else(|err| format!("<error: {err}>"))
    }

    #[get("/bad-header")]
    fn bad_header() -> Response {
        Response::new("x").header("bad header", "v")
    }
}
