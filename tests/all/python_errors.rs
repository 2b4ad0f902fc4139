//! Exception handlers in the Python SDK, through `tests/guests/py_lab/error_handlers.py`, one
//! file that runs unchanged under FastAPI and in the lab component: a custom exception answered
//! by an async handler (raised by an operation, or by a dependency), a family of exceptions
//! answered by the sync handler of their base class (from a `def` operation whose `yield`
//! dependency is torn down first), and an `HTTPException` beside them, still the host's to
//! answer. Status, body and headers must equal FastAPI's; a handler the host's own answers
//! would bypass fails the build.

use crate::support::{
    Server, assert_same_answers, build_log, built, client, fastapi_json, python_app, send,
    shared_cache,
};
use serde_json::{Value, json};

/// Each path's status, body, content type and the handlers' headers, by FastAPI's `TestClient`.
const FASTAPI_ANSWERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
import error_handlers

client = TestClient(error_handlers.app)
answers = []
for path in json.loads(sys.argv[1]):
    response = client.get(path)
    answers.append([response.status_code, response.text, response.headers.get("content-type"),
                    response.headers.get("x-payment"), response.headers.get("x-why")])
print(json.dumps(answers))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn exception_handlers_answer_as_fastapi_does() {
    let server = Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache());
    let paths = json!([
        "/errors/unicorns/yolo",
        "/errors/unicorns/ok",
        "/errors/unicorns/x?who=dep",
        "/errors/pay?card=declined",
        "/errors/pay?card=other",
        "/errors/pay?card=http",
        "/errors/pay?card=visa",
        "/errors/pay",
    ]);
    let theirs = fastapi_json(
        "tests/guests/py_lab",
        FASTAPI_ANSWERS,
        &[&paths.to_string()],
    );
    let mut ours = Vec::new();
    for path in paths.as_array().unwrap() {
        let (status, headers, body) = send(client().get(server.url(path.as_str().unwrap()))).await;
        let header = |name: &str| {
            headers
                .get(name)
                .map(|value| Value::from(value.to_str().unwrap()))
                .unwrap_or(Value::Null)
        };
        ours.push(json!([
            status,
            body,
            header("content-type"),
            header("x-payment"),
            header("x-why")
        ]));
    }
    assert_same_answers(&paths, &ours, &theirs);
    // Spelled out, for the reader.
    assert_eq!(
        ours[0],
        json!([
            418,
            r#"{"message":"Oops! yolo did something. There goes a rainbow...","path":"/errors/unicorns/yolo"}"#,
            "application/json",
            null,
            null
        ])
    );
    assert_eq!(
        ours[3],
        json!([
            402,
            "payment failed: CardDeclined: card 4242 declined",
            "text/plain; charset=utf-8",
            "declined",
            null
        ])
    );
}

#[test]
fn a_handler_for_what_the_host_answers_fails_the_build() {
    let dir = python_app(&[(
        "main.py",
        "from fastwasm import FastAPI, HTTPException\n\
         from fastwasm.responses import PlainTextResponse\n\
         app = FastAPI()\n\
         @app.exception_handler(HTTPException)\n\
         async def plain(request, exc):\n    return PlainTextResponse(str(exc.detail), status_code=exc.status_code)\n",
    )]);
    let (ok, log) = build_log(dir.path());
    assert!(!ok, "{log}");
    assert!(
        log.contains(
            "`plain` (main.py:4): a handler for `HTTPException` is not supported: the host \
             answers 404 and 405 before the component runs"
        ),
        "{log}"
    );
    // The build's own error repeats it, after the traceback.
    let last = log.lines().last().unwrap_or_default();
    assert!(
        last.contains(
            "failed: `sh` exited with exit status: 1; the app says: DeclarationError: `plain` \
             (main.py:4): a handler for"
        ),
        "{log}"
    );
}

/// FastAPI's handling-errors tutorial: a `RequestValidationError` handler answers every 422 —
/// invalid parameters the host found and an invalid body alike — with the errors and the body,
/// as plain text, or by FastAPI's default handler. The same file runs under FastAPI; the
/// endpoint's file and line FastAPI appends to `str(exc)` are cut from its answer.
const VALIDATION_HANDLER_APP: &str = r#"
try:
    from fastapi import FastAPI, Request
    from fastapi.encoders import jsonable_encoder
    from fastapi.exception_handlers import request_validation_exception_handler
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, PlainTextResponse
    from pydantic import BaseModel
