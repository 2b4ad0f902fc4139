//! Every extractor and response kind of the Rust SDK, through `examples/hello` over a real socket.

use crate::support::{Server, client, error_kinds, get, get_json, send};
use fastwasm_test_artifacts::HELLO;
use serde_json::json;

/// A fresh server per test: a process per test is cheap with the shared compile cache, and
/// nothing outlives the test that started it.
fn hello() -> Server {
    Server::start(&[("hello", HELLO, "")], &["--max-body-bytes", "1024"])
}

#[tokio::test]
async fn sync_json_root() {
    let server = hello();
    let (status, headers, body) = get(&server.url("/")).await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(body, r#"{"message":"Hello World"}"#);
}

#[tokio::test]
async fn async_path_and_query_parameters() {
    let server = hello();
    let (status, body) = get_json(&server.url("/items/42?q=hello%20world&short=yes")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"item_id": 42, "q": "hello world"}));

    let (_, body) = get_json(&server.url("/items/7")).await;
    assert_eq!(body["q"], json!(null));
    assert_eq!(
        body["description"],
        "This is an amazing item that has a long description"
    );
}

#[tokio::test]
async fn query_defaults_constraints_and_lists() {
    let server = hello();
    let (status, body) = get_json(&server.url("/items")).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"skip": 0, "limit": 10, "tags": []}));

    let (_, body) = get_json(&server.url("/items?skip=5&limit=100&tag=a&tag=b")).await;
    assert_eq!(body, json!({"skip": 5, "limit": 100, "tags": ["a", "b"]}));

    let (status, body) = get_json(&server.url("/items?limit=0&skip=-1")).await;
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
async fn invalid_path_parameter_is_422_without_calling_the_guest() {
    let server = hello();
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
    // u32's range is part of the declared schema.
    let (status, body) = get_json(&server.url("/items/4294967296")).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "less_than_equal");
}

#[tokio::test]
async fn path_string_constraints_and_path_converter() {
    let server = hello();
    let (status, body) = get_json(&server.url("/users/ab")).await;
    assert_eq!(status, 422);
    assert_eq!(body["detail"][0]["type"], "string_too_short");
    assert_eq!(
        body["detail"][0]["msg"],
        "String should have at least 3 characters"
    );
    let (status, body) = get_json(&server.url("/users/Bad-Name")).await;
    assert_eq!(status, 422);
    assert_eq!(
        body["detail"][0]["msg"],
        "String should match pattern '^[a-z0-9_]+$'"
    );
    let (status, body) = get_json(&server.url("/users/alice_1")).await;
    assert_eq!((status, body), (200, json!({"username": "alice_1"})));

    let (status, body) = get_json(&server.url("/files/docs/guide%201.md")).await;
    assert_eq!(
        (status, body),
        (200, json!({"file_path": "docs/guide 1.md"}))
    );
}

#[tokio::test]
async fn json_body_with_declared_status() {
    let server = hello();
    let item = json!({"name": "Hammer", "price": 9.5, "tags": ["tools"]});
    let response = client()
        .post(server.url("/items"))
        .json(&item)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"name": "Hammer", "price": 9.5, "description": null, "tags": ["tools"]})
    );
}

#[tokio::test]
async fn malformed_and_incomplete_json_bodies_are_422() {
    let server = hello();
    let response = client()
        .post(server.url("/items"))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["detail"][0]["type"], "json_invalid");
    assert_eq!(body["detail"][0]["loc"][0], "body");

    let response = client()
        .post(server.url("/items"))
        .json(&json!({"name": "Hammer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({"detail": [{"type": "missing", "loc": ["body", "price"],
                           "msg": "Field required", "input": {"name": "Hammer"}}]})
    );

    let response = client().post(server.url("/items")).send().await.unwrap();
    assert_eq!(response.status(), 422);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["detail"][0]["loc"], json!(["body"]));
}

#[tokio::test]
async fn explicit_status_and_http_error_with_headers() {
    let server = hello();
    let item = json!({"name": "Saw", "price": 20.0});
    let response = client()
        .put(server.url("/items/3"))
        .json(&item)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["item_id"], 3);
    assert_eq!(body["item"]["name"], "Saw");

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
}

#[tokio::test]
async fn bad_parameters_and_a_bad_body_are_listed_in_one_422() {
    let server = hello();
    let put = |path: &str, body: &'static str| {
        send(
            client()
                .put(server.url(path))
                .header("content-type", "application/json")
                .body(body),
        )
    };
    let (status, _, body) = put("/items/abc", r#"{"price": 1}"#).await;
    assert_eq!(status, 422);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        error_kinds(&body),
        [
            (json!("int_parsing"), json!(["path", "item_id"])),
            (json!("missing"), json!(["body", "name"])),
        ],
        "{body}"
    );

    // A body that is not JSON is the answer alone, as in FastAPI.
    let (status, _, body) = put("/items/abc", r#"{"name": "#).await;
    assert_eq!(status, 422);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["detail"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["detail"][0]["type"], "json_invalid");

    // Good parameters with a bad body: the body's errors alone.
    let (status, _, body) = put("/items/3", r#"{"price": 1}"#).await;
    assert_eq!(status, 422);
    let body: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["detail"][0]["loc"], json!(["body", "name"]), "{body}");
    assert_eq!(body["detail"].as_array().unwrap().len(), 1, "{body}");
}

