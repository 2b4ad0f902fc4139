//! The Python SDK through `tests/guests/py_lab` and `examples/py-items`, built with
//! componentize-py by `fastwasm build`: every kind of parameter validated by the host,
//! bodies validated in the guest, response models and classes, `HTTPException`, the request,
//! dependencies solved in Python (caching, `yield` teardowns, sub-dependencies), providers
//! exported to the host, and async operations that wait together.
//!
//! The expected answers were captured by running the same Python code under FastAPI 0.165
//! with pydantic 2.14: a 422 here is byte for byte the one FastAPI gives.

use crate::support::{Server, built, client, fire, get, get_json, run, send, shared_cache};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// A fresh server per test over the lab app, built once per test process.
fn lab() -> Server {
    Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache())
}

fn items() -> Server {
    Server::start_at(&built("examples/py-items"), &[], &shared_cache())
}

/// Sends `body` as JSON to `path` with `method`, returning status and JSON answer.
async fn json_call(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let response = client()
        .request(method, server.url(path))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn post_json(server: &Server, path: &str, body: &Value) -> (u16, Value) {
    json_call(server, reqwest::Method::POST, path, body).await
}

fn int_parsing(loc: Value, input: &str) -> Value {
    json!({"type": "int_parsing", "loc": loc,
           "msg": "Input should be a valid integer, unable to parse string as an integer",
           "input": input})
}

#[tokio::test]
async fn path_query_header_and_cookie_parameters_are_validated_by_the_host() {
    let server = lab();
    let (status, body) = get_json(server.url("/params/path/0")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"type": "greater_than_equal", "loc": ["path", "item_id"],
                           "msg": "Input should be greater than or equal to 1", "input": "0",
                           "ctx": {"ge": 1}}]})
    );
    let (status, body) = get_json(server.url("/params/path/abc")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [int_parsing(json!(["path", "item_id"]), "abc")]})
    );

    // Every bad value at once, in the order the function declares them; an enum of strings,
    // an enum of ints, a list under an alias with its index in `loc`, string constraints.
    let (status, body) = get_json(server.url(
        "/params/query?limit=0&color=purple&level=3&name=AB&price=0.1&id=x&short=maybe&skip=1.5",
    ))
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            int_parsing(json!(["query", "skip"]), "1.5"),
            {"type": "greater_than_equal", "loc": ["query", "limit"],
             "msg": "Input should be greater than or equal to 1", "input": "0", "ctx": {"ge": 1}},
            {"type": "bool_parsing", "loc": ["query", "short"],
             "msg": "Input should be a valid boolean, unable to interpret input", "input": "maybe"},
            {"type": "enum", "loc": ["query", "color"],
             "msg": "Input should be 'red', 'green' or 'blue'", "input": "purple",
             "ctx": {"expected": "'red', 'green' or 'blue'"}},
            {"type": "enum", "loc": ["query", "level"], "msg": "Input should be 1 or 2",
             "input": "3", "ctx": {"expected": "1 or 2"}},
            int_parsing(json!(["query", "id", 0]), "x"),
            {"type": "string_too_short", "loc": ["query", "name"],
             "msg": "String should have at least 3 characters", "input": "AB",
             "ctx": {"min_length": 3}},
            {"type": "greater_than", "loc": ["query", "price"],
             "msg": "Input should be greater than 0.5", "input": "0.1", "ctx": {"gt": 0.5}},
        ]})
    );
    let (status, body) =
        get_json(server.url("/params/query?limit=101&name=abcdefghi&id=1&id=y")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            {"type": "less_than_equal", "loc": ["query", "limit"],
             "msg": "Input should be less than or equal to 100", "input": "101", "ctx": {"le": 100}},
            int_parsing(json!(["query", "id", 1]), "y"),
            {"type": "string_too_long", "loc": ["query", "name"],
             "msg": "String should have at most 8 characters", "input": "abcdefghi",
             "ctx": {"max_length": 8}},
        ]})
    );
    let (status, body) = get_json(server.url("/params/query?name=ABC")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"type": "string_pattern_mismatch", "loc": ["query", "name"],
                           "msg": "String should match pattern '^[a-z]+$'", "input": "ABC",
                           "ctx": {"pattern": "^[a-z]+$"}}]})
    );
    let (status, body) = get_json(server.url("/params/required")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            {"type": "missing", "loc": ["query", "needed"], "msg": "Field required", "input": null},
            {"type": "missing", "loc": ["query", "count"], "msg": "Field required", "input": null},
        ]})
    );

    // `x_count` reads the header `x-count`; `x_key` is required.
    let (status, body) = get_json(server.url("/params/required-header")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"type": "missing", "loc": ["header", "x-key"], "msg": "Field required",
                           "input": null}]})
    );
    let (status, _, body) = send(
        client()
            .get(server.url("/params/headers"))
            .header("x-count", "many"),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"detail": [int_parsing(json!(["header", "x-count"]), "many")]})
    );
    let (status, _, body) = send(
        client()
            .get(server.url("/params/cookies"))
            .header("cookie", "visits=-3"),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"detail": [{"type": "greater_than_equal", "loc": ["cookie", "visits"],
                           "msg": "Input should be greater than or equal to 0", "input": "-3",
                           "ctx": {"ge": 0}}]})
    );
}

