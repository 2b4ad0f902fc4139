//! An outbound response's body as the guest reads it, held to the outbound limits: at most
//! `outbound_max_response_bytes`, never a pause longer than `outbound_between_bytes_timeout`,
//! and never past the deadline of the request that made the call or after that request ended.
//! It holds the call's place among the component's calls in flight until it is done.

use super::scopes::RequestScope;
use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming, SizeHint};

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::WaitForCancellationFutureOwned;
use wasmtime_wasi_http::Error;

pub struct GuardedBody {
    inner: Incoming,
    /// Bytes the body may still carry.
    remaining: u64,
    limit: u64,
    between_bytes: Duration,
    idle: Pin<Box<Sleep>>,
    deadline: Pin<Box<Sleep>>,
    ended: Pin<Box<WaitForCancellationFutureOwned>>,
    /// Set once the body failed or ended: it yields nothing more.
    done: bool,
    _place: OwnedSemaphorePermit,
}

impl GuardedBody {
    pub fn new(
        inner: Incoming,
        limit: u64,
        between_bytes: Duration,
        scope: &RequestScope,
        place: OwnedSemaphorePermit,
    ) -> Self {
        Self {
            inner,
            remaining: limit,
            limit,
            between_bytes,
            idle: Box::pin(tokio::time::sleep(between_bytes)),
            deadline: Box::pin(tokio::time::sleep_until(scope.deadline)),
            ended: Box::pin(scope.ended.clone().cancelled_owned()),
            done: false,
            _place: place,
        }
    }

    fn fail(&mut self, error: Error) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        self.done = true;
        Poll::Ready(Some(Err(error)))
    }
}

impl Body for GuardedBody {
    type Data = Bytes;
    type Error = Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Error>>> {
        if self.done {
            return Poll::Ready(None);
        }
        if self.ended.as_mut().poll(cx).is_ready() {
            return self.fail(Error::InternalError(Some(super::CANCELLED.into())));
        }
        if self.deadline.as_mut().poll(cx).is_ready() {
            return self.fail(Error::HttpResponseTimeout);
        }
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let size = data.len() as u64;
                    if size > self.remaining {
                        let limit = self.limit;
                        return self.fail(Error::HttpResponseBodySize(Some(limit)));
                    }
                    self.remaining -= size;
                }
                let next = Instant::now() + self.between_bytes;
                self.idle.as_mut().reset(next);
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(err))) => self.fail(Error::Hyper(err)),
            Poll::Ready(None) => {
                self.done = true;
                Poll::Ready(None)
            }
            Poll::Pending => {
                ready!(self.idle.as_mut().poll(cx));
                self.fail(Error::ConnectionReadTimeout)
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
