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

    /// Writes a file, if the manifest mounts its folder writable.
    #[post("/file")]
    fn write_file(path: Query<String>, text: Body) -> String {
        match std::fs::write(&path.0, text.0) {
            Ok(()) => "written".into(),
            Err(err) => format!("<error: {err}>"),
        }
    }

    /// Opens a TCP connection, if the manifest grants the network.
    #[get("/connect")]
    fn connect(addr: Query<String>) -> String {
        let outcome = addr
            .0
            .parse()
            .map_err(|err: std::net::AddrParseError| err.to_string())
            .and_then(|addr| {
                std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(2))
                    .map_err(|err| err.to_string())
            });
        match outcome {
            Ok(_) => "connected".into(),
            Err(err) => format!("<error: {err}>"),
        }
    }

    /// The addresses a host name resolves to, if the manifest grants the network.
    #[get("/lookup")]
    fn lookup(host: Query<String>) -> String {
        use std::net::ToSocketAddrs;
        match (host.0.as_str(), 80).to_socket_addrs() {
            Ok(addrs) => addrs
                .map(|a| a.ip().to_string())
                .collect::<Vec<_>>()
                .join(","),
            Err(err) => format!("<error: {err}>"),
        }
    }

    /// Listens on a TCP port, which no grant allows.
    #[get("/listen")]
    fn listen(addr: Query<String>) -> String {
        match std::net::TcpListener::bind(addr.0.as_str()) {
            Ok(_) => "listening".into(),
            Err(err) => format!("<error: {err}>"),
        }
    }

    /// `n` lines of `size` bytes each on stderr.
    #[get("/log")]
    fn log(n: Query<usize>, size: Query<usize>) -> &'static str {
        let line = "x".repeat(size.0);
        for _ in 0..n.0 {
            eprintln!("{line}");
        }
        "logged"
    }

    /// A line on stderr with the given text, to show how control characters come out.
    #[get("/log-text")]
    fn log_text(text: Query<String>) -> &'static str {
        eprintln!("{}", text.0);
        "logged"
    }

    /// A body of `mb` mebibytes.
    #[get("/big")]
    fn big(mb: Query<usize>) -> Vec<u8> {
        vec![b'x'; mb.0 << 20]
    }

    /// `n` distinct response headers.
    #[get("/headers")]
    fn headers(n: Query<usize>) -> Response {
        (0..n.0).fold(Response::new("x"), |response, i| {
            response.header(&format!("x-h{i}"), "v")
        })
    }

    #[get("/bad-header")]
    fn bad_header() -> Response {
        Response::new("x").header("bad header", "v")
    }
}