#[tokio::test]
async fn a_float_bound_is_written_as_fastapi_writes_it() {
    let server = lab();
    let (status, body) = get_json(server.url("/params/ratio/0")).await;
    assert_eq!(status, 422);
    // pydantic states a float field's bound as a float, and writes it in the message as
    // it was given.
    assert_eq!(
        body,
        json!({"detail": [{"type": "greater_than", "loc": ["path", "ratio"],
                           "msg": "Input should be greater than 0", "input": "0",
                           "ctx": {"gt": 0.0}}]})
    );
    let (status, body) = get_json(server.url("/params/ratio/0.25")).await;
    assert_eq!((status, body), (200, json!({"ratio": 0.25})));
}

#[tokio::test]
async fn valid_parameters_arrive_with_their_types_and_defaults() {
    let server = lab();
    let (status, body) = get_json(server.url("/params/query")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"q": null, "skip": 0, "limit": 10, "short": false, "color": "red", "level": 1,
               "tags": [], "ids": null, "name": null, "price": null})
    );
    let (status, body) =
        get_json(server.url(
            "/params/query?tags=a&tags=b&id=1&id=2&color=green&level=2&short=yes&q=hi&price=2",
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"q": "hi", "skip": 0, "limit": 10, "short": true, "color": "green", "level": 2,
               "tags": ["a", "b"], "ids": [1, 2], "name": null, "price": 2.0})
    );

    // A repeated header is a list; `convert_underscores=False` reads `strange_header` as is.
    let (status, _, body) = send(
        client()
            .get(server.url("/params/headers"))
            .header("x-token", "a")
            .header("x-token", "b")
            .header("strange_header", "s")
            .header("user-agent", "ua")
            .header("x-count", "3"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"user_agent": "ua", "x_token": ["a", "b"], "strange_header": "s", "x_count": 3})
    );
    let (status, _, body) = send(
        client()
            .get(server.url("/params/cookies"))
            .header("cookie", "session_id=abc; visits=3"),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"session_id":"abc","visits":3}"#)
    );
    let (status, body) = get_json(server.url("/files/docs/guide%201.md")).await;
    assert_eq!(
        (status, body),
        (200, json!({"file_path": "docs/guide 1.md"}))
    );
}

