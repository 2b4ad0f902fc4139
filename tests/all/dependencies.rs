//! Dependencies, FastAPI's `Depends`, resolved by the host: order, once per request, errors that
//! end the request before the handler, teardowns, overrides, concurrency, and load errors.
//! `examples/auth` writes a log line from every provider and handler, tagged with the request
//! id the test sends, so the log shows what ran, how often and in which order.

use crate::support::{Server, client, error_kinds, get, run, send, shared_cache};
use fastwasm_test_artifacts::{AUTH_API, AUTH_PROVIDERS, DEP_CYCLE, DEP_MISSING, DEPS_LAB, HELLO};
use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

/// An app folder whose manifest is `top` (top-level keys) followed by `components`.
fn app_with(top: &str, components: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = format!("{top}\n");
    for (name, wasm) in components {
        manifest.push_str(&format!(
            "\n[[component]]\nname = \"{name}\"\npath = {wasm:?}\n"
        ));
    }
    std::fs::write(dir.path().join("fastwasm.toml"), manifest).unwrap();
    dir
}

fn auth(flags: &[&str]) -> (Server, tempfile::TempDir) {
    let dir = app_with(
        "dependencies = [\"request-id\"]",
        &[("providers", AUTH_PROVIDERS), ("api", AUTH_API)],
    );
    (Server::start_at(dir.path(), flags, &shared_cache()), dir)
}

async fn call(server: &Server, path: &str, rid: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = client().get(server.url(path)).header("x-request-id", rid);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn providers_resolve_in_graph_order_once_per_request_then_tear_down() {
    let (server, _dir) = auth(&[]);
    for rid in ["order-1", "order-2"] {
        let response = call(&server, "/items", rid, Some("alice-token")).await;
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["owner"], "alice");
        assert_eq!(body["session"], rid);
        // `db` and `token` have three consumers each (the handler, `current-user`, and the
        // handler again through `current-user`): each is provided exactly once per request.
        assert_eq!(
            server.guest_trace(rid),
            [
                "provide request-id",
                "provide token",
                "open db",
                "provide current-user",
                "handler read_items",
                "close db",
            ],
            "request {rid}"
        );
    }
}

#[tokio::test]
async fn a_provider_error_ends_the_request_before_the_handler() {
    let (server, _dir) = auth(&[]);
    let response = call(&server, "/items", "no-token", None).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"detail":"Not authenticated"}"#
    );
    let lines = server.guest_trace("no-token");
    assert!(
        !lines.iter().any(|l| l.starts_with("handler")),
        "the handler ran: {lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l == "provide current-user"),
        "{lines:?}"
    );
    // What was opened is still closed.
    assert_eq!(
        lines.last().map(String::as_str),
        Some("close db"),
        "{lines:?}"
    );

    let response = call(&server, "/users/me", "inactive", Some("bob-token")).await;
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"detail":"Inactive user"}"#
    );
}

#[tokio::test]
async fn teardown_runs_after_a_handler_trap() {
    let (server, _dir) = auth(&[]);
    let response = call(&server, "/items/broken", "trap", None).await;
    assert_eq!(response.status(), 500);
    assert_eq!(
        server.guest_trace("trap"),
        [
            "provide request-id",
            "open db",
            "handler broken",
            "close db"
        ]
    );
}

#[tokio::test]
async fn use_cache_false_gets_its_own_value() {
    let (server, _dir) = auth(&[]);
    let response = call(&server, "/sessions/fresh", "fresh", Some("alice-token")).await;
    assert_eq!(response.status(), 200);
    let lines = server.guest_trace("fresh");
    assert_eq!(
        lines.iter().filter(|l| *l == "open db").count(),
        2,
        "{lines:?}"
    );
    assert_eq!(
        lines.iter().filter(|l| *l == "close db").count(),
        2,
        "{lines:?}"
    );
}

#[tokio::test]
async fn app_level_dependencies_run_for_every_operation() {
    let (server, _dir) = auth(&[]);
    let response = call(&server, "/health", "health", None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(server.guest_trace("health"), ["provide request-id"]);
}

#[tokio::test]
async fn component_level_dependencies_run_for_its_operations_only() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "[[component]]\nname = \"providers\"\npath = {AUTH_PROVIDERS:?}\n\
         [[component]]\nname = \"hello\"\npath = {HELLO:?}\nprefix = \"/hello\"\n\
         dependencies = [\"request-id\"]\n\
         [[component]]\nname = \"api\"\npath = {AUTH_API:?}\n"
    );
    std::fs::write(dir.path().join("fastwasm.toml"), manifest).unwrap();
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    assert_eq!(call(&server, "/hello/", "router", None).await.status(), 200);
    assert_eq!(server.guest_trace("router"), ["provide request-id"]);
    assert_eq!(
        call(&server, "/health", "no-router", None).await.status(),
        200
    );
    assert!(server.guest_trace("no-router").is_empty());
}

