//! HTTP middleware, through `tests/guests/py_middleware/main.py`, one file that runs unchanged
//! under FastAPI and as a component: FastAPI's middleware tutorial, `@app.middleware("http")`
//! functions and a `BaseHTTPMiddleware` subclass stacked as Starlette stacks them (the last
//! added outermost), around `async def` and `def` operations; one middleware answers without
//! calling the operation, another hands it `request.state` and reads the request body first,
//! another replaces the response with its body changed (keeping the operation's background
//! task); `HTTPException`s, invalid input and a handled exception come out of `call_next` as
//! responses, while an unhandled one — and anything a middleware raises — is a 500 without the
//! middleware's headers. Status, the headers the middleware touch and the body must equal
//! FastAPI's request by request.

use crate::support::{
    Server, assert_same_answers, built, case_request, client, fastapi_json, send, shared_cache,
};
use serde_json::{Value, json};

const APP: &str = "tests/guests/py_middleware";

/// The headers compared: the ones the middleware write, and the ones a replaced body changes.
const HEADERS: [&str; 8] = [
    "content-type",
    "content-length",
    "x-tag",
    "x-order",
    "x-path-before",
    "x-path-after",
    "x-why",
    "x-process-time",
];

/// Each request's status, compared headers and body under FastAPI's `TestClient`; then the
/// notes the background tasks left.
const FASTAPI_ANSWERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
import main

client = TestClient(main.app, raise_server_exceptions=False)
names = json.loads(sys.argv[2])

def shown(response):
    headers = {name: response.headers[name] for name in names if name in response.headers}
    if "x-process-time" in headers:
        float(headers["x-process-time"])
        headers["x-process-time"] = "<seconds>"
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return [response.status_code, headers, body]

answers = [shown(client.request(method, path, headers=headers, json=body))
           for method, path, headers, body in json.loads(sys.argv[1])]
print(json.dumps([answers, client.get("/notes").json()]))
"#;

fn requests() -> Value {
    let item = json!({"name": "hammer", "price": 9.5});
    json!([
        ["GET", "/items/5?q=x", {}, null],
        ["GET", "/items/abc", {}, null],
        ["GET", "/def-items/7", {}, null],
        ["POST", "/items/", {}, item],
        ["POST", "/items/", {}, {"name": "hammer"}],
        ["POST", "/def-items/", {}, item],
        ["GET", "/private/me", {}, null],
        ["GET", "/private/me", {"x-key": "42"}, null],
        ["GET", "/missing", {}, null],
        ["GET", "/empty", {}, null],
        ["GET", "/teapot", {}, null],
        ["GET", "/crash", {}, null],
        ["GET", "/items/1?boom=before", {}, null],
        ["GET", "/items/1?boom=after", {}, null],
        ["GET", "/upper", {}, null],
        ["GET", "/stream", {}, null],
    ])
}

/// Status, compared headers (the elapsed time as a placeholder, once it parses) and body.
fn shown(status: u16, headers: &reqwest::header::HeaderMap, body: String) -> Value {
    let mut compared = serde_json::Map::new();
    for name in HEADERS {
        if let Some(value) = headers.get(name) {
            let mut value = value.to_str().unwrap().to_owned();
            if name == "x-process-time" {
                value
                    .parse::<f64>()
                    .unwrap_or_else(|_| panic!("{name}: {value}"));
                value = "<seconds>".into();
            }
            compared.insert(name.into(), value.into());
        }
    }
    let body = serde_json::from_str::<Value>(&body).unwrap_or(Value::String(body));
    json!([status, compared, body])
}

#[tokio::test(flavor = "multi_thread")]
async fn http_middleware_wraps_the_operations_as_in_fastapi() {
    let server = Server::start_at(&built(APP), &[], &shared_cache());
    let requests = requests();
    let theirs = fastapi_json(
        APP,
        FASTAPI_ANSWERS,
        &[&requests.to_string(), &json!(HEADERS).to_string()],
    );
    let mut ours = Vec::new();
    for request in requests.as_array().unwrap() {
        let (status, headers, body) = send(case_request(&server, request)).await;
        ours.push(shown(status, &headers, body));
    }
    assert_same_answers(&requests, &ours, &theirs[0]);
    // Spelled out, for the reader: the stack's order, the routed path parameters, the
    // replaced body, and a 500 that no middleware header reached.
    assert_eq!(ours[0][1]["x-order"], "tag,gate");
    assert_eq!(ours[0][1]["x-path-before"], "{}");
    assert_eq!(ours[0][1]["x-path-after"], r#"{"item_id": "5"}"#);
    assert_eq!(ours[14][2], json!({"TEXT": "HELLO"}));
    assert_eq!(ours[14][1]["x-order"], "upper,tag,gate");
    assert_eq!(
        ours[11],
        json!([500, {"content-type": "text/plain; charset=utf-8",
        "content-length": "21"}, "Internal Server Error"])
    );
    server.expect_log("RuntimeError: the operation broke");
    server.expect_log("ValueError: the middleware broke");

    // The replaced response's background task ran after it, as FastAPI ran it.
    server.expect_log("background upper");
    let (status, _, notes) = send(client().get(server.url("/notes"))).await;
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&notes).unwrap(), theirs[1]);
    assert_eq!(theirs[1], json!(["upper"]));

    // A path no operation has is the host's 404: the component, and its middleware, never
    // see it (FastAPI's would add its headers).
    let (status, headers, _) = send(client().get(server.url("/nowhere"))).await;
    assert_eq!(status, 404);
    assert!(headers.get("x-process-time").is_none());
}
