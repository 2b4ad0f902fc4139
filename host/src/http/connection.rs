//! One accepted connection, before and around hyper: the protections a server needs from
//! clients that are slow, silent, dead or too many.
//!
//! - TCP keepalive finds peers that vanished without closing.
//! - A client must send its first byte within `header_read_timeout`: hyper's protocol
//!   detection (HTTP/1.1 or h2c) has no timeout of its own, and a silent socket would hold its
//!   place forever. After that, hyper's own header timeout covers each request's head,
//!   keep-alive waits included, and HTTP/2 pings find dead peers.
//! - Past `max_connections`, a new connection is answered 503 and closed at once, instead of
//!   waiting unaccepted in the backlog while the ones in it hold every place.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// How often a peer that stopped answering is asked, and how many times, before the kernel
/// gives up on it.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(60);
const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(10);
const KEEPALIVE_RETRIES: u32 = 3;

/// The whole answer to a connection past the limit.
const SHED: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\n\
content-length: 32\r\nconnection: close\r\n\r\n{\"detail\":\"Service Unavailable\"}";

/// Settles a fresh connection: keepalive on, and no Nagle delay (responses are written in few,
/// large pieces).
pub fn configure(stream: &TcpStream) {
    let _ = stream.set_nodelay(true);
    let keepalive = socket2::TcpKeepalive::new()
        .with_time(KEEPALIVE_IDLE)
        .with_interval(KEEPALIVE_INTERVAL)
        .with_retries(KEEPALIVE_RETRIES);
    let _ = socket2::SockRef::from(stream).set_tcp_keepalive(&keepalive);
}

/// Waits up to `timeout` for the client's first byte; `false` when it stayed silent (or left).
pub async fn first_byte(stream: &TcpStream, timeout: Duration) -> bool {
    let mut byte = [0u8; 1];
    matches!(
        tokio::time::timeout(timeout, stream.peek(&mut byte)).await,
        Ok(Ok(n)) if n > 0
    )
}

/// Answers a connection past the limit with 503 and closes it, without reading its request.
pub async fn shed(mut stream: TcpStream) {
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        let _ = stream.write_all(SHED).await;
        let _ = stream.shutdown().await;
    })
    .await;
}

/// Counts shed connections and says so in the log at most once a second.
#[derive(Debug)]
pub struct ShedLog {
    shed: AtomicU64,
    since: std::sync::Mutex<Instant>,
}

impl Default for ShedLog {
    fn default() -> Self {
        Self {
            shed: AtomicU64::new(0),
            since: std::sync::Mutex::new(Instant::now() - Duration::from_secs(1)),
        }
    }
}

impl ShedLog {
    /// Records one shed connection.
    pub fn record(&self, limit: usize) {
        self.shed.fetch_add(1, Ordering::Relaxed);
        let mut since = self.since.lock().unwrap();
        if since.elapsed() >= Duration::from_secs(1) {
            let shed = self.shed.swap(0, Ordering::Relaxed);
            tracing::warn!(
                "{shed} connections answered 503 and closed: {limit} open connections \
                 (`max_connections`)"
            );
            *since = Instant::now();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shed_answer_is_a_complete_503() {
        let text = std::str::from_utf8(SHED).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 "));
        assert!(head.contains(&format!("content-length: {}", body.len())));
    }
}
