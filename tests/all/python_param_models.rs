//! Parameter models, through `tests/guests/py_lab/param_models.py`, one file that runs unchanged
//! under FastAPI and in the lab component: a query model with `extra="forbid"` and a field
//! validator, a header model beside a query parameter, a cookie model. Status and JSON must
//! equal FastAPI's request by request — including the input a missing field reports and the
//! `extra_forbidden` errors — and the documented parameters must be FastAPI's.

use crate::support::{
    Server, assert_same_answers, built, client, error_kinds, fastapi_json, send, shared_cache,
};
use serde_json::{Value, json};

/// Each request's status and body, then the documented parameters of each path.
const FASTAPI_ANSWERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi import FastAPI
from fastapi.testclient import TestClient
import param_models

app = FastAPI()
app.include_router(param_models.router)
client = TestClient(app)
answers = []
for path, headers in json.loads(sys.argv[1]):
    response = client.get(path, headers=headers)
    answers.append([response.status_code, response.json()])
paths = app.openapi()["paths"]
documented = {path: paths[path]["get"]["parameters"] for path in json.loads(sys.argv[2])}
print(json.dumps([answers, documented]))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn parameter_models_answer_and_are_documented_as_fastapi_does() {
    let server = Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache());
    let host = "example.com";
    let requests = json!([
        ["/models/items/?tags=A&tags=b", {}],
        ["/models/items/?limit=5&order_by=updated_at&offset=3", {}],
        ["/models/items/?limit=0&tool=x&tool=y&offset=z&color=red", {}],
        ["/models/items/?order_by=x&limit=101", {}],
        ["/models/headers/?q=y", {"host": host, "save-data": "no"}],
        ["/models/headers/?q=2", {"host": host, "save-data": "yes", "traceparent": "00-ab"}],
        ["/models/headers/", {"host": host, "save-data": "maybe"}],
        ["/models/cookies/", {"cookie": "session_id=1; other=2"}],
        ["/models/cookies/", {"cookie": "fatebook_tracker=1; other=2"}],
        ["/models/cookies/", {}],
    ]);
    let paths = json!(["/models/items/", "/models/headers/", "/models/cookies/"]);
    let theirs = fastapi_json(
        "tests/guests/py_lab",
        FASTAPI_ANSWERS,
        &[&requests.to_string(), &paths.to_string()],
    );
    let mut ours = Vec::new();
    for request in requests.as_array().unwrap() {
        let mut builder = client().get(server.url(request[0].as_str().unwrap()));
        for (name, value) in request[1].as_object().unwrap() {
            builder = builder.header(name, value.as_str().unwrap());
        }
        let (status, _, body) = send(builder).await;
        let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| Value::String(body));
        ours.push(json!([status, body]));
    }
    assert_same_answers(&requests, &ours, &theirs[0]);
    // Spelled out: the validator lowered the tags; the fields' errors, then the extras.
    assert_eq!(ours[0][1]["tags"], json!(["a", "b"]));
    let kinds: Vec<Value> = error_kinds(&ours[2][1])
        .into_iter()
        .map(|(kind, _)| kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "greater_than",
            "int_parsing",
            "extra_forbidden",
            "extra_forbidden"
        ]
    );

    let (_, _, document) = send(client().get(server.url("/openapi.json"))).await;
    let document: Value = serde_json::from_str(&document).unwrap();
    for path in paths.as_array().unwrap() {
        let path = path.as_str().unwrap();
        assert_eq!(
            document["paths"][path]["get"]["parameters"], theirs[1][path],
            "{path}: fastwasm, then FastAPI"
        );
    }
}