#[tokio::test]
async fn patch_delete_head_and_options() {
    let server = hello();
    let response = client()
        .patch(server.url("/items/9"))
        .json(&json!({"price": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"item_id": 9, "patched": {"price": 1}})
    );

    let response = client()
        .delete(server.url("/items/9"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(response.text().await.unwrap(), "");

    let response = client()
        .head(server.url("/items/2000"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-item-exists"], "false");

    let response = client()
        .request(reqwest::Method::OPTIONS, server.url("/items"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["allow"], "GET, POST, OPTIONS");
}

#[tokio::test]
async fn headers_cookies_and_aliases() {
    let server = hello();
    let response = client()
        .get(server.url("/whoami"))
        .header("user-agent", "fastwasm-test")
        .header("x-token", "secret")
        .header("cookie", "theme=dark; session=abc123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"user_agent": "fastwasm-test", "token": "secret", "session": "abc123"})
    );
}

#[tokio::test]
async fn text_html_and_bytes_responses() {
    let server = hello();
    let (status, headers, body) = get(&server.url("/text")).await;
    assert_eq!((status, body.as_str()), (200, "Hello, plain text"));
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");

    let (_, headers, body) = get(&server.url("/html")).await;
    assert_eq!(body, "<h1>Hello, HTML</h1>");
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");

    let response = client().get(server.url("/bytes")).send().await.unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "application/octet-stream"
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), &[0, 1, 2, 3, 255]);
}

#[tokio::test]
async fn raw_request_and_body_extractors() {
    let server = hello();
    let response = client()
        .post(server.url("/echo?x=1"))
        .header("content-type", "text/csv")
        .body("a,b\n1,2")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv");
    assert_eq!(response.headers()["x-method"], "POST");
    assert_eq!(response.headers()["x-path"], "/echo");
    assert_eq!(response.headers()["x-query"], "x=1");
    assert_eq!(response.text().await.unwrap(), "a,b\n1,2");

    let response = client()
        .post(server.url("/upload"))
        .body(vec![7u8; 1000])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.json::<serde_json::Value>().await.unwrap(),
        json!({"size": 1000})
    );
}

#[tokio::test]
async fn body_over_the_limit_is_413() {
    let server = hello();
    // With and without a Content-Length: the limit holds for chunked bodies too.
    let response = client()
        .post(server.url("/upload"))
        .body(vec![7u8; 1025])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"detail":"Payload Too Large"}"#
    );

    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = vec![Ok(vec![1u8; 600]), Ok(vec![2u8; 600])];
    let body = reqwest::Body::wrap_stream(futures_stream(chunks));
    let response = client()
        .post(server.url("/upload"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}

#[tokio::test]
async fn a_client_still_sending_a_large_body_hears_the_413() {
    // Megabytes past the limit, more than the socket buffers hold: the client is still
    // writing when the 413 goes out, and must read it, not a reset connection.
    let server = hello();
    for declared in [true, false] {
        for _ in 0..3 {
            let body = if declared {
                reqwest::Body::from(vec![7u8; 8 << 20])
            } else {
                let chunks = (0..128).map(|_| Ok(vec![7u8; 64 << 10])).collect();
                reqwest::Body::wrap_stream(futures_stream(chunks))
            };
            let response = client()
                .post(server.url("/upload"))
                .body(body)
                .send()
                .await
                .unwrap_or_else(|err| panic!("declared length {declared}: {err:?}"));
            assert_eq!(response.status(), 413);
            assert_eq!(response.headers()["connection"], "close");
            assert_eq!(
                response.text().await.unwrap(),
                r#"{"detail":"Payload Too Large"}"#
            );
        }
    }
    assert_eq!(get(server.url("/")).await.0, 200);
}

fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    futures::stream::iter(chunks)
}

#[tokio::test]
async fn unknown_path_is_404_and_wrong_method_is_405_with_allow() {
    let server = hello();
    let (status, _, body) = get(&server.url("/nowhere")).await;
    assert_eq!((status, body.as_str()), (404, r#"{"detail":"Not Found"}"#));

    let response = client().delete(server.url("/items")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "GET, POST, OPTIONS");
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"detail":"Method Not Allowed"}"#
    );
}

#[tokio::test]
async fn guest_stdout_is_logged_with_component_and_operation() {
    let server = hello();
    let (status, _, _) = get(&server.url("/log?message=stdout-line-1234")).await;
    assert_eq!(status, 200);
    let line = server
        .wait_for_log(&["stdout-line-1234"], std::time::Duration::from_secs(5))
        .expect("the guest's stdout line is in the host log");
    assert!(line.contains("component=hello"), "{line}");
    assert!(line.contains("operation=log_line"), "{line}");
}

#[tokio::test]
async fn access_log_names_the_operation() {
    let server = hello();
    get(&server.url("/items/31337")).await;
    let line = server
        .wait_for_log(&["GET /items/31337 200"], std::time::Duration::from_secs(5))
        .unwrap_or_else(|| panic!("no access log line:\n{}", server.logs()));
    assert!(
        line.contains("operation=read_item component=hello"),
        "{line}"
    );
}

#[tokio::test]
async fn http2_prior_knowledge() {
    let server = hello();
    let client = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let response = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.text().await.unwrap(),
        r#"{"message":"Hello World"}"#
    );
}
