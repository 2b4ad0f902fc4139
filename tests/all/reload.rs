//! Hot reload under load: swaps drop no request, in-flight requests finish on their version,
//! broken versions never replace a working one, and manifest edits apply without a restart.

use crate::support::{Server, client, get, shared_cache};
use fastwasm_test_artifacts::{DEP_CYCLE, HELLO, VERSION_ONE, VERSION_TWO};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// An app whose component `svc` is served from `svc.wasm` in the app folder.
fn versioned_app(first: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(first, dir.path().join("svc.wasm")).unwrap();
    std::fs::write(
        dir.path().join("fastwasm.toml"),
        "[[component]]\nname = \"svc\"\npath = \"svc.wasm\"\n",
    )
    .unwrap();
    dir
}

/// Replaces `svc.wasm` the way build tools do: write a temporary file, then rename it over.
fn install(dir: &Path, wasm: &str) {
    let tmp = dir.join("svc.wasm.partial");
    std::fs::copy(wasm, &tmp).unwrap();
    std::fs::rename(tmp, dir.join("svc.wasm")).unwrap();
}

fn reloads(server: &Server) -> usize {
    server.logs().matches("reload: reloaded in").count()
}

fn failed_reloads(server: &Server) -> usize {
    server.logs().matches("reload failed").count()
}

