//! WebSocket operations from a Rust component: the handshake and its refusals, messages both
//! ways, pings, closes from either side, the host's limits, dependencies, many connections on
//! one instance, clients that vanish, and closes on shutdown and reload.

use crate::support::{Server, app, get, shared_cache};
use fastwasm_test_artifacts::STREAMS;
use futures::{SinkExt, StreamExt};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn streams(flags: &[&str]) -> Server {
    Server::start(&[("streams", STREAMS, "")], flags)
}

async fn connect(server: &Server, path: &str) -> Socket {
    let url = format!("ws://{}{path}", server.addr);
    tokio_tungstenite::connect_async(url).await.unwrap().0
}

/// The next message that is not a ping or pong.
async fn next(socket: &mut Socket) -> Message {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(20), socket.next())
            .await
            .expect("no message within 20 s")
            .expect("the connection ended")
            .expect("the connection failed");
        if !matches!(message, Message::Ping(_) | Message::Pong(_)) {
            return message;
        }
    }
}

/// The close frame's code and reason.
fn closed(message: Message) -> (u16, String) {
    match message {
        Message::Close(Some(frame)) => (frame.code.into(), frame.reason.to_string()),
        other => panic!("expected a close frame, got {other:?}"),
    }
}

#[tokio::test]
async fn text_and_binary_messages_echo_and_pings_are_answered() {
    let server = streams(&[]);
    let mut socket = connect(&server, "/ws/echo").await;
    socket.send(Message::text("hello")).await.unwrap();
    assert_eq!(next(&mut socket).await, Message::text("hello"));
    socket
        .send(Message::binary(vec![0u8, 1, 2, 255]))
        .await
        .unwrap();
    assert_eq!(
        next(&mut socket).await,
        Message::binary(vec![0u8, 1, 2, 255])
    );
    socket
        .send(Message::Ping(b"are you there".to_vec().into()))
        .await
        .unwrap();
    let pong = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(pong, Message::Pong(b"are you there".to_vec().into()));
    socket.close(None).await.unwrap();
    assert!(
        server
            .wait_for_log(&["echo closed 1005"], Duration::from_secs(5))
            .is_some(),
        "{}",
        server.logs()
    );
}

#[tokio::test]
async fn the_guest_closes_with_its_code_and_reason() {
    let server = streams(&[]);
    let mut socket = connect(&server, "/ws/count").await;
    for text in ["a", "b"] {
        socket.send(Message::text(text)).await.unwrap();
    }
    assert_eq!(next(&mut socket).await, Message::text("1: a"));
    assert_eq!(next(&mut socket).await, Message::text("2: b"));
    socket.send(Message::text("bye")).await.unwrap();
    assert_eq!(
        closed(next(&mut socket).await),
        (4000, "bye to you too".into())
    );
}

