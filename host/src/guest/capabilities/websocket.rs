//! `fastwasm:app/websocket`: a WebSocket connection the host holds for a guest. The guest
//! accepts the handshake, then receives and sends messages; the host answers pings, holds the
//! connection to its limits (message size, idle time, message rate) and closes it on shutdown
//! and when a reload replaces the component, telling the guest why.

use super::GuestState;
use crate::guest::bindings::websocket::{
    CloseFrame, Host, HostConnection, HostConnectionWithStore, Message,
};
use crate::guest::streams::Activity;
use futures::stream::{SplitSink, SplitStream};
use futures::{SinkExt, StreamExt};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{self, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Error};
use wasmtime::component::{Accessor, HasSelf, Resource};

type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// The limits a connection is held to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest message the client may send; a larger one closes with 1009.
    pub max_message_bytes: usize,
    /// Time without a message either way before the host closes with 1001.
    pub idle_timeout: Duration,
    /// Messages the client may send per second; more close with 1008.
    pub messages_per_second: u64,
}

/// What the guest decided about the handshake, for the HTTP side to answer.
#[derive(Debug)]
pub struct Accepted {
    /// The subprotocol the guest chose, sent back in `Sec-WebSocket-Protocol`.
    pub subprotocol: Option<String>,
}

/// One WebSocket connection, from the upgrade request to its close.
pub struct Session {
    /// Tells the HTTP side to answer `101 Switching Protocols`; taken by `accept`.
    accepted: Mutex<Option<oneshot::Sender<Accepted>>>,
    /// The connection once hyper has switched protocols; taken by `accept`.
    upgrade: Mutex<Option<OnUpgrade>>,
    reader: tokio::sync::Mutex<Option<SplitStream<Socket>>>,
    writer: Arc<tokio::sync::Mutex<Option<SplitSink<Socket, tungstenite::Message>>>>,
    /// Why the connection ended, once it has.
    closed: Arc<Mutex<Option<CloseFrame>>>,
    limits: Limits,
    /// When the last message went either way.
    pub activity: Arc<Activity>,
    /// Whether the handshake is done: from then on the session lives by its idle timeout.
    pub live: AtomicBool,
    /// A close the host asks for (shutdown, reload).
    closer: watch::Receiver<Option<(u16, String)>>,
    /// Arrivals in the current one-second window, for the rate limit.
    window: Mutex<(Instant, u64)>,
    /// Held while the session lives: shutdown waits for these.
    _open: Arc<()>,
    /// Dropped with the session, which ends its watch for a host close.
    _alive: oneshot::Sender<()>,
    ended: Mutex<Option<oneshot::Receiver<()>>>,
}

impl Session {
    /// A session for an upgrade request whose connection `upgrade` yields; `closer` carries a
    /// close the host asks for. The receiver learns when the guest accepts.
    pub fn new(
        upgrade: OnUpgrade,
        limits: Limits,
        closer: watch::Receiver<Option<(u16, String)>>,
        open: Arc<()>,
    ) -> (Arc<Self>, oneshot::Receiver<Accepted>) {
        let (accepted, decision) = oneshot::channel();
        let (alive, ended) = oneshot::channel();
        let session = Arc::new(Self {
            accepted: Mutex::new(Some(accepted)),
            upgrade: Mutex::new(Some(upgrade)),
            reader: tokio::sync::Mutex::new(None),
            writer: Arc::new(tokio::sync::Mutex::new(None)),
            closed: Arc::new(Mutex::new(None)),
            limits,
            activity: Activity::new(),
            live: AtomicBool::new(false),
            closer,
            window: Mutex::new((Instant::now(), 0)),
            _open: open,
            _alive: alive,
            ended: Mutex::new(Some(ended)),
        });
        (session, decision)
    }

    fn closed_frame(&self) -> CloseFrame {
        self.closed.lock().unwrap().clone().unwrap_or(CloseFrame {
            code: 1006,
            reason: "the connection is closed".into(),
        })
    }

