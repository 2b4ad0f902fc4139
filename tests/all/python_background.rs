//! Background tasks, through `tests/guests/py_lab/background.py`, one file that runs unchanged
//! under FastAPI and in the lab component: FastAPI's background-tasks tutorials (tasks added by
//! the operation and by a dependency, `def` and `async def` tasks, keyword arguments) answer
//! as FastAPI does and leave the same notes, in the same order; a failing task is logged and
//! ends the tasks after it; the answer reaches the client while the tasks still wait on an
//! upstream the test holds, for `async def` and `def` operations; and work that outlasts the
//! request timeout is stopped with its instance, which the next request does not need.

use crate::support::{
    Server, assert_same_answers, built, client, fastapi_json, send, shared_cache,
};
use crate::upstream::Upstream;
use serde_json::{Value, json};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Each request's status and JSON under FastAPI's `TestClient`, which runs the tasks before it
/// returns; then the notes they left.
const FASTAPI_ANSWERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi import FastAPI
from fastapi.testclient import TestClient
import background

app = FastAPI()
app.include_router(background.router)
client = TestClient(app, raise_server_exceptions=False)
answers = [[r.status_code, r.json()] for r in
           (client.request(method, path) for method, path in json.loads(sys.argv[1]))]
print(json.dumps([answers, client.get("/background/notes").json()]))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn background_tasks_run_after_the_answer_as_fastapi_runs_them() {
    let server = Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache());
    let requests = json!([
        ["POST", "/background/send-notification/ada@example.com"],
        ["POST", "/background/log/ada@example.com?q=lovelace"],
        ["POST", "/background/log/alan@example.com"],
        ["POST", "/background/failing"],
    ]);
    let theirs = fastapi_json(
        "tests/guests/py_lab",
        FASTAPI_ANSWERS,
        &[&requests.to_string()],
    );
    let mut ours = Vec::new();
    for request in requests.as_array().unwrap() {
        let method = reqwest::Method::from_bytes(request[0].as_str().unwrap().as_bytes()).unwrap();
        let (status, _, body) =
            send(client().request(method, server.url(request[1].as_str().unwrap()))).await;
        ours.push(json!([
            status,
            serde_json::from_str::<Value>(&body).unwrap()
        ]));
    }
    assert_same_answers(&requests, &ours, &theirs[0]);
    // The last request's tasks are done once the failure is logged.
    server.expect_log("work after the response failed: ZeroDivisionError: division by zero");
    server.expect_log("ZeroDivisionError");
    let (status, _, notes) = send(client().get(server.url("/background/notes"))).await;
    assert_eq!(status, 200);
    let notes: Value = serde_json::from_str(&notes).unwrap();
    assert_eq!(notes, theirs[1], "fastwasm's notes, then FastAPI's");
    // Spelled out: the dependency's task first, the failure ends the tasks after it.
    assert_eq!(notes[1], "log: found query: lovelace\n");
    assert_eq!(
        notes.as_array().unwrap().last().unwrap(),
        "before the failure"
    );
    assert!(!server.logs().contains("background never"));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_answer_goes_out_while_its_tasks_still_wait() {
    let upstream = Upstream::start().await;
    let server = Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache());
    let gate = upstream.url("/gate");
    for (path, tag) in [
        ("/background/gated", "async"),
        ("/background/gated-def", "def"),
    ] {
        let url = server.url_with(path, &[("upstream", gate.as_str()), ("tag", tag)]);
        // Were the tasks run first, no answer would come before the gate opens. The bound is
        // generous: a `def` operation's first request starts an instance of its own, which
        // takes seconds on a machine busy with the rest of the suite.
        let answered = client()
            .post(url)
            .timeout(Duration::from_secs(60))
            .send()
            .await;
        let answer = answered.unwrap_or_else(|err| panic!("{tag}: no answer: {err}"));
        assert_eq!(answer.status(), 200);
        assert_eq!(
            answer.json::<Value>().await.unwrap(),
            json!({"queued": tag})
        );
    }
    let started = Instant::now();
    while upstream.seen.gate_arrivals.load(Ordering::SeqCst) < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the tasks never reached the gate"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!server.logs().contains("gate passed"), "{}", server.logs());
    upstream.seen.gate.open();
    server.expect_log("gate passed tag=async");
    server.expect_log("gate passed tag=def");
    // Both instances serve on.
    let (status, _, _) = send(client().get(server.url("/background/notes"))).await;
    assert_eq!(status, 200);
    let url = server.url_with(
        "/background/gated-def",
        &[("upstream", gate.as_str()), ("tag", "again")],
    );
    assert_eq!(send(client().post(url)).await.0, 200);
    server.expect_log("gate passed tag=again");
}

#[tokio::test(flavor = "multi_thread")]
async fn work_past_the_request_timeout_stops_with_its_instance() {
    let upstream = Upstream::start().await;
    let flags = ["--request-timeout", "1s"];
    let server = Server::start_at(&built("tests/guests/py_lab"), &flags, &shared_cache());
    let gate = upstream.url("/gate");
    let url = server.url_with(
        "/background/gated",
        &[("upstream", gate.as_str()), ("tag", "late")],
    );
    assert_eq!(send(client().post(url)).await.0, 200);
    server.expect_log("work after the response outlasted the request timeout");
    // The next request gets another instance, and its answer.
    let (status, _, body) = send(client().get(server.url("/background/notes"))).await;
    assert_eq!((status, body.as_str()), (200, "[]"));
    upstream.seen.gate.open();
    assert!(!server.logs().contains("gate passed tag=late"));
}
