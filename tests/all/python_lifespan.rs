//! Start-up per instance in the Python SDK: FastAPI's `lifespan` (its state in
//! `request.state`), `on_startup` and `@app.on_event("startup")`, run on an instance's first
//! call; a start-up that raises fails that call and is tried again; shutdown code fails the
//! build, since an instance is not told when it ends.

use crate::support::{Server, build_log, client, fastapi_json, python_app, send, shared_cache};
use serde_json::{Value, json};

/// Runs unchanged under FastAPI: the lifespan counts its starts and yields the state.
const LIFESPAN_APP: &str = r#"
from contextlib import asynccontextmanager

try:
    from fastapi import Depends, FastAPI, Request
except ImportError:
    from fastwasm import Depends, FastAPI, Request

starts = []


@asynccontextmanager
async def lifespan(app):
    starts.append(app.title)
    yield {"greeting": "hello", "limit": 3}


app = FastAPI(title="shop", lifespan=lifespan)


def limit(request: Request):
    return request.state.limit


@app.get("/state")
async def state(request: Request, limit: int = Depends(limit)):
    request.state.greeting += "!"
    return {"greeting": request.state.greeting, "limit": limit, "starts": starts}


@app.get("/sync-state")
def sync_state(request: Request):
    return {"greeting": request.state.greeting, "starts": starts}
"#;

const FASTAPI_ANSWERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
import main

with TestClient(main.app) as client:
    print(json.dumps([[r.status_code, r.json()] for r in
                      (client.get(path) for path in json.loads(sys.argv[1]))]))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_lifespan_starts_each_instance_and_fills_request_state() {
    let app = python_app(&[("main.py", LIFESPAN_APP)]);
    let server = Server::start_at(app.path(), &["--build"], &shared_cache());
    // Each request's state is a copy: the `!` added by one is not seen by the next.
    let paths = json!(["/state", "/state", "/sync-state", "/sync-state"]);
    let theirs = fastapi_json(
        app.path().to_str().unwrap(),
        FASTAPI_ANSWERS,
        &[&paths.to_string()],
    );
    let mut ours = Vec::new();
    for path in paths.as_array().unwrap() {
        let (status, _, body) = send(client().get(server.url(path.as_str().unwrap()))).await;
        ours.push(json!([
            status,
            serde_json::from_str::<Value>(&body).unwrap()
        ]));
    }
    assert_eq!(Value::Array(ours.clone()), theirs, "fastwasm, then FastAPI");
    // The async operations' instance and the `def` one's each started once.
    assert_eq!(
        ours[1],
        json!([200, {"greeting": "hello!", "limit": 3, "starts": ["shop"]}])
    );
    assert_eq!(
        ours[3],
        json!([200, {"greeting": "hello", "starts": ["shop"]}])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn start_up_handlers_run_in_order_and_a_failed_start_is_tried_again() {
    let app = python_app(&[(
        "main.py",
        r#"
from fastwasm import FastAPI

attempts = []


def connect():
    attempts.append("connect")
    if len(attempts) == 1:
        raise RuntimeError("the database is not ready")


app = FastAPI(on_startup=[connect])


@app.on_event("startup")
async def warm():
    attempts.append("warm")


@app.get("/attempts")
async def read():
    return attempts
"#,
    )]);
    let server = Server::start_at(app.path(), &["--build"], &shared_cache());
    let (status, _, body) = send(client().get(server.url("/attempts"))).await;
    assert_eq!((status, body.as_str()), (500, "Internal Server Error"));
    server.expect_log("RuntimeError: the database is not ready");
    let (status, _, body) = send(client().get(server.url("/attempts"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!(["connect", "connect", "warm"])
    );
    // Started: the next call does not run them again.
    let (_, _, again) = send(client().get(server.url("/attempts"))).await;
    assert_eq!(again, body);
}

#[test]
fn shutdown_code_fails_the_build() {
    for (source, said) in [
        (
            "from fastwasm import FastAPI\napp = FastAPI()\n\n@app.on_event('shutdown')\ndef close():\n    pass\n",
            "`close` (main.py:4): `@app.on_event('shutdown')` is not supported: an instance is \
             not told when the host retires it",
        ),
        (
            "from fastwasm import FastAPI\napp = FastAPI(on_shutdown=[print])\n",
            "main.py:2: `FastAPI(on_shutdown=...)` is not supported: an instance is not told",
        ),
    ] {
        let dir = python_app(&[("main.py", source)]);
        let (ok, log) = build_log(dir.path());
        assert!(!ok, "{log}");
        assert!(log.contains(said), "{log}");
    }
}
