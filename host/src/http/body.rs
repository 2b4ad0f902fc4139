//! Request bodies as the host reads them: each piece must come within `body_read_timeout` of
//! the one before, so a client that stalls mid-body is answered 408 instead of holding its
//! request (and its place) until the request's own deadline.

use crate::guest::{BodyError, Stalled};
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

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
