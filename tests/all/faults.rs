//! A misbehaving guest becomes a response, never a crash: traps, panics, runaway loops,
//! memory and stack limits, malformed answers.

use crate::support::{Server, get, get_json};
use fastwasm_test_artifacts::FAULTS;
use std::time::{Duration, Instant};

fn faults(flags: &[&str]) -> Server {
    Server::start(&[("faults", FAULTS, "")], flags)
}

#[tokio::test]
async fn a_panic_is_500_and_the_next_request_succeeds() {
    let server = faults(&[]);
    for path in ["/panic", "/panic-async"] {
        let (status, _, body) = get(&server.url(path)).await;
        assert_eq!(
            (status, body.as_str()),
            (500, r#"{"detail":"Internal Server Error"}"#),
            "{path}"
        );
        let (status, _, body) = get(&server.url("/ok")).await;
        assert_eq!((status, body.as_str()), (200, "ok"));
    }
    let log = server
        .wait_for_log(
            &["guest failed", "operation=panic_sync"],
            Duration::from_secs(5),
        )
        .unwrap_or_else(|| panic!("the trap is not logged:\n{}", server.logs()));
    assert!(log.contains("component=faults"), "{log}");
    let panic_message =
        server.wait_for_log(&["the guest panicked on purpose"], Duration::from_secs(5));
    assert!(
        panic_message.is_some(),
        "the guest's panic message reaches the log:\n{}",
        server.logs()
    );
}

#[tokio::test]
async fn runaway_guests_time_out_with_504() {
    let server = faults(&["--request-timeout", "1s"]);
    for path in ["/spin", "/spin-async", "/wait-async?ms=60000"] {
        let started = Instant::now();
        let (status, _, body) = get(&server.url(path)).await;
        assert_eq!(
            (status, body.as_str()),
            (504, r#"{"detail":"Gateway Timeout"}"#),
            "{path}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{path} was not interrupted"
        );
    }
    let (status, _, _) = get(&server.url("/ok")).await;
    assert_eq!(status, 200);
    assert!(
        server
            .wait_for_log(&["timed out", "operation=spin"], Duration::from_secs(5))
            .is_some()
    );
}

#[tokio::test]
async fn an_async_spin_does_not_starve_other_requests() {
    let server = faults(&["--request-timeout", "3s"]);
    let spinning = tokio::spawn(get(server.url("/spin-async")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let (status, _, _) = get(&server.url("/ok")).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a CPU-bound async guest held up another request for {:?}",
        started.elapsed()
    );
    assert_eq!(spinning.await.unwrap().0, 504);
}

#[tokio::test]
async fn memory_and_stack_limits_trap_as_500() {
    let server = faults(&["--max-memory-bytes", "33554432"]);
    let (status, _, body) = get(&server.url("/hog?mb=8")).await;
    assert_eq!((status, body.as_str()), (200, "allocated 8 MiB"));
    let (status, _, _) = get(&server.url("/hog?mb=64")).await;
    assert_eq!(status, 500);
    let (status, _, _) = get(&server.url("/recurse?depth=100000000")).await;
    assert_eq!(status, 500);
    let (status, _, body) = get(&server.url("/recurse?depth=10")).await;
    assert_eq!((status, body.as_str()), (200, "10"));
}

#[tokio::test]
async fn a_malformed_response_is_500() {
    let server = faults(&[]);
    let (status, _, _) = get(&server.url("/bad-header")).await;
    assert_eq!(status, 500);
    assert!(
        server
            .wait_for_log(
                &["malformed response", "header name"],
                Duration::from_secs(5)
            )
            .is_some()
    );
}

#[tokio::test]
async fn a_missing_query_parameter_is_422() {
    let server = faults(&[]);
    let (status, body) = get_json(&server.url("/hog")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        serde_json::json!({"detail": [{"type": "missing", "loc": ["query", "mb"],
                                       "msg": "Field required", "input": null}]})
    );
}
