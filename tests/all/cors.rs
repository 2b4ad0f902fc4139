//! The host's CORS settings against FastAPI's `CORSMiddleware`: `examples/py-items` is served
//! with `--cors-*` flags, its `fastapi_twin.py` gets the middleware with the same options, and
//! both are sent the same preflights and simple requests (allowed, refused, by list and by
//! regular expression, with and without credentials). Status, body and every CORS header must
//! be equal.

use crate::support::{
    Server, assert_same_answers, build_log, built, client, fastapi_json, python_app, send,
    shared_cache,
};
use serde_json::{Value, json};

/// Each case's status, body and CORS headers, answered by the twin behind `CORSMiddleware`
/// built from `sys.argv[1]` (its keyword arguments).
const FASTAPI_ANSWERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi.middleware.cors import CORSMiddleware
from fastapi.testclient import TestClient
import fastapi_twin

fastapi_twin.app.add_middleware(CORSMiddleware, **json.loads(sys.argv[1]))
client = TestClient(fastapi_twin.app)
answers = []
for method, path, headers in json.loads(sys.argv[2]):
    response = client.request(method, path, headers=headers)
    kept = {name: value for name, value in response.headers.items()
            if name.startswith("access-control-") or name == "vary"}
    answers.append([response.status_code, response.text, kept])
print(json.dumps(answers))
"#;

const APP: &str = "https://app.example.com";
const PREVIEW: &str = "https://pr-7.preview.example.com";
const ELSEWHERE: &str = "https://evil.example.net";

fn cases() -> Value {
    let preflight = |origin: &str, method: &str, headers: Option<&str>| {
        let mut asked = json!({ "Origin": origin, "Access-Control-Request-Method": method });
        if let Some(headers) = headers {
            asked["Access-Control-Request-Headers"] = json!(headers);
        }
        json!(["OPTIONS", "/items/", asked])
    };
    json!([
        ["GET", "/items/plumbus", { "Origin": APP }],
        ["GET", "/items/plumbus", { "Origin": PREVIEW }],
        ["GET", "/items/plumbus", { "Origin": ELSEWHERE }],
        ["GET", "/items/plumbus", {}],
        ["GET", "/items/nope", { "Origin": APP }],
        ["GET", "/nowhere", { "Origin": APP }],
        ["OPTIONS", "/items/", { "Origin": APP }],
        preflight(APP, "POST", Some("X-Token, content-type")),
        preflight(APP, "GET", None),
        preflight(PREVIEW, "GET", Some("accept")),
        preflight(&format!("{PREVIEW}.evil.net"), "GET", None),
        preflight(ELSEWHERE, "PUT", Some("X-Other")),
        preflight(APP, "post", None),
        ["OPTIONS", "/items/", { "Origin": APP, "Access-Control-Request-Method": "GET",
                                 "Access-Control-Request-Private-Network": "true" }],
    ])
}

/// The same cases against the example served with `flags`.
async fn ours(flags: &[&str], cases: &Value) -> Vec<Value> {
    let server = Server::start_at(&built("examples/py-items"), flags, &shared_cache());
    let mut answers = Vec::new();
    for case in cases.as_array().unwrap() {
        let [method, path, headers] = case.as_array().unwrap().as_slice() else {
            panic!("{case}");
        };
        let method = reqwest::Method::from_bytes(method.as_str().unwrap().as_bytes()).unwrap();
        let mut request = client().request(method, server.url(path.as_str().unwrap()));
        for (name, value) in headers.as_object().unwrap() {
            request = request.header(name, value.as_str().unwrap());
        }
        let (status, headers, body) = send(request).await;
        let mut kept = serde_json::Map::new();
        for (name, value) in &headers {
            if name.as_str().starts_with("access-control-") || name == "vary" {
                kept.insert(name.to_string(), json!(value.to_str().unwrap()));
            }
        }
        answers.push(json!([status, body, kept]));
    }
    answers
}

