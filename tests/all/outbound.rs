//! Outbound HTTP: guests call real servers the tests start on 127.0.0.1 — from async and sync
//! Rust operations, from Python's httpx-shaped clients — and get status, headers and body;
//! calls of one request overlap; the allow-list denies by default; refused connections,
//! upstreams that never answer, oversized bodies and clients that leave get the documented
//! behaviour, and the host keeps serving.

use crate::support::{Server, built, client, get, get_json, granted_app, shared_cache};
use crate::upstream::Upstream;
use fastwasm_test_artifacts::OUTBOUND;
use serde_json::Value;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Serves the Rust outbound guest, allowed to reach `allowed`.
fn rust_guest(allowed: &[&str], server: &str) -> (Server, tempfile::TempDir) {
    let dir = granted_app("caller", OUTBOUND, allowed, "", server);
    (Server::start_at(dir.path(), &[], &shared_cache()), dir)
}

/// `path?url=<url>` on `server`, as JSON.
async fn call(server: &Server, path: &str, url: &str) -> (u16, Value) {
    let url = server.url_with(path, &[("url", url)]);
    get_json(url).await
}

fn upstream_json(answer: &Value) -> Value {
    let body = answer["body"]
        .as_str()
        .unwrap_or_else(|| panic!("no body in {answer}"));
    serde_json::from_str(body).unwrap()
}