except ImportError:
    from fastwasm import BaseModel, FastAPI, Request
    from fastwasm.encoders import jsonable_encoder
    from fastwasm.exception_handlers import request_validation_exception_handler
    from fastwasm.exceptions import RequestValidationError
    from fastwasm.responses import JSONResponse, PlainTextResponse

app = FastAPI()


@app.exception_handler(RequestValidationError)
async def validation_exception_handler(request: Request, exc: RequestValidationError):
    if request.url.path.startswith("/plain"):
        return PlainTextResponse(str(exc), status_code=400)
    if request.url.path.startswith("/default"):
        return await request_validation_exception_handler(request, exc)
    return JSONResponse(
        status_code=422, content=jsonable_encoder({"detail": exc.errors(), "body": exc.body})
    )


class Item(BaseModel):
    title: str
    size: int


@app.post("/items/")
async def create_item(item: Item, limit: int = 10):
    return {"item": item, "limit": limit}


@app.get("/plain/{item_id}")
def plain(item_id: int):
    return {"item_id": item_id}


@app.get("/default/{item_id}")
async def default(item_id: int):
    return {"item_id": item_id}
"#;

const VALIDATION_HANDLER_ANSWERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
import main

client = TestClient(main.app)
answers = []
for method, path, body in json.loads(sys.argv[1]):
    response = client.request(method, path, content=None if body is None else body.encode(),
                              headers={"content-type": "application/json"})
    text = response.text.split("\n  File ")[0].rstrip()
    answers.append([response.status_code, text, response.headers.get("content-type")])
print(json.dumps(answers))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_request_validation_error_handler_answers_every_422() {
    let app = python_app(&[("main.py", VALIDATION_HANDLER_APP)]);
    let server = Server::start_at(app.path(), &["--build"], &shared_cache());
    let requests = json!([
        [
            "POST",
            "/items/",
            json!({"title": "towel", "size": "XL"}).to_string()
        ],
        [
            "POST",
            "/items/?limit=many",
            json!({"title": "towel"}).to_string()
        ],
        ["POST", "/items/", "{\"title\": "],
        [
            "POST",
            "/items/?limit=2",
            json!({"title": "towel", "size": 3}).to_string()
        ],
        ["GET", "/plain/foo", null],
        ["GET", "/plain/3", null],
        ["GET", "/default/foo", null],
    ]);
    let theirs = fastapi_json(
        app.path().to_str().unwrap(),
        VALIDATION_HANDLER_ANSWERS,
        &[&requests.to_string()],
    );
    let mut ours = Vec::new();
    for request in requests.as_array().unwrap() {
        let method = reqwest::Method::from_bytes(request[0].as_str().unwrap().as_bytes()).unwrap();
        let mut builder = client()
            .request(method, server.url(request[1].as_str().unwrap()))
            .header("content-type", "application/json");
        if let Some(body) = request[2].as_str() {
            builder = builder.body(body.to_owned());
        }
        let (status, headers, body) = send(builder).await;
        let content_type = headers
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned());
        ours.push(json!([status, body, content_type]));
    }
    assert_same_answers(&requests, &ours, &theirs);
    // Spelled out: the host's parameter error and the body's, in one answer with the body.
    let combined: Value = serde_json::from_str(ours[1][1].as_str().unwrap()).unwrap();
    assert_eq!(combined["body"], json!({"title": "towel"}));
    assert_eq!(combined["detail"][0]["loc"], json!(["query", "limit"]));
    assert_eq!(combined["detail"][1]["loc"], json!(["body", "size"]));
    assert_eq!(ours[4][0], 400);
    assert!(
        ours[4][1].as_str().unwrap().starts_with(
            "1 validation error:\n  {'type': 'int_parsing', 'loc': ('path', 'item_id')"
        ),
        "{}",
        ours[4][1]
    );
}