/// The `--cors-*` flags that configure the host as `CORSMiddleware(**options)`.
fn flags(options: &Value) -> Vec<String> {
    let mut flags = Vec::new();
    for (option, value) in options.as_object().unwrap() {
        flags.push(format!("--cors-{}", option.replace('_', "-")));
        flags.push(match value {
            Value::Array(items) => items
                .iter()
                .map(|item| item.as_str().unwrap())
                .collect::<Vec<_>>()
                .join(","),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        });
    }
    flags
}

/// The example's answers to the cases, served with the flags for `options`, after checking
/// them equal to the twin's behind `CORSMiddleware(**options)`.
async fn compared(options: Value) -> Vec<Value> {
    let cases = cases();
    let theirs = fastapi_json(
        "examples/py-items",
        FASTAPI_ANSWERS,
        &[&options.to_string(), &cases.to_string()],
    );
    let flags = flags(&options);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let ours = ours(&flags, &cases).await;
    assert_same_answers(&cases, &ours, &theirs);
    ours
}

#[tokio::test(flavor = "multi_thread")]
async fn named_origins_with_credentials_answer_as_cors_middleware_does() {
    let options = json!({
        "allow_origins": [APP],
        "allow_origin_regex": r"https://[a-z0-9-]+\.preview\.example\.com",
        "allow_methods": ["GET", "POST"],
        "allow_headers": ["X-Token"],
        "allow_credentials": true,
        "expose_headers": ["X-Error", "X-Request-Id"],
        "max_age": 300,
    });
    let ours = compared(options).await;
    // Spelled out, for the reader: an allowed origin is named back; another gets nothing
    // but `Vary`; a preflight that asks too much is refused with the reasons.
    assert_eq!(ours[0][2]["access-control-allow-origin"], APP);
    assert_eq!(ours[0][2]["access-control-allow-credentials"], "true");
    assert_eq!(ours[2][2].get("access-control-allow-origin"), None);
    assert_eq!(ours[2][2]["vary"], "Origin");
    assert_eq!(ours[7][0], 200);
    assert_eq!(ours[7][1], "OK");
    assert_eq!(
        [&ours[11][0], &ours[11][1]],
        [
            &json!(400),
            &json!("Disallowed CORS origin, method, headers")
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn any_origin_answers_as_cors_middleware_does() {
    let options = json!({ "allow_origins": ["*"], "allow_headers": ["*"], "allow_methods": ["*"] });
    let ours = compared(options).await;
    assert_eq!(ours[2][2]["access-control-allow-origin"], "*");
    assert_eq!(
        ours[7][2]["access-control-allow-headers"],
        "X-Token, content-type"
    );
}

#[tokio::test]
async fn without_cors_settings_no_cors_header_is_sent() {
    let server = Server::start_at(&built("examples/py-items"), &[], &shared_cache());
    let request = client()
        .request(reqwest::Method::OPTIONS, server.url("/items/"))
        .header("origin", APP)
        .header("access-control-request-method", "GET");
    let (status, headers, _) = send(request).await;
    // The app's own answer: no route takes OPTIONS.
    assert_eq!(status, 405);
    assert!(
        !headers
            .keys()
            .any(|name| name.as_str().starts_with("access-control-") || name == "vary"),
        "{headers:?}"
    );
}

#[test]
fn an_app_that_adds_cors_middleware_fails_the_build_with_the_settings_to_use() {
    let dir = python_app(&[(
        "main.py",
        "from fastwasm import FastAPI\n\
         from fastwasm.middleware.cors import CORSMiddleware\n\
         app = FastAPI()\n\
         app.add_middleware(CORSMiddleware, allow_origins=[\"https://app.example.com\"], \
         allow_credentials=True, allow_methods=[\"*\"])\n",
    )]);
    let (ok, log) = build_log(dir.path());
    assert!(!ok, "{log}");
    assert!(
        log.contains("main.py:4: CORS is answered by the host, for every component"),
        "{log}"
    );
    assert!(
        log.contains(
            "[api] [server]\n[api] cors_allow_origins = [\"https://app.example.com\"]\n\
             [api] cors_allow_credentials = true\n[api] cors_allow_methods = [\"*\"]\n"
        ),
        "{log}"
    );
}
