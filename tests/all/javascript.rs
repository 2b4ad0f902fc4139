//! The JavaScript SDK through `examples/js-hello`, built with componentize-js by `fastwasm
//! build`: parameters validated by the host, JSON bodies validated in the guest, answers,
//! errors, a provider with its teardown, and the build-time refusal of `async` handlers.

use crate::support::{Server, build_log, built, client, error_kinds, get, get_json, shared_cache};
use serde_json::json;
use std::path::Path;

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// A fresh server per test over the app built once per test process.
fn js_hello() -> Server {
    Server::start_at(&built("examples/js-hello"), &[], &shared_cache())
}

async fn post_json(server: &Server, path: &str, body: &str) -> (u16, serde_json::Value) {
    let response = client()
        .post(server.url(path))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn json_answer_and_typed_path_and_query_parameters() {
    let server = js_hello();
    let (status, headers, body) = get(server.url("/")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body, r#"{"message":"Hello World"}"#);

    let (status, body) = get_json(server.url("/items/42?q=hello%20world&short=yes")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"item_id": 42, "q": "hello world"}));

    // An absent optional parameter is `null`; an absent one with a default has it.
    let (_, body) = get_json(server.url("/items/7")).await;
    assert_eq!(
        body,
        json!({"item_id": 7, "q": null,
               "description": "This is an amazing item that has a long description"})
    );
}

#[tokio::test]
async fn query_defaults_constraints_and_lists() {
    let server = js_hello();
    let (status, body) = get_json(server.url("/items")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"skip": 0, "limit": 10, "tags": []}));

    let (_, body) = get_json(server.url("/items?skip=5&limit=100&tag=a&tag=b")).await;
    assert_eq!(body, json!({"skip": 5, "limit": 100, "tags": ["a", "b"]}));

    let (status, body) = get_json(server.url("/items?limit=0&skip=-1")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            {"type": "greater_than_equal", "loc": ["query", "skip"],
             "msg": "Input should be greater than or equal to 0", "input": "-1", "ctx": {"ge": 0}},
            {"type": "greater_than_equal", "loc": ["query", "limit"],
             "msg": "Input should be greater than or equal to 1", "input": "0", "ctx": {"ge": 1}},
        ]})
    );
}

#[tokio::test]
async fn invalid_path_and_query_parameters_are_422_without_calling_the_guest() {
    let server = js_hello();
    let (status, body) = get_json(server.url("/items/foo")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{
            "type": "int_parsing",
            "loc": ["path", "item_id"],
            "msg": "Input should be a valid integer, unable to parse string as an integer",
            "input": "foo"
        }]})
    );

    let long = "x".repeat(51);
    let (status, body) = get_json(server.url(&format!("/items/0?q={long}"))).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            {"type": "greater_than_equal", "loc": ["path", "item_id"],
             "msg": "Input should be greater than or equal to 1", "input": "0", "ctx": {"ge": 1}},
            {"type": "string_too_long", "loc": ["query", "q"],
             "msg": "String should have at most 50 characters", "input": long,
             "ctx": {"max_length": 50}},
        ]})
    );

    // JavaScript holds integers exactly up to 2^53 - 1: past that is a 422, not a rounded id.
    let (status, body) = get_json(server.url("/items/9007199254740992")).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "less_than_equal");
}

#[tokio::test]
async fn path_string_constraints_and_rest_of_path() {
    let server = js_hello();
    let (status, body) = get_json(server.url("/users/ab")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["detail"][0]["msg"],
        "String should have at least 3 characters"
    );
    let (status, body) = get_json(server.url("/users/Bad-Name")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["detail"][0]["msg"],
        "String should match pattern '^[a-z0-9_]+$'"
    );

    // `*file_path` in the template takes the rest of the path.
    let (status, body) = get_json(server.url("/files/docs/guide%201.md")).await;
    assert_eq!(
        (status, body),
        (200, json!({"file_path": "docs/guide 1.md"}))
    );
}

#[tokio::test]
async fn json_body_model_with_declared_status() {
    let server = js_hello();
    // Unknown fields are dropped, absent optional ones are `null` or their default.
    let (status, body) = post_json(
        &server,
        "/items",
        r#"{"name": "Hammer", "price": 9.5, "color": "red"}"#,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        body,
        json!({"name": "Hammer", "price": 9.5, "description": null, "tags": []})
    );

    // pydantic's lax mode: a numeric string is a number.
    let (status, body) = post_json(
        &server,
        "/items",
        r#"{"name": "Saw", "price": "12.5", "tags": ["tools"]}"#,
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body["price"], 12.5);
    assert_eq!(body["tags"], json!(["tools"]));
}