#[tokio::test]
async fn rust_operations_call_an_upstream_and_forward_the_request_id() {
    let upstream = Upstream::start().await;
    let (server, _dir) = rust_guest(&["http://127.0.0.1:*"], "");
    for (path, guest) in [("/call", "rust-async"), ("/call-sync", "rust-sync")] {
        let url = server.url_with(path, &[("url", upstream.url("/delay?ms=5"))]);
        let response = client()
            .get(url)
            .header("x-request-id", format!("test-{guest}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["x-request-id"],
            format!("test-{guest}").as_str()
        );
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["status"], 200, "{answer}");
        assert_eq!(answer["content_type"], "application/json");
        let seen = upstream_json(&answer);
        assert_eq!(seen["request_id"], format!("test-{guest}").as_str());
        assert_eq!(seen["guest"], guest);
    }
    // Without an id from the client, the host makes one and forwards it.
    let url = server.url_with("/call", &[("url", upstream.url("/delay?ms=0"))]);
    let (status, headers, body) = get(url).await;
    assert_eq!(status, 200);
    let id = headers["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 32, "{id}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(upstream_json(&answer)["request_id"], id.as_str());
    server.expect_log(&format!("request_id={id}"));

    // A JSON body goes out and comes back.
    let url = server.url_with("/post", &[("url", upstream.url("/echo"))]);
    let echoed: Value = client()
        .post(url)
        .json(&serde_json::json!({"name": "widget"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(echoed["method"], "POST");
    assert_eq!(echoed["content_type"], "application/json");
    assert_eq!(echoed["body"], r#"{"name":"widget"}"#);
    // An error answer from the upstream, through `?`, is a 502 naming it.
    let url = server.url_with("/post", &[("url", upstream.url("/status?code=503"))]);
    let (status, _, body) =
        crate::support::send(client().post(url).json(&serde_json::json!({}))).await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("503"), "{body}");
}

#[tokio::test]
async fn connections_to_an_upstream_are_kept_and_reused() {
    let upstream = Upstream::start().await;
    let (server, _dir) = rust_guest(&["http://127.0.0.1:*"], "");
    for path in ["/call", "/call-sync"].repeat(5) {
        let (_, answer) = call(&server, path, &upstream.url("/delay?ms=0")).await;
        assert_eq!(answer["status"], 200, "{answer}");
    }
    // Ten calls, one after another, from two kinds of instance: one connection.
    assert_eq!(upstream.seen.connections.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn https_upstreams_are_checked_against_the_roots_and_speak_http2() {
    let (upstream, authority) = Upstream::start_tls().await;
    let url = upstream.https_url("/delay?ms=0");
    // The system's roots do not know this upstream's authority.
    let (server, _dir) = rust_guest(&["https://localhost:*"], "");
    let (_, answer) = call(&server, "/call", &url).await;
    assert_eq!(answer["error"], "ErrorKind::Connect", "{answer}");
    drop(server);
    // Trusted through `outbound_ca_file`: TLS, and HTTP/2 by ALPN.
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), authority).unwrap();
    let setting = format!("outbound_ca_file = {:?}", ca.path().display().to_string());
    let (server, _dir) = rust_guest(&["https://localhost:*"], &setting);
    for path in ["/call", "/call-sync"] {
        let (_, answer) = call(&server, path, &url).await;
        assert_eq!(answer["status"], 200, "{path}: {answer}");
        assert_eq!(upstream_json(&answer)["version"], "HTTP/2.0", "{answer}");
    }
    // An unreadable CA file stops the host at start, naming the setting.
    let output = crate::support::run(&[
        "check",
        _dir.path().to_str().unwrap(),
        "--outbound-ca-file",
        "/nonexistent/ca.pem",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("`outbound_ca_file`: cannot read /nonexistent/ca.pem"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_calls_of_one_request_wait_at_once() {
    let upstream = Upstream::start().await;
    let (server, _dir) = rust_guest(&["http://127.0.0.1:*"], "");
    let url = server.url_with(
        "/gather",
        &[("url", upstream.url("/delay?ms=200")), ("n", "5".into())],
    );
    let started = Instant::now();
    let (status, answers) = get_json(url).await;
    let took = started.elapsed();
    assert_eq!(status, 200);
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 5);
    assert!(
        answers.iter().all(|answer| answer["status"] == 200),
        "{answers:?}"
    );
    // All five were at the upstream at the same time, so the request took about one delay.
    assert_eq!(upstream.seen.most_in_flight.load(Ordering::SeqCst), 5);
    assert!(
        took < Duration::from_millis(1000),
        "five 200 ms calls took {took:?}"
    );
}

#[tokio::test]
async fn two_hundred_requests_each_calling_out_share_instances_and_overlap() {
    let upstream = Upstream::start().await;
    let (server, _dir) = rust_guest(&["http://127.0.0.1:*"], "");
    let url = server.url_with("/call", &[("url", upstream.url("/delay?ms=100"))]);
    // Warm: the first request starts the shared instance.
    assert_eq!(get(url.clone()).await.0, 200);
    let http = client();
    let started = Instant::now();
    let calls = (0..200).map(|_| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let answer: Value = http.get(url).send().await.unwrap().json().await.unwrap();
            answer["status"].as_u64()
        }
    });
    let statuses = futures::future::join_all(calls).await;
    let took = started.elapsed();
    assert!(
        statuses.iter().all(|status| *status == Some(200)),
        "{statuses:?}"
    );
    let most = upstream.seen.most_in_flight.load(Ordering::SeqCst);
    eprintln!(
        "200 requests × 100 ms upstream: {took:?}, at most {most} calls at the upstream at once"
    );
    assert!(
        most > 100,
        "the calls did not overlap: at most {most} at once"
    );
    server.expect_log("shared instance started");
}

#[tokio::test]
async fn origins_the_manifest_does_not_list_are_denied() {
    let upstream = Upstream::start().await;
    // Nothing listed: nothing is reachable.
    let (server, _dir) = rust_guest(&[], "");
    let target = upstream.url("/delay?ms=0");
    let (status, answer) = call(&server, "/call", &target).await;
    assert_eq!(status, 200);
    assert_eq!(answer["error"], "ErrorKind::Denied", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("allowed_outbound_hosts")
    );
    server.expect_log(&format!("outbound request to {target} denied"));
    server.expect_log("component=caller");
    assert_eq!(upstream.seen.most_in_flight.load(Ordering::SeqCst), 0);
    drop(server);

    // A wildcard host reaches neither loopback nor link-local addresses, nor `localhost`.
    let (server, _dir) = rust_guest(&["*://*:*"], "");
    let port = upstream.addr.port();
    for url in [
        format!("http://127.0.0.1:{port}/delay"),
        format!("http://localhost:{port}/delay"),
        format!("http://[::1]:{port}/delay"),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ] {
        let (_, answer) = call(&server, "/call-sync", &url).await;
        assert_eq!(answer["error"], "ErrorKind::Denied", "{url}: {answer}");
    }
    // Only the exact origin listed is: another port on the same host is not.
    let (server, _dir) = rust_guest(&[&format!("http://127.0.0.1:{port}")], "");
    let (_, answer) = call(&server, "/call", &upstream.url("/delay?ms=0")).await;
    assert_eq!(answer["status"], 200, "{answer}");
    let (_, answer) = call(&server, "/call", &format!("http://127.0.0.1:{}/", port + 1)).await;
    assert_eq!(answer["error"], "ErrorKind::Denied", "{answer}");
    let (_, answer) = call(&server, "/call", &format!("https://127.0.0.1:{port}/")).await;
    assert_eq!(answer["error"], "ErrorKind::Denied", "{answer}");
}

#[tokio::test]
async fn a_refused_connection_a_silent_upstream_and_an_oversized_body_fail_the_call_only() {
    let upstream = Upstream::start().await;
    let (server, _dir) = rust_guest(
        &["http://127.0.0.1:*"],
        "outbound_first_byte_timeout = \"500ms\"\noutbound_max_response_bytes = 100000",
    );
    // Nothing listens on a port just freed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (status, answer) = call(&server, "/call", &format!("http://{closed}/")).await;
    assert_eq!(status, 200);
    assert_eq!(answer["error"], "ErrorKind::Connect", "{answer}");
    assert!(
        answer["message"].as_str().unwrap().contains("refused"),
        "{answer}"
    );

    // An upstream that never answers: the first-byte timeout ends the call.
    let started = Instant::now();
    let (_, answer) = call(&server, "/call", &upstream.url("/hang")).await;
    assert_eq!(answer["error"], "ErrorKind::Timeout", "{answer}");
    assert!(started.elapsed() < Duration::from_secs(10));
    server.expect_log("outbound_first_byte_timeout");
    // A call's own timeout, shorter than the host's, ends it sooner.
    let url = server.url_with(
        "/call",
        &[("url", upstream.url("/hang")), ("timeout_ms", "100".into())],
    );
    let (_, answer) = get_json(url).await;
    assert_eq!(answer["error"], "ErrorKind::Timeout", "{answer}");

    // Too large, declared up front or found while reading a chunked body.
    for path in ["/bytes?n=200000", "/chunked?n=200000"] {
        let (_, answer) = call(&server, "/call", &upstream.url(path)).await;
        assert_eq!(answer["error"], "ErrorKind::TooLarge", "{path}: {answer}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains("outbound_max_response_bytes")
        );
    }
    let (_, answer) = call(&server, "/call-sync", &upstream.url("/chunked?n=99000")).await;
    assert_eq!(
        answer["body"].as_str().map(str::len),
        Some(99000),
        "{}",
        answer["error"]
    );

    // The host kept serving through all of it.
    let (_, answer) = call(&server, "/call", &upstream.url("/delay?ms=0")).await;
    assert_eq!(answer["status"], 200);
}

#[tokio::test]
async fn a_client_that_leaves_cancels_the_calls_its_request_made() {
    let upstream = Upstream::start().await;
    let (server, _dir) = rust_guest(&["http://127.0.0.1:*"], "");
    for (round, path) in [(1, "/call"), (2, "/call-sync")] {
        let url = server.url_with(path, &[("url", upstream.url("/hang"))]);
        let impatient = reqwest::Client::builder()
            .timeout(Duration::from_millis(700))
            .build()
            .unwrap();
        let gave_up = impatient.get(url).send().await;
        assert!(gave_up.is_err(), "{path} answered before the upstream did");
        assert_eq!(upstream.seen.hangs_started.load(Ordering::SeqCst), round);
        // The upstream holds a request for 30 s; the host drops the call long before.
        let until = Instant::now() + Duration::from_secs(10);
        while upstream.seen.hangs_abandoned.load(Ordering::SeqCst) < round {
            assert!(
                Instant::now() < until,
                "{path}: the outbound call outlived its client"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let (_, answer) = call(&server, "/call", &upstream.url("/delay?ms=0")).await;
    assert_eq!(answer["status"], 200);
}

#[tokio::test]
async fn a_call_never_outlives_its_request_deadline() {
    let upstream = Upstream::start().await;
    let (server, _dir) = rust_guest(&["http://127.0.0.1:*"], "request_timeout = \"1s\"");
    let started = Instant::now();
    let (status, _, _) = {
        let url = server.url_with("/call", &[("url", upstream.url("/hang"))]);
        get(url).await
    };
    assert_eq!(status, 504);
    assert!(started.elapsed() < Duration::from_secs(10));
    let until = Instant::now() + Duration::from_secs(10);
    while upstream.seen.hangs_abandoned.load(Ordering::SeqCst) < 1 {
        assert!(
            Instant::now() < until,
            "the outbound call outlived its request"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn bad_allow_list_entries_fail_the_load_with_the_entry() {
    let dir = granted_app("caller", OUTBOUND, &["api.example.com"], "", "");
    let output = crate::support::run(&["check", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("component `caller`"), "{stderr}");
    assert!(
        stderr.contains("`api.example.com` is not an allowed origin"),
        "{stderr}"
    );
}

// --- Python: httpx's shape over the same host calls. ------------------------------------------

/// The fan-out example served against `upstream`.
fn fanout(upstream: &Upstream) -> (Server, tempfile::TempDir) {
    let built = built("examples/fanout");
    let wasm = built.join("build/fanout.wasm");
    let base = upstream.url("");
    let dir = granted_app(
        "fanout",
        wasm.to_str().unwrap(),
        &[&base],
        &format!("env = {{ UPSTREAM = {base:?} }}"),
        "",
    );
    (Server::start_at(dir.path(), &[], &shared_cache()), dir)
}

#[tokio::test]
async fn python_async_operations_gather_calls_and_sync_ones_make_them_in_turn() {
    let upstream = Upstream::start().await;
    let (server, _dir) = fanout(&upstream);
    let started = Instant::now();
    let (status, headers, body) = get(server.url("/fanout?n=5&ms=200")).await;
    let took = started.elapsed();
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["calls"], 5);
    let id = headers["x-request-id"].to_str().unwrap();
    let answers = answer["answers"].as_array().unwrap();
    assert_eq!(answers.len(), 5);
    // `asyncio.gather`'s tasks carry the request's id too.
    assert!(
        answers
            .iter()
            .all(|a| a["ms"] == 200 && a["request_id"] == id),
        "{answers:?}"
    );
    assert_eq!(upstream.seen.most_in_flight.load(Ordering::SeqCst), 5);
    assert!(
        took < Duration::from_millis(1000),
        "five gathered 200 ms calls took {took:?}"
    );

    let (status, answer) = get_json(server.url("/fanout-sync?n=3&ms=50")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["answers"].as_array().unwrap().len(), 3);
    // One after another: never two at the upstream at once (it still says 5 from before).
    assert_eq!(upstream.seen.most_in_flight.load(Ordering::SeqCst), 5);
}

#[tokio::test]
async fn python_clients_raise_httpx_errors() {
    let upstream = Upstream::start().await;
    let server = Server::start_at(
        &built("tests/guests/py_lab"),
        &["--outbound-first-byte-timeout", "300ms"],
        &shared_cache(),
    );
    for path in ["/outbound/call", "/outbound/call-sync"] {
        let (status, answer) = call(&server, path, &upstream.url("/delay?ms=0")).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["status"], 200, "{answer}");
        let guest = if path.ends_with("sync") {
            "python-sync"
        } else {
            "python-async"
        };
        assert_eq!(upstream_json(&answer)["guest"], guest);

        let (_, answer) = call(&server, path, "http://localhost:1/").await;
        assert_eq!(answer["error"], "OriginDenied", "{answer}");
        let (_, answer) = call(&server, path, &upstream.url("/hang")).await;
        assert_eq!(answer["error"], "TimeoutException", "{answer}");
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let (_, answer) = call(&server, path, &format!("http://{closed}/")).await;
        assert_eq!(answer["error"], "ConnectError", "{answer}");
    }
    let (_, answer) = call(
        &server,
        "/outbound/raise",
        &upstream.url("/status?code=404"),
    )
    .await;
    assert_eq!(answer["error"], "HTTPStatusError", "{answer}");
    assert_eq!(answer["status"], 404);
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("Client error '404'"),
        "{answer}"
    );
}

// --- JavaScript: `fetchSync` over the host's sync outbound call. -----------------------------

#[tokio::test]
async fn javascript_operations_call_out_with_fetch_sync() {
    let upstream = Upstream::start().await;
    let server = Server::start_at(&built("tests/guests/js_outbound"), &[], &shared_cache());
    let url = server.url_with("/call", &[("url", upstream.url("/delay?ms=5"))]);
    let (status, headers, body) = get(url).await;
    assert_eq!(status, 200, "{body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["status"], 200, "{answer}");
    assert_eq!(answer["content_type"], "application/json");
    let seen = upstream_json(&answer);
    assert_eq!(seen["guest"], "javascript");
    // A sync instance serves one request at a time: its calls carry that request's id.
    assert_eq!(
        seen["request_id"],
        headers["x-request-id"].to_str().unwrap()
    );
    let (_, answer) = call(&server, "/call", "http://169.254.169.254/latest/meta-data/").await;
    assert_eq!(answer["error"], "denied", "{answer}");
}

// --- The standard imports: code written against wasi:http rather than an SDK. ---------------

#[tokio::test]
async fn wasi_http_clients_are_held_to_the_same_allow_list() {
    let upstream = Upstream::start().await;
    let port = upstream.addr.port();
    let dir = granted_app(
        "raw",
        fastwasm_test_artifacts::WASI_HTTP,
        &[&format!("http://127.0.0.1:{port}")],
        "",
        "",
    );
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    for (path, guest) in [("/p3", "wasi-http-0.3"), ("/p2", "wasi-http-0.2")] {
        let (status, answer) = call(&server, path, &upstream.url("/delay?ms=5")).await;
        assert_eq!(status, 200);
        assert_eq!(answer["status"], 200, "{path}: {answer}");
        assert_eq!(upstream_json(&answer)["guest"], guest);
        let (_, answer) = call(&server, path, &format!("http://127.0.0.1:{}/", port + 1)).await;
        assert_eq!(
            answer["error"], "ErrorCode::HttpRequestDenied",
            "{path}: {answer}"
        );
    }
    server.expect_log("denied: its origin is not in `allowed_outbound_hosts` component=raw");
}
