//! Streamed bodies both ways and server-sent events, from a Rust component: bytes reach the
//! client as the guest writes them, with backpressure and flat host memory, and request bodies
//! reach the guest as they arrive, held to the body limit as they flow.

use crate::support::{Server, client, get};
use fastwasm_test_artifacts::STREAMS;
use futures::StreamExt;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn streams(flags: &[&str]) -> Server {
    Server::start(&[("streams", STREAMS, "")], flags)
}

/// The server's peak resident memory so far, in MiB.
fn peak_rss_mib(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid())).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
        .unwrap();
    kib / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_mebibyte_download_streams_with_flat_host_memory() {
    let server = streams(&[]);
    // Warm the instance so its own memory is counted before the download starts.
    assert_eq!(get(server.url("/written")).await.0, 200);
    let before = peak_rss_mib(&server);
    let response = client()
        .get(server.url("/download?mib=100"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert_eq!(response.headers()["transfer-encoding"], "chunked");
    let mut body = response.bytes_stream();
    let mut total = 0usize;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        assert!(chunk.iter().all(|byte| *byte == b'x'));
        total += chunk.len();
    }
    assert_eq!(total, 100 << 20);
    let grown = peak_rss_mib(&server).saturating_sub(before);
    assert!(
        grown < 48,
        "the host's peak memory grew by {grown} MiB for a 100 MiB stream"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_holds_the_guest_back() {
    let server = streams(&[]);
    let response = client()
        .get(server.url("/download?mib=100"))
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert!(!first.is_empty());
    // The client reads nothing more for a while: the guest's writes wait, bounded by the
    // host's few chunks in flight and the sockets' buffers.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (_, _, written) = get(server.url("/written")).await;
    let written: u64 = written.parse().unwrap();
    assert!(
        written < 32 << 20,
        "the guest wrote {written} bytes while the client read one chunk"
    );
    let mut total = first.len();
    while let Some(chunk) = body.next().await {
        total += chunk.unwrap().len();
    }
    assert_eq!(total, 100 << 20);
}

#[tokio::test]
async fn server_sent_events_arrive_one_by_one() {
    let server = streams(&[]);
    let response = client()
        .get(server.url("/events?n=4&ms=300"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    assert_eq!(response.headers()["cache-control"], "no-cache");
    let mut body = response.bytes_stream();
    let (mut text, mut arrivals) = (String::new(), Vec::new());
    while let Some(chunk) = body.next().await {
        text.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        arrivals.push(Instant::now());
    }
    assert_eq!(
        text,
        "data: {\"tick\":0}\nid: 0\n\ndata: {\"tick\":1}\nid: 1\n\n\
         data: {\"tick\":2}\nid: 2\n\ndata: {\"tick\":3}\nid: 3\n\n"
    );
    // The guest waits 300 ms between events, so they cannot come sooner than that; events
    // held back until the end would all arrive at once.
    let spread = *arrivals.last().unwrap() - arrivals[0];
    assert!(
        arrivals.len() >= 4 && spread >= Duration::from_millis(450),
        "{} chunks over {spread:?}",
        arrivals.len()
    );
}

#[tokio::test]
async fn an_upload_reaches_the_guest_as_it_arrives() {
    let server = streams(&[]);
    let payload = vec![7u8; 600_000];
    // A body sent in pieces, without a length.
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> = payload
        .chunks(100_000)
        .map(|chunk| Ok(chunk.to_vec()))
        .collect();
    let body = reqwest::Body::wrap_stream(futures::stream::iter(pieces));
    let response = client()
        .post(server.url("/upload"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(answer["bytes"], 600_000);
    assert!(answer["chunks"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn an_upload_past_the_body_limit_is_refused_mid_stream() {
    let server = streams(&["--max-body-bytes", "1048576"]);
    // No Content-Length: the host can only count as the body flows.
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..40).map(|_| Ok(vec![1u8; 64 * 1024])).collect();
    let body = reqwest::Body::wrap_stream(futures::stream::iter(pieces));
    let response = client()
        .post(server.url("/upload"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    // The unread rest of the body must not be taken for a next request.
    assert_eq!(response.headers()["connection"], "close");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"detail":"Payload Too Large"}"#
    );
    // A declared length past the limit is refused before any of the body is sent.
    let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let head = "POST /upload HTTP/1.1\r\nhost: test\r\ncontent-length: 2097152\r\n\r\n";
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 1024];
    let read = stream.read(&mut answer).await.unwrap();
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // The guest keeps serving.
    assert_eq!(get(server.url("/written")).await.0, 200);
}

#[tokio::test]
async fn a_guest_that_traps_mid_stream_cuts_the_body_off() {
    let server = streams(&[]);
    let response = client()
        .get(server.url("/trap-midway"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut body = response.bytes_stream();
    let first = body.next().await.unwrap().unwrap();
    assert_eq!(&first[..], b"the first part\n");
    // The end is an error, not a clean end: the client knows the body is incomplete.
    let mut failed = false;
    while let Some(chunk) = body.next().await {
        if chunk.is_err() {
            failed = true;
            break;
        }
    }
    assert!(failed, "the truncated body ended cleanly");
    assert!(
        server
            .wait_for_log(
                &["streamed response cut off", "operation=trap_midway"],
                Duration::from_secs(5)
            )
            .is_some(),
        "{}",
        server.logs()
    );
    assert_eq!(get(server.url("/written")).await.0, 200);
}

#[tokio::test]
async fn streams_work_over_http2() {
    let server = streams(&[]);
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let response = h2
        .get(server.url("/events?n=3&ms=10"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    let text = response.text().await.unwrap();
    assert_eq!(text.matches("data: ").count(), 3);
    let response = h2.get(server.url("/download?mib=5")).send().await.unwrap();
    assert_eq!(response.bytes().await.unwrap().len(), 5 << 20);
}
