//! WebSocket operations, FastAPI's `@app.websocket`:
//!
//! ```ignore
//! #[websocket("/ws/echo")]
//! async fn echo(ws: WebSocket) -> Result<(), Closed> {
//!     ws.accept().await?;
//!     loop {
//!         let message = ws.receive().await?; // Err(Closed) once the client leaves
//!         ws.send(message).await?;
//!     }
//! }
//! ```
//!
//! The host answers pings, and holds every connection to its message size, idle and rate
//! limits; a connection it closes (those limits, shutdown, a reload) reaches the guest as
//! [`Closed`] with the code and reason.

use crate::__bindings::fastwasm::app::websocket::{self as wit, Connection};
use crate::error::HttpError;
use crate::extract::{FromRequest, RequestContext};
use crate::spec::{Arg, OperationSpec};

/// A message either way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message.
    Text(String),
    /// A binary message.
    Binary(Vec<u8>),
}

/// The connection is closed: by the client (its close code, 1005 when it gave none), or by the
/// host (1006 the connection dropped, 1001 idle or shutting down, 1009 a message too big, 1008
/// too many messages, 1012 the component was replaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    /// The close code.
    pub code: u16,
    /// The reason, possibly empty.
    pub reason: String,
}

impl std::fmt::Display for Closed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the WebSocket closed ({}): {}", self.code, self.reason)
    }
}

impl std::error::Error for Closed {}

impl From<wit::CloseFrame> for Closed {
    fn from(frame: wit::CloseFrame) -> Self {
        Closed {
            code: frame.code,
            reason: frame.reason,
        }
    }
}

/// One WebSocket connection. Accept it first; until then, returning an error (or returning at
/// all) answers the upgrade request with an HTTP status instead (403 when nothing says which).
#[derive(Debug)]
pub struct WebSocket {
    connection: Connection,
}

impl WebSocket {
    /// Completes the handshake.
    pub async fn accept(&self) -> Result<(), Closed> {
        self.connection.accept(None).await.map_err(Closed::from)
    }

    /// Completes the handshake with one of the subprotocols the client offered.
    pub async fn accept_subprotocol(&self, subprotocol: &str) -> Result<(), Closed> {
        self.connection
            .accept(Some(subprotocol.to_owned()))
            .await
            .map_err(Closed::from)
    }

    /// The next message.
    pub async fn receive(&self) -> Result<Message, Closed> {
        match self.connection.receive().await {
            Ok(wit::Message::Text(text)) => Ok(Message::Text(text)),
            Ok(wit::Message::Binary(bytes)) => Ok(Message::Binary(bytes)),
            Err(frame) => Err(frame.into()),
        }
    }

    /// The next message, as text (a binary message is read as UTF-8, lossily).
    pub async fn receive_text(&self) -> Result<String, Closed> {
        Ok(match self.receive().await? {
            Message::Text(text) => text,
            Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    /// Sends a message.
    pub async fn send(&self, message: Message) -> Result<(), Closed> {
        let message = match message {
            Message::Text(text) => wit::Message::Text(text),
            Message::Binary(bytes) => wit::Message::Binary(bytes),
        };
        self.connection.send(message).await.map_err(Closed::from)
    }

    /// Sends a text message.
    pub async fn send_text(&self, text: impl Into<String>) -> Result<(), Closed> {
        self.send(Message::Text(text.into())).await
    }

    /// Sends the JSON of `value` as a text message.
    pub async fn send_json(&self, value: &impl serde::Serialize) -> Result<(), Closed> {
        let text = serde_json::to_string(value).map_err(|err| Closed {
            code: 1011,
            reason: err.to_string(),
        })?;
        self.send_text(text).await
    }

    /// Sends a close frame and ends the connection.
    pub async fn close(&self, code: u16, reason: &str) {
        self.connection.close(code, reason.to_owned()).await;
    }
}

impl FromRequest for WebSocket {
    fn declare(_arg: &Arg, _op: &mut OperationSpec) {}

    fn from_request(ctx: &RequestContext, _arg: &Arg) -> Result<Self, HttpError> {
        let connection = ctx.websocket.borrow_mut().take().ok_or_else(|| {
            HttpError::new(
                http::StatusCode::INTERNAL_SERVER_ERROR,
                "a WebSocket argument belongs to a #[websocket] operation",
            )
        })?;
        Ok(WebSocket { connection })
    }

    // The connection, like a body, is taken once: it comes last.
    const READS_BODY: bool = true;
}

/// What a `#[websocket]` operation returns: `()`, `Result<(), Closed>` (a closed connection is
/// an ordinary end), or `Result<(), HttpError>` (an error before `accept` answers the upgrade
/// request with it).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a WebSocket operation",
    note = "return (), Result<(), Closed> or Result<(), HttpError>"
)]
pub trait IntoSessionEnd {
    /// How the session ended.
    fn into_session_end(self) -> Result<(), HttpError>;
}

impl IntoSessionEnd for () {
    fn into_session_end(self) -> Result<(), HttpError> {
        Ok(())
    }
}

impl IntoSessionEnd for Result<(), Closed> {
    fn into_session_end(self) -> Result<(), HttpError> {
        Ok(())
    }
}

impl IntoSessionEnd for Result<(), HttpError> {
    fn into_session_end(self) -> Result<(), HttpError> {
        self
    }
}
