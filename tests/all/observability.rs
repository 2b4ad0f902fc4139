//! What an operator reads: the Prometheus scrape at `/_fastwasm/metrics` after known traffic
//! (parsed with a Prometheus text parser) — requests, instances, the sync pool's queue,
//! outbound calls — and JSON log lines (`--log-format json`).

use crate::support::{Server, client, get, get_json, granted_app, send, shared_cache};
use crate::upstream::Upstream;
use fastwasm_test_artifacts::{FAULTS, HELLO, OUTBOUND};
use prometheus_parse::{Scrape, Value};
use std::time::Duration;

fn hello(flags: &[&str]) -> Server {
    Server::start(&[("hello", HELLO, "")], flags)
}

async fn scrape(server: &Server) -> Scrape {
    let (status, headers, body) = get(server.url("/_fastwasm/metrics")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        headers["content-type"],
        "text/plain; version=0.0.4; charset=utf-8"
    );
    Scrape::parse(body.lines().map(|line| Ok(line.to_owned()))).unwrap()
}

/// The value of the sample `metric` whose labels include every one of `labels`.
fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape
        .samples
        .iter()
        .find(|sample| {
            sample.metric == metric
                && labels
                    .iter()
                    .all(|(name, value)| sample.labels.get(name) == Some(*value))
        })
        .map(|sample| match &sample.value {
            Value::Counter(v) | Value::Gauge(v) | Value::Untyped(v) => *v,
            // A histogram's `+Inf` bucket: how many were observed.
            Value::Histogram(buckets) => buckets.iter().map(|b| b.count).fold(0.0, f64::max),
            Value::Summary(_) => panic!("no summaries are kept"),
        })
}

#[tokio::test]
async fn a_scrape_counts_the_traffic_by_operation_and_status() {
    let server = hello(&[]);
    for path in [
        "/items/42",
        "/items/42",
        "/items/42",
        "/items/abc",
        "/nowhere",
        "/nowhere",
    ] {
        get(server.url(path)).await;
    }
    let scrape = scrape(&server).await;
    let requests = |operation, status| {
        value(
            &scrape,
            "fastwasm_http_requests_total",
            &[
                ("operation", operation),
                ("method", "GET"),
                ("status", status),
            ],
        )
    };
    assert_eq!(requests("read_item", "200"), Some(3.0));
    // A 422 the host answered still belongs to the operation it was routed to.
    assert_eq!(requests("read_item", "422"), Some(1.0));
    assert_eq!(requests("-", "404"), Some(2.0));
    let labels = [("component", "hello"), ("operation", "read_item")];
    assert_eq!(
        value(&scrape, "fastwasm_http_request_duration_seconds", &labels),
        Some(4.0)
    );
    // The scrape itself is neither in flight nor counted.
    assert_eq!(
        value(&scrape, "fastwasm_http_requests_in_flight", &[]),
        Some(0.0)
    );
    assert!(
        !scrape
            .samples
            .iter()
            .any(|s| s.labels.values().any(|v| v.contains("metrics"))),
        "{:?}",
        scrape.samples
    );
    let rss = value(&scrape, "process_resident_memory_bytes", &[]).unwrap();
    assert!(rss > 1024.0 * 1024.0, "{rss}");

    // A scraper that asks for OpenMetrics gets it.
    let request = client().get(server.url("/_fastwasm/metrics")).header(
        "accept",
        "application/openmetrics-text;version=1.0.0,text/plain;q=0.5",
    );
    let (status, headers, body) = send(request).await;
    assert_eq!(status, 200);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    assert!(body.ends_with("# EOF\n"), "{body}");
}

#[tokio::test]
async fn instances_are_counted_by_what_they_are_kept_for() {
    let server = hello(&["--sync-workers", "3"]);
    // `/` is a sync operation (a pooled instance), `/items/{id}` an async one (shared).
    for path in ["/", "/", "/", "/items/1", "/items/2"] {
        assert_eq!(get(server.url(path)).await.0, 200, "{path}");
    }
    let scrape = scrape(&server).await;
    let instances = |reuse| {
        value(
            &scrape,
            "fastwasm_instances",
            &[("component", "hello"), ("reuse", reuse)],
        )
    };
    assert_eq!(instances("pooled"), Some(1.0));
    assert_eq!(instances("shared"), Some(1.0));
    assert_eq!(instances("request"), Some(0.0));
    // The instance that described the component at load is gone.
    assert_eq!(instances("load"), Some(0.0));
    let hello = [("component", "hello")];
    assert_eq!(value(&scrape, "fastwasm_instances_idle", &hello), Some(1.0));
    assert_eq!(
        value(&scrape, "fastwasm_instances_starting", &hello),
        Some(0.0)
    );
    // Three instantiations: the one at load, the pooled one and the shared one.
    assert_eq!(
        value(&scrape, "fastwasm_instantiation_duration_seconds", &hello),
        Some(3.0)
    );
    assert_eq!(value(&scrape, "fastwasm_sync_workers", &[]), Some(3.0));
    assert_eq!(value(&scrape, "fastwasm_sync_workers_busy", &[]), Some(0.0));
    assert_eq!(value(&scrape, "fastwasm_sync_queue_depth", &[]), Some(0.0));
}

