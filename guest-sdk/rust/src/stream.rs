//! Bodies that flow: a request body read as it arrives ([`BodyStream`]), a response body written
//! while it is sent ([`Streaming`]), and server-sent events ([`Sse`]). All of them need an
//! `async fn` operation; writes wait while the client reads slowly, so memory stays flat.

use crate::error::HttpError;
use crate::extract::{FromRequest, RequestContext};
use crate::response::{IntoResponse, Response};
use crate::spec::{Arg, OperationSpec};
use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use wit_bindgen::{StreamReader, StreamResult, StreamWriter};

/// What writes a streamed body once the response head is sent.
pub(crate) type Producer = Box<dyn FnOnce(BodyWriter) -> Pin<Box<dyn Future<Output = ()>>>>;

/// The client is gone: nothing more can be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disconnected;

impl std::fmt::Display for Disconnected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the client is gone")
    }
}

impl std::error::Error for Disconnected {}

/// Writes a streamed response body. Each write waits until the host has room for it, so a
/// slow client slows the writer instead of filling memory. Dropping it ends the body.
#[derive(Debug)]
pub struct BodyWriter {
    stream: StreamWriter<u8>,
}

impl BodyWriter {
    pub(crate) fn new(stream: StreamWriter<u8>) -> Self {
        Self { stream }
    }

    /// Writes `bytes`; `Err` once the client is gone.
    pub async fn write(&mut self, bytes: impl Into<Vec<u8>>) -> Result<(), Disconnected> {
        let unsent = self.stream.write_all(bytes.into()).await;
        if unsent.is_empty() {
            Ok(())
        } else {
            Err(Disconnected)
        }
    }
}

/// A response body written while it is sent, FastAPI's `StreamingResponse`:
///
/// ```ignore
/// #[get("/numbers")]
/// async fn numbers() -> Streaming {
///     Streaming::new("text/plain", |mut body| async move {
///         for n in 0..10 {
///             if body.write(format!("{n}\n")).await.is_err() {
///                 return; // the client left
///             }
///         }
///     })
/// }
/// ```
pub struct Streaming {
    content_type: String,
    produce: Producer,
}

impl Streaming {
    /// A body of `content_type` that `produce` writes.
    pub fn new<F, Fut>(content_type: &str, produce: F) -> Self
    where
        F: FnOnce(BodyWriter) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        Self {
            content_type: content_type.to_owned(),
            produce: Box::new(move |writer| Box::pin(produce(writer))),
        }
    }
}

impl IntoResponse for Streaming {
    fn into_response(self) -> Result<Response, HttpError> {
        Ok(Response::streamed(self.produce).with_content_type(&self.content_type))
    }
}

/// One server-sent event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    event: Option<String>,
    data: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
    comment: Option<String>,
}

impl Event {
    /// An event carrying `data` (several lines become several `data:` fields).
    pub fn data(data: impl Into<String>) -> Self {
        Self {
            data: Some(data.into()),
            ..Self::default()
        }
    }

    /// An event of the JSON of `value`.
    pub fn json(value: &impl serde::Serialize) -> Self {
        Self::data(serde_json::to_string(value).unwrap_or_else(|err| format!("{err}")))
    }

    /// A comment line, which clients ignore: a keep-alive.
    pub fn comment(text: impl Into<String>) -> Self {
        Self {
            comment: Some(text.into()),
            ..Self::default()
        }
    }

    /// The event's type (`event:`), for `addEventListener(type, …)`.
    pub fn event(mut self, event: impl Into<String>) -> Self {
        self.event = Some(event.into());
        self
    }

    /// The event's id (`id:`), which a reconnecting client sends back as `Last-Event-ID`.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// How long a client waits before reconnecting (`retry:`).
    pub fn retry(mut self, millis: u64) -> Self {
        self.retry = Some(millis);
        self
    }

    /// The event in the `text/event-stream` format, ending with its blank line.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        let mut field = |name: &str, value: &str| {
            for line in value.split('\n') {
                let _ = writeln!(text, "{name}: {}", line.trim_end_matches('\r'));
            }
        };
        if let Some(comment) = &self.comment {
            field("", comment);
        }
        if let Some(event) = &self.event {
            field("event", event);
        }
        if let Some(data) = &self.data {
            field("data", data);
        }
        if let Some(id) = &self.id {
            field("id", id);
        }
        if let Some(retry) = self.retry {
            field("retry", &retry.to_string());
        }
        text.push('\n');
        text
    }
}

/// Sends server-sent events.
#[derive(Debug)]
pub struct EventSender {
    body: BodyWriter,
}

impl EventSender {
    /// Sends `event`; `Err` once the client is gone.
    pub async fn send(&mut self, event: Event) -> Result<(), Disconnected> {
        self.body.write(event.to_text()).await
    }
}

/// A `text/event-stream` response: server-sent events, sent one by one as they are produced.
///
/// ```ignore
/// #[get("/events")]
/// async fn events(n: Query<u32>) -> Sse {
///     Sse::new(move |mut events| async move {
///         for i in 0..n.0 {
///             if events.send(Event::data(format!("tick {i}")).id(i.to_string())).await.is_err() {
///                 return;
///             }
///             sleep(Duration::from_millis(100)).await;
///         }
///     })
/// }
/// ```
pub struct Sse {
    produce: Producer,
}

impl Sse {
    /// Events that `produce` sends.
    pub fn new<F, Fut>(produce: F) -> Self
    where
        F: FnOnce(EventSender) -> Fut + 'static,
        Fut: Future<Output = ()> + 'static,
    {
        Self {
            produce: Box::new(move |body| Box::pin(produce(EventSender { body }))),
        }
    }
}

impl IntoResponse for Sse {
    fn into_response(self) -> Result<Response, HttpError> {
        Ok(Response::streamed(self.produce)
            .with_content_type("text/event-stream")
            .header("cache-control", "no-cache"))
    }
}

/// The request body as it arrives, for an upload larger than memory or one to process as it
/// comes: `async fn upload(body: BodyStream)`. The host still holds it to `max_body_bytes`.
#[derive(Debug)]
pub struct BodyStream {
    stream: Option<StreamReader<u8>>,
}

impl BodyStream {
    /// The next chunk, of at most `max` bytes; `None` at the end of the body.
    pub async fn chunk(&mut self, max: usize) -> Option<Vec<u8>> {
        let stream = self.stream.as_mut()?;
        loop {
            let (result, chunk) = stream.read(Vec::with_capacity(max.max(1))).await;
            match result {
                StreamResult::Complete(_) if !chunk.is_empty() => return Some(chunk),
                StreamResult::Complete(_) | StreamResult::Cancelled => {}
                StreamResult::Dropped => {
                    self.stream = None;
                    return (!chunk.is_empty()).then_some(chunk);
                }
            }
        }
    }

    /// The rest of the body, whole.
    pub async fn bytes(mut self) -> Vec<u8> {
        let mut all = Vec::new();
        while let Some(chunk) = self.chunk(64 * 1024).await {
            all.extend_from_slice(&chunk);
        }
        all
    }
}

impl FromRequest for BodyStream {
    fn declare(_arg: &Arg, op: &mut OperationSpec) {
        op.streamed_body("application/octet-stream");
    }

    fn from_request(ctx: &RequestContext, _arg: &Arg) -> Result<Self, HttpError> {
        Ok(BodyStream {
            stream: ctx.body.borrow_mut().take(),
        })
    }

    const READS_BODY: bool = true;
}