#[tokio::test]
async fn model_dataclass_and_typed_dict_bodies() {
    let server = lab();
    let (status, body) = post_json(
        &server,
        "/bodies/model",
        &json!({"name": "x", "price": 1, "tags": ["a"], "images": [{"url": "u", "name": "n"}]}),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(
        body,
        json!({"name": "x", "description": null, "price": 1.0, "tax": null, "tags": ["a"],
               "images": [{"url": "u", "name": "n"}]})
    );
    // Field constraints, a nested model's missing field, and a list item of the wrong type.
    let (status, body) = post_json(
        &server,
        "/bodies/model",
        &json!({"name": "x", "price": 0, "description": "123456789012345678901",
                "images": [{"url": "u"}, 5]}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            {"type": "string_too_long", "loc": ["body", "description"],
             "msg": "String should have at most 20 characters", "input": "123456789012345678901",
             "ctx": {"max_length": 20}},
            {"type": "greater_than", "loc": ["body", "price"], "msg": "Input should be greater than 0",
             "input": 0, "ctx": {"gt": 0.0}},
            {"type": "missing", "loc": ["body", "images", 0, "name"], "msg": "Field required",
             "input": {"url": "u"}},
            {"type": "model_attributes_type", "loc": ["body", "images", 1],
             "msg": "Input should be a valid dictionary or object to extract fields from", "input": 5},
        ]})
    );

    // A dataclass: lax conversion ("2" → 2), its default, and its errors.
    let (status, body) = post_json(&server, "/bodies/dataclass", &json!({"x": 1, "y": "2"})).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"point": {"x": 1, "y": 2, "label": "origin"}, "sum": 3})
    );
    let (status, body) = post_json(&server, "/bodies/dataclass", &json!({"x": "a"})).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            int_parsing(json!(["body", "x"]), "a"),
            {"type": "missing", "loc": ["body", "y"], "msg": "Field required", "input": {"x": "a"}},
        ]})
    );

    // A TypedDict: a `NotRequired` key may be absent.
    let (status, body) = post_json(
        &server,
        "/bodies/typed-dict",
        &json!({"street": "s", "city": "c"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"address": {"street": "s", "city": "c"}, "keys": ["city", "street"]})
    );
    let (status, body) = post_json(
        &server,
        "/bodies/typed-dict",
        &json!({"street": 1, "zip": 2}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            {"type": "string_type", "loc": ["body", "street"], "msg": "Input should be a valid string",
             "input": 1},
            {"type": "missing", "loc": ["body", "city"], "msg": "Field required",
             "input": {"street": 1, "zip": 2}},
            {"type": "string_type", "loc": ["body", "zip"], "msg": "Input should be a valid string",
             "input": 2},
        ]})
    );

    // A list of models is the whole body.
    let (status, body) = post_json(&server, "/bodies/list", &json!([{"name": "a"}, 3])).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            {"type": "missing", "loc": ["body", 0, "price"], "msg": "Field required",
             "input": {"name": "a"}},
            {"type": "model_attributes_type", "loc": ["body", 1],
             "msg": "Input should be a valid dictionary or object to extract fields from", "input": 3},
        ]})
    );
}

