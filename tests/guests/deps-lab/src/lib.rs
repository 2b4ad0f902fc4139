//! Providers for the dependency tests: slow independent async ones, and an async teardown.

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
}
