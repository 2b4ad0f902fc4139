//! Drives a streaming server for `bench/stream.sh` and prints one line of figures.
//!
//! ```text
//! stream-load sse ADDR PATH CONNECTIONS SECONDS   # events/s over repeated event streams
//! stream-load ws  ADDR PATH CONNECTIONS SECONDS   # WebSocket round trips/s and p99 in ms
//! ```
//!
//! Each connection loops until the time is up: an SSE client reads a whole event stream and
//! starts the next; a WebSocket client sends a message and waits for its echo.

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [mode, addr, path, connections, seconds] = args.as_slice() else {
        eprintln!("usage: stream-load sse|ws ADDR PATH CONNECTIONS SECONDS");
        std::process::exit(2);
    };
    let connections: usize = connections.parse().expect("CONNECTIONS is a number");
    let until = Instant::now() + Duration::from_secs(seconds.parse().expect("SECONDS is a number"));
    let started = Instant::now();
    let workers: Vec<_> = (0..connections)
        .map(|_| {
            let (mode, addr, path) = (mode.clone(), addr.clone(), path.clone());
            tokio::spawn(async move {
                match mode.as_str() {
                    "sse" => sse(&addr, &path, until).await,
                    _ => websocket(&addr, &path, until).await,
                }
            })
        })
        .collect();
    let mut count = 0u64;
    let mut latencies = Vec::new();
    for worker in workers {
        let (n, mut times) = worker.await.expect("a load worker failed");
        count += n;
        latencies.append(&mut times);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let p99 = latencies
        .get(latencies.len().saturating_sub(1) * 99 / 100)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    println!("{:.0} {p99:.3}", count as f64 / elapsed);
}

/// Reads whole event streams until `until`; the events read.
async fn sse(addr: &str, path: &str, until: Instant) -> (u64, Vec<Duration>) {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let uri: hyper::Uri = format!("http://{addr}{path}").parse().unwrap();
    let mut events = 0;
    while Instant::now() < until {
        let response = client
            .get(uri.clone())
            .await
            .expect("the SSE request failed");
        let body = response
            .into_body()
            .collect()
            .await
            .expect("the SSE body failed");
        let text = body.to_bytes();
        events += text.windows(2).filter(|pair| pair == b"\n\n").count() as u64;
    }
    (events, Vec::new())
}

/// Sends a message and waits for its echo until `until`; the round trips and their times.
async fn websocket(addr: &str, path: &str, until: Instant) -> (u64, Vec<Duration>) {
    let url = format!("ws://{addr}{path}");
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the WebSocket handshake failed");
    let mut times = Vec::new();
    while Instant::now() < until {
        let sent = Instant::now();
        socket.send(Message::text("hi")).await.expect("send failed");
        loop {
            match socket.next().await {
                Some(Ok(Message::Text(_))) => break,
                Some(Ok(_)) => continue,
                other => panic!("the echo did not come: {other:?}"),
            }
        }
        times.push(sent.elapsed());
    }
    let _ = socket.close(None).await;
    (times.len() as u64, times)
}
