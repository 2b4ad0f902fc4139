//! Which instance serves a request. Starting one costs its instantiation — tens of
//! microseconds for a Rust component, about two milliseconds for a Python one, whose
//! interpreter starts with it — so by default requests reuse instances, as one FastAPI process
//! serves every request:
//!
//! - async operations share instances, many requests at once on each (`shared`), as one event
//!   loop serves every `async def`;
//! - sync operations take an idle instance from a pool, one request at a time on each
//!   (`pooled`), as FastAPI's thread pool runs `def` endpoints in one process.
//!
//! The price is isolation. Requests on one instance see its globals (a cache in a module global
//! persists, as in a FastAPI process), and a trap ends the instance: for a shared one, it fails
//! the other requests in flight on it too. An instance that trapped or timed out is never
//! reused. `isolation = "request"` on a component gives each request a fresh instance instead
//! (for async operations, a shared instance that takes one request in its life).

mod pooled;
mod shared;

pub use pooled::PooledInstances;
pub use shared::{SharedInstances, Sharing};