    async fn accept(&self, subprotocol: Option<String>) -> Result<(), CloseFrame> {
        let Some(accepted) = self.accepted.lock().unwrap().take() else {
            return Err(CloseFrame {
                code: 1002,
                reason: "the connection was already accepted".into(),
            });
        };
        let upgrade = self.upgrade.lock().unwrap().take();
        if accepted.send(Accepted { subprotocol }).is_err() {
            return Err(self.closed_frame());
        }
        let Some(upgrade) = upgrade else {
            return Err(self.closed_frame());
        };
        let upgraded = upgrade.await.map_err(|_| CloseFrame {
            code: 1006,
            reason: "the client did not complete the handshake".into(),
        })?;
        let config = WebSocketConfig::default()
            .read_buffer_size(16 * 1024)
            .write_buffer_size(0)
            .max_message_size(Some(self.limits.max_message_bytes))
            .max_frame_size(Some(self.limits.max_message_bytes));
        let socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        let (writer, reader) = socket.split();
        *self.writer.lock().await = Some(writer);
        *self.reader.lock().await = Some(reader);
        self.activity.touch();
        self.live.store(true, Ordering::SeqCst);
        self.watch_for_host_close();
        Ok(())
    }

    /// Closes the connection when the host asks (shutdown, reload), whatever the guest is
    /// doing, until the session ends.
    fn watch_for_host_close(&self) {
        let mut closer = self.closer.clone();
        let (writer, closed) = (self.writer.clone(), self.closed.clone());
        let Some(ended) = self.ended.lock().unwrap().take() else {
            return;
        };
        tokio::spawn(async move {
            let asked = async {
                closer
                    .wait_for(Option::is_some)
                    .await
                    .ok()
                    .and_then(|request| request.clone())
            };
            tokio::select! {
                Some((code, reason)) = asked => {
                    close(&writer, &closed, code, &reason).await;
                }
                _ = ended => {}
            }
        });
    }

    async fn receive(&self) -> Result<Message, CloseFrame> {
        let mut reader = self.reader.lock().await;
        let Some(stream) = reader.as_mut() else {
            return Err(self.closed_frame());
        };
        loop {
            if let Some(frame) = self.closed.lock().unwrap().clone() {
                return Err(frame);
            }
            let quiet_until = self.activity.last() + self.limits.idle_timeout;
            let mut closer = self.closer.clone();
            let next = tokio::select! {
                next = stream.next() => next,
                () = tokio::time::sleep_until(quiet_until) => {
                    if self.activity.last() + self.limits.idle_timeout > Instant::now() {
                        continue;
                    }
                    let reason = format!("idle for {:?}", self.limits.idle_timeout);
                    return Err(self.close_with(1001, &reason).await);
                }
                request = async { closer.wait_for(Option::is_some).await.ok().and_then(|r| r.clone()) } => {
                    let (code, reason) = request
                        .unwrap_or_else(|| (1001, "the server is shutting down".to_owned()));
                    return Err(self.close_with(code, &reason).await);
                }
            };
            match next {
                Some(Ok(tungstenite::Message::Text(text))) => {
                    self.arrived().await?;
                    return Ok(Message::Text(text.as_str().to_owned()));
                }
                Some(Ok(tungstenite::Message::Binary(bytes))) => {
                    self.arrived().await?;
                    return Ok(Message::Binary(bytes.to_vec()));
                }
                // Pings are answered by the protocol as it reads; they keep the session alive.
                Some(Ok(tungstenite::Message::Ping(_) | tungstenite::Message::Pong(_))) => {
                    self.activity.touch();
                }
                Some(Ok(tungstenite::Message::Close(frame))) => {
                    let frame = match frame {
                        Some(frame) => CloseFrame {
                            code: frame.code.into(),
                            reason: frame.reason.as_str().to_owned(),
                        },
                        None => CloseFrame {
                            code: 1005,
                            reason: String::new(),
                        },
                    };
                    *self.closed.lock().unwrap() = Some(frame.clone());
                    return Err(frame);
                }
                Some(Ok(tungstenite::Message::Frame(_))) => {}
                Some(Err(Error::Capacity(_))) => {
                    let reason = format!(
                        "a message was larger than {} bytes",
                        self.limits.max_message_bytes
                    );
                    return Err(self.close_with(1009, &reason).await);
                }
                Some(Err(_)) | None => {
                    let frame = CloseFrame {
                        code: 1006,
                        reason: "the connection dropped".into(),
                    };
                    *self.closed.lock().unwrap() = Some(frame.clone());
                    return Err(frame);
                }
            }
        }
    }

