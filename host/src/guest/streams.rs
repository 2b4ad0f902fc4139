//! Bodies that flow between a client and a guest while they are produced, with backpressure
//! both ways: a request body read from the client only as fast as the guest reads its
//! `stream<u8>` ([`IncomingBody`]), and a response body sent to the client as the guest writes
//! it ([`GuestBody`]), the guest's writes waiting while the client is slow.
//!
//! A body is complete only when the guest says so, by resolving the response's `end` future
//! with `ok`; one that broke off (`err`), or whose guest trapped before saying anything,
//! reaches the client cut off, so that it cannot be taken for a whole body.

use super::capabilities::GuestState;
use super::capabilities::outbound::OpenScope;
use bytes::Bytes;
use futures::channel::mpsc;
use futures::{Sink, Stream};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty};
use hyper::body::{Body, Frame};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;
use wasmtime::StoreContextMut;
use wasmtime::component::{
    Destination, FutureConsumer, Source, StreamConsumer, StreamProducer, StreamResult,
};

/// Largest chunk taken from a guest's write at once: a guest writing a hundred megabytes in
/// one call is still sent, and held in host memory, a chunk at a time.
const CHUNK: usize = 64 * 1024;

/// Chunks a response may have in flight between the guest and the client's socket.
const IN_FLIGHT_CHUNKS: usize = 4;

/// The error a request or response body ends with.
pub type BodyError = Box<dyn std::error::Error + Send + Sync>;

/// When a stream last moved, for idle timeouts and the trap deadline of requests that stream.
#[derive(Debug)]
pub struct Activity {
    origin: Instant,
    /// Milliseconds after `origin` of the last byte or message either way.
    last: AtomicU64,
}

impl Activity {
    /// Activity starting now.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            origin: Instant::now(),
            last: AtomicU64::new(0),
        })
    }

    /// Records movement now.
    pub fn touch(&self) {
        let elapsed = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.store(elapsed, Ordering::Relaxed);
    }

    /// When the stream last moved.
    pub fn last(&self) -> Instant {
        self.origin + Duration::from_millis(self.last.load(Ordering::Relaxed))
    }
}

/// Why the host stopped reading a request body before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFault {
    /// It went past `max_body_bytes`: 413.
    TooLarge,
    /// The client sent nothing for `body_read_timeout`: 408.
    Stalled,
}

/// A request body the host stopped reading: why, and its unread rest, which the HTTP layer
/// may still read off the connection so that the client hears the answer.
pub struct Refused {
    /// Why reading stopped.
    pub fault: BodyFault,
    /// What the client has not yet sent, or the host not yet read.
    pub rest: BoxBody<Bytes, BodyError>,
}

/// The error a request body ends with when its client stalls.
#[derive(Debug)]
pub struct Stalled;

impl std::fmt::Display for Stalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the client stopped sending the request body")
    }
}

impl std::error::Error for Stalled {}

/// A request body the guest reads as a `stream<u8>`, held to the body limit as it flows.
pub struct IncomingBody {
    body: BoxBody<Bytes, BodyError>,
    limit: u64,
    read: u64,
    fault: Option<oneshot::Sender<Refused>>,
}

impl IncomingBody {
    /// `body`, of which at most `limit` bytes reach the guest; past them, or when `body` fails
    /// with [`Stalled`], the stream ends and `fault` says why, handing over the unread rest.
    pub fn new(
        body: BoxBody<Bytes, BodyError>,
        limit: u64,
        fault: oneshot::Sender<Refused>,
    ) -> Self {
        Self {
            body,
            limit,
            read: 0,
            fault: Some(fault),
        }
    }

    fn fail(&mut self, fault: BodyFault) -> Poll<wasmtime::Result<StreamResult>> {
        if let Some(signal) = self.fault.take() {
            let rest =
                std::mem::replace(&mut self.body, Empty::new().map_err(|n| match n {}).boxed());
            let _ = signal.send(Refused { fault, rest });
        }
        Poll::Ready(Ok(StreamResult::Dropped))
    }
}

impl StreamProducer<GuestState> for IncomingBody {
    type Item = u8;
    type Buffer = Bytes;

