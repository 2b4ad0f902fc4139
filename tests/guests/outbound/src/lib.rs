//! Outbound HTTP from async and sync operations, for the host's outbound tests: each operation
//! calls the URL it is given and answers with what came back, or with the error.

use fastwasm_guest::http;
use fastwasm_guest::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;

/// What a call came to, as the tests read it.
fn outcome(result: Result<http::Response, http::Error>) -> Value {
    match result {
        Ok(response) => json!({
            "status": response.status().as_u16(),
            "content_type": response.headers().get("content-type").and_then(|v| v.to_str().ok()),
            "body": response.text(),
        }),
        Err(err) => json!({ "error": format!("{:?}", err.kind()), "message": err.to_string() }),
    }
}

#[fastwasm_guest::app]
mod api {
    use super::*;

    /// One call, awaited.
    #[get("/call")]
    async fn call(url: Query<String>, timeout_ms: Query<Option<u64>>) -> Json<Value> {
        let mut request = http::get(url.0).header("x-guest", "rust-async");
        if let Some(ms) = timeout_ms.0 {
            request = request.timeout(Duration::from_millis(ms));
        }
        Json(outcome(request.send().await))
    }

    /// One call from a sync operation, on its blocking-pool thread.
    #[get("/call-sync")]
    fn call_sync(url: Query<String>) -> Json<Value> {
        Json(outcome(
            http::get(url.0)
                .header("x-guest", "rust-sync")
                .send_blocking(),
        ))
    }

    /// A JSON body posted, and the answer returned.
    #[post("/post")]
    async fn post(url: Query<String>, Json(body): Json<Value>) -> Result<Json<Value>, HttpError> {
        let answer: Value = http::post(url.0)
            .json(&body)
            .send()
            .await?
            .error_for_status()?
            .json()?;
        Ok(Json(answer))
    }

    /// `n` calls at once.
    #[get("/gather")]
    async fn gather(url: Query<String>, n: Query<usize>) -> Json<Value> {
        let calls = (0..n.0).map(|_| http::get(url.0.clone()).send());
        let answers = http::join_all(calls).await;
        Json(Value::Array(answers.into_iter().map(outcome).collect()))
    }
}
