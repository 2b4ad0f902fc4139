//! Forms and files in the Python SDK, through `tests/guests/py_lab/form_fields.py`, one file that
//! runs unchanged under FastAPI and in the lab component: `Form()` fields (urlencoded and
//! multipart, lists, defaults, empty values, constraints), `File()` bytes, `UploadFile` (one, a
//! list, optional), a form model with `extra="forbid"`, `OAuth2PasswordRequestForm` and its
//! strict twin, and malformed multipart bodies. FastAPI's `TestClient` encodes each request;
//! the lab gets the same bytes, and its answers and OpenAPI document must equal FastAPI's.

use crate::support::{
    Server, built, client, fastapi_json, fastapi_openapi, openapi_document, send, shared_cache,
};
use serde_json::{Value, json};

/// Each case as `[path, content-type, body bytes, FastAPI's status, FastAPI's JSON]`.
const FASTAPI_ANSWERS: &str = r#"
import json, warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
import form_fields

client = TestClient(form_fields.app)
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data; boundary=zz"
login = lambda username, password: (
    b'--zz\r\nContent-Disposition: form-data; name="username"\r\n\r\n' + username
    + b'\r\n--zz\r\ncontent-disposition: form-data; name=password\r\n\r\n' + password
)
cases = [
    ("/forms/login/", dict(data={"username": "a", "password": "secret"})),
    ("/forms/login/", dict(data={"username": "a", "password": "s"})),
    ("/forms/login/", dict(data={"username": ""})),
    ("/forms/login/", dict(json={"username": "a", "password": "secret"})),
    ("/forms/login/", dict()),
    ("/forms/login/", dict(content=b"username=%C3%A9+x&password=a%26b%3Dc&password=zzzz", headers={"content-type": FORM})),
    ("/forms/login/", dict(content=b"username=a&password=%FF%FEabc", headers={"content-type": FORM + "; charset=utf-8"})),
    ("/forms/login/", dict(data={"username": "m", "password": "multi"}, files={"x": ("x.txt", b"")})),
    ("/forms/optional/", dict()),
    ("/forms/optional/", dict(data={"name": "", "age": ""})),
    ("/forms/optional/", dict(data={"name": "n", "age": "x"})),
    ("/forms/tags/", dict(data={"tag": ["a", "b"], "n": "x"})),
    ("/forms/tags/", dict(data={"tag": ["a", ""], "n": "0"})),
    ("/forms/tags/", dict(data={"tag": ["a", ""], "n": "2"})),
    ("/forms/tags/", dict(data={"n": "2"})),
    ("/forms/files/", dict(files={"file": ("a.txt", b"hello\r\n--not-a-boundary\r\n\x00\xff")})),
    ("/forms/files/", dict(data={"file": "text"})),
    ("/forms/files/", dict()),
    ("/forms/files/", dict(files={"file": ("", b"")})),
    ("/forms/uploadfile/", dict(files={"file": ("r\u00e9sum\u00e9.txt", b"hello", "text/plain")}, data={"note": "n"})),
    ("/forms/uploadfile/", dict(data={"file": "notafile"})),
    ("/forms/uploadfiles/", dict(files=[("files", ("a", b"1")), ("files", ("b", b"22")), ("tokens", ("t", b"333"))])),
    ("/forms/uploadfiles/", dict(data={"tokens": ["xy", "z"]}, files=[("files", ("a", b"1"))])),
    ("/forms/uploadfiles/", dict()),
    ("/forms/maybe-file/", dict()),
    ("/forms/maybe-file/", dict(files={"file": ("m.bin", b"\x01")})),
    ("/forms/profile/", dict(data={"name": "n", "age": "3", "tags": ["a", "b"]})),
    ("/forms/profile/", dict(data={"name": "n", "tags": "solo"})),
    ("/forms/profile/", dict(data={"age": "x", "extra": ["1", "2"]})),
    ("/forms/token", dict(data={"username": "johndoe", "password": "secret", "scope": "items:read  me"})),
    ("/forms/token", dict(data={"username": "u", "password": "p", "grant_type": "password", "client_id": "c", "client_secret": "s"})),
    ("/forms/token", dict(data={"username": "u", "password": "p", "grant_type": "x"})),
    ("/forms/token", dict(json={"username": "u", "password": "p"})),
    ("/forms/token-strict", dict(data={"username": "u", "password": "p"})),
    ("/forms/token-strict", dict(data={"username": "u", "password": "p", "grant_type": "password"})),
    ("/forms/login/", dict(content=login(b"u", b"pass") + b"\r\n--zz--\r\nepilogue", headers={"content-type": 'multipart/form-data; boundary="zz"'})),
    ("/forms/login/", dict(content=login(b"u", b"cut short"), headers={"content-type": MULTIPART})),
    ("/forms/login/", dict(content=b"--zz\r\nContent-Disposition: form-data\r\n\r\nx\r\n--zz--\r\n", headers={"content-type": MULTIPART})),
    ("/forms/login/", dict(content=b"preamble\r\n" + login(b"u", b"pass") + b"\r\n--zz--\r\n", headers={"content-type": MULTIPART})),
    ("/forms/login/", dict(content=b"garbage", headers={"content-type": MULTIPART})),
    ("/forms/login/", dict(content=b"garbage", headers={"content-type": "multipart/form-data"})),
]
answers = []
for path, options in cases:
    request = client.build_request("POST", path, **options)
    body = request.read()
    response = client.send(request)
    answers.append([path, request.headers.get("content-type"), list(body), response.status_code, response.json()])
