//! Exception handlers in the Python SDK, through `tests/guests/py_lab/error_handlers.py`, one
//! file that runs unchanged under FastAPI and in the lab component: a custom exception answered
//! by an async handler (raised by an operation, or by a dependency), a family of exceptions
//! answered by the sync handler of their base class (from a `def` operation whose `yield`
//! dependency is torn down first), and an `HTTPException` beside them, still the host's to
//! answer. Status, body and headers must equal FastAPI's; a handler the host's own answers
//! would bypass fails the build.

use crate::support::{
    Server, build_log, built, client, fastapi_json, python_app, send, shared_cache,
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
    for ((path, ours), theirs) in paths
        .as_array()
        .unwrap()
        .iter()
        .zip(&ours)
        .zip(theirs.as_array().unwrap())
    {
        assert_eq!(ours, theirs, "{path}: fastwasm, then FastAPI");
    }
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
             answers 404, 405 and invalid parameters (422) before the component runs"
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
