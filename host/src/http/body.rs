//! Request bodies as the host reads them: each piece must come within `body_read_timeout` of
//! the one before, so a client that stalls mid-body is answered 408 instead of holding its
//! request (and its place) until the request's own deadline. A body refused before its end
//! (413) is still read off the connection for a bounded while ([`linger`]), so that the
//! client, still sending, hears the answer instead of a reset connection.

use crate::guest::{BodyError, Stalled};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// How long a refused body is still read and thrown away before the connection closes.
const LINGER_FOR: Duration = Duration::from_secs(5);

/// How much of a refused body is read and thrown away before the connection closes.
const LINGER_BYTES: u64 = 16 * 1024 * 1024;

/// Reads and discards the rest of a refused request body, for at most [`LINGER_FOR`] and
/// [`LINGER_BYTES`], while the refusal is sent. A connection closed with unread bytes in its
/// receive buffer is reset, and a client still sending its body then sees the reset, not the
/// 413 it was answered; once the client has sent its last byte, the close is a clean one.
pub fn linger<B>(body: B)
where
    B: Body<Data = Bytes> + Send + Unpin + 'static,
{
    tokio::spawn(async move {
        let mut body = body;
        let mut read = 0u64;
        let discard = async {
            while let Some(Ok(frame)) = body.frame().await {
                read += frame.data_ref().map_or(0, |data| data.len() as u64);
                if read > LINGER_BYTES {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(LINGER_FOR, discard).await;
    });
}

/// A request body whose pieces must each arrive within a timeout.
pub struct TimedBody {
    body: Incoming,
    timeout: Duration,
    quiet: Pin<Box<Sleep>>,
}

impl TimedBody {
    /// `body`, failing with [`Stalled`] after `timeout` without a piece.
    pub fn new(body: Incoming, timeout: Duration) -> Self {
        Self {
            body,
            timeout,
            quiet: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

impl Body for TimedBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        match Pin::new(&mut self.body).poll_frame(cx) {
            Poll::Ready(frame) => {
                let next = Instant::now() + self.timeout;
                self.quiet.as_mut().reset(next);
                Poll::Ready(frame.map(|frame| frame.map_err(|err| Box::new(err) as BodyError)))
            }
            Poll::Pending => match self.quiet.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(Stalled)))),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
