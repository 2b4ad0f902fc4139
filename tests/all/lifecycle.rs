//! Start-up, the compile cache, the route table, and graceful shutdown.

use crate::support::{Server, app, get, run};
use fastwasm_test_artifacts::{BURGERS, HELLO};
use std::time::Duration;

#[tokio::test]
async fn a_second_start_loads_from_the_compile_cache() {
    let cache = tempfile::tempdir().unwrap();
    let dir = app(&[("hello", HELLO, "")], "");
    let first = Server::start_at(dir.path(), &[], cache.path());
    assert!(first.logs().contains("compiled in"), "{}", first.logs());
    drop(first);
    let second = Server::start_at(dir.path(), &[], cache.path());
    assert!(
        second.logs().contains("loaded from the compile cache"),
        "{}",
        second.logs()
    );
    assert!(!second.logs().contains("compiled in"), "{}", second.logs());
    let (status, _, _) = get(&second.url("/")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_corrupt_cache_entry_is_recompiled() {
    let cache = tempfile::tempdir().unwrap();
    let dir = app(&[("hello", HELLO, "")], "");
    drop(Server::start_at(dir.path(), &[], cache.path()));
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        std::fs::write(entry.unwrap().path(), b"garbage").unwrap();
    }
    let server = Server::start_at(dir.path(), &[], cache.path());
    assert!(
        server
            .logs()
            .contains("ignoring a compile-cache entry that fails its authentication"),
        "{}",
        server.logs()
    );
    let (status, _, _) = get(&server.url("/")).await;
    assert_eq!(status, 200);
}

#[test]
fn routes_prints_the_table_with_prefixes() {
    let dir = app(&[("hello", HELLO, ""), ("burgers", BURGERS, "/shop")], "");
    let cache = crate::support::shared_cache();
    let output = run(&[
        "routes",
        dir.path().to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = String::from_utf8(output.stdout).unwrap();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(
        rows[0],
        [
            "METHOD",
            "PATH",
            "OPERATION",
            "KIND",
            "COMPONENT",
            "DEPENDENCIES"
        ]
    );
    assert!(
        rows.contains(&vec![
            "GET",
            "/items/{item_id}",
            "read_item",
            "async",
            "hello",
            "-"
        ]),
        "{table}"
    );
    assert!(
        rows.contains(&vec![
            "DELETE",
            "/items/{item_id}",
            "delete_item",
            "sync",
            "hello",
            "-"
        ]),
        "{table}"
    );
    assert!(
        rows.contains(&vec![
            "GET",
            "/shop/burgers/concurrent",
            "concurrent",
            "async",
            "burgers",
            "-"
        ]),
        "{table}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_drains_in_flight_requests_then_exits() {
    let mut server = Server::start(&[("burgers", BURGERS, "")], &[]);
    let in_flight = tokio::spawn(get(server.url("/burgers/concurrent?ms=1500")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = tokio::task::block_in_place(|| server.terminate());
    assert!(status.success(), "fastwasm exited with {status}");
    let (code, _, body) = in_flight.await.unwrap();
    assert_eq!(code, 200, "{body}");
    server.expect_log("received SIGTERM");
    server.expect_log("all connections drained");
}

#[tokio::test]
async fn prefixes_mount_components_side_by_side() {
    let server = Server::start(
        &[("hello", HELLO, "/v1"), ("burgers", BURGERS, "kitchen/")],
        &[],
    );
    let (status, _, body) = get(&server.url("/v1/")).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"message":"Hello World"}"#)
    );
    let (status, _, _) = get(&server.url("/kitchen/burgers/cook?n=5")).await;
    assert_eq!(status, 200);
    let (status, _, _) = get(&server.url("/burgers/cook")).await;
    assert_eq!(status, 404);
}

#[test]
fn build_runs_each_command_with_tagged_output_then_checks_the_app() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "[[component]]\nname = \"greeter\"\npath = \"out/greeter.wasm\"\n\
         build = \"echo compiling greeter && mkdir -p out && cp {HELLO} out/greeter.wasm\"\n"
    );
    std::fs::write(dir.path().join("fastwasm.toml"), manifest).unwrap();
    let cache = crate::support::shared_cache();
    let output = run(&[
        "build",
        dir.path().to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    assert!(log.contains("[greeter] compiling greeter"), "{log}");
    assert!(log.contains("1 components, 19 operations ready"), "{log}");
    assert!(dir.path().join("out/greeter.wasm").exists());

    let failing =
        "[[component]]\nname = \"broken\"\npath = \"x.wasm\"\nbuild = \"echo oops >&2; exit 3\"\n";
    std::fs::write(dir.path().join("fastwasm.toml"), failing).unwrap();
    let output = run(&["build", dir.path().to_str().unwrap()]);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(log.contains("[broken] oops"), "{log}");
    assert!(
        log.contains("component `broken`: build command `echo oops >&2; exit 3` failed"),
        "{log}"
    );
}