#[tokio::test]
async fn several_body_arguments_are_keys_of_one_object() {
    let server = lab();
    let (status, body) = json_call(
        &server,
        reqwest::Method::PUT,
        "/bodies/items/3?q=z",
        &json!({"item": {"name": "a", "price": 2}, "user": {"username": "u"}, "importance": 5}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"item_id": 3,
               "item": {"name": "a", "description": null, "price": 2.0, "tax": null, "tags": [],
                        "images": null},
               "user": {"username": "u", "full_name": null}, "importance": 5, "q": "z"})
    );
    let (status, body) = json_call(
        &server,
        reqwest::Method::PUT,
        "/bodies/items/3",
        &json!({"item": {"name": "a"}, "user": "u", "importance": 0}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            {"type": "missing", "loc": ["body", "item", "price"], "msg": "Field required",
             "input": {"name": "a"}},
            {"type": "model_attributes_type", "loc": ["body", "user"],
             "msg": "Input should be a valid dictionary or object to extract fields from", "input": "u"},
            {"type": "greater_than", "loc": ["body", "importance"], "msg": "Input should be greater than 0",
             "input": 0, "ctx": {"gt": 0}},
        ]})
    );

    // `Body(embed=True)`: the model is under its name.
    let (status, body) =
        post_json(&server, "/bodies/embed", &json!({"name": "a", "price": 1})).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"type": "missing", "loc": ["body", "item"], "msg": "Field required",
                           "input": null}]})
    );
    let (status, body) = post_json(
        &server,
        "/bodies/embed",
        &json!({"item": {"name": "a", "price": 1}}),
    )
    .await;
    assert_eq!((status, body["item"]["price"].clone()), (200, json!(1.0)));

    // An optional body may be absent.
    let (status, _, body) = send(client().post(server.url("/bodies/optional"))).await;
    assert_eq!((status, body.as_str()), (200, r#"{"item":null}"#));
}

#[tokio::test]
async fn malformed_missing_and_non_json_bodies() {
    let server = lab();
    let (status, _, body) = send(
        client()
            .post(server.url("/bodies/model"))
            .header("content-type", "application/json")
            .body(r#"{"name": "#),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"detail": [{"type": "json_invalid", "loc": ["body", 9], "msg": "JSON decode error",
                           "input": {}, "ctx": {"error": "Expecting value"}}]})
    );
    let (status, _, body) = send(client().post(server.url("/bodies/model"))).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        r#"{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}"#
    );
    // Without a JSON content type the body is not parsed, as FastAPI's strict check does.
    let (status, _, body) = send(
        client()
            .post(server.url("/bodies/model"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("name=x"),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"detail": [{"type": "model_attributes_type", "loc": ["body"],
                           "msg": "Input should be a valid dictionary or object to extract fields from",
                           "input": "name=x"}]})
    );
    let (status, _, body) = send(
        client()
            .post(server.url("/bodies/model"))
            .header("content-type", "application/json")
            .body("null"),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["detail"][0]["input"],
        Value::Null
    );
}

#[tokio::test]
async fn response_models_filter_and_declared_status_codes() {
    let server = lab();
    // `response_model=UserOut` drops the password.
    let (status, body) = post_json(
        &server,
        "/responses/user",
        &json!({"username": "u", "password": "p"}),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            201,
            json!({"username": "u", "email": null, "full_name": null})
        )
    );
    // So does a return annotation.
    let (status, body) = get_json(server.url("/responses/annotated")).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"username": "ann", "email": null, "full_name": "Ann Notated"})
        )
    );
    let (status, _, body) = get(server.url("/responses/exclude-unset")).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"name":"Foo","price":50.2}"#)
    );
    let (status, headers, body) = send(client().delete(server.url("/responses/items/3"))).await;
    assert_eq!((status, body.as_str()), (204, ""));
    assert_eq!(headers["content-type"], "application/json");
}