    fn poll_produce<'a>(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut store: StoreContextMut<'a, GuestState>,
        mut destination: Destination<'a, u8, Bytes>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let this = self.get_mut();
        // A zero-length read asks whether bytes are ready without taking them: say yes, and
        // let the next read wait for them.
        if destination.remaining(&mut store) == Some(0) {
            return Poll::Ready(Ok(StreamResult::Completed));
        }
        loop {
            match Pin::new(&mut this.body).poll_frame(cx) {
                Poll::Pending if finish => return Poll::Ready(Ok(StreamResult::Cancelled)),
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(err))) if err.is::<Stalled>() => {
                    return this.fail(BodyFault::Stalled);
                }
                // The end, or a client that broke off: either way the guest sees the end.
                Poll::Ready(None | Some(Err(_))) => return Poll::Ready(Ok(StreamResult::Dropped)),
                Poll::Ready(Some(Ok(frame))) => {
                    let Ok(data) = frame.into_data() else {
                        continue; // trailers
                    };
                    if data.is_empty() {
                        continue;
                    }
                    this.read += data.len() as u64;
                    if this.read > this.limit {
                        return this.fail(BodyFault::TooLarge);
                    }
                    destination.set_buffer(data);
                    return Poll::Ready(Ok(StreamResult::Completed));
                }
            }
        }
    }
}

/// How a streamed response stands: whether the guest's writer is gone, and whether the
/// client's side is done with the body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamState {
    /// The writer is gone.
    pub writer_closed: bool,
    /// The client's side is done: the body was sent whole, or cut off, or the client left.
    pub body_done: bool,
}

/// What the guest said through a `future<result<_, string>>` (a body's `end`, a followed
/// response's `done`): complete, or broken off with a reason.
pub type Verdict = Result<(), String>;

/// Makes the ends of a streamed response: the writer the guest's `body` is piped into, the
/// consumer its `end` is piped into, and the body the client reads. `state` follows them.
pub fn streamed_response(
    activity: Arc<Activity>,
    idle_timeout: Duration,
) -> (
    BodyWriter,
    GuestVerdict,
    GuestBody,
    watch::Receiver<StreamState>,
) {
    let (chunks, receiver) = mpsc::channel(IN_FLIGHT_CHUNKS);
    let (state, watched) = watch::channel(StreamState::default());
    let (end, verdict) = GuestVerdict::new();
    let state = Arc::new(state);
    let writer = BodyWriter {
        chunks,
        state: state.clone(),
        activity: activity.clone(),
    };
    let body = GuestBody {
        label: None,
        chunks: receiver,
        verdict,
        state,
        idle_timeout,
        idle: Box::pin(tokio::time::sleep(idle_timeout)),
        activity,
        scope: None,
    };
    (writer, end, body, watched)
}

/// Takes the guest's word from a `future<result<_, string>>` and hands it over. A guest that
/// drops the future without writing it leaves the receiver with a closed channel.
pub struct GuestVerdict {
    verdict: Option<oneshot::Sender<Verdict>>,
}

impl GuestVerdict {
    /// The consumer to pipe the guest's future into, and where its word arrives.
    pub fn new() -> (Self, oneshot::Receiver<Verdict>) {
        let (sender, receiver) = oneshot::channel();
        let consumer = Self {
            verdict: Some(sender),
        };
        (consumer, receiver)
    }
}

impl FutureConsumer<GuestState> for GuestVerdict {
    type Item = Verdict;

    fn poll_consume(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        store: StoreContextMut<GuestState>,
        mut source: Source<'_, Verdict>,
        _finish: bool,
    ) -> Poll<wasmtime::Result<()>> {
        let mut value = None;
        source.read(store, &mut value)?;
        if let (Some(verdict), Some(sender)) = (value, self.get_mut().verdict.take()) {
            let _ = sender.send(verdict);
        }
        Poll::Ready(Ok(()))
    }
}

/// The guest's side of a streamed response: takes what the guest writes and hands it to the
/// [`GuestBody`] the client reads, waiting while that one is full.
pub struct BodyWriter {
    chunks: mpsc::Sender<Bytes>,
    state: Arc<watch::Sender<StreamState>>,
    activity: Arc<Activity>,
}

impl StreamConsumer<GuestState> for BodyWriter {
    type Item = u8;

