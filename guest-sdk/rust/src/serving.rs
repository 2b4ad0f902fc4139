//! Which request the code running now serves. An async instance serves many requests at once,
//! interleaved at every `.await`; the outbound client needs the id of the one that is making a
//! call, to forward it and so that the host holds the call to that request's deadline. The
//! generated exports wrap each call in [`Serving::run`], which names the request while (and
//! only while) its future is polled.

use crate::__bindings::fastwasm::app::types::Request as WitRequest;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

thread_local! {
    static SERVING: RefCell<Option<Rc<str>>> = const { RefCell::new(None) };
}

/// The `x-request-id` of the request being served, if any.
pub(crate) fn current() -> Option<String> {
    SERVING.with(|serving| serving.borrow().as_deref().map(str::to_owned))
}

/// The request a call serves.
pub struct Serving(Option<Rc<str>>);

impl Serving {
    /// The request `req` is.
    pub fn of(req: &WitRequest) -> Self {
        let id = req
            .headers
            .iter()
            .find(|(name, _)| name == "x-request-id")
            .and_then(|(_, value)| std::str::from_utf8(value).ok())
            .map(Rc::from);
        Self(id)
    }

    /// Runs `work` as this request's.
    pub async fn run<F: Future>(self, work: F) -> F::Output {
        Scoped {
            id: self.0,
            work: Box::pin(work),
        }
        .await
    }
}

/// Names the request `req` is until dropped, for a sync call.
pub fn serving(req: &WitRequest) -> Restore {
    let Serving(id) = Serving::of(req);
    Restore(SERVING.with(|serving| serving.replace(id)))
}

/// Puts back the request that was being served before.
pub struct Restore(Option<Rc<str>>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        SERVING.with(|serving| *serving.borrow_mut() = previous);
    }
}

struct Scoped<F: Future> {
    id: Option<Rc<str>>,
    work: Pin<Box<F>>,
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let _restore = Restore(SERVING.with(|serving| serving.replace(self.id.clone())));
        self.work.as_mut().poll(cx)
    }
}
