//! `burgers`: FastAPI's concurrency story, in code.
//!
//! - `/burgers/concurrent?ms=N` is an `async fn` that awaits the host's sleep: while one order
//!   waits, the cashier takes the next. A hundred orders of 500 ms finish together.
//! - `/burgers/parallel?ms=N` is a plain `fn` that blocks its thread: each order holds one of
//!   the host's sync workers for the whole wait, as a `def` endpoint holds a pool thread.
//! - `/burgers/cook?n=N` is a plain `fn` doing N units of CPU work.
//!
//! ```text
//! cargo run -p fastwasm -- serve examples/burgers --build
//! curl 'localhost:8000/burgers/concurrent?ms=500'
//! ```

use fastwasm_guest::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;

#[fastwasm_guest::app]
mod api {
    use super::*;

    /// Wait for burgers without blocking anyone.
    #[get("/burgers/concurrent", tags = ["burgers"])]
    async fn concurrent(#[param(default = 100, le = 60_000)] ms: Query<u64>) -> Json<Value> {
        sleep(Duration::from_millis(ms.0)).await;
        Json(json!({ "burgers": "ready", "waited_ms": ms.0, "kind": "async" }))
    }

    /// Wait for burgers holding a worker thread.
    #[get("/burgers/parallel", tags = ["burgers"])]
    fn parallel(#[param(default = 100, le = 60_000)] ms: Query<u64>) -> Json<Value> {
        std::thread::sleep(Duration::from_millis(ms.0));
        Json(json!({ "burgers": "ready", "waited_ms": ms.0, "kind": "sync" }))
    }

    /// Cook: N rounds of CPU work.
    #[get("/burgers/cook", tags = ["burgers"])]
    fn cook(#[param(default = 1_000, le = 1_000_000_000)] n: Query<u64>) -> Json<Value> {
        Json(json!({ "n": n.0, "checksum": cpu_work(n.0) }))
    }
}

/// A loop the optimizer cannot remove: a 64-bit LCG, one step per unit of work.
fn cpu_work(n: u64) -> u64 {
    (0..n).fold(0x2545_f491_4f6c_dd1d_u64, |state, i| {
        std::hint::black_box(
            state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(i | 1),
        )
    })
}