    /// Counts a message against the rate limit; past it the connection closes with 1008.
    async fn arrived(&self) -> Result<(), CloseFrame> {
        self.activity.touch();
        let over = {
            let mut window = self.window.lock().unwrap();
            if window.0.elapsed() >= Duration::from_secs(1) {
                *window = (Instant::now(), 0);
            }
            window.1 += 1;
            window.1 > self.limits.messages_per_second
        };
        if over {
            let reason = format!(
                "more than {} messages in a second",
                self.limits.messages_per_second
            );
            return Err(self.close_with(1008, &reason).await);
        }
        Ok(())
    }

    async fn send(&self, message: Message) -> Result<(), CloseFrame> {
        let message = match message {
            Message::Text(text) => tungstenite::Message::text(text),
            Message::Binary(bytes) => tungstenite::Message::binary(bytes),
        };
        let mut writer = self.writer.lock().await;
        let Some(sink) = writer.as_mut() else {
            return Err(self.closed_frame());
        };
        if let Some(frame) = self.closed.lock().unwrap().clone() {
            return Err(frame);
        }
        match sink.send(message).await {
            Ok(()) => {
                self.activity.touch();
                Ok(())
            }
            Err(_) => {
                drop(writer);
                Err(self.close_with(1006, "the connection dropped").await)
            }
        }
    }

    async fn close_with(&self, code: u16, reason: &str) -> CloseFrame {
        close(&self.writer, &self.closed, code, reason).await
    }
}

/// Sends a close frame (once) and records why the connection ended.
async fn close(
    writer: &tokio::sync::Mutex<Option<SplitSink<Socket, tungstenite::Message>>>,
    closed: &Mutex<Option<CloseFrame>>,
    code: u16,
    reason: &str,
) -> CloseFrame {
    let frame = CloseFrame {
        code,
        reason: reason.to_owned(),
    };
    let first = {
        let mut closed = closed.lock().unwrap();
        let first = closed.is_none();
        if first {
            *closed = Some(frame.clone());
        }
        first
    };
    if first && let Some(sink) = writer.lock().await.as_mut() {
        let close = protocol::CloseFrame {
            code: CloseCode::from(code),
            reason: reason.to_owned().into(),
        };
        let _ = sink.send(tungstenite::Message::Close(Some(close))).await;
        let _ = sink.close().await;
    }
    closed.lock().unwrap().clone().unwrap_or(frame)
}

/// The table entry a guest's `connection` handle names.
pub struct Connection(pub Arc<Session>);

impl Host for GuestState {}

impl HostConnection for GuestState {
    fn drop(&mut self, connection: Resource<Connection>) -> wasmtime::Result<()> {
        self.table().delete(connection)?;
        Ok(())
    }
}

/// The session behind a guest's handle.
fn session<T>(
    accessor: &Accessor<T, HasSelf<GuestState>>,
    connection: &Resource<Connection>,
) -> wasmtime::Result<Arc<Session>> {
    accessor.with(|mut access| {
        let state: &mut GuestState = access.get();
        Ok(state.table().get(connection)?.0.clone())
    })
}

impl<T: Send> HostConnectionWithStore<T> for HasSelf<GuestState> {
    async fn accept(
        accessor: &Accessor<T, Self>,
        connection: Resource<Connection>,
        subprotocol: Option<String>,
    ) -> wasmtime::Result<Result<(), CloseFrame>> {
        Ok(session(accessor, &connection)?.accept(subprotocol).await)
    }

    async fn receive(
        accessor: &Accessor<T, Self>,
        connection: Resource<Connection>,
    ) -> wasmtime::Result<Result<Message, CloseFrame>> {
        Ok(session(accessor, &connection)?.receive().await)
    }

    async fn send(
        accessor: &Accessor<T, Self>,
        connection: Resource<Connection>,
        message: Message,
    ) -> wasmtime::Result<Result<(), CloseFrame>> {
        Ok(session(accessor, &connection)?.send(message).await)
    }

    async fn close(
        accessor: &Accessor<T, Self>,
        connection: Resource<Connection>,
        code: u16,
        reason: String,
    ) -> wasmtime::Result<()> {
        session(accessor, &connection)?
            .close_with(code, &reason)
            .await;
        Ok(())
    }
}
