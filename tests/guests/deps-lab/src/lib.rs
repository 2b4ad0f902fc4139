//! Providers for the dependency tests: slow independent async ones, teardowns that log the
//! request id they tear down for, and an operation that holds a sync worker.

use fastwasm_guest::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Calls made on this instance: providers sharing one instance see 1, 2, 3.
static CALLS: AtomicU64 = AtomicU64::new(0);

fn next_call() -> u64 {
    CALLS.fetch_add(1, Ordering::SeqCst) + 1
}

#[fastwasm_guest::app]
mod lab {
    use super::*;

    #[provider("slow-a")]
    async fn slow_a() -> Result<u64, HttpError> {
        sleep(Duration::from_millis(300)).await;
        Ok(1)
    }

    #[provider("slow-b")]
    async fn slow_b() -> Result<u64, HttpError> {
        sleep(Duration::from_millis(300)).await;
        Ok(2)
    }

    #[provider("slow-c")]
    async fn slow_c() -> Result<u64, HttpError> {
        sleep(Duration::from_millis(300)).await;
        Ok(3)
    }

    #[provider("slow-d", teardown = release_d)]
    async fn slow_d() -> Result<u64, HttpError> {
        sleep(Duration::from_millis(300)).await;
        Ok(4)
    }

    async fn release_d(value: u64) {
        sleep(Duration::from_millis(1)).await;
        println!("released slow-d={value}");
    }

    #[provider("count-a")]
    fn count_a() -> Result<u64, HttpError> {
        Ok(next_call())
    }

    #[provider("count-b")]
    fn count_b() -> Result<u64, HttpError> {
        Ok(next_call())
    }

    #[provider("count-c")]
    async fn count_c() -> Result<u64, HttpError> {
        Ok(next_call())
    }

    /// The call numbers three providers saw on their instance.
    #[get("/counts")]
    fn counts(count_a: Dep<u64>, count_b: Dep<u64>, count_c: Dep<u64>) -> Json<Vec<u64>> {
        let mut seen = vec![count_a.0, count_b.0, count_c.0];
        seen.sort_unstable();
        Json(seen)
    }

    #[provider("fragile", teardown = break_down)]
    fn fragile() -> Result<&'static str, HttpError> {
        Ok("fine so far")
    }

    fn break_down(_value: String) {
        panic!("the teardown failed on purpose")
    }

    #[get("/fragile")]
    fn uses_fragile(fragile: Dep<String>) -> String {
        fragile.0
    }

    /// Four independent 300 ms providers: together they take about 300 ms, not 1200 ms.
    #[get("/slow")]
    async fn slow(
        slow_a: Dep<u64>,
        slow_b: Dep<u64>,
        slow_c: Dep<u64>,
        slow_d: Dep<u64>,
    ) -> String {
        (slow_a.0 + slow_b.0 + slow_c.0 + slow_d.0).to_string()
    }

    /// A sync provider with a teardown; both log the request id the test sends in `x-rid`.
    #[provider("tracked", teardown = release_tracked)]
    fn tracked(#[param(alias = "x-rid")] rid: Header<String>) -> Result<String, HttpError> {
        println!("provided tracked rid={}", rid.0);
        Ok(rid.0)
    }

    fn release_tracked(rid: String) {
        println!("released tracked rid={rid} ");
    }

    /// The async twin of `tracked`, in the same component.
    #[provider("async-tracked", teardown = release_async_tracked)]
    async fn async_tracked(
        #[param(alias = "x-rid")] rid: Header<String>,
    ) -> Result<String, HttpError> {
        Ok(rid.0)
    }

    async fn release_async_tracked(rid: String) {
        println!("released async-tracked rid={rid} ");
    }

    /// Waits `ms` with a tracked value: a request whose handler outlives its client or its
    /// deadline.
    #[get("/tracked")]
    async fn tracked_wait(tracked: Dep<String>, ms: Query<u64>) -> String {
        sleep(Duration::from_millis(ms.0)).await;
        tracked.0
    }

    /// An async and a sync provider of one component, in one layer: the sync one needs the
    /// blocking pool after the async one ran.
    #[get("/tracked-both")]
    async fn tracked_both(async_tracked: Dep<String>, tracked: Dep<String>) -> String {
        format!("{} {}", async_tracked.0, tracked.0)
    }

    /// Holds a sync worker for `ms`.
    #[get("/block")]
    fn block(ms: Query<u64>) -> &'static str {
        println!("blocking for {} ms", ms.0);
        std::thread::sleep(Duration::from_millis(ms.0));
        "done"
    }
}
