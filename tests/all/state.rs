//! Key-value stores as a user meets them: every call on the embedded and the Redis backend,
//! state that survives restarts of fastwasm and of Redis, replicas sharing one Redis, grants,
//! limits, a backend that hangs, and the health endpoints a load balancer polls.

use crate::redis_server::Redis;
use crate::support::*;
use fastwasm_test_artifacts::STATE;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// An app of the `state` guest granted the `default` store, with `server` settings and
/// `extra` manifest lines (store definitions).
fn state_app(grant: &str, server: &str, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "name = \"state\"\n\n[server]\n{server}\n\n[[component]]\nname = \"state\"\n\
         path = {STATE:?}\n{grant}\n\n{extra}\n"
    );
    std::fs::write(dir.path().join("fastwasm.toml"), text).unwrap();
    dir
}

const GRANTED: &str = "key_value_stores = [\"default\"]";

/// Serves the built app in `dir` with its `default` store in a fresh file: the app's own folder
/// would keep what one run of the suite wrote for the next. `--store` lets any deployment do it.
fn serve_on_a_fresh_store(dir: &std::path::Path) -> (tempfile::TempDir, Server) {
    let state = tempfile::tempdir().unwrap();
    let flag = format!(
        "default=embedded:{}",
        state.path().join("default.redb").display()
    );
    let server = Server::start_at(dir, &["--store", &flag], &shared_cache());
    (state, server)
}

async fn call(method: reqwest::Method, url: impl reqwest::IntoUrl, body: &str) -> (u16, String) {
    let (status, _, text) = send(client().request(method, url).body(body.to_owned())).await;
    (status, text)
}

