//! Providers for the dependency tests: slow independent async ones, and an async teardown.

use fastwasm_guest::prelude::*;
use std::time::Duration;

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