#[tokio::test]
async fn an_override_changes_the_response() {
    let (server, _dir) = auth(&["--override", "current-user=guest-user"]);
    let response = call(&server, "/users/me", "override", None).await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["username"], "guest");

    let dir = app_with(
        "[overrides]\ncurrent-user = \"guest-user\"",
        &[("providers", AUTH_PROVIDERS), ("api", AUTH_API)],
    );
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    let (status, _, body) = get(server.url("/users/me")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"guest\""), "{body}");
}

#[tokio::test]
async fn independent_async_providers_resolve_concurrently() {
    let dir = app_with("", &[("lab", DEPS_LAB)]);
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    get(server.url("/slow")).await; // warm the process up
    let started = Instant::now();
    let (status, _, body) = get(server.url("/slow")).await;
    let elapsed = started.elapsed();
    assert_eq!((status, body.as_str()), (200, "10"));
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    // One after another they would take 1.2 s.
    assert!(
        elapsed < Duration::from_millis(900),
        "four 300 ms providers took {elapsed:?}"
    );
    server.expect_log("released slow-d=4");
}

#[tokio::test]
async fn a_provider_component_is_instantiated_once_per_request() {
    let dir = app_with("", &[("lab", DEPS_LAB)]);
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    // Three providers of one component share its one instance for the request (calls 1, 2, 3
    // on it), and the next request gets a fresh one.
    for _ in 0..2 {
        let (status, _, body) = get(server.url("/counts")).await;
        assert_eq!((status, body.as_str()), (200, "[1,2,3]"));
    }
}

#[tokio::test]
async fn a_failing_teardown_is_logged_and_changes_nothing() {
    let dir = app_with("", &[("lab", DEPS_LAB)]);
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    let (status, _, body) = get(server.url("/fragile")).await;
    assert_eq!((status, body.as_str()), (200, "fine so far"));
    let line = server
        .wait_for_log(
            &["teardown failed", "dependency=fragile"],
            Duration::from_secs(5),
        )
        .unwrap_or_else(|| panic!("{}", server.logs()));
    assert!(line.contains("component=lab"), "{line}");
    let (status, _, _) = get(server.url("/fragile")).await;
    assert_eq!(status, 200, "the next request is served normally");
}

