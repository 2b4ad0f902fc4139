// The body of the `version-one` and `version-two` test guests: the same routes, answering
// with their own `VERSION`, so a reload test can tell which version served a request.

use fastwasm_guest::prelude::*;
use std::time::Duration;

#[fastwasm_guest::app]
mod api {
    use super::*;

    #[get("/version")]
    fn version() -> &'static str {
        VERSION
    }

    #[get("/slow")]
    async fn slow(ms: Query<u64>) -> &'static str {
        sleep(Duration::from_millis(ms.0)).await;
        VERSION
    }
}