async fn post_json(url: impl reqwest::IntoUrl, body: Value) -> (u16, Value) {
    let (status, _, text) = send(client().post(url).json(&body)).await;
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Every call of the SDK against whatever backend `server`'s `default` store has; `tag` keeps
/// the keys of one run apart from another's on a shared Redis. Redis's `SCAN` may put a few
/// more keys than asked in a page: `exact_pages` holds the embedded store to the page size.
async fn exercise(server: &Server, tag: &str, exact_pages: bool) {
    use reqwest::Method;
    let key = |name: &str| format!("{tag}:{name}");
    let kv = |name: &str| server.url(&format!("/kv/{}", key(name)));

    assert_eq!(call(Method::GET, kv("a"), "").await.0, 404);
    assert_eq!(call(Method::PUT, kv("a"), "alpha").await.0, 200);
    assert_eq!(call(Method::GET, kv("a"), "").await, (200, "alpha".into()));
    let exists = |name: &str| get_json(server.url(&format!("/exists/{}", key(name))));
    assert_eq!(exists("a").await.1, json!({ "exists": true }));
    assert_eq!(exists("b").await.1, json!({ "exists": false }));

    // Counters, from async and sync operations alike.
    let incr = |name: &str, by: i64| {
        let url = server.url_with(&format!("/incr/{}", key(name)), &[("by", by.to_string())]);
        post_json(url, json!(null))
    };
    assert_eq!(incr("n", 5).await, (200, json!({ "value": 5 })));
    assert_eq!(incr("n", -2).await, (200, json!({ "value": 3 })));
    let sync_incr = server.url(&format!("/sync/incr/{}", key("n")));
    assert_eq!(
        post_json(sync_incr, json!(null)).await,
        (200, json!({ "value": 4 }))
    );
    let sync_get = server.url(&format!("/sync/kv/{}", key("n")));
    assert_eq!(call(Method::GET, sync_get, "").await, (200, "4".into()));
    // Incrementing text is the guest's mistake, said as such.
    let (status, body) = incr("a", 1).await;
    assert_eq!(status, 500, "{body}");
    assert!(
        body["detail"].as_str().unwrap().contains("not an integer"),
        "{body}"
    );

    // Compare-and-swap: only from the value expected, or only onto an absent key.
    let cas = |name: &str, expected: Option<&str>, value: &str| {
        post_json(
            server.url(&format!("/cas/{}", key(name))),
            json!({ "expected": expected, "value": value }),
        )
    };
    assert_eq!(
        cas("a", Some("beta"), "x").await.1,
        json!({ "swapped": false })
    );
    assert_eq!(
        cas("a", Some("alpha"), "gamma").await.1,
        json!({ "swapped": true })
    );
    assert_eq!(call(Method::GET, kv("a"), "").await.1, "gamma");
    assert_eq!(cas("fresh", None, "1").await.1, json!({ "swapped": true }));
    assert_eq!(cas("fresh", None, "2").await.1, json!({ "swapped": false }));

    // Batches.
    let many = server.url("/many");
    let entries = json!({ key("m1"): "one", key("m2"): "two" });
    assert_eq!(post_json(many, entries).await, (200, json!({ "set": 2 })));
    let keys = [key("m2"), key("missing"), key("m1")].join(",");
    let (_, values) = get_json(server.url_with("/many", &[("keys", keys)])).await;
    assert_eq!(values, json!({ "values": ["two", null, "one"] }));

    // Listing, page by page (`store_page_keys = 3`), and all at once.
    let prefix = format!("{tag}:");
    let (_, all) = get_json(server.url_with("/all-keys", &[("prefix", &prefix)])).await;
    let expected: Vec<String> = ["a", "fresh", "m1", "m2", "n"].map(key).to_vec();
    assert_eq!(all, json!({ "keys": expected }));
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..20 {
        let mut pairs = vec![("prefix", prefix.clone())];
        pairs.extend(cursor.clone().map(|c| ("cursor", c)));
        let (status, page) = get_json(server.url_with("/keys", &pairs)).await;
        assert_eq!(status, 200, "{page}");
        let keys = page["keys"].as_array().unwrap();
        if exact_pages {
            assert!(
                keys.len() <= 3,
                "a page holds at most store_page_keys: {page}"
            );
        }
        paged.extend(keys.iter().map(|k| k.as_str().unwrap().to_owned()));
        cursor = page["cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    paged.sort();
    paged.dedup();
    assert_eq!(paged, expected);

    // Expiry.
    let ttl = server.url_with(&format!("/kv/{}", key("t")), &[("ttl_ms", "300")]);
    assert_eq!(call(Method::PUT, ttl, "soon gone").await.0, 200);
    assert_eq!(
        call(Method::GET, kv("t"), "").await,
        (200, "soon gone".into())
    );
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(call(Method::GET, kv("t"), "").await.0, 404);

    // Delete says whether the key was there.
    let (_, deleted) = call(Method::DELETE, kv("a"), "").await;
    assert_eq!(deleted, r#"{"deleted":true}"#);
    let (_, deleted) = call(Method::DELETE, kv("a"), "").await;
    assert_eq!(deleted, r#"{"deleted":false}"#);
    assert_eq!(call(Method::GET, kv("a"), "").await.0, 404);
}

#[tokio::test]
async fn every_call_works_on_the_embedded_store() {
    let dir = state_app(GRANTED, "store_page_keys = 3", "");
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    exercise(&server, "embedded", true).await;
    // The default store is a file in the app folder.
    assert!(dir.path().join(".fastwasm/state/default.redb").is_file());
    server.expect_log("opened key-value store: embedded (");
}

#[tokio::test]
async fn every_call_works_on_a_redis_store() {
    let redis = Redis::start();
    let store = format!(
        "[store.default]\nbackend = \"redis\"\nurl = \"{}\"",
        redis.url()
    );
    let dir = state_app(GRANTED, "store_page_keys = 3", &store);
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    exercise(&server, "redis", false).await;
    // What the guest wrote is plain Redis data.
    assert_eq!(redis.cli(&["GET", "redis:n"]), "4");
    server.expect_log(&format!(
        "opened key-value store: redis (redis://127.0.0.1:{})",
        redis.port
    ));
}

#[tokio::test]
async fn embedded_state_survives_a_reload_and_a_restart() {
    let dir = state_app(GRANTED, "", "");
    let incr = |server: &Server| post_json(server.url("/incr/visits"), json!(null));
    let mut server = Server::start_at(dir.path(), &[], &shared_cache());
    for expected in 1..=3 {
        assert_eq!(incr(&server).await.1, json!({ "value": expected }));
    }
    // A reload keeps the store open: the count goes on.
    server.signal("HUP");
    server.expect_log("reloaded in");
    assert_eq!(incr(&server).await.1, json!({ "value": 4 }));
    assert!(server.terminate().success());
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    assert_eq!(incr(&server).await.1, json!({ "value": 5 }));
}

#[tokio::test]
async fn redis_state_survives_a_redis_restart_and_an_outage_is_a_clear_503() {
    let mut redis = Redis::start();
    let dir = state_app(GRANTED, "", "");
    let flag = format!("default={}", redis.url());
    let server = Server::start_at(dir.path(), &["--store", &flag], &shared_cache());
    let incr = || post_json(server.url("/incr/hits"), json!(null));
    assert_eq!(incr().await.1, json!({ "value": 1 }));
    assert_eq!(incr().await.1, json!({ "value": 2 }));

    redis.stop();
    let started = Instant::now();
    let (status, body) = incr().await;
    assert_eq!(status, 503, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("store `default`") && detail.contains("Redis"),
        "{detail}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the outage answer took {:?}",
        started.elapsed()
    );
    server.expect_log("WARN");
    server.expect_log("Redis cannot be reached");

    redis.resume();
    // The connection manager reconnects by itself; the data came back from the append-only file.
    let deadline = Instant::now() + Duration::from_secs(15);
    let value = loop {
        let (status, body) = incr().await;
        if status == 200 {
            break body["value"].clone();
        }
        assert!(
            Instant::now() < deadline,
            "never reconnected: {body}\n{}",
            server.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(value, json!(3));
}

#[tokio::test]
async fn three_replicas_on_one_redis_count_every_increment_once() {
    let redis = Redis::start();
    let counter = built("examples/counter");
    let flag = format!("default={}", redis.url());
    let replicas: Vec<Server> = (0..3)
        .map(|_| Server::start_at(&counter, &["--store", &flag], &shared_cache()))
        .collect();
    let client = client();
    let mut calls = Vec::new();
    for replica in &replicas {
        for _ in 0..200 {
            let request = client.post(replica.url("/counters/shared"));
            calls.push(tokio::spawn(async move {
                request.send().await.unwrap().status().as_u16()
            }));
        }
    }
    for call in calls {
        assert_eq!(call.await.unwrap(), 200);
    }
    for replica in &replicas {
        let (status, body) = get_json(replica.url("/counters/shared")).await;
        assert_eq!(
            (status, body),
            (200, json!({ "name": "shared", "value": 600 }))
        );
    }
    assert_eq!(redis.cli(&["GET", "counter:shared"]), "600");
}

#[tokio::test]
async fn the_counter_example_runs_on_the_embedded_store_with_no_set_up() {
    let (_state, server) = serve_on_a_fresh_store(&built("examples/counter"));
    let post = |path: &str| send(client().post(server.url(path)));
    assert_eq!(
        post("/counters/visits").await.2,
        r#"{"name":"visits","value":1}"#
    );
    assert_eq!(
        post("/counters/visits?by=5").await.2,
        r#"{"name":"visits","value":6}"#
    );
    assert_eq!(
        get_json(server.url("/counters/visits")).await,
        (200, json!({ "name": "visits", "value": 6 }))
    );
    let (status, missing) = get_json(server.url("/counters/nobody")).await;
    assert_eq!(
        (status, missing),
        (404, json!({ "detail": "no counter named 'nobody'" }))
    );
    // A `def` operation on the blocking pool, through the sync store.
    let (status, _, body) = send(client().put(server.url("/counters/laps?value=7"))).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"name":"laps","value":7}"#)
    );
    assert_eq!(
        get_json(server.url("/counters")).await.1,
        json!({ "laps": 7, "visits": 6 })
    );
    let (status, _, body) = send(client().delete(server.url("/counters/visits"))).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"name":"visits","deleted":true}"#)
    );
    assert_eq!(get(server.url("/counters/visits")).await.0, 404);
}

#[tokio::test]
async fn a_store_the_component_is_not_granted_is_refused() {
    // Granted `default` only: any other store name is denied, naming the fix.
    let dir = state_app(GRANTED, "", "[store.other]\nbackend = \"embedded\"");
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    let (status, body) = get_json(server.url("/kv/x?store=other")).await;
    assert_eq!(status, 500, "{body}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("may not use store `other`") && detail.contains("key_value_stores"),
        "{detail}"
    );
    // No grant at all: not even `default`.
    let bare = state_app("", "", "");
    let server = Server::start_at(bare.path(), &[], &shared_cache());
    let (status, body) = get_json(server.url("/kv/x")).await;
    assert_eq!(status, 500, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("may not use store `default`")
    );
    // Naming a store nobody defines fails the load.
    let undefined = state_app("key_value_stores = [\"sessions\"]", "", "");
    let output = run(&["check", undefined.path().to_str().unwrap()]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("names `sessions`, which is not defined")
            && stderr.contains("--store sessions="),
        "{stderr}"
    );
}

#[tokio::test]
async fn oversized_keys_values_and_batches_are_refused_with_the_limit_named() {
    let dir = state_app(
        GRANTED,
        "store_max_key_bytes = 16\nstore_max_value_bytes = 64\nstore_page_keys = 3",
        "",
    );
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    let long_key = "k".repeat(17);
    let (status, text) = call(
        reqwest::Method::PUT,
        server.url(&format!("/kv/{long_key}")),
        "v",
    )
    .await;
    assert_eq!(status, 500);
    assert!(
        text.contains("longer than `store_max_key_bytes` (16)"),
        "{text}"
    );
    let (status, text) = call(reqwest::Method::PUT, server.url("/kv/k"), &"v".repeat(65)).await;
    assert_eq!(status, 500);
    assert!(
        text.contains("larger than `store_max_value_bytes` (64)"),
        "{text}"
    );
    let (status, body) = get_json(server.url("/many?keys=a,b,c,d")).await;
    assert_eq!(status, 500);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("more than `store_page_keys` (3)"),
        "{body}"
    );
    // Within the limits, the same calls work.
    assert_eq!(
        call(reqwest::Method::PUT, server.url("/kv/k"), &"v".repeat(64))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn a_backend_that_never_answers_fails_the_call_within_store_timeout() {
    // Accepts connections and reads, never answers: a hung Redis.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().take(16).flatten() {
            held.push(stream);
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    let dir = state_app(GRANTED, "store_timeout = \"700ms\"", "");
    let flag = format!("default=redis://127.0.0.1:{port}");
    let server = Server::start_at(dir.path(), &["--store", &flag], &shared_cache());
    let started = Instant::now();
    let (status, body) = post_json(server.url("/incr/x"), json!(null)).await;
    let took = started.elapsed();
    assert_eq!(status, 503, "{body}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains("store_timeout") || detail.contains("did not answer"),
        "{detail}"
    );
}

#[tokio::test]
async fn javascript_components_use_stores_too() {
    let (_state, server) = serve_on_a_fresh_store(&built("tests/guests/js_outbound"));
    let (status, _, body) = send(client().post(server.url("/js/counters/a"))).await;
    assert_eq!(status, 200, "{body}");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body,
        json!({ "name": "a", "value": 1, "last": { "value": 1 }, "keys": ["js-last:a"] })
    );
    let (_, _, body) = send(client().post(server.url("/js/counters/a"))).await;
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["value"], 2);
    let (_, denied) = get_json(server.url("/js/denied")).await;
    assert_eq!(denied["error"], "denied", "{denied}");
}

#[tokio::test]
async fn health_endpoints_answer_and_readiness_fails_first_on_sigterm() {
    let dir = state_app(GRANTED, "", "");
    let mut server = Server::start_at(dir.path(), &["--drain-delay", "3s"], &shared_cache());
    assert_eq!(
        get_json(server.url("/_fastwasm/live")).await,
        (200, json!({ "status": "live" }))
    );
    assert_eq!(
        get_json(server.url("/_fastwasm/ready")).await,
        (200, json!({ "status": "ready" }))
    );
    assert_eq!(get(server.url("/_fastwasm/nothing")).await.0, 404);

    server.signal("TERM");
    server.expect_log("draining: /_fastwasm/ready answers 503");
    // Not ready, yet still serving the app and alive, for the drain delay.
    assert_eq!(
        get_json(server.url("/_fastwasm/ready")).await,
        (503, json!({ "status": "draining" }))
    );
    assert_eq!(get(server.url("/_fastwasm/live")).await.0, 200);
    assert_eq!(
        post_json(server.url("/incr/during-drain"), json!(null))
            .await
            .0,
        200
    );
    let started = Instant::now();
    assert!(server.terminate().success());
    assert!(started.elapsed() < Duration::from_secs(10));
}
