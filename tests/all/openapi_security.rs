//! FastAPI's security dependencies in the Python SDK (`fastwasm.security`), through the
//! security section of `tests/guests/py_lab/main.py`: `HTTPBearer`, `OAuth2PasswordBearer`
//! with `Security(..., scopes=…)` and `SecurityScopes`, and `APIKeyHeader`, which read the
//! request inside the component. The document and the answers are compared with FastAPI's
//! own for `tests/guests/py_lab/security_twin.py`, the same code under FastAPI.

use crate::support::{
    Server, assert_same_answers, built, client, fastapi_json, fastapi_openapi, get_json, send,
    shared_cache,
};
use serde_json::{Value, json};

fn lab() -> Server {
    Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache())
}

/// Runs `script` with FastAPI's Python beside the twin, `args` as `sys.argv[1:]`: its stdout
/// as JSON.
fn fastapi(script: &str, args: &[&str]) -> Value {
    fastapi_json("tests/guests/py_lab", script, args)
}

#[tokio::test(flavor = "multi_thread")]
async fn security_schemes_are_documented_as_fastapi_documents_them() {
    let server = lab();
    let (status, served) = get_json(server.url("/openapi.json")).await;
    assert_eq!(status, 200);
    let theirs = fastapi_openapi("tests/guests/py_lab", "security_twin");
    assert_eq!(
        served["components"]["securitySchemes"], theirs["components"]["securitySchemes"],
        "components.securitySchemes"
    );
    let paths = theirs["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 6);
    for (path, item) in paths {
        let ours = &served["paths"][path]["get"];
        let theirs = &item["get"];
        assert_eq!(ours["security"], theirs["security"], "{path}: security");
        // No `Authorization` or `X-API-Key` parameter: the schemes read the request.
        assert_eq!(
            ours["parameters"], theirs["parameters"],
            "{path}: parameters"
        );
        // And the rest of the operation too.
        assert_eq!(ours, theirs, "{path}");
    }
    // Spelled out, for the reader: the scopes of both `Security` uses, outermost first.
    assert_eq!(
        served["paths"]["/security/scopes"]["get"]["security"],
        json!([{ "OAuth2PasswordBearer": ["items", "me"] }])
    );
    assert_eq!(
        served["components"]["securitySchemes"]["HTTPBearer"],
        json!({ "type": "http", "scheme": "bearer" })
    );
}

/// What FastAPI answers each `(path, headers)` case with, by its `TestClient`: status, JSON
/// body and `WWW-Authenticate`.
const TWIN_ANSWERS: &str = r#"
import json, sys
from fastapi.testclient import TestClient
import security_twin

client = TestClient(security_twin.app)
answers = []
for path, headers in json.loads(sys.argv[1]):
    r = client.get(path, headers=headers)
    answers.append([r.status_code, r.json(), r.headers.get("www-authenticate")])
print(json.dumps(answers))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn security_dependencies_answer_as_fastapi_does() {
    let server = lab();
    let bearer = json!({ "Authorization": "Bearer tok-123" });
    let cases = json!([
        ["/security/bearer", {}],
        ["/security/bearer", bearer],
        ["/security/bearer", { "Authorization": "Bearer" }],
        ["/security/bearer", { "Authorization": "Bearer   " }],
        ["/security/bearer", { "Authorization": "Basic dXNlcjpwdw==" }],
        ["/security/bearer", { "Authorization": "bearer lower-case" }],
        ["/security/bearer", { "Authorization": "Bearer two words " }],
        ["/security/optional", {}],
        ["/security/optional", { "Authorization": "Token nope" }],
        ["/security/optional", bearer],
        ["/security/token", {}],
        ["/security/token", { "Authorization": "Basic abc" }],
        ["/security/token", { "Authorization": "Bearer" }],
        ["/security/token", bearer],
        ["/security/scopes", {}],
        ["/security/scopes", bearer],
        ["/security/key", {}],
        ["/security/key", { "X-API-Key": "" }],
        ["/security/key", { "x-api-key": "k-1" }],
        ["/security/both", { "X-API-Key": "k-1" }],
        ["/security/both", bearer],
        ["/security/both?q=x", { "X-API-Key": "k-1", "Authorization": "Bearer tok-123" }],
        ["/security/both?q=7", { "X-API-Key": "k-1", "Authorization": "Bearer tok-123" }],
    ]);
    let theirs = fastapi(TWIN_ANSWERS, &[&cases.to_string()]);
    let mut ours = Vec::new();
    for case in cases.as_array().unwrap() {
        let mut request = client().get(server.url(case[0].as_str().unwrap()));
        for (name, value) in case[1].as_object().unwrap() {
            request = request.header(name, value.as_str().unwrap());
        }
        let (status, headers, body) = send(request).await;
        let body: Value = serde_json::from_str(&body)
            .unwrap_or_else(|err| panic!("{case}: not JSON ({err}): {body}"));
        let authenticate = headers
            .get("www-authenticate")
            .map(|value| value.to_str().unwrap().to_owned());
        ours.push(json!([status, body, authenticate]));
    }
    assert_same_answers(&cases, &ours, &theirs);
    // Spelled out, for the reader.
    assert_eq!(
        ours[0],
        json!([401, { "detail": "Not authenticated" }, "Bearer"])
    );
    assert_eq!(
        ours[1],
        json!([200, { "scheme": "Bearer", "credentials": "tok-123" }, null])
    );
    assert_eq!(
        ours[15],
        json!([200, { "token": "tok-123", "scopes": ["items"] }, null])
    );
    assert_eq!(
        ours[16],
        json!([401, { "detail": "Not authenticated" }, "APIKey"])
    );
}
