//! Hostile clients, guests and files on disk get a defined answer, and the server keeps
//! serving everyone else.

use crate::support::{Server, app, built, client, get, get_json, run, send, shared_cache};
use fastwasm_test_artifacts::{FAULTS, HELLO};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn faults(flags: &[&str]) -> Server {
    Server::start(&[("faults", FAULTS, "")], flags)
}

/// Everything the server sends on `stream` until it closes the connection (or 10 s pass).
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received));
    match read.await {
        Ok(_) => String::from_utf8_lossy(&received).into_owned(),
        Err(_) => panic!(
            "the server kept the connection open; it sent: {:?}",
            String::from_utf8_lossy(&received)
        ),
    }
}

/// Runs `fastwasm check` on the app in `dir` with extra flags: its success and its output.
fn check(dir: &Path, flags: &[&str]) -> (bool, String) {
    let cache = shared_cache();
    let mut args = vec!["check", dir.to_str().unwrap()];
    if !flags.contains(&"--cache-dir") {
        args.extend(["--cache-dir", cache.to_str().unwrap()]);
    }
    args.extend(flags);
    let output = run(&args);
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

/// An app folder whose manifest has one `faults` component with `extra` lines.
fn faults_app(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!("[[component]]\nname = \"faults\"\npath = {FAULTS:?}\n{extra}\n");
    std::fs::write(dir.path().join("fastwasm.toml"), manifest).unwrap();
    dir
}

// ---- slow, silent and too many clients ----

#[tokio::test]
async fn a_silent_connection_is_closed_after_the_header_timeout() {
    let server = faults(&["--header-read-timeout", "1s"]);
    let started = Instant::now();
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let mut partial = TcpStream::connect(server.addr).await.unwrap();
    partial
        .write_all(b"GET /ok HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let (status, _, body) = get(server.url("/ok")).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    assert_eq!(read_until_closed(&mut silent).await, "");
    let answer = read_until_closed(&mut partial).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn connections_past_the_limit_are_answered_503_and_closed() {
    let server = faults(&["--max-connections", "4", "--header-read-timeout", "30s"]);
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(server.addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let mut extra = TcpStream::connect(server.addr).await.unwrap();
    let answer = read_until_closed(&mut extra).await;
    assert!(
        answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"),
        "{answer}"
    );
    assert!(
        answer.ends_with("\r\n\r\n{\"detail\":\"Service Unavailable\"}"),
        "{answer}"
    );
    assert!(started.elapsed() < Duration::from_secs(5), "the 503 waited");
    assert!(
        server
            .wait_for_log(
                &["answered 503 and closed", "max_connections"],
                Duration::from_secs(5)
            )
            .is_some(),
        "{}",
        server.logs()
    );
    drop(held);
    server
        .wait_for_body("/ok", "ok", Duration::from_secs(10))
        .await;
}

#[tokio::test]
async fn a_stalled_body_is_408_and_the_connection_closes() {
    let server = faults(&["--body-read-timeout", "1s"]);
    let mut stalled = TcpStream::connect(server.addr).await.unwrap();
    stalled
        .write_all(
            b"POST /file?path=/x HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\nten bytes.",
        )
        .await
        .unwrap();
    let started = Instant::now();
    let answer = read_until_closed(&mut stalled).await;
    assert!(
        answer.starts_with("HTTP/1.1 408 Request Timeout\r\n"),
        "{answer}"
    );
    assert!(answer.contains("connection: close\r\n"), "{answer}");
    assert!(
        answer.ends_with(r#"{"detail":"Request Timeout"}"#),
        "{answer}"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
    let (status, _, _) = get(server.url("/ok")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn abrupt_disconnects_and_oversized_heads_leave_the_server_serving() {
    let server = faults(&[]);
    for _ in 0..20 {
        let mut gone = TcpStream::connect(server.addr).await.unwrap();
        gone.write_all(b"POST /file?path=/x HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n\r\nab")
            .await
            .unwrap();
        drop(gone);
    }
    let mut big = TcpStream::connect(server.addr).await.unwrap();
    let mut head = String::from("GET /ok HTTP/1.1\r\nhost: x\r\n");
    for i in 0..200 {
        head.push_str(&format!("x-h{i}: v\r\n"));
    }
    head.push_str("\r\n");
    big.write_all(head.as_bytes()).await.unwrap();
    let answer = read_until_closed(&mut big).await;
    assert!(
        answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
        "{answer}"
    );
    let (status, _, body) = get(server.url("/ok")).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
}

// ---- the compile cache ----

#[test]
fn a_cache_folder_others_can_write_or_a_link_is_refused() {
    let dir = app(&[("hello", HELLO, "")], "");
    let open = tempfile::tempdir().unwrap();
    std::fs::set_permissions(open.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let (ok, text) = check(dir.path(), &["--cache-dir", open.path().to_str().unwrap()]);
    assert!(!ok, "{text}");
    assert!(
        text.contains("is writable by other users (mode 777)"),
        "{text}"
    );
    assert!(text.contains("chmod go-w"), "{text}");

    let private = tempfile::tempdir().unwrap();
    let link = open.path().join("link");
    std::os::unix::fs::symlink(private.path(), &link).unwrap();
    let (ok, text) = check(dir.path(), &["--cache-dir", link.to_str().unwrap()]);
    assert!(!ok, "{text}");
    assert!(text.contains("is not a plain folder"), "{text}");
}

#[tokio::test]
async fn machine_code_planted_in_the_cache_is_not_run() {
    let cache = tempfile::tempdir().unwrap();
    let artifacts = |cache: &Path| -> Vec<std::path::PathBuf> {
        let mut found: Vec<_> = std::fs::read_dir(cache)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "cwasm"))
            .collect();
        found.sort();
        found
    };
    let hello = app(&[("hello", HELLO, "")], "");
    drop(Server::start_at(hello.path(), &[], cache.path()));
    let [hello_code] = artifacts(cache.path()).try_into().unwrap();
    // Another component's genuine machine code, under hello's name: valid code, wrong MAC.
    let other = app(&[("faults", FAULTS, "")], "");
    drop(Server::start_at(other.path(), &[], cache.path()));
    let faults_code = artifacts(cache.path())
        .into_iter()
        .find(|path| *path != hello_code)
        .unwrap();
    std::fs::copy(&faults_code, &hello_code).unwrap();

    let server = Server::start_at(hello.path(), &[], cache.path());
    assert!(
        server
            .logs()
            .contains("ignoring a compile-cache entry that fails its authentication"),
        "{}",
        server.logs()
    );
    assert!(server.logs().contains("compiled in"), "{}", server.logs());
    let (status, _, body) = get(server.url("/")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body, r#"{"message":"Hello World"}"#,
        "hello's own code serves"
    );
}

// ---- memory ----

#[tokio::test]
async fn instances_past_the_host_memory_budget_are_turned_away_or_trap() {
    let dir = faults_app("isolation = \"request\"");
    let server = Server::start_at(
        dir.path(),
        &["--memory-budget-bytes", "8388608"],
        &shared_cache(),
    );
    let waits: Vec<_> = (0..20)
        .map(|_| tokio::spawn(get(server.url("/wait-async?ms=1500"))))
        .collect();
    let mut statuses = Vec::new();
    for wait in waits {
        let (status, _, body) = wait.await.unwrap();
        match status {
            200 => assert_eq!(body, "waited"),
            503 => assert_eq!(body, r#"{"detail":"Service Unavailable"}"#),
            other => panic!("unexpected {other}: {body}"),
        }
        statuses.push(status);
    }
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(statuses.contains(&503), "{statuses:?}");
    assert!(
        server
            .wait_for_log(&["memory_budget_bytes"], Duration::from_secs(5))
            .is_some(),
        "{}",
        server.logs()
    );
    // Growing past the budget is the guest's doing: it traps.
    let (status, _, _) = get(server.url("/hog?mb=16")).await;
    assert_eq!(status, 500);
    let (status, _, body) = get(server.url("/hog?mb=1")).await;
    assert_eq!((status, body.as_str()), (200, "allocated 1 MiB"));
}

// ---- what a guest may answer ----

#[tokio::test]
async fn oversized_answers_are_500_and_logged() {
    let server = faults(&["--max-response-bytes", "1048576"]);
    let (status, _, body) = get(server.url("/big?mb=2")).await;
    assert_eq!(
        (status, body.as_str()),
        (500, r#"{"detail":"Internal Server Error"}"#)
    );
    assert!(
        server
            .wait_for_log(
                &["malformed response from the guest", "max_response_bytes"],
                Duration::from_secs(5)
            )
            .is_some(),
        "{}",
        server.logs()
    );
    let (status, _, body) = get(server.url("/big?mb=1")).await;
    assert_eq!((status, body.len()), (200, 1 << 20));

    let (status, _, _) = get(server.url("/headers?n=101")).await;
    assert_eq!(status, 500);
    assert!(
        server
            .wait_for_log(
                &["101 headers", "max_response_headers"],
                Duration::from_secs(5)
            )
            .is_some(),
        "{}",
        server.logs()
    );
    // Once enough distinct names to overflow a header map.
    let (status, _, _) = get(server.url("/headers?n=30000")).await;
    assert_eq!(status, 500);
    let (status, headers, _) = get(server.url("/headers?n=50")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["x-h49"], "v");
}

// ---- guest logs ----

#[tokio::test]
async fn guest_log_lines_are_escaped_cut_and_rate_limited() {
    let server = faults(&["--guest-log-lines-per-second", "10"]);
    let forged = "ok\u{1b}[31m INFO fastwasm: forged";
    let (status, _, _) =
        send(client().get(server.url_with("/log-text", &[("text", forged)]))).await;
    assert_eq!(status, 200);
    let line = server
        .wait_for_log(&["forged"], Duration::from_secs(5))
        .unwrap_or_else(|| panic!("{}", server.logs()));
    assert!(
        line.contains(r"ok\u{1b}[31m INFO fastwasm: forged"),
        "{line}"
    );
    assert!(line.contains("component=faults"), "{line}");

    let (status, _, _) = get(server.url("/log?n=1&size=100000")).await;
    assert_eq!(status, 200);
    let long = server
        .wait_for_log(&["more bytes)"], Duration::from_secs(5))
        .unwrap_or_else(|| panic!("{}", server.logs()));
    assert!(long.len() < 5000, "a line of {} bytes", long.len());

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _, _) = get(server.url("/log?n=1000&size=7")).await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, _, _) = get(server.url("/log?n=1&size=3")).await;
    assert_eq!(status, 200);
    let report = server
        .wait_for_log(&["log lines dropped"], Duration::from_secs(5))
        .unwrap_or_else(|| panic!("{}", server.logs()));
    let dropped: u64 = report
        .split(" log lines dropped")
        .next()
        .and_then(|head| head.rsplit(' ').next())
        .and_then(|count| count.parse().ok())
        .unwrap_or_else(|| panic!("{report}"));
    assert!((900..=1000).contains(&dropped), "{report}");
    let written = server
        .logs()
        .lines()
        .filter(|line| line.ends_with(" xxxxxxx"))
        .count();
    assert!(written <= 20, "{written} lines of the burst were logged");
    let (status, _, body) = get(server.url("/ok")).await;
    assert_eq!((status, body.as_str()), (200, "ok"));
}

// ---- grants ----

#[tokio::test]
async fn dirs_are_read_only_and_writable_dirs_are_writable() {
    let dir = faults_app(
        "dirs = { \"/data\" = \"data\" }\nwritable_dirs = { \"/scratch\" = \"scratch\" }",
    );
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::create_dir(dir.path().join("scratch")).unwrap();
    std::fs::write(dir.path().join("data/note.txt"), "kept").unwrap();
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    let write = |path: &str| {
        send(
            client()
                .post(server.url_with("/file", &[("path", path)]))
                .body("new text"),
        )
    };
    let (_, _, body) = write("/scratch/out.txt").await;
    assert_eq!(body, "written");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("scratch/out.txt")).unwrap(),
        "new text"
    );
    let (_, _, body) = write("/data/note.txt").await;
    assert!(body.starts_with("<error:"), "{body}");
    let (_, _, body) = write("/data/planted.txt").await;
    assert!(body.starts_with("<error:"), "{body}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("data/note.txt")).unwrap(),
        "kept"
    );
    assert!(!dir.path().join("data/planted.txt").exists());
    let (_, _, body) = get(server.url("/file?path=/data/note.txt")).await;
    assert_eq!(body, "kept");
}

#[test]
fn mounts_that_expose_the_host_are_refused_at_load() {
    let dir = faults_app("dirs = { \"/host\" = \"/\" }");
    let (ok, text) = check(dir.path(), &[]);
    assert!(!ok, "{text}");
    assert!(
        text.contains("dirs: `/host` mounts /, which exposes the host itself"),
        "{text}"
    );

    let dir = faults_app("writable_dirs = { \"/p\" = \"/proc/self\" }");
    let (ok, text) = check(dir.path(), &[]);
    assert!(!ok, "{text}");
    assert!(text.contains("which exposes the host itself"), "{text}");

    let dir = faults_app("dirs = { \"/data\" = \"data\" }\ndirs_writable = true");
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let (ok, text) = check(dir.path(), &[]);
    assert!(!ok, "{text}");
    assert!(text.contains("`dirs_writable` is gone"), "{text}");
    assert!(text.contains("`writable_dirs`"), "{text}");
}

#[tokio::test]
async fn the_network_grant_is_outbound_and_off_host() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let local = listener.local_addr().unwrap().to_string();

    let granted = faults_app("network = true");
    let server = Server::start_at(granted.path(), &[], &shared_cache());
    for addr in [
        local.as_str(),
        "169.254.169.254:80",
        "0.0.0.0:80",
        "[::1]:80",
    ] {
        let (_, _, body) = send(client().get(server.url_with("/connect", &[("addr", addr)]))).await;
        assert!(body.starts_with("<error:"), "{addr}: {body}");
    }
    let (_, _, body) = get(server.url("/listen?addr=0.0.0.0:0")).await;
    assert!(body.starts_with("<error:"), "{body}");
    let (_, _, body) = get(server.url("/lookup?host=localhost")).await;
    assert!(body.contains("127.0.0.1") || body.contains("::1"), "{body}");
    assert!(
        matches!(listener.accept(), Err(err) if err.kind() == std::io::ErrorKind::WouldBlock),
        "the guest reached a loopback service"
    );

    let denied = faults(&[]);
    let (_, _, body) = get(denied.url("/lookup?host=localhost")).await;
    assert!(body.starts_with("<error:"), "{body}");
}

// ---- request shapes ----

#[tokio::test]
async fn odd_requests_get_fastapi_s_answers() {
    let server = Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache());
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    let (status, _, body) = send(
        client()
            .post(server.url("/bodies/list"))
            .header("content-type", "application/json")
            .body(deep),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (400, r#"{"detail":"There was an error parsing the body"}"#)
    );

    let header = reqwest::header::HeaderValue::from_bytes(b"caf\xe9").unwrap();
    let (status, _, body) = send(
        client()
            .get(server.url("/params/headers"))
            .header("user-agent", header),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["user_agent"], "café");

    let query = "id=x&".repeat(10_000);
    let (status, _, body) = get(server.url(&format!("/params/query?{query}"))).await;
    assert_eq!(status, 422);
    assert!(body.len() < 64 * 1024, "a 422 of {} bytes", body.len());
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["detail"].as_array().unwrap().len(), 100);
    let (status, json) = get_json(server.url("/params/query?id=3")).await;
    assert_eq!((status, &json["ids"]), (200, &serde_json::json!([3])));
}

// ---- components ----

#[test]
fn components_past_the_size_or_time_limit_are_refused() {
    let dir = app(&[("hello", HELLO, "")], "");
    let (ok, text) = check(dir.path(), &["--max-component-bytes", "1000"]);
    assert!(!ok, "{text}");
    assert!(
        text.contains("more than `max_component_bytes` (1000)"),
        "{text}"
    );

    let fresh = tempfile::tempdir().unwrap();
    let (ok, text) = check(
        dir.path(),
        &[
            "--cache-dir",
            fresh.path().to_str().unwrap(),
            "--compile-timeout",
            "10ms",
        ],
    );
    assert!(!ok, "{text}");
    assert!(text.contains("(`compile_timeout`)"), "{text}");
}