print(json.dumps(answers))
"#;

fn lab() -> Server {
    Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache())
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_and_files_answer_as_fastapi_does() {
    let server = lab();
    let cases = fastapi_json("tests/guests/py_lab", FASTAPI_ANSWERS, &[]);
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 41);
    for case in cases {
        let [path, content_type, body, status, answer] = case.as_array().unwrap().as_slice() else {
            panic!("{case}");
        };
        let body: Vec<u8> = serde_json::from_value(body.clone()).unwrap();
        let mut request = client().post(server.url(path.as_str().unwrap())).body(body);
        if let Some(content_type) = content_type.as_str() {
            request = request.header("content-type", content_type);
        }
        let (ours, _, text) = send(request).await;
        let ours_body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("{path} {content_type}: not JSON ({err}): {text}"));
        assert_eq!(
            json!([ours, ours_body]),
            json!([status, answer]),
            "{path} ({content_type}), body {}: fastwasm, then FastAPI",
            String::from_utf8_lossy(&serde_json::from_value::<Vec<u8>>(case[2].clone()).unwrap())
        );
    }
    // Spelled out, for the reader: the OAuth2 form splits its scopes; a file arrives whole.
    assert_eq!(
        cases[29][4],
        json!({"username": "johndoe", "password": "secret", "scopes": ["items:read", "me"],
               "grant_type": null, "client_id": null, "client_secret": null})
    );
    assert_eq!(cases[15][4], json!({"file_size": 27}));
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_and_files_are_documented_as_fastapi_documents_them() {
    let served = openapi_document(&built("tests/guests/py_lab")).await;
    let theirs = fastapi_openapi("tests/guests/py_lab", "form_fields");
    let paths = theirs["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 10);
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            assert_eq!(&served["paths"][path][method], operation, "{path}");
            let body = &operation["requestBody"]["content"];
            let (_, media) = body.as_object().unwrap().iter().next().unwrap();
            let name = media["schema"]["$ref"].as_str().unwrap();
            let name = name.trim_start_matches("#/components/schemas/");
            assert_eq!(
                served["components"]["schemas"][name], theirs["components"]["schemas"][name],
                "components.schemas.{name}"
            );
        }
    }
    let token = &served["paths"]["/forms/token"]["post"]["requestBody"];
    assert_eq!(
        token["content"]["application/x-www-form-urlencoded"]["schema"]["$ref"],
        "#/components/schemas/Body_token_forms_token_post"
    );
}
