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
