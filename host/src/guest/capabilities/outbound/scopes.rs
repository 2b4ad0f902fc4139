//! The requests being served, by `x-request-id`, so that an outbound call is held to the
//! deadline of the request that made it and is cancelled when that request ends (its client
//! left, or it was answered). A shared instance serves many requests at once, so the store
//! cannot say which one a call belongs to: the SDKs name the request in each call, and calls
//! made from an instance that serves one request at a time belong to that request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// What an outbound call of one request is held to.
#[derive(Debug, Clone)]
pub struct RequestScope {
    /// The request's id, forwarded as `x-request-id`.
    pub id: Arc<str>,
    /// When the request's guest work must be done.
    pub deadline: Instant,
    /// Cancelled when the request ends.
    pub ended: CancellationToken,
}

/// The requests in flight with one id, each numbered (a client may send the same id twice).
type SameId = Vec<(u64, RequestScope)>;

/// Every request in flight that may make outbound calls.
#[derive(Debug, Default)]
pub struct RequestScopes {
    /// By id.
    open: Mutex<HashMap<Arc<str>, SameId>>,
    next: AtomicU64,
}

impl RequestScopes {
    /// Registers a request until the returned guard is dropped, which cancels its calls.
    pub fn open(self: &Arc<Self>, id: &str, deadline: Instant) -> OpenScope {
        let number = self.next.fetch_add(1, Ordering::Relaxed);
        let scope = RequestScope {
            id: id.into(),
            deadline,
            ended: CancellationToken::new(),
        };
        self.open
            .lock()
            .unwrap()
            .entry(scope.id.clone())
            .or_default()
            .push((number, scope.clone()));
        OpenScope {
            scopes: self.clone(),
            number,
            scope,
        }
    }

    /// The request in flight with this id (the latest, if a client reused it).
    pub fn find(&self, id: &str) -> Option<RequestScope> {
        let open = self.open.lock().unwrap();
        open.get(id)?.last().map(|(_, scope)| scope.clone())
    }
}

/// A request's registration; dropping it ends the request's outbound calls.
#[derive(Debug)]
pub struct OpenScope {
    scopes: Arc<RequestScopes>,
    number: u64,
    scope: RequestScope,
}

impl Drop for OpenScope {
    fn drop(&mut self) {
        self.scope.ended.cancel();
        let mut open = self.scopes.open.lock().unwrap();
        if let Some(entries) = open.get_mut(&self.scope.id) {
            entries.retain(|(number, _)| *number != self.number);
            if entries.is_empty() {
                open.remove(&self.scope.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_scope_lives_until_its_guard_drops_and_then_cancels() {
        let scopes = Arc::new(RequestScopes::default());
        let deadline = Instant::now() + Duration::from_secs(1);
        let first = scopes.open("r1", deadline);
        let again = scopes.open("r1", deadline + Duration::from_secs(1));
        let found = scopes.find("r1").unwrap();
        assert_eq!(found.deadline, deadline + Duration::from_secs(1));
        drop(again);
        assert!(found.ended.is_cancelled());
        let left = scopes.find("r1").unwrap();
        assert_eq!(left.deadline, deadline);
        drop(first);
        assert!(left.ended.is_cancelled());
        assert!(scopes.find("r1").is_none());
    }
}