#[tokio::test]
async fn the_upgrade_is_refused_with_the_guests_answer_or_403() {
    let server = streams(&[]);
    let refused = |path: &'static str| {
        let url = format!("ws://{}{path}", server.addr);
        async move {
            match tokio_tungstenite::connect_async(url).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                    let body =
                        String::from_utf8(response.body().clone().unwrap_or_default()).unwrap();
                    (response.status().as_u16(), body)
                }
                other => panic!("{path}: expected a refusal, got {other:?}"),
            }
        }
    };
    assert_eq!(
        refused("/ws/guarded").await,
        (401, r#"{"detail":"Not authenticated"}"#.into())
    );
    assert_eq!(
        refused("/ws/never").await,
        (403, r#"{"detail":"Forbidden"}"#.into())
    );
    let mut socket = connect(&server, "/ws/guarded?token=secret").await;
    assert_eq!(next(&mut socket).await, Message::text("welcome"));
    // A plain request to a WebSocket route is told to upgrade.
    let (status, headers, _) = get(server.url("/ws/echo")).await;
    assert_eq!(status, 426);
    assert_eq!(headers["upgrade"], "websocket");
}

#[tokio::test]
async fn a_message_past_the_size_limit_closes_with_1009() {
    let server = streams(&["--websocket-max-message-bytes", "1024"]);
    let mut socket = connect(&server, "/ws/echo").await;
    socket.send(Message::text("small")).await.unwrap();
    assert_eq!(next(&mut socket).await, Message::text("small"));
    socket.send(Message::text("x".repeat(4096))).await.unwrap();
    let (code, reason) = closed(next(&mut socket).await);
    assert_eq!(code, 1009);
    assert_eq!(reason, "a message was larger than 1024 bytes");
}

#[tokio::test]
async fn an_idle_connection_is_closed_with_1001() {
    let server = streams(&["--websocket-idle-timeout", "1s"]);
    let mut socket = connect(&server, "/ws/echo").await;
    let (code, reason) = closed(next(&mut socket).await);
    assert_eq!((code, reason.as_str()), (1001, "idle for 1s"));
}

#[tokio::test]
async fn too_many_messages_close_with_1008() {
    let server = streams(&["--websocket-messages-per-second", "5"]);
    let mut socket = connect(&server, "/ws/echo").await;
    for n in 0..20 {
        if socket.send(Message::text(format!("{n}"))).await.is_err() {
            break;
        }
    }
    loop {
        match next(&mut socket).await {
            Message::Text(_) => continue,
            message => {
                assert_eq!(
                    closed(message),
                    (1008, "more than 5 messages in a second".into())
                );
                break;
            }
        }
    }
}

#[tokio::test]
async fn dependencies_resolve_before_the_session_and_tear_down_after() {
    let server = streams(&[]);
    let mut request = format!("ws://{}/ws/greet", server.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("x-visitor", "ada".parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(next(&mut socket).await, Message::text("hello ada"));
    assert!(!server.logs().contains("visitor ada left"));
    socket.close(None).await.unwrap();
    assert!(
        server
            .wait_for_log(&["visitor ada left"], Duration::from_secs(5))
            .is_some(),
        "{}",
        server.logs()
    );
    // Without the header, the dependency's 422 answers the upgrade request.
    let url = format!("ws://{}/ws/greet", server.addr);
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 422)
        }
        other => panic!("expected a 422, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_connections_share_one_instance() {
    let server = streams(&[]);
    let mut sockets = Vec::new();
    for _ in 0..100 {
        sockets.push(connect(&server, "/ws/echo").await);
    }
    for (n, socket) in sockets.iter_mut().enumerate() {
        socket
            .send(Message::text(format!("from {n}")))
            .await
            .unwrap();
    }
    for (n, socket) in sockets.iter_mut().enumerate() {
        assert_eq!(next(socket).await, Message::text(format!("from {n}")));
    }
    let started = server
        .logs()
        .lines()
        .filter(|line| line.contains("shared instance started"))
        .count();
    assert_eq!(started, 1, "{}", server.logs());
}

#[tokio::test]
async fn a_client_that_vanishes_ends_its_session() {
    let server = streams(&[]);
    let socket = connect(&server, "/ws/echo").await;
    // Gone without a close frame.
    drop(socket);
    assert!(
        server
            .wait_for_log(&["echo closed 1006"], Duration::from_secs(10))
            .is_some(),
        "{}",
        server.logs()
    );
    let mut socket = connect(&server, "/ws/echo").await;
    socket.send(Message::text("still here")).await.unwrap();
    assert_eq!(next(&mut socket).await, Message::text("still here"));
}

#[tokio::test]
async fn shutdown_closes_sessions_with_1001() {
    let mut server = streams(&[]);
    let mut socket = connect(&server, "/ws/echo").await;
    socket.send(Message::text("ping")).await.unwrap();
    assert_eq!(next(&mut socket).await, Message::text("ping"));
    let terminating = std::thread::spawn(move || {
        let status = server.terminate();
        (server, status)
    });
    let (code, reason) = closed(next(&mut socket).await);
    assert_eq!(
        (code, reason.as_str()),
        (1001, "the server is shutting down")
    );
    let (_server, status) = terminating.join().unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn a_reload_that_replaces_the_component_closes_its_sessions_with_1012() {
    let dir = app(&[], "");
    let wasm = dir.path().join("streams.wasm");
    std::fs::copy(STREAMS, &wasm).unwrap();
    std::fs::write(
        dir.path().join("fastwasm.toml"),
        "[[component]]\nname = \"streams\"\npath = \"streams.wasm\"\n",
    )
    .unwrap();
    let server = Server::start_at(dir.path(), &["--watch"], &shared_cache());
    let mut socket = connect(&server, "/ws/echo").await;
    socket.send(Message::text("v1")).await.unwrap();
    assert_eq!(next(&mut socket).await, Message::text("v1"));
    // A new version: the same component with a custom section appended, so its digest changes.
    let mut bytes = std::fs::read(STREAMS).unwrap();
    bytes.extend_from_slice(&[0, 8, 7]);
    bytes.extend_from_slice(b"version");
    let next_version = dir.path().join("streams.next");
    std::fs::write(&next_version, bytes).unwrap();
    std::fs::rename(&next_version, &wasm).unwrap();
    let (code, reason) = closed(next(&mut socket).await);
    assert_eq!(code, 1012, "{:?}", CloseCode::from(code));
    assert_eq!(reason, "the service was updated; reconnect");
    let mut socket = connect(&server, "/ws/echo").await;
    socket.send(Message::text("v2")).await.unwrap();
    assert_eq!(next(&mut socket).await, Message::text("v2"));
}