#[test]
fn routes_shows_each_operations_dependency_chain() {
    let dir = app_with(
        "dependencies = [\"request-id\"]",
        &[("providers", AUTH_PROVIDERS), ("api", AUTH_API)],
    );
    let output = check_like("routes", dir.path());
    let table = String::from_utf8(output.stdout).unwrap();
    let row = table
        .lines()
        .find(|line| line.contains("read_items"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(
        row.ends_with("request-id,token,db,current-user(async)"),
        "{row}"
    );
}

fn check_like(command: &str, dir: &Path) -> std::process::Output {
    let cache = shared_cache();
    run(&[
        command,
        dir.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
    ])
}

fn load_error(top: &str, components: &[(&str, &str)]) -> String {
    let dir = app_with(top, components);
    let output = check_like("check", dir.path());
    assert!(!output.status.success(), "the app should not load");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_cycle_is_a_load_error_with_its_path() {
    let log = load_error("", &[("farm", DEP_CYCLE)]);
    assert!(
        log.contains(
            "dependency cycle: `egg` (component `farm`) -> `chicken` (component `farm`) -> \
             `egg` (component `farm`)"
        ),
        "{log}"
    );
}

#[test]
fn a_missing_provider_is_a_load_error_naming_the_operation() {
    let log = load_error("", &[("haunted", DEP_MISSING)]);
    assert!(
        log.contains("operation `haunted` of component `haunted` depends on `ghost`, which no component provides"),
        "{log}"
    );
    let log = load_error("dependencies = [\"audit\"]", &[("hello", HELLO)]);
    assert!(
        log.contains("depends on `audit`, which no component provides"),
        "{log}"
    );
}

#[test]
fn two_providers_of_one_name_and_a_bad_override_are_load_errors() {
    let log = load_error(
        "",
        &[("providers", AUTH_PROVIDERS), ("copy", AUTH_PROVIDERS)],
    );
    assert!(
        log.contains("dependency `request-id` is provided twice: by component `providers` and by component `copy`"),
        "{log}"
    );
    let log = load_error(
        "[overrides]\ndb = \"nothing\"",
        &[("providers", AUTH_PROVIDERS), ("api", AUTH_API)],
    );
    assert!(
        log.contains("override `db` = `nothing`: no component provides `nothing`"),
        "{log}"
    );
}

/// The lab's providers, with extra `serve` flags.
fn lab(flags: &[&str]) -> Server {
    Server::start(&[("lab", DEPS_LAB, "")], flags)
}

fn tracked(server: &Server, path: &str, rid: &str) -> reqwest::RequestBuilder {
    client().get(server.url(path)).header("x-rid", rid)
}

const LOG_WAIT: Duration = Duration::from_secs(10);

// Spawned requests must progress while the test waits on the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teardown_waits_for_a_worker_when_the_pool_is_full() {
    let server = lab(&["--sync-workers", "1", "--sync-queue", "0"]);
    let request = tokio::spawn(send(tracked(&server, "/tracked?ms=400", "full")));
    assert!(
        server
            .wait_for_log(&["provided tracked rid=full"], LOG_WAIT)
            .is_some()
    );
    // The only worker is taken when the sync teardown comes due, and the queue has no room.
    let blocker = tokio::spawn(get(server.url("/block?ms=1500")));
    let (status, _, body) = request.await.unwrap();
    assert_eq!((status, body.as_str()), (200, "full"));
    server.expect_log("released tracked rid=full");
    assert_eq!(blocker.await.unwrap().0, 200);
}

// Spawned requests must progress while the test waits on the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pool_after_an_async_provider_still_tears_it_down() {
    let server = lab(&["--sync-workers", "1", "--sync-queue", "0"]);
    let blocker = tokio::spawn(get(server.url("/block?ms=1500")));
    assert!(
        server
            .wait_for_log(&["blocking for 1500 ms"], LOG_WAIT)
            .is_some()
    );
    // `async-tracked` runs; `tracked`, in the same component and layer, finds the pool full.
    let (status, _, _) = send(tracked(&server, "/tracked-both", "both")).await;
    assert_eq!(status, 503);
    assert!(
        server
            .wait_for_log(&["released async-tracked rid=both"], LOG_WAIT)
            .is_some(),
        "the async provider's teardown did not run:\n{}",
        server.logs()
    );
    assert_eq!(blocker.await.unwrap().0, 200);
}

// Spawned requests must progress while the test waits on the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teardowns_run_when_the_client_leaves() {
    let server = lab(&[]);
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let left = impatient
        .get(server.url("/tracked?ms=20000"))
        .header("x-rid", "gone")
        .send()
        .await;
    assert!(left.is_err(), "the client should have given up");
    // Long before the handler's 20 s wait would end, the teardown has run.
    assert!(
        server
            .wait_for_log(&["released tracked rid=gone"], LOG_WAIT)
            .is_some(),
        "no teardown after the client left:\n{}",
        server.logs()
    );
    server.expect_log("the client left before the answer");
}

#[tokio::test]
async fn teardowns_run_after_a_timeout() {
    let server = lab(&["--request-timeout", "500ms"]);
    let (status, _, _) = send(tracked(&server, "/tracked?ms=5000", "late")).await;
    assert_eq!(status, 504);
    assert!(
        server
            .wait_for_log(&["released tracked rid=late"], LOG_WAIT)
            .is_some(),
        "{}",
        server.logs()
    );
}

/// FastAPI skips a dependency whose parameters fail and goes on: the host does not call such a
/// provider, and the operation's 422 lists the provider's errors first, then its own.
#[tokio::test]
async fn a_provider_with_invalid_parameters_is_skipped_and_its_errors_come_first() {
    let server = lab(&[]);
    let (status, _, body) = send(client().get(server.url("/tracked?ms=soon"))).await;
    assert_eq!(status, 422, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        error_kinds(&body),
        [
            (json!("missing"), json!(["header", "x-rid"])),
            (json!("int_parsing"), json!(["query", "ms"])),
        ],
        "{body}"
    );
    // With the header, the provider runs and only the operation's own error is left.
    let (status, _, body) = send(tracked(&server, "/tracked?ms=soon", "valid")).await;
    assert_eq!(status, 422, "{body}");
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["detail"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["detail"][0]["loc"], json!(["query", "ms"]));
    server.expect_log("provided tracked rid=valid");
    // The first request did not call it.
    let logs = server.logs();
    assert_eq!(logs.matches("provided tracked").count(), 1, "{logs}");
}
