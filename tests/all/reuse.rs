//! Instance reuse: async requests share an instance, sync ones take an idle one from a pool
//! (either way its globals persist, as in one FastAPI process), within the limits on
//! concurrency, requests and idle time; a trapped or timed-out instance is never reused; and
//! `isolation = "request"` gives each request its own.

use crate::support::{Server, get, shared_cache};
use fastwasm_test_artifacts::FAULTS;
use std::time::Duration;

fn faults(isolation: &str, flags: &[&str]) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fastwasm.toml"),
        format!("[[component]]\nname = \"faults\"\npath = {FAULTS:?}\n{isolation}\n"),
    )
    .unwrap();
    (Server::start_at(dir.path(), flags, &shared_cache()), dir)
}

/// The bodies of `count` sequential GETs of `path`.
async fn bodies(server: &Server, path: &str, count: usize) -> Vec<String> {
    let mut bodies = Vec::new();
    for _ in 0..count {
        let (status, _, body) = get(&server.url(path)).await;
        assert_eq!(status, 200, "{path}: {body}");
        bodies.push(body);
    }
    bodies
}

#[tokio::test]
async fn async_and_sync_requests_reuse_instances() {
    let (server, _dir) = faults("", &[]);
    assert_eq!(bodies(&server, "/calls-async", 3).await, ["1", "2", "3"]);
    // Sync requests reuse the pool's instances, apart from the shared async one.
    assert_eq!(bodies(&server, "/calls", 3).await, ["1", "2", "3"]);
}

#[tokio::test]
async fn request_isolation_gives_every_request_a_fresh_instance() {
    let (server, _dir) = faults("isolation = \"request\"", &[]);
    assert_eq!(bodies(&server, "/calls-async", 3).await, ["1", "1", "1"]);
    assert_eq!(bodies(&server, "/calls", 3).await, ["1", "1", "1"]);
}