#[tokio::test]
async fn response_classes_and_the_response_argument() {
    let server = lab();
    let (status, headers, body) = get(server.url("/responses/text")).await;
    assert_eq!((status, body.as_str()), (200, "plain text"));
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    let (_, headers, body) = get(server.url("/responses/html")).await;
    assert_eq!(body, "<h1>Hello</h1>");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    let (status, headers, body) = get(server.url("/responses/json")).await;
    assert_eq!((status, body.as_str()), (202, r#"{"message":"custom"}"#));
    assert_eq!(headers["x-custom"], "yes");
    let (_, headers, body) = get(server.url("/responses/raw")).await;
    assert_eq!(body, "raw bytes");
    assert_eq!(headers["content-type"], "application/octet-stream");
    // Headers, a cookie and a status set on the `response: Response` argument.
    let (status, headers, body) = get(server.url("/responses/cookie")).await;
    assert_eq!((status, body.as_str()), (202, r#"{"ok":true}"#));
    assert_eq!(
        headers["set-cookie"],
        "flavor=chocolate; Path=/; SameSite=lax"
    );
    assert_eq!(headers["x-extra"], "1");
}

#[tokio::test]
async fn http_exceptions_keep_their_status_detail_and_headers() {
    let server = lab();
    let (status, _, body) = get(server.url("/errors/items/foo")).await;
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"item":"The Foo Wrestlers"}"#)
    );
    let (status, headers, body) = get(server.url("/errors/items/bar")).await;
    assert_eq!(
        (status, body.as_str()),
        (404, r#"{"detail":"Item not found"}"#)
    );
    assert_eq!(headers["x-error"], "There goes my error");
    assert_eq!(headers["content-type"], "application/json");
    let (status, _, body) = get(server.url("/errors/detail")).await;
    assert_eq!(
        (status, body.as_str()),
        (418, r#"{"detail":{"reason":"teapot","codes":[1,2]}}"#)
    );
    // Without a detail, the status's reason phrase.
    let (status, _, body) = get(server.url("/errors/default")).await;
    assert_eq!((status, body.as_str()), (403, r#"{"detail":"Forbidden"}"#));
}

#[tokio::test]
async fn a_bug_answers_fastapis_plain_500_and_logs_its_traceback() {
    let server = lab();
    let (status, headers, body) = get(server.url("/errors/crash")).await;
    assert_eq!((status, body.as_str()), (500, "Internal Server Error"));
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    let line = server
        .wait_for_log(&["ValueError: a bug"], Duration::from_secs(5))
        .unwrap_or_else(|| panic!("no traceback in the log:\n{}", server.logs()));
    assert!(line.contains("operation=crash"), "{line}");

    // A value that does not fit the response model is a bug too.
    let (status, _, body) = get(server.url("/responses/broken")).await;
    assert_eq!((status, body.as_str()), (500, "Internal Server Error"));
    assert!(
        server
            .wait_for_log(&["does not fit its response_model"], Duration::from_secs(5))
            .is_some(),
        "{}",
        server.logs()
    );
    // The instance serves on.
    let (status, _) = get_json(server.url("/params/path/3")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_request_object() {
    let server = lab();
    let (status, _, body) = send(
        client()
            .post(server.url("/request/echo/k?x=1&x=2&y=3"))
            .header("x-thing", "a")
            .header("cookie", "c=d; e=f")
            .body("hello"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"method": "POST", "path": "/request/echo/k", "query": {"x": "2", "y": "3"},
               "all_x": ["1", "2"], "path_params": {"kind": "k"}, "header": "a",
               "cookies": {"c": "d", "e": "f"}, "body": "hello", "kind": "k"})
    );
}

#[tokio::test]
async fn dependencies_run_once_per_request_and_tear_down_in_reverse() {
    let server = lab();
    let response = client()
        .get(server.url("/deps/items?q=s&skip=2"))
        .header("authorization", "Bearer alice")
        .header("x-request-id", "py-deps")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"q": "s", "skip": 2, "limit": 100, "user": {"username": "alice"}, "store": "cache"})
    );
    // `request_id` is used four times and runs once; `db` and `cache` close last-opened first.
    assert_eq!(
        server.guest_trace("py-deps"),
        [
            "provide request-id",
            "open db",
            "provide current-user",
            "open cache",
            "handler dependent_items",
            "close cache",
            "close db",
        ]
    );

    // A dependency's `HTTPException` ends the request; what was opened is closed.
    let response = client()
        .get(server.url("/deps/items"))
        .header("x-request-id", "py-denied")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"detail":"Not authenticated"}"#
    );
    assert_eq!(
        server.guest_trace("py-denied"),
        [
            "provide request-id",
            "open db",
            "provide current-user",
            "close db"
        ]
    );

    // The same tree under a `def` operation.
    let response = client()
        .get(server.url("/deps/sync"))
        .header("x-request-id", "py-sync")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        server.guest_trace("py-sync"),
        [
            "provide request-id",
            "open db",
            "handler sync_dependencies",
            "close db"
        ]
    );
}

#[tokio::test]
async fn use_cache_false_and_parameters_read_by_two_callables() {
    let server = lab();
    let (status, body) = get_json(server.url("/deps/fresh")).await;
    assert_eq!(
        (status, body),
        (200, json!({"first": 1, "again": 1, "fresh": 2}))
    );

    // The dependency and the operation both read `skip`, each with its own default...
    let (status, body) = get_json(server.url("/deps/shared-param")).await;
    assert_eq!(
        (status, body),
        (200, json!({"from_dependency": 0, "skip": 5}))
    );
    let (_, body) = get_json(server.url("/deps/shared-param?skip=3")).await;
    assert_eq!(body, json!({"from_dependency": 3, "skip": 3}));
    // ...and a bad value is reported for each, as FastAPI does.
    let (status, body) = get_json(server.url("/deps/shared-param?skip=x")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            int_parsing(json!(["query", "skip"]), "x"),
            int_parsing(json!(["query", "skip"]), "x"),
        ]})
    );
}