#[tokio::test]
async fn the_sync_queue_shows_calls_waiting_for_a_worker() {
    let server = Server::start(
        &[("faults", FAULTS, "")],
        &["--sync-workers", "1", "--request-timeout", "4s"],
    );
    // One call spins on the only worker until its deadline; the next waits for it. It is sent
    // well after the spin began, so that its own deadline comes after the worker is free
    // again, however slowly the spin's trap unwinds on a busy machine.
    let sent = std::time::Instant::now();
    let spinning = tokio::spawn(get(server.url("/spin")));
    let until = sent + Duration::from_secs(3);
    while value(&scrape(&server).await, "fastwasm_sync_workers_busy", &[]) != Some(1.0) {
        assert!(std::time::Instant::now() < until, "the spin never ran");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep_until((sent + Duration::from_millis(1500)).into()).await;
    let waiting = tokio::spawn(get(server.url("/ok")));
    let until = std::time::Instant::now() + Duration::from_secs(2);
    let mut queued = None;
    while std::time::Instant::now() < until {
        queued = value(&scrape(&server).await, "fastwasm_sync_queue_depth", &[]);
        if queued == Some(1.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(queued, Some(1.0), "the waiting call is not counted");
    assert_eq!(spinning.await.unwrap().0, 504);
    assert_eq!(waiting.await.unwrap().0, 200);
    let scrape = scrape(&server).await;
    assert_eq!(value(&scrape, "fastwasm_sync_queue_depth", &[]), Some(0.0));
    assert_eq!(value(&scrape, "fastwasm_sync_workers_busy", &[]), Some(0.0));
    let timeouts = [("operation", "spin"), ("kind", "timeout")];
    assert_eq!(
        value(&scrape, "fastwasm_guest_failures_total", &timeouts),
        Some(1.0)
    );
}

#[tokio::test]
async fn outbound_calls_are_counted_by_status_and_failure() {
    let upstream = Upstream::start().await;
    let dir = granted_app(
        "caller",
        OUTBOUND,
        &[&format!("http://127.0.0.1:{}", upstream.addr.port())],
        "",
        "",
    );
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    let call = |url: String| {
        let url = server.url_with("/call", &[("url", &url)]);
        async move { get_json(url).await }
    };
    for _ in 0..2 {
        let (status, answer) = call(upstream.url("/delay?ms=0")).await;
        assert_eq!((status, &answer["status"]), (200, &200.into()), "{answer}");
    }
    call(upstream.url("/status?code=503")).await;
    // Another origin: denied by the allow-list.
    call("http://127.0.0.1:9/".into()).await;
    let scrape = scrape(&server).await;
    let outbound = |outcome| {
        value(
            &scrape,
            "fastwasm_outbound_requests_total",
            &[("component", "caller"), ("outcome", outcome)],
        )
    };
    assert_eq!(outbound("200"), Some(2.0));
    assert_eq!(outbound("503"), Some(1.0));
    assert_eq!(outbound("denied"), Some(1.0));
    assert_eq!(
        value(
            &scrape,
            "fastwasm_outbound_request_duration_seconds",
            &[("component", "caller")]
        ),
        Some(4.0)
    );
}

#[tokio::test]
async fn the_metrics_setting_turns_the_endpoint_off() {
    let server = hello(&["--metrics", "false"]);
    let (status, _, body) = get(server.url("/_fastwasm/metrics")).await;
    assert_eq!(status, 404, "{body}");
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_with_the_request_id() {
    let server = hello(&["--log-format", "json"]);
    let request = client()
        .get(server.url("/items/42"))
        .header("x-request-id", "rid-json-1");
    let (status, _, _) = send(request).await;
    assert_eq!(status, 200);
    server
        .wait_for_log(&["rid-json-1"], Duration::from_secs(10))
        .expect("the access line");
    let lines: Vec<serde_json::Value> = server
        .logs()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("{err}: {line}")))
        .collect();
    for line in &lines {
        let keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys[..3], ["time", "level", "target"], "{line}");
        assert!(line["time"].as_str().unwrap().ends_with('Z'), "{line}");
    }
    let access = lines
        .iter()
        .find(|line| line["request_id"] == "rid-json-1")
        .unwrap();
    assert_eq!(access["target"], "access");
    assert_eq!(access["level"], "INFO");
    assert_eq!(access["component"], "hello");
    assert_eq!(access["operation"], "read_item");
    let message = access["message"].as_str().unwrap();
    assert!(message.starts_with("GET /items/42 200 "), "{message}");
}
