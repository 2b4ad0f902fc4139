//! The order of a request's errors, through `tests/guests/py_lab/error_order.py`, one file that
//! runs unchanged under FastAPI and in the lab component: a dependency's 401 wins over another
//! dependency's invalid query whether it comes before or after it; invalid parameters of the
//! operation, of its dependencies and of a sub-dependency, and an invalid body, are listed in
//! one 422 in FastAPI's order (dependencies first; path, query, header, cookie; the body last);
//! a body that is not JSON is answered alone; a dependency used twice lists its errors twice.
//! Status, body and `WWW-Authenticate` must equal FastAPI's, request by request.

use crate::support::{
    Server, assert_same_answers, built, client, error_kinds, fastapi_json, send, shared_cache,
};
use serde_json::{Value, json};

/// Each request's status, body and `WWW-Authenticate`, by FastAPI's `TestClient`.
const FASTAPI_ANSWERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi import FastAPI
from fastapi.testclient import TestClient
import error_order

app = FastAPI()
app.include_router(error_order.router)
client = TestClient(app)
answers = []
for method, path, headers, body in json.loads(sys.argv[1]):
    response = client.request(method, path, headers=headers,
                              content=None if body is None else body.encode())
    answers.append([response.status_code, response.text,
                    response.headers.get("www-authenticate")])
print(json.dumps(answers))
"#;

const JSON: &str = "application/json";

/// The requests: method, path, headers, body.
fn requests() -> Value {
    let token = json!({"x-token": "secret"});
    let bad_item = json!({"name": 1, "price": 0}).to_string();
    let good_item = json!({"name": "pen", "price": 2.5}).to_string();
    json!([
        // The token check comes after `paging`, and before it.
        ["GET", "/order/later-401?offset=-1", {}, null],
        ["GET", "/order/later-401?offset=-1&limit=x", token, null],
        ["GET", "/order/later-401?offset=3", token, null],
        ["GET", "/order/earlier-401?offset=-1", {}, null],
        ["GET", "/order/earlier-401?offset=-1", token, null],
        ["GET", "/order/earlier-401", token, null],
        // Dependencies', a sub-dependency's, the operation's and the body's errors at once.
        ["POST", "/order/items/abc?offset=-1&q=toolong&color=RED",
            {"x-level": "high", "content-type": JSON}, bad_item],
        ["POST", "/order/items/abc?tag=ok", {"content-type": JSON}, bad_item],
        ["POST", "/order/items/abc?tag=ok", {"content-type": JSON}, good_item],
        ["POST", "/order/items/7?offset=-1", {"content-type": JSON}, null],
        ["POST", "/order/items/7?tag=ok&color=red", {"x-level": "3", "content-type": JSON},
            good_item],
        // A body that is not JSON is the answer alone.
        ["POST", "/order/items/abc?offset=-1", {"content-type": JSON}, "{\"name\": "],
        // Parameters declared cookie, header, path, query; an embedded body of two parts.
        ["PUT", "/order/embedded/x?q=y", {"content-type": JSON},
            json!({"item": {"price": -1}, "importance": 0}).to_string()],
        ["PUT", "/order/embedded/5", {"x-count": "2", "cookie": "session=s", "content-type": JSON},
            json!({"item": {"name": "pen", "price": 1}}).to_string()],
        ["PUT", "/order/embedded/5?q=2", {"x-count": "2", "cookie": "session=s",
            "content-type": JSON}, json!({"item": {"name": "pen", "price": 1}, "importance": 4})
            .to_string()],
        // One dependency solved twice.
        ["GET", "/order/twice?offset=-1", {}, null],
        ["GET", "/order/twice?offset=1", {}, null],
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_come_in_fastapis_order_and_in_one_422() {
    let server = Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache());
    let requests = requests();
    let theirs = fastapi_json(
        "tests/guests/py_lab",
        FASTAPI_ANSWERS,
        &[&requests.to_string()],
    );
    let mut ours = Vec::new();
    for request in requests.as_array().unwrap() {
        let method = reqwest::Method::from_bytes(request[0].as_str().unwrap().as_bytes()).unwrap();
        let mut builder = client().request(method, server.url(request[1].as_str().unwrap()));
        for (name, value) in request[2].as_object().unwrap() {
            builder = builder.header(name, value.as_str().unwrap());
        }
        if let Some(body) = request[3].as_str() {
            builder = builder.body(body.to_owned());
        }
        let (status, headers, body) = send(builder).await;
        let challenge = headers
            .get("www-authenticate")
            .map(|value| Value::from(value.to_str().unwrap()))
            .unwrap_or(Value::Null);
        ours.push(json!([status, body, challenge]));
    }
    assert_same_answers(&requests, &ours, &theirs);
    // Spelled out, for the reader: the later dependency's 401 over the earlier one's 422, and
    // the order of one combined 422.
    assert_eq!(
        ours[0],
        json!([401, r#"{"detail":"Not authenticated"}"#, "Bearer"])
    );
    let combined: Value = serde_json::from_str(ours[6][1].as_str().unwrap()).unwrap();
    let locations: Vec<Value> = error_kinds(&combined)
        .into_iter()
        .map(|(_, loc)| loc)
        .collect();
    assert_eq!(
        locations,
        [
            json!(["query", "offset"]),
            json!(["query", "tag"]),
            json!(["query", "color"]),
            json!(["header", "x-level"]),
            json!(["path", "item_id"]),
            json!(["query", "q"]),
            json!(["body", "name"]),
            json!(["body", "price"]),
        ]
    );
}