#[tokio::test]
async fn malformed_and_invalid_json_bodies_are_fastapi_422s() {
    let server = js_hello();
    let (status, body) = post_json(&server, "/items", r#"{"name": "#).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"type": "json_invalid", "loc": ["body", 9], "msg": "JSON decode error",
                           "input": {}, "ctx": {"error": "unexpected end of data"}}]})
    );

    let (status, body) = post_json(&server, "/items", r#"{"name": "Hammer"}"#).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"type": "missing", "loc": ["body", "price"],
                           "msg": "Field required", "input": {"name": "Hammer"}}]})
    );

    let response = client().post(server.url("/items")).send().await.unwrap();
    assert_eq!(response.status(), 422);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": null}]})
    );

    // Every field's error at once, in declaration order.
    let (status, body) = post_json(
        &server,
        "/items",
        r#"{"name": "", "price": "abc", "description": 5, "tags": ["a", 1]}"#,
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            {"type": "string_too_short", "loc": ["body", "name"],
             "msg": "String should have at least 1 character", "input": "", "ctx": {"min_length": 1}},
            {"type": "float_parsing", "loc": ["body", "price"],
             "msg": "Input should be a valid number, unable to parse string as a number", "input": "abc"},
            {"type": "string_type", "loc": ["body", "description"],
             "msg": "Input should be a valid string", "input": 5},
            {"type": "string_type", "loc": ["body", "tags", 1],
             "msg": "Input should be a valid string", "input": 1},
        ]})
    );

    let (status, body) = post_json(&server, "/items", "[1]").await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "model_attributes_type");
    assert_eq!(body["detail"][0]["loc"], json!(["body"]));
}

#[tokio::test]
async fn bad_parameters_and_a_bad_body_are_listed_in_one_422() {
    let server = js_hello();
    let put = |path: &str, body: &'static str| {
        client()
            .put(server.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let response = put("/items/0", r#"{"price": 0}"#).await.unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        error_kinds(&body),
        [
            (json!("greater_than_equal"), json!(["path", "item_id"])),
            (json!("missing"), json!(["body", "name"])),
            (json!("greater_than"), json!(["body", "price"])),
        ],
        "{body}"
    );

    // A body that is not JSON is the answer alone, as in FastAPI.
    let response = put("/items/0", r#"{"name": "#).await.unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["detail"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["detail"][0]["type"], "json_invalid");
}

#[tokio::test]
async fn response_status_headers_and_http_exception() {
    let server = js_hello();
    let item = json!({"name": "Saw", "price": 20});
    // Declared with Express's `/items/:item_id`; the handler answers with a `Response`.
    let response = client()
        .put(server.url("/items/3"))
        .json(&item)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(response.headers()["x-item-id"], "3");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"item_id": 3, "item": {"name": "Saw", "price": 20, "description": null, "tags": []}})
    );

    let response = client()
        .put(server.url("/items/5000"))
        .json(&item)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-error"], "there goes my error");
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"detail":"Item not found"}"#
    );

    let response = client()
        .delete(server.url("/items/3"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(response.headers().get("content-type").is_none());
    assert_eq!(response.text().await.unwrap(), "");
}

#[tokio::test]
async fn headers_cookies_text_html_and_the_raw_request() {
    let server = js_hello();
    let response = client()
        .get(server.url("/whoami"))
        .header("user-agent", "probe/1.0")
        .header("x-token", "secret")
        .header("cookie", "session=abc123")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"user_agent": "probe/1.0", "token": "secret", "session": "abc123"})
    );

    let (status, headers, body) = get(server.url("/text")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(body, "Hello, plain text");

    let (_, headers, body) = get(server.url("/html")).await;
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(body, "<h1>Hello, HTML</h1>");

    let response = client()
        .post(server.url("/echo?x=1"))
        .header("content-type", "text/csv")
        .body("a,b\n1,2\n")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv");
    assert_eq!(response.headers()["x-method"], "POST");
    assert_eq!(response.headers()["x-query"], "x=1");
    assert_eq!(response.text().await.unwrap(), "a,b\n1,2\n");
}

#[tokio::test]
async fn a_provider_runs_before_the_handler_and_tears_down_after() {
    let server = js_hello();
    let response = client()
        .get(server.url("/users/alice_1"))
        .header("x-request-id", "js-ok")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"username": "alice_1", "session": "js-ok"})
    );
    assert_eq!(
        server.guest_trace("js-ok"),
        ["open db", "handler readUser", "close db"]
    );

    // An `HTTPException` from the handler keeps its headers; the session is still closed.
    let response = client()
        .get(server.url("/users/root"))
        .header("x-request-id", "js-denied")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"detail":"Not your business"}"#
    );
    assert_eq!(
        server.guest_trace("js-denied"),
        ["open db", "handler readUser", "close db"]
    );
}

#[tokio::test]
async fn a_failing_handler_is_a_500_with_its_stack_logged_and_teardown_still_runs() {
    let server = js_hello();
    let response = client()
        .get(server.url("/broken"))
        .header("x-request-id", "js-broken")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"detail":"Internal Server Error"}"#
    );
    assert_eq!(
        server.guest_trace("js-broken"),
        ["open db", "handler broken", "close db"]
    );
    let logs = server.logs();
    assert!(
        logs.contains("operation broken failed: Error: the handler failed after opening a session"),
        "{logs}"
    );
    assert!(logs.contains("broken@build/hello.js:"), "{logs}");
}

#[test]
fn an_async_handler_fails_the_build_with_a_clear_message() {
    // Under the repository, so the build finds the project's toolchains; with the example's
    // build line, so it is the one users copy.
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let example = Path::new(REPO).join("examples/js-hello");
    std::fs::copy(
        example.join("fastwasm.toml"),
        dir.path().join("fastwasm.toml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.js"),
        "import { FastWasm } from 'fastwasm';\n\
         const app = new FastWasm();\n\
         app.get('/', async () => ({ ok: true }));\n\
         export default app;\n",
    )
    .unwrap();
    let (ok, log) = build_log(dir.path());
    assert!(!ok, "{log}");
    assert!(
        log.contains(
            "GET /: the handler is async, and JavaScript components serve sync operations only"
        ),
        "{log}"
    );
}
