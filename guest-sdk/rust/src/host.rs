//! What the host offers beyond WASI: a non-blocking sleep and structured logs.

use crate::__bindings::fastwasm::app::{host, timers};
use std::time::Duration;

/// Waits for `duration` without holding a thread: other requests run meanwhile.
///
/// Use it in `async fn` operations; a plain `fn` that calls `std::thread::sleep` instead keeps
/// its blocking-pool thread busy for the whole wait, as a `def` endpoint does in FastAPI.
pub async fn sleep(duration: Duration) {
    let millis = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
    timers::sleep(millis).await;
}

/// The severity of a log record.
pub use crate::__bindings::fastwasm::app::types::LogLevel;

/// Writes a record to the host's log, tagged with this component and the current operation.
pub fn log(level: LogLevel, message: &str) {
    host::log(level, message);
}