#[tokio::test]
async fn an_instance_is_replaced_after_its_share_of_requests() {
    let (server, _dir) = faults("", &["--instance-max-requests", "2"]);
    for path in ["/calls-async", "/calls"] {
        assert_eq!(
            bodies(&server, path, 5).await,
            ["1", "2", "1", "2", "1"],
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_sync_instance_that_trapped_or_timed_out_is_not_reused() {
    let (server, _dir) = faults("", &["--request-timeout", "1s"]);
    assert_eq!(bodies(&server, "/calls", 2).await, ["1", "2"]);
    assert_eq!(get(&server.url("/panic")).await.0, 500);
    assert_eq!(bodies(&server, "/calls", 2).await, ["1", "2"]);
    assert_eq!(get(&server.url("/spin")).await.0, 504);
    assert_eq!(bodies(&server, "/calls", 1).await, ["1"]);
}

#[tokio::test]
async fn an_idle_instance_ends() {
    let (server, _dir) = faults("", &["--instance-idle-timeout", "200ms"]);
    assert_eq!(bodies(&server, "/calls", 2).await, ["1", "2"]);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(bodies(&server, "/calls", 1).await, ["1"]);

    assert_eq!(bodies(&server, "/calls-async", 2).await, ["1", "2"]);
    server
        .wait_for_log(
            &["shared instance ended after 2 requests", "instance=1"],
            Duration::from_secs(5),
        )
        .unwrap_or_else(|| panic!("the idle instance did not end:\n{}", server.logs()));
    assert_eq!(bodies(&server, "/calls-async", 1).await, ["1"]);
}

// Multi-threaded: the log waits below block this thread while the long request goes on.
#[tokio::test(flavor = "multi_thread")]
async fn a_full_instance_sends_requests_to_another() {
    let (server, _dir) = faults("", &["--instance-concurrency", "1"]);
    let waiting = tokio::spawn(get(server.url("/wait-async?ms=3000")));
    server
        .wait_for_log(
            &["shared instance started", "instance=1"],
            Duration::from_secs(10),
        )
        .unwrap_or_else(|| panic!("no first instance:\n{}", server.logs()));
    // The first instance is busy with its one request: this one starts a second.
    assert_eq!(bodies(&server, "/calls-async", 1).await, ["1"]);
    server
        .wait_for_log(
            &["shared instance started", "instance=2"],
            Duration::from_secs(5),
        )
        .unwrap_or_else(|| panic!("no second instance:\n{}", server.logs()));
    assert_eq!(waiting.await.unwrap().2, "waited");
}

#[tokio::test]
async fn a_trap_fails_the_requests_on_its_instance_and_the_next_gets_a_fresh_one() {
    let (server, _dir) = faults("", &[]);
    assert_eq!(bodies(&server, "/calls-async", 1).await, ["1"]);
    let waiting = tokio::spawn(get(server.url("/wait-async?ms=2000")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _, _) = get(&server.url("/panic-async")).await;
    assert_eq!(status, 500);
    // The request that shared the trapped instance fails with it: the price of sharing.
    let (status, _, _) = waiting.await.unwrap();
    assert_eq!(status, 500);
    server
        .wait_for_log(
            &["shared instance trapped", "2 requests in flight failed"],
            Duration::from_secs(5),
        )
        .unwrap_or_else(|| panic!("the failed instance is not logged:\n{}", server.logs()));
    assert_eq!(bodies(&server, "/calls-async", 1).await, ["1"]);
}

#[tokio::test]
async fn with_request_isolation_a_trap_fails_only_its_own_request() {
    let (server, _dir) = faults("isolation = \"request\"", &[]);
    let waiting = tokio::spawn(get(server.url("/wait-async?ms=1000")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _, _) = get(&server.url("/panic-async")).await;
    assert_eq!(status, 500);
    let (status, _, body) = waiting.await.unwrap();
    assert_eq!((status, body.as_str()), (200, "waited"));
}

// Spawned requests must progress while the test waits on the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spinning_request_is_stopped_at_its_own_deadline_under_traffic() {
    let (server, _dir) = faults("", &["--request-timeout", "1s"]);
    let spinning = tokio::spawn(get(server.url("/spin-async")));
    assert!(
        server
            .wait_for_log(
                &["shared instance started", "instance=1"],
                Duration::from_secs(10)
            )
            .is_some()
    );
    // Steady traffic, each request with its own later deadline. The first lands on the
    // spinner's instance, whose event loop the spinner holds; the spinner must still be
    // stopped at its own deadline, not at the latest deadline of whatever keeps arriving.
    let mut statuses = Vec::new();
    let until = std::time::Instant::now() + Duration::from_secs(4);
    while std::time::Instant::now() < until {
        statuses.push(get(server.url("/wait-async?ms=20")).await.0);
    }
    assert_eq!(spinning.await.unwrap().0, 504);
    assert!(
        [500, 504].contains(&statuses[0]),
        "the request that shared the spinner's instance: {}",
        statuses[0]
    );
    assert!(
        statuses.len() > 10 && statuses[1..].iter().all(|status| *status == 200),
        "{statuses:?}\n{}",
        server.logs()
    );
    let needles = [
        "shared instance trapped",
        "a request computed past its deadline",
        "instance=1",
    ];
    assert!(
        server
            .wait_for_log(&needles, Duration::from_secs(10))
            .is_some(),
        "{}",
        server.logs()
    );
}

// Spawned requests must progress while the test waits on the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_instance_that_cannot_start_answers_503_once() {
    let (server, _dir) = faults("", &["--max-instances", "1", "--instance-concurrency", "1"]);
    // The first request holds the only instance the budget allows; the second needs another.
    let holding = tokio::spawn(get(server.url("/wait-async?ms=1500")));
    assert!(
        server
            .wait_for_log(&["shared instance started"], Duration::from_secs(10))
            .is_some()
    );
    let (status, _, body) = get(&server.url("/wait-async?ms=10")).await;
    assert_eq!(
        (status, body.as_str()),
        (503, r#"{"detail":"Service Unavailable"}"#)
    );
    assert_eq!(holding.await.unwrap().0, 200);
    let failures = server
        .logs()
        .lines()
        .filter(|line| line.contains("shared instance could not start"))
        .count();
    assert_eq!(failures, 1, "{}", server.logs());
    assert!(
        server
            .logs()
            .contains("the instance budget (`max_instances`) is spent")
    );
    // With the budget free again, the next request is served.
    assert_eq!(get(server.url("/wait-async?ms=10")).await.0, 200);
}

#[tokio::test]
async fn a_spent_instance_budget_is_503_and_idle_instances_make_room() {
    let (server, _dir) = faults("", &["--max-instances", "1"]);
    // An idle pooled sync instance gives its place up for the async request's instance.
    assert_eq!(get(server.url("/calls")).await.0, 200);
    assert_eq!(get(server.url("/calls-async")).await.0, 200);
    // The shared instance now holds the only place, and it is not idle to give up: 503.
    let (status, _, _) = get(&server.url("/calls")).await;
    assert_eq!(status, 503, "{}", server.logs());
}
