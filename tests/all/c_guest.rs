//! A component in plain C (`examples/c-hello`), written against the bindings `wit-bindgen c`
//! generates from the WIT contract and built by `fastwasm build` with the C toolchain: the
//! contract alone, no SDK. Parameters validated by the host, a JSON body validated in the
//! guest, an error with a header, a provider with its teardown, and outbound HTTP.

use crate::support::{Server, built, client, get, get_json, granted_app, shared_cache};
use serde_json::json;
use std::time::Duration;

/// A fresh server per test over the app built once per test process.
fn c_hello() -> Server {
    Server::start_at(&built("examples/c-hello"), &[], &shared_cache())
}

/// POSTs `body` (raw bytes, no content type) to `/items`: status and JSON answer.
async fn post_item(server: &Server, body: impl Into<reqwest::Body>) -> (u16, serde_json::Value) {
    let response = client()
        .post(server.url("/items"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn path_and_query_parameters_arrive_as_validated_json() {
    let server = c_hello();
    let (status, headers, body) = get(&server.url("/items/42?q=hello%20world")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body, r#"{"item_id":42,"q":"hello world"}"#);

    let (status, body) = get_json(&server.url("/items/7")).await;
    assert_eq!((status, body), (200, json!({"item_id": 7, "q": null})));
}

#[tokio::test]
async fn declared_schemas_are_enforced_by_the_host() {
    let server = c_hello();
    let (status, body) = get_json(&server.url("/items/foo")).await;
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

    let (status, body) = get_json(&server.url("/items/4294967296")).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "less_than_equal");

    let long = "x".repeat(51);
    let (status, body) = get_json(&server.url(&format!("/items/1?q={long}"))).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "string_too_long");
    assert_eq!(body["detail"][0]["loc"], json!(["query", "q"]));
}

#[tokio::test]
async fn http_error_carries_its_header() {
    let server = c_hello();
    let response = client()
        .get(server.url("/items/5000"))
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
}

#[tokio::test]
async fn json_body_field_is_echoed_with_the_declared_status() {
    let server = c_hello();
    let response = client()
        .post(server.url("/items"))
        .json(&json!({"name": "Hammer \"Thor\" é", "price": 9.5, "tags": ["tools"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"name": "Hammer \"Thor\" é"})
    );
}

#[tokio::test]
async fn invalid_bodies_get_fastapi_validation_errors() {
    let server = c_hello();
    let (status, body) = post_item(&server, "{\"name\": ").await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"type": "json_invalid", "loc": ["body", 9], "msg": "JSON decode error",
                           "input": {}, "ctx": {"error": "Expecting value"}}]})
    );

    let (status, body) = post_item(&server, "").await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required",
                           "input": null}]})
    );

    let (status, body) = post_item(&server, r#"{"price": 9.5}"#).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"type": "missing", "loc": ["body", "name"], "msg": "Field required",
                           "input": {"price": 9.5}}]})
    );

    let (status, body) = post_item(&server, r#"{"name": 12}"#).await;
    assert_eq!(status, 422);
    assert_eq!(
        body,
        json!({"detail": [{"type": "string_type", "loc": ["body", "name"],
                           "msg": "Input should be a valid string", "input": 12}]})
    );

    let (status, body) = post_item(&server, "[1, 2]").await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "model_attributes_type");
    assert_eq!(body["detail"][0]["input"], json!([1, 2]));

    // Python's positions count characters, not bytes.
    let (status, body) = post_item(&server, r#"{"name": "été" "x"}"#).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["loc"], json!(["body", 15]));
    assert_eq!(body["detail"][0]["ctx"]["error"], "Expecting ',' delimiter");
}

#[tokio::test]
async fn unreadable_bodies_are_400_and_the_guest_survives_them() {
    let server = c_hello();
    let not_utf8 = b"{\"name\": \"\xff\"}".to_vec();
    let too_deep = "[".repeat(100_000);
    for body in [not_utf8, too_deep.into_bytes()] {
        let (status, answer) = post_item(&server, body).await;
        assert_eq!(status, 400);
        assert_eq!(
            answer,
            json!({"detail": "There was an error parsing the body"})
        );
    }
    let (status, body) = post_item(&server, r#"{"name": "still here"}"#).await;
    assert_eq!((status, body), (201, json!({"name": "still here"})));
}

#[tokio::test]
async fn provider_value_reaches_the_handler_and_its_teardown_logs() {
    let server = c_hello();
    let response = client()
        .get(server.url("/whoami"))
        .header("x-client", "alice")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"client": "alice"})
    );
    let line = server
        .wait_for_log(&["served client \"alice\""], Duration::from_secs(5))
        .unwrap_or_else(|| panic!("no teardown log line:\n{}", server.logs()));
    assert!(line.contains("component=c-hello"), "{line}");
    assert!(line.contains("operation=whoami"), "{line}");

    // The provider's declared default, and its schema checked like the operation's own.
    let (status, body) = get_json(&server.url("/whoami")).await;
    assert_eq!((status, body), (200, json!({"client": "anonymous"})));
    let response = client()
        .get(server.url("/whoami"))
        .header("x-client", "x".repeat(41))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["detail"][0]["type"], "string_too_long");
    assert_eq!(body["detail"][0]["loc"], json!(["header", "x-client"]));
}

#[tokio::test]
async fn a_c_operation_calls_out_within_its_allow_list() {
    let upstream = crate::upstream::Upstream::start().await;
    // The example lists no origins: its calls are denied.
    let server = c_hello();
    let url = server.url_with("/relay", &[("url", upstream.url("/delay?ms=1"))]);
    let (status, body) = get_json(url.clone()).await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["detail"]["kind"], "denied", "{body}");
    drop(server);

    // The same component, allowed to reach the upstream.
    let wasm = built("examples/c-hello").join("build/c_hello.wasm");
    let dir = granted_app(
        "c-hello",
        wasm.to_str().unwrap(),
        &["http://127.0.0.1:*"],
        "",
        "",
    );
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    let url = server.url_with("/relay", &[("url", upstream.url("/delay?ms=1"))]);
    let (status, headers, body) = get(url).await;
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["status"], 200);
    let seen: serde_json::Value = serde_json::from_str(answer["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        seen["request_id"],
        headers["x-request-id"].to_str().unwrap()
    );
    // The declared pattern keeps quotes and backslashes out.
    let (status, _, _) = get(server.url("/relay?url=http://a%22b")).await;
    assert_eq!(status, 422);
}
