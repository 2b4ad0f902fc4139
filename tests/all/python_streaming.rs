//! Streaming from Python: `examples/stream` — server-sent events from a generator, JSON lines,
//! a `StreamingResponse`, an upload read with `request.stream()`, and WebSockets — answering
//! as its FastAPI twin does, compared side by side with the twin running on uvicorn.

use crate::support::{Server, Uvicorn, built, client, shared_cache};
use futures::{SinkExt, StreamExt};
use std::net::SocketAddr;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn stream_app() -> Server {
    Server::start_at(&built("examples/stream"), &[], &shared_cache())
}

/// Status, content type and body of a GET.
async fn fetch(url: String) -> (u16, String, String) {
    let response = client().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

/// What a client sees of a scripted WebSocket conversation: every message and the close.
async fn conversation(addr: SocketAddr, path: &str, sends: &[&str]) -> Vec<String> {
    let url = format!("ws://{addr}{path}");
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    let mut seen = Vec::new();
    for text in sends {
        socket.send(Message::text(*text)).await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("no answer")
            .expect("the connection ended");
        match answer {
            Ok(Message::Text(text)) => seen.push(format!("text {text}")),
            Ok(Message::Close(Some(frame))) => {
                seen.push(format!("close {} {}", u16::from(frame.code), frame.reason));
                return seen;
            }
            other => seen.push(format!("{other:?}")),
        }
    }
    let normal = CloseFrame {
        code: CloseCode::Normal,
        reason: "done".into(),
    };
    socket.close(Some(normal)).await.unwrap();
    seen
}

#[tokio::test]
async fn events_and_json_lines_stream_as_fastapi_writes_them() {
    let server = stream_app();
    let (status, content_type, body) = fetch(server.url("/events?n=3&ms=10")).await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/event-stream; charset=utf-8")
    );
    assert_eq!(
        body,
        "event: tick\ndata: {\"tick\": 0}\nid: 0\n\nevent: tick\ndata: {\"tick\": 1}\nid: 1\n\n\
         event: tick\ndata: {\"tick\": 2}\nid: 2\n\n"
    );
    let (_, content_type, body) = fetch(server.url("/numbers?n=3")).await;
    assert_eq!(content_type, "application/jsonl");
    assert_eq!(
        body,
        "{\"n\": 0, \"square\": 0}\n{\"n\": 1, \"square\": 1}\n{\"n\": 2, \"square\": 4}\n"
    );
}

#[tokio::test]
async fn a_streaming_response_and_a_streamed_upload() {
    let server = stream_app();
    let response = client()
        .get(server.url("/download?kib=4096"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert_eq!(response.bytes().await.unwrap().len(), 4096 * 1024);
    let pieces: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..8).map(|_| Ok(vec![3u8; 50_000])).collect();
    let response = client()
        .post(server.url("/upload"))
        .body(reqwest::Body::wrap_stream(futures::stream::iter(pieces)))
        .send()
        .await
        .unwrap();
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(answer["bytes"], 400_000);
}

#[tokio::test]
async fn websockets_count_echo_and_close_as_in_fastapi() {
    let server = stream_app();
    assert_eq!(
        conversation(server.addr, "/ws/echo", &["a", "b", "bye"]).await,
        ["text 1: a", "text 2: b", "close 4000 bye"]
    );
    // Each connection counts its own messages.
    assert_eq!(
        conversation(server.addr, "/ws/echo", &["again"]).await,
        ["text 1: again"]
    );
    assert!(
        server
            .wait_for_log(
                &["echo: the client left with 1000 after 1 messages"],
                Duration::from_secs(5)
            )
            .is_some(),
        "{}",
        server.logs()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_example_answers_as_its_fastapi_twin() {
    let server = stream_app();
    let fastapi = Uvicorn::start("examples/stream", "fastapi_twin");
    for path in ["/events?n=4&ms=20", "/numbers?n=5", "/download?kib=128"] {
        let ours = fetch(server.url(path)).await;
        let theirs = fetch(fastapi.url(path)).await;
        assert_eq!(ours, theirs, "{path}");
    }
    let scripts: [(&str, &[&str]); 3] = [
        ("/ws/echo", &["hello", "there", "bye"]),
        ("/ws/echo", &["one"]),
        (
            "/ws/json?room=kitchen",
            &["{\"a\": [1, 2]}", "42", "\"text\""],
        ),
    ];
    for (path, sends) in scripts {
        let ours = conversation(server.addr, path, sends).await;
        let theirs = conversation(fastapi.addr, path, sends).await;
        assert_eq!(ours, theirs, "{path}");
    }
}