/// Waits until `count` reaches `at_least`.
fn wait_until(server: &Server, count: fn(&Server) -> usize, at_least: usize) {
    let start = Instant::now();
    while count(server) < at_least {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no reload happened:\n{}",
            server.logs()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn version(server: &Server) -> String {
    let (status, _, body) = get(server.url("/version")).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn swaps_under_load_drop_no_request() {
    let dir = versioned_app(VERSION_ONE);
    let server = Arc::new(Server::start_at(dir.path(), &["--watch"], &shared_cache()));
    assert_eq!(version(&server).await, "v1");
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..24)
        .map(|_| {
            let (url, stop) = (server.url("/version"), stop.clone());
            tokio::spawn(async move {
                let client = client();
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) && seen.len() < 100_000 {
                    match client.get(&url).send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            seen.push((status, response.text().await.unwrap_or_default()));
                        }
                        Err(err) => seen.push((0, err.to_string())),
                    }
                }
                seen
            })
        })
        .collect();
    // v1 -> v2 -> v1 -> v2, each swap observed in the log before the next.
    for (round, wasm) in [VERSION_TWO, VERSION_ONE, VERSION_TWO]
        .into_iter()
        .enumerate()
    {
        tokio::time::sleep(Duration::from_millis(700)).await;
        install(dir.path(), wasm);
        let server = server.clone();
        tokio::task::spawn_blocking(move || wait_until(&server, reloads, round + 1))
            .await
            .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for seen in futures::future::join_all(clients).await {
        for (status, body) in seen.unwrap() {
            total += 1;
            assert_eq!(status, 200, "a request failed during a swap: {body}");
            assert!(body == "v1" || body == "v2", "unexpected answer {body}");
        }
    }
    assert!(
        total > 100,
        "the load was too light to mean anything: {total} requests"
    );
    for _ in 0..20 {
        assert_eq!(
            version(&server).await,
            "v2",
            "after the swap only v2 answers"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_started_on_v1_finishes_on_v1() {
    let dir = versioned_app(VERSION_ONE);
    let server = Server::start_at(dir.path(), &["--watch"], &shared_cache());
    let slow = tokio::spawn(get(server.url("/slow?ms=2000")));
    tokio::time::sleep(Duration::from_millis(300)).await;
    install(dir.path(), VERSION_TWO);
    tokio::task::block_in_place(|| wait_until(&server, reloads, 1));
    assert_eq!(version(&server).await, "v2");
    let (status, _, body) = slow.await.unwrap();
    assert_eq!((status, body.as_str()), (200, "v1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn broken_versions_never_replace_a_working_one() {
    let dir = versioned_app(VERSION_ONE);
    let server = Server::start_at(dir.path(), &["--watch"], &shared_cache());

    // A corrupt file, written in place.
    std::fs::write(dir.path().join("svc.wasm"), b"\0asm\x0d\0\x01\0garbage").unwrap();
    tokio::task::block_in_place(|| wait_until(&server, failed_reloads, 1));
    assert_eq!(version(&server).await, "v1");
    assert!(
        server.logs().contains("component `svc`"),
        "{}",
        server.logs()
    );

    // A component whose dependencies form a cycle.
    install(dir.path(), DEP_CYCLE);
    tokio::task::block_in_place(|| wait_until(&server, failed_reloads, 2));
    assert!(
        server.logs().contains("dependency cycle"),
        "{}",
        server.logs()
    );
    assert_eq!(version(&server).await, "v1");

    // A manifest edit adding a component whose routes conflict.
    install(dir.path(), VERSION_ONE);
    tokio::task::block_in_place(|| wait_until(&server, reloads, 1));
    let manifest = format!(
        "[[component]]\nname = \"svc\"\npath = \"svc.wasm\"\n\
         [[component]]\nname = \"twin\"\npath = {VERSION_TWO:?}\n"
    );
    std::fs::write(dir.path().join("fastwasm.toml"), manifest).unwrap();
    tokio::task::block_in_place(|| wait_until(&server, failed_reloads, 3));
    assert!(
        server.logs().contains("route conflict"),
        "{}",
        server.logs()
    );
    assert_eq!(version(&server).await, "v1");

    // Then a good build is picked up.
    std::fs::write(
        dir.path().join("fastwasm.toml"),
        "[[component]]\nname = \"svc\"\npath = \"svc.wasm\"\n",
    )
    .unwrap();
    install(dir.path(), VERSION_TWO);
    tokio::task::block_in_place(|| {
        let start = Instant::now();
        while !server.logs().contains("svc ") || reloads(&server) < 2 {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{}",
                server.logs()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    server
        .wait_for_body("/version", "v2", Duration::from_secs(30))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn manifest_edits_add_and_remove_components_without_a_restart() {
    let dir = versioned_app(VERSION_ONE);
    let server = Server::start_at(dir.path(), &["--watch"], &shared_cache());
    let (status, _, _) = get(server.url("/hello/")).await;
    assert_eq!(status, 404);

    let with_hello = format!(
        "[[component]]\nname = \"svc\"\npath = \"svc.wasm\"\n\
         [[component]]\nname = \"hello\"\npath = {HELLO:?}\nprefix = \"/hello\"\n"
    );
    std::fs::write(dir.path().join("fastwasm.toml"), with_hello).unwrap();
    tokio::task::block_in_place(|| wait_until(&server, reloads, 1));
    assert!(server.logs().contains("hello added"), "{}", server.logs());
    let (status, _, body) = get(server.url("/hello/")).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"message":"Hello World"}"#)
    );
    assert_eq!(version(&server).await, "v1");

    std::fs::write(
        dir.path().join("fastwasm.toml"),
        "[[component]]\nname = \"svc\"\npath = \"svc.wasm\"\n",
    )
    .unwrap();
    tokio::task::block_in_place(|| wait_until(&server, reloads, 2));
    assert!(server.logs().contains("hello removed"), "{}", server.logs());
    let (status, _, _) = get(server.url("/hello/")).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_reloads_and_reports_versions() {
    let dir = versioned_app(VERSION_ONE);
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    // Without --watch a new file is not picked up by itself...
    install(dir.path(), VERSION_TWO);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(version(&server).await, "v1");
    // ...until SIGHUP.
    server.signal("HUP");
    tokio::task::block_in_place(|| wait_until(&server, reloads, 1));
    assert_eq!(version(&server).await, "v2");
    let line = server
        .logs()
        .lines()
        .find(|line| line.contains("reloaded in"))
        .unwrap()
        .to_owned();
    assert!(line.contains("reason=SIGHUP"), "{line}");
    assert!(line.contains("svc ") && line.contains(" -> "), "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn deleted_recreated_and_chunked_files_are_handled() {
    let dir = versioned_app(VERSION_ONE);
    let server = Server::start_at(dir.path(), &["--watch"], &shared_cache());
    let path = dir.path().join("svc.wasm");

    // Deleted: the reload fails (nothing to read) and v1 keeps serving.
    std::fs::remove_file(&path).unwrap();
    tokio::task::block_in_place(|| wait_until(&server, failed_reloads, 1));
    assert!(
        server.logs().contains("cannot read the component file"),
        "{}",
        server.logs()
    );
    assert_eq!(version(&server).await, "v1");

    // Recreated in two chunks with a pause longer than the debounce: the half file is
    // rejected, never served, and the whole one is picked up.
    let bytes = std::fs::read(VERSION_TWO).unwrap();
    let (head, tail) = bytes.split_at(bytes.len() / 2);
    std::fs::write(&path, head).unwrap();
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        version(&server).await,
        "v1",
        "a half-written file was served"
    );
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut file, tail).unwrap();
    drop(file);
    server
        .wait_for_body("/version", "v2", Duration::from_secs(30))
        .await;
}