    fn poll_consume(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        store: StoreContextMut<GuestState>,
        source: Source<'_, u8>,
        finish: bool,
    ) -> Poll<wasmtime::Result<StreamResult>> {
        let this = self.get_mut();
        // Room for a chunk first, so nothing is taken from the guest that cannot be sent.
        match this.chunks.poll_ready(cx) {
            Poll::Pending if finish => return Poll::Ready(Ok(StreamResult::Cancelled)),
            Poll::Pending => return Poll::Pending,
            // The client is gone: the guest's writes end.
            Poll::Ready(Err(_)) => return Poll::Ready(Ok(StreamResult::Dropped)),
            Poll::Ready(Ok(())) => {}
        }
        let mut direct = source.as_direct(store);
        let available = direct.remaining();
        let take = available.len().min(CHUNK);
        if take == 0 {
            return Poll::Ready(Ok(StreamResult::Completed));
        }
        let chunk = Bytes::copy_from_slice(&available[..take]);
        direct.mark_read(take);
        this.activity.touch();
        if Pin::new(&mut this.chunks).start_send(chunk).is_err() {
            return Poll::Ready(Ok(StreamResult::Dropped));
        }
        Poll::Ready(Ok(StreamResult::Completed))
    }
}

impl Drop for BodyWriter {
    fn drop(&mut self) {
        self.state.send_modify(|state| state.writer_closed = true);
    }
}

/// A response body the guest writes, as the client reads it: chunks as they come, the end once
/// the guest closed its stream and said the body is complete, an error (the client sees the
/// body cut off) when it broke off, its guest trapped, or nothing came for the idle timeout.
pub struct GuestBody {
    /// Who writes it, for the log line when it is cut off.
    label: Option<(Arc<str>, Arc<str>)>,
    chunks: mpsc::Receiver<Bytes>,
    verdict: oneshot::Receiver<Verdict>,
    state: Arc<watch::Sender<StreamState>>,
    idle_timeout: Duration,
    idle: Pin<Box<tokio::time::Sleep>>,
    activity: Arc<Activity>,
    /// The request's outbound scope: calls the guest makes while it writes the body end when
    /// the body does.
    scope: Option<OpenScope>,
}

impl GuestBody {
    /// Keeps the request's outbound scope open while the body streams.
    pub fn holding(mut self, scope: Option<OpenScope>) -> Self {
        self.scope = scope;
        self
    }

    /// Names the component and operation writing it in the log line of a body cut off.
    pub fn labelled(mut self, component: &str, operation: &str) -> Self {
        self.label = Some((component.into(), operation.into()));
        self
    }

    fn cut_off(&self, reason: String) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let (component, operation) = match &self.label {
            Some((component, operation)) => (component.as_ref(), operation.as_ref()),
            None => ("-", "-"),
        };
        tracing::warn!(%component, %operation, "streamed response cut off: {reason}");
        Poll::Ready(Some(Err(reason.into())))
    }
}

impl Body for GuestBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        match Pin::new(&mut self.chunks).poll_next(cx) {
            Poll::Ready(Some(chunk)) => {
                let deadline = Instant::now() + self.idle_timeout;
                self.idle.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(Frame::data(chunk))))
            }
            // The guest closed its stream; the body is whole only if it says so.
            Poll::Ready(None) => match Pin::new(&mut self.verdict).poll(cx) {
                Poll::Ready(Ok(Ok(()))) => Poll::Ready(None),
                Poll::Ready(Ok(Err(reason))) => {
                    self.cut_off(format!("the guest broke it off: {reason}"))
                }
                Poll::Ready(Err(_)) => self.cut_off(
                    "its guest failed before finishing it (see its instance's log)".into(),
                ),
                Poll::Pending => Poll::Pending,
            },
            Poll::Pending => {
                // Movement the other way (a WebSocket's, an upload's) keeps it alive too.
                let quiet_until = self.activity.last() + self.idle_timeout;
                if quiet_until > Instant::now() {
                    self.idle.as_mut().reset(quiet_until);
                }
                match self.idle.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        let reason = format!("the guest wrote nothing for {:?}", self.idle_timeout);
                        self.cut_off(reason)
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl Drop for GuestBody {
    fn drop(&mut self) {
        self.state.send_modify(|state| state.body_done = true);
    }
}
