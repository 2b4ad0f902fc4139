//! The semantics that define fastwasm: async operations wait together, sync operations share a
//! bounded pool, and a saturated pool never holds up async work. Margins are wide on purpose:
//! these assert the shape (rounds, not microseconds).

use crate::support::{Server, fire, get, get_json};
use fastwasm_test_artifacts::BURGERS;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_async_waits_finish_together() {
    let server = Server::start(&[("burgers", BURGERS, "")], &[]);
    let started = Instant::now();
    let statuses = fire(&server, "/burgers/concurrent?ms=500", 100).await;
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert!(elapsed >= Duration::from_millis(500));
    // One after another would take 50 s; together they take one wait plus overhead.
    assert!(
        elapsed < Duration::from_secs(5),
        "100 concurrent 500 ms waits took {elapsed:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_operations_share_the_bounded_pool_in_rounds() {
    let server = Server::start(&[("burgers", BURGERS, "")], &["--sync-workers", "4"]);
    let started = Instant::now();
    let statuses = fire(&server, "/burgers/parallel?ms=500", 8).await;
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    // Eight blocking calls on four threads cannot finish in fewer than two rounds.
    assert!(
        elapsed >= Duration::from_millis(1000),
        "8 sync calls on 4 workers took {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_millis(4000),
        "8 sync calls on 4 workers took {elapsed:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn async_work_answers_promptly_while_the_sync_pool_is_saturated() {
    let server = Server::start(&[("burgers", BURGERS, "")], &["--sync-workers", "2"]);
    let blocked = tokio::spawn({
        let url = server.url("/burgers/parallel?ms=3000");
        async move {
            let handles: Vec<_> = (0..4).map(|_| tokio::spawn(get(url.clone()))).collect();
            futures::future::join_all(handles).await
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let (status, body) = get_json(&server.url("/burgers/concurrent?ms=0")).await;
    let elapsed = started.elapsed();
    assert_eq!((status, body["kind"].as_str()), (200, Some("async")));
    assert!(
        elapsed < Duration::from_millis(1500),
        "async answer took {elapsed:?} behind a full pool"
    );
    assert!(
        !blocked.is_finished(),
        "the sync calls should still be running"
    );
    let (status, _) = get_json(&server.url("/burgers/cook?n=1000")).await;
    assert_eq!(status, 200);
    for result in blocked.await.unwrap() {
        assert_eq!(result.unwrap().0, 200);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_pool_and_queue_answers_503() {
    let server = Server::start(
        &[("burgers", BURGERS, "")],
        &["--sync-workers", "1", "--sync-queue", "1"],
    );
    let statuses = fire(&server, "/burgers/parallel?ms=1500", 4).await;
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let rejected = statuses.iter().filter(|s| **s == 503).count();
    assert_eq!(ok + rejected, 4, "{statuses:?}");
    assert!(
        ok >= 1 && rejected >= 1,
        "expected some served and some turned away: {statuses:?}"
    );
    let (status, body) = get_json(&server.url("/burgers/cook?n=10")).await;
    assert_eq!(status, 200, "the pool recovers: {body}");
}