#[tokio::test]
async fn a_yield_dependency_sees_the_operations_exception() {
    let server = lab();
    let response = client()
        .post(server.url("/deps/transactions"))
        .header("x-request-id", "py-commit")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        server.guest_trace("py-commit"),
        ["provide request-id", "begin", "commit"]
    );
    let response = client()
        .post(server.url("/deps/transactions?fail=true"))
        .header("x-request-id", "py-rollback")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 409);
    assert_eq!(response.text().await.unwrap(), r#"{"detail":"Conflict"}"#);
    assert_eq!(
        server.guest_trace("py-rollback"),
        ["provide request-id", "begin", "rollback 409"]
    );
}

#[tokio::test]
async fn routers_with_a_prefix_and_dependencies() {
    let server = lab();
    let (status, body) = get_json(server.url("/router/items/7")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"type": "missing", "loc": ["header", "x-key"], "msg": "Field required",
                           "input": null}]})
    );
    let (status, _, body) = send(
        client()
            .get(server.url("/router/items/7"))
            .header("x-key", "nope"),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (400, r#"{"detail":"X-Key header invalid"}"#)
    );
    // Included twice, the second time under `/v2`.
    let (status, _, body) = send(
        client()
            .get(server.url("/v2/router/items/7"))
            .header("x-key", "fake-super-secret-key"),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, r#"{"item_id":"7"}"#));
}

#[tokio::test]
async fn python_providers_serve_the_host_and_tear_down_after_the_response() {
    let server = lab();
    let response = client()
        .get(server.url("/host-deps/me"))
        .header("x-user", "root")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"user": {"name": "root", "admin": true}, "admin": true,
               "session": {"user": "root", "id": 7}})
    );
    assert_eq!(
        server.guest_trace("root"),
        [
            "provide lab-user",
            "open lab-session",
            "handler host_dependencies",
            "close lab-session"
        ]
    );
    // The provider's `HTTPException` ends the request before the handler.
    let (status, headers, body) = get(server.url("/host-deps/me")).await;
    assert_eq!(
        (status, body.as_str()),
        (401, r#"{"detail":"Who are you?"}"#)
    );
    assert_eq!(headers["www-authenticate"], "X-User");

    let dir = built("tests/guests/py_lab");
    let cache = shared_cache();
    let output = run(&[
        "routes",
        dir.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    let table = String::from_utf8_lossy(&output.stdout);
    let rows: [&[&str]; 3] = [
        &["/host-deps/me", "async", "lab", "lab-user", "lab-session"],
        &["/deps/items", "async", "lab"],
        &["/deps/sync", "sync", "lab"],
    ];
    for row in rows {
        assert!(
            table
                .lines()
                .any(|line| row.iter().all(|cell| line.contains(cell))),
            "no route row with {row:?} in:\n{table}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_async_python_waits_finish_together() {
    let server = lab();
    get(server.url("/async/sleep?ms=0")).await; // start an instance
    let started = Instant::now();
    let statuses = fire(&server, "/async/sleep?ms=500", 100).await;
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert!(elapsed >= Duration::from_millis(500));
    // One after another they would take 50 s.
    assert!(
        elapsed < Duration::from_secs(5),
        "100 concurrent 500 ms waits took {elapsed:?}"
    );
}

#[tokio::test]
async fn asyncio_sleep_and_gather_wait_on_the_host() {
    let server = lab();
    get(server.url("/async/sleep?ms=0")).await;
    let started = Instant::now();
    let (status, body) = get_json(server.url("/async/gather")).await;
    let elapsed = started.elapsed();
    assert_eq!((status, body), (200, json!({"results": ["a", "b"]})));
    // Two 300 ms sleeps; one after the other would take 600 ms.
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(550), "{elapsed:?}");

    // FastAPI code that sleeps with `asyncio.sleep` runs unchanged.
    let started = Instant::now();
    let (status, body) = get_json(server.url("/async/asyncio-sleep?ms=200")).await;
    assert_eq!((status, body), (200, json!({"slept_ms": 200})));
    assert!(started.elapsed() >= Duration::from_millis(200));
}

#[tokio::test]
async fn fastwasm_log_writes_to_the_host_log() {
    let server = lab();
    let (status, _) = get_json(server.url("/log?message=py-log-line-1234")).await;
    assert_eq!(status, 200);
    let line = server
        .wait_for_log(&["py-log-line-1234"], Duration::from_secs(5))
        .unwrap_or_else(|| panic!("no log line:\n{}", server.logs()));
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains("component=lab"), "{line}");
    assert!(line.contains("operation=log_line"), "{line}");
}

#[tokio::test]
async fn the_items_example_answers_as_its_fastapi_twin() {
    let server = items();
    let (status, body) = get_json(server.url("/items/plumbus?q=hi&short=1")).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"item_id": "plumbus", "name": "Plumbus", "price": 3.5, "q": "hi"})
        )
    );
    let (status, headers, body) = get(server.url("/items/nope")).await;
    assert_eq!(
        (status, body.as_str()),
        (404, r#"{"detail":"Item not found"}"#)
    );
    assert_eq!(headers["x-error"], "There goes my error");
    let (status, body) = get_json(server.url("/items/?limit=0&skip=x")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            int_parsing(json!(["query", "skip"]), "x"),
            {"type": "greater_than_equal", "loc": ["query", "limit"],
             "msg": "Input should be greater than or equal to 1", "input": "0", "ctx": {"ge": 1}},
        ]})
    );
    let (status, body) = post_json(
        &server,
        "/items/",
        &json!({"name": "Foo", "price": 10, "tax": 1.5}),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            201,
            json!({"name": "Foo", "description": null, "price": 10.0, "tax": 1.5, "tags": [],
                     "price_with_tax": 11.5})
        )
    );
    let (status, body) = post_json(&server, "/items/", &json!({"price": "free"})).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [
            {"type": "missing", "loc": ["body", "name"], "msg": "Field required",
             "input": {"price": "free"}},
            {"type": "float_parsing", "loc": ["body", "price"],
             "msg": "Input should be a valid number, unable to parse string as a number",
             "input": "free"},
        ]})
    );
    let (status, _, body) = send(
        client()
            .get(server.url("/users/me"))
            .header("x-token", "bad"),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (400, r#"{"detail":"X-Token header invalid"}"#)
    );
    let (status, _, body) = send(
        client()
            .get(server.url("/users/Rick"))
            .header("x-token", "fake-super-secret-token"),
    )
    .await;
    assert_eq!((status, body.as_str()), (200, r#"{"username":"Rick"}"#));
    assert!(
        server
            .wait_for_log(&["session closed"], Duration::from_secs(5))
            .is_some(),
        "{}",
        server.logs()
    );
}

#[tokio::test]
async fn a_def_operation_behind_async_dependencies_is_served_as_fastapi_serves_it() {
    // `mixed_me` is a `def` (it sleeps 50 ms with `time.sleep`) depending on an `async def`
    // that awaits the host and may raise 401, and on an `async def` with `yield`.
    let server = lab();
    let routes = run(&["routes", &format!("{REPO}/tests/guests/py_lab")]);
    let table = String::from_utf8_lossy(&routes.stdout);
    let line = table
        .lines()
        .find(|line| line.contains("/mixed/me"))
        .unwrap();
    assert!(line.contains("sync"), "{table}");

    let (status, _, body) = get(server.url("/mixed/me")).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body, r#"{"detail":"Not authenticated"}"#);

    let request = || {
        client()
            .get(server.url("/mixed/me"))
            .header("x-user", "ada")
            .send()
    };
    let response = request().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap(),
        json!({"user": {"name": "ada"}, "session": {"opened": true}})
    );
    // Each request has an instance of its own on the pool while its body blocks: requests at
    // once all answer, none waiting behind another's body on a shared instance.
    let answers = futures::future::join_all((0..8).map(|_| request())).await;
    for answer in answers {
        assert_eq!(answer.unwrap().status(), 200);
    }
    server.expect_log("GET /mixed/me 200");
}

/// Status, `Location` and body of each `[method, path]`, by FastAPI's `TestClient` (which
/// sends `Host: testserver`), not following redirects.
const REDIRECT_ANSWERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
import fastapi_twin

client = TestClient(fastapi_twin.app, follow_redirects=False)
answers = []
for method, path in json.loads(sys.argv[1]):
    response = client.request(method, path, headers={"x-token": "fake-super-secret-token"})
    answers.append([response.status_code, response.headers.get("location"), response.text])
print(json.dumps(answers))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_or_extra_trailing_slash_redirects_as_fastapi_does() {
    let server = items();
    let cases = json!([
        ["GET", "/items"],
        ["GET", "/items?skip=1&limit=2"],
        ["POST", "/items"],
        ["DELETE", "/items"],
        ["GET", "/items/plumbus/"],
        ["GET", "/users/"],
        ["GET", "/nowhere/"],
        ["GET", "/items/"],
    ]);
    let theirs =
        crate::support::fastapi_json("examples/py-items", REDIRECT_ANSWERS, &[&cases.to_string()]);
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (case, theirs) in cases
        .as_array()
        .unwrap()
        .iter()
        .zip(theirs.as_array().unwrap())
    {
        let method = reqwest::Method::from_bytes(case[0].as_str().unwrap().as_bytes()).unwrap();
        let request = no_redirects
            .request(method, server.url(case[1].as_str().unwrap()))
            .header("host", "testserver")
            .header("x-token", "fake-super-secret-token");
        let (status, headers, body) = send(request).await;
        let location = headers
            .get("location")
            .map(|value| Value::from(value.to_str().unwrap()))
            .unwrap_or(Value::Null);
        assert_eq!(
            &json!([status, location, body]),
            theirs,
            "{case}: fastwasm, then FastAPI"
        );
    }
    assert_eq!(theirs[0], json!([307, "http://testserver/items/", ""]));
}

#[test]
fn a_fastapi_option_the_host_carries_out_fails_the_build_saying_how() {
    let dir = crate::support::python_app(&[(
        "main.py",
        "from fastwasm import FastAPI\napp = FastAPI(title='shop', docs_url=None)\n",
    )]);
    let (ok, log) = crate::support::build_log(dir.path());
    assert!(!ok, "{log}");
    assert!(
        log.contains(
            "main.py:2: `FastAPI(docs_url=...)` is not supported: the host serves the docs: set \
             `docs_url = \"\"` in the manifest's `[server]`"
        ),
        "{log}"
    );
}
