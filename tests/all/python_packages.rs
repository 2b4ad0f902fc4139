//! A Python app's packages from the package index: `tests/guests/py_packages` lists them in a
//! `requirements.txt` as a FastAPI project does (`fastapi` and `uvicorn` among them, which
//! fastwasm provides), `fastwasm build` installs the pure-Python ones for the component's
//! Python, transitive ones included, and the component imports them; a rebuild reuses the
//! install; a native extension fails the build naming the package, before any component builds.

use crate::support::{
    Server, assert_same_answers, build_log, built, case_request, fastapi_json, get_json,
    python_app, send, shared_cache,
};
use serde_json::{Value, json};

const APP: &str = "tests/guests/py_packages";

/// FastAPI's answers to the `users.py` requests, then its documented parameters of
/// `/users/search`.
const FASTAPI_USERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi import FastAPI
from fastapi.testclient import TestClient
import users

app = FastAPI()
app.include_router(users.router)
client = TestClient(app)
answers = [[r.status_code, r.json()] for r in
           (client.request(method, path, json=body) for method, path, body in json.loads(sys.argv[1]))]
print(json.dumps([answers, app.openapi()["paths"]["/users/search"]["get"]["parameters"]]))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn listed_packages_are_installed_and_imported() {
    let server = Server::start_at(&built(APP), &[], &shared_cache());
    let (status, body) = get_json(server.url("/size?bytes=3000000")).await;
    assert_eq!(
        (status, body),
        (200, json!({ "size": "3.0 MB", "version": "4.17.0" }))
    );
    // python-slugify, and text-unidecode, which it needs and the file does not list.
    let (status, body) =
        get_json(server.url("/slug?text=H%C3%A9llo%20W%C3%B6rld%20%E2%80%94%20ok")).await;
    assert_eq!((status, body), (200, json!({ "slug": "hello-world-ok" })));

    // `EmailStr`, with the email-validator `fastapi[standard]` brings, answers as FastAPI's,
    // in a model and as path and query parameters.
    let requests = json!([
        ["POST", "/users", {"name": "Ada", "email": "Ada <ADA@Example.COM>"}],
        ["POST", "/users", {"name": "Bob", "email": "not-an-email"}],
        ["POST", "/users", {"name": "Cy", "email": "cy@localhost"}],
        ["POST", "/users", {"name": "Di", "email": 5}],
        ["GET", "/users/by-email/Ada%20%3CADA@Example.COM%3E", null],
        ["GET", "/users/by-email/nobody", null],
        ["GET", "/users/search?email=a@b.co&cc=c@d.org&cc=E@F.net&bcc=g@h.io", null],
        ["GET", "/users/search?email=a@&cc=ok@d.org&cc=@x.org&bcc=", null],
        ["GET", "/users/search", null],
    ]);
    let theirs = fastapi_json(APP, FASTAPI_USERS, &[&requests.to_string()]);
    let mut ours = Vec::new();
    for request in requests.as_array().unwrap() {
        let (status, _, body) = send(case_request(&server, request)).await;
        ours.push(json!([
            status,
            serde_json::from_str::<Value>(&body).unwrap()
        ]));
    }
    assert_same_answers(&requests, &ours, &theirs[0]);
    assert_eq!(
        ours[0],
        json!([200, {"name": "Ada", "email": "ADA@example.com"}])
    );
    assert_eq!(ours[4], json!([200, {"email": "ADA@example.com"}]));
    let (_, document) = get_json(server.url("/openapi.json")).await;
    assert_eq!(
        document["paths"]["/users/search"]["get"]["parameters"], theirs[1],
        "fastwasm, then FastAPI"
    );

    // Built again: the install is reused, and the file's server and FastAPI are skipped.
    let (ok, log) = build_log(&built(APP));
    assert!(ok, "{log}");
    assert!(
        log.contains("requirements.txt: not installing fastapi, uvicorn: fastwasm provides them"),
        "{log}"
    );
    assert!(
        log.contains("requirements.txt: Python packages installed before"),
        "{log}"
    );
}

#[test]
fn a_native_package_fails_the_build_naming_it() {
    let dir = python_app(&[
        (
            "main.py",
            "import orjson\nfrom fastwasm import FastAPI\napp = FastAPI()\n",
        ),
        ("requirements.txt", "humanize==4.17.0\norjson\n"),
    ]);
    let (ok, log) = build_log(dir.path());
    assert!(!ok, "{log}");
    assert!(
        log.contains(
            "requirements.txt: `orjson` has no pure-Python wheel for Python 3.14 on the package \
             index: it is a native extension (or published as source only), and a component \
             runs Python code only."
        ),
        "{log}"
    );
    // It fails before the component is built, not at its import.
    assert!(!log.contains("building (1/1)"), "{log}");

    // A line pip could not be given is refused with its number.
    std::fs::write(dir.path().join("requirements.txt"), "humanize\n-e ../lib\n").unwrap();
    let (ok, log) = build_log(dir.path());
    assert!(!ok, "{log}");
    assert!(
        log.contains("requirements.txt line 2: `-e ../lib` is not supported by `fastwasm build`"),
        "{log}"
    );
}

#[test]
fn email_str_without_email_validator_fails_the_build_saying_what_to_list() {
    let dir = python_app(&[(
        "main.py",
        "from fastwasm import BaseModel, EmailStr, FastAPI\n\
         app = FastAPI()\n\
         class User(BaseModel):\n    email: EmailStr\n\
         @app.post('/users')\n\
         def create(user: User):\n    return user\n",
    )]);
    let (ok, log) = build_log(dir.path());
    assert!(!ok, "{log}");
    assert!(
        log.contains(
            "`EmailStr` needs the `email-validator` package: list `email-validator` (or \
             `pydantic[email]`, or `fastapi[standard]`) in the app's requirements.txt"
        ),
        "{log}"
    );
}
