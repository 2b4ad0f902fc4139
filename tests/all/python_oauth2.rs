//! `examples/py-oauth2`, FastAPI's OAuth2 password-flow tutorial with scopes, end to end as a
//! client uses it: a form login gives a bearer token, which opens the protected routes as far
//! as its scopes reach. Every step is sent to the example and to `fastapi_twin.py` (the same
//! code under FastAPI, by its `TestClient`), and the answers — status, JSON, `WWW-Authenticate`
//! — must be equal; each server's own tokens carry each one's requests. The document too.

use crate::support::{
    Server, assert_same_answers, built, client, fastapi_json, fastapi_openapi, openapi_document,
    send, shared_cache,
};
use serde_json::{Value, json};

const EXAMPLE: &str = "examples/py-oauth2";

/// Each step is `[path, form, authorization]`: a POST of the form when there is one, else a
/// GET; `authorization` is `["login", i]` (the token step `i` got), `["tampered", i]` (that
/// token with its signature changed), `["header", value]`, or `null`.
const FASTAPI_ANSWERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
import fastapi_twin

client = TestClient(fastapi_twin.app)
answers, tokens = [], {}
for step, (path, form, authorization) in enumerate(json.loads(sys.argv[1])):
    headers = {}
    if authorization is not None:
        kind, value = authorization
        if kind == "login":
            headers["Authorization"] = "Bearer " + tokens[value]
        elif kind == "tampered":
            head, payload, signature = tokens[value].split(".")
            signature = ("B" if signature[0] == "A" else "A") + signature[1:]
            headers["Authorization"] = f"Bearer {head}.{payload}.{signature}"
        else:
            headers["Authorization"] = value
    if form is None:
        response = client.get(path, headers=headers)
    else:
        response = client.post(path, data=form, headers=headers)
    body = response.json()
    if isinstance(body, dict) and "access_token" in body:
        tokens[step] = body["access_token"]
        body["access_token"] = len(body["access_token"].split("."))
    answers.append([response.status_code, body, response.headers.get("www-authenticate")])
print(json.dumps(answers))
"#;

fn steps() -> Value {
    let login = |username: &str, password: &str, scope: &str| json!(["/token", { "username": username, "password": password, "scope": scope }, null]);
    json!([
        login("johndoe", "secret", "me items"),
        login("johndoe", "secret", "me"),
        login("johndoe", "wrong", "me"),
        login("nobody", "secret", ""),
        login("alice", "wonderland", "me items"),
        ["/token", { "username": "johndoe" }, null],
        ["/users/me/", null, ["login", 0]],
        ["/users/me/items/", null, ["login", 0]],
        ["/status/", null, ["login", 0]],
        ["/users/me/", null, ["login", 1]],
        ["/users/me/items/", null, ["login", 1]],
        ["/users/me/", null, ["login", 4]],
        ["/status/", null, ["login", 4]],
        ["/users/me/", null, null],
        ["/status/", null, null],
        ["/users/me/", null, ["header", "Bearer not-a-token"]],
        ["/users/me/", null, ["header", "Basic am9objpzZWNyZXQ="]],
        ["/users/me/items/", null, ["tampered", 0]],
        ["/status/", null, ["tampered", 1]],
    ])
}

/// The steps against the example, as the FastAPI script takes them.
async fn ours(server: &Server, steps: &Value) -> Vec<Value> {
    let mut tokens = std::collections::HashMap::new();
    let mut answers = Vec::new();
    for (step, case) in steps.as_array().unwrap().iter().enumerate() {
        let [path, form, authorization] = case.as_array().unwrap().as_slice() else {
            panic!("{case}");
        };
        let url = server.url(path.as_str().unwrap());
        let mut request = match form.as_object() {
            Some(form) => client().post(url).form(form),
            None => client().get(url),
        };
        if let Some([kind, value]) = authorization.as_array().map(Vec::as_slice) {
            let token = |step: &Value| -> &String { &tokens[&step.as_u64().unwrap()] };
            let header = match kind.as_str().unwrap() {
                "login" => format!("Bearer {}", token(value)),
                "tampered" => {
                    let (signed, signature) = token(value).rsplit_once('.').unwrap();
                    let first = if signature.starts_with('A') { "B" } else { "A" };
                    format!("Bearer {signed}.{first}{}", &signature[1..])
                }
                _ => value.as_str().unwrap().to_owned(),
            };
            request = request.header("authorization", header);
        }
        let (status, headers, text) = send(request).await;
        let mut body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("{case}: not JSON ({err}): {text}"));
        if let Some(token) = body.get("access_token").and_then(Value::as_str) {
            let parts = token.split('.').count();
            tokens.insert(step as u64, token.to_owned());
            body["access_token"] = json!(parts);
        }
        let authenticate = headers
            .get("www-authenticate")
            .map(|value| value.to_str().unwrap().to_owned());
        answers.push(json!([status, body, authenticate]));
    }
    answers
}

#[tokio::test(flavor = "multi_thread")]
async fn the_oauth2_example_answers_as_fastapi_does() {
    let server = Server::start_at(&built(EXAMPLE), &[], &shared_cache());
    let steps = steps();
    let theirs = fastapi_json(EXAMPLE, FASTAPI_ANSWERS, &[&steps.to_string()]);
    let ours = ours(&server, &steps).await;
    assert_same_answers(&steps, &ours, &theirs);
    // Spelled out, for the reader: the flow a client follows, and where each scope stops it.
    let token = json!([200, { "access_token": 3, "token_type": "bearer" }, null]);
    assert_eq!(ours[0], token);
    assert_eq!(
        ours[2],
        json!([400, { "detail": "Incorrect username or password" }, null])
    );
    assert_eq!(
        ours[7],
        json!([200, [{ "item_id": "Foo", "owner": "johndoe" }], null])
    );
    assert_eq!(
        ours[10],
        json!([401, { "detail": "Not enough permissions" }, "Bearer scope=\"items me\""])
    );
    assert_eq!(ours[11], json!([400, { "detail": "Inactive user" }, null]));
    assert_eq!(
        ours[13],
        json!([401, { "detail": "Not authenticated" }, "Bearer"])
    );
    assert_eq!(
        ours[17],
        json!([401, { "detail": "Could not validate credentials" }, "Bearer scope=\"items me\""])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_oauth2_example_is_documented_as_fastapi_documents_it() {
    let served = openapi_document(&built(EXAMPLE)).await;
    let theirs = fastapi_openapi(EXAMPLE, "fastapi_twin");
    assert_eq!(served["paths"], theirs["paths"], "paths");
    assert_eq!(served["components"], theirs["components"], "components");
    assert_eq!(
        served["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"],
        "token"
    );
}
