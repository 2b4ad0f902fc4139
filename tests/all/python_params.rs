//! FastAPI's parameter options in the Python SDK, through `tests/guests/py_lab/param_options.py`,
//! one file that runs unchanged under FastAPI and in the lab component: documentation keywords
//! (`deprecated`, `examples`, `openapi_examples`, `include_in_schema`, `json_schema_extra`,
//! `title`, the deprecated `example` and `regex`), `Literal` parameters, `min_length` /
//! `max_length` on lists, `UUID` parameters, and model fields with examples. The OpenAPI document and the answers
//! to the same requests must equal FastAPI's.

use crate::support::{
    Server, assert_same_answers, built, client, fastapi_json, fastapi_openapi, openapi_document,
    send, shared_cache,
};
use serde_json::{Value, json};

fn lab() -> Server {
    Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache())
}

/// What FastAPI answers each `[method, path, headers, body]` case with, by its `TestClient`.
const FASTAPI_ANSWERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
import param_options

client = TestClient(param_options.app)
answers = []
for method, path, headers, body in json.loads(sys.argv[1]):
    r = client.request(method, path, headers=headers, json=body)
    answers.append([r.status_code, r.json()])
print(json.dumps(answers))
"#;

#[tokio::test(flavor = "multi_thread")]
async fn parameter_options_answer_as_fastapi_does() {
    let server = lab();
    let get = |path: &str, headers: Value| json!(["GET", path, headers, null]);
    let post = |path: &str, body: Value| json!(["POST", path, {}, body]);
    let cases = json!([
        get("/options/documented/3", json!({})),
        get("/options/documented/0?query=abcdef&legacy=y", json!({})),
        get(
            "/options/documented/3?query=abc&legacy=xa&hidden=h&name=N&from=f&since=no",
            json!({"x-trace": "t"})
        ),
        get("/options/documented/3", json!({"cookie": "theme=dark"})),
        get("/options/literal", json!({})),
        get(
            "/options/literal?mode=slow&order=desc&kinds=x&kinds=y",
            json!({})
        ),
        get(
            "/options/literal?mode=medium&level=1&order=up&kinds=z",
            json!({})
        ),
        get("/options/literal?level=3", json!({})),
        get(
            "/options/literal",
            json!({"x-kind": "b", "cookie": "flavour=nut"})
        ),
        get(
            "/options/literal",
            json!({"x-kind": "c", "cookie": "flavour=salt"})
        ),
        get("/options/lists", json!({})),
        get(
            "/options/lists?ids=1&ids=2&ids=3&tag=a&tag=b",
            json!({"x-part": "p"})
        ),
        get("/options/lists?ids=1&ids=2&ids=3&ids=4", json!({})),
        get("/options/lists?tag=a", json!({})),
        get("/options/lists?ids=x&ids=2&ids=3&ids=4", json!({})),
        get("/options/lists?ids=x&ids=2&tag=a", json!({})),
        get("/options/lists", json!({"x-part": "p, q"})),
        get(
            "/options/uuids/C9BF9E57-1685-4C89-BAFB-FF5AF830BE8A",
            json!({})
        ),
        get(
            "/options/uuids/{c9bf9e57-1685-4c89-bafb-ff5af830be8a}?ref=c9bf9e5716854c89bafbff5af830be8a",
            json!({}),
        ),
        get(
            "/options/uuids/abc?ref=c9bf9e57-1685-4c89-bafb-ff5af830be8x",
            json!({})
        ),
        get(
            "/options/uuids/c9bf9e571685-4c89-bafb-ff5af830be8a?refs=urn:uuid:c9bf9e57-1685-4c89-bafb-ff5af830be8a&refs=1",
            json!({}),
        ),
        post(
            "/options/gadgets",
            json!({"gadget": {"name": "W", "price": 2, "tags": ["a"]}})
        ),
        post(
            "/options/gadgets",
            json!({"gadget": {"name": "W", "price": 0, "tags": ["a", "b", "c"]}, "note": "x"}),
        ),
    ]);
    let theirs = fastapi_json(
        "tests/guests/py_lab",
        FASTAPI_ANSWERS,
        &[&cases.to_string()],
    );
    let mut ours = Vec::new();
    for case in cases.as_array().unwrap() {
        let url = server.url(case[1].as_str().unwrap());
        let mut request = match case[0].as_str().unwrap() {
            "POST" => client().post(url).json(&case[3]),
            _ => client().get(url),
        };
        for (name, value) in case[2].as_object().unwrap() {
            request = request.header(name, value.as_str().unwrap());
        }
        let (status, _, body) = send(request).await;
        let body: Value = serde_json::from_str(&body)
            .unwrap_or_else(|err| panic!("{case}: not JSON ({err}): {body}"));
        ours.push(json!([status, body]));
    }
    assert_same_answers(&cases, &ours, &theirs);
    // Spelled out, for the reader: a `Literal` answers `literal_error`, a list its length.
    assert_eq!(ours[7][1]["detail"][0]["type"], "literal_error");
    assert_eq!(
        ours[12][1]["detail"][0],
        json!({"type": "too_long", "loc": ["query", "ids"],
               "msg": "List should have at most 3 items after validation, not 4",
               "input": ["1", "2", "3", "4"],
               "ctx": {"field_type": "List", "max_length": 3, "actual_length": 4}})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn parameter_options_are_documented_as_fastapi_documents_them() {
    let served = openapi_document(&built("tests/guests/py_lab")).await;
    let theirs = fastapi_openapi("tests/guests/py_lab", "param_options");
    let paths = theirs["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 5);
    for (path, item) in paths {
        for (method, operation) in item.as_object().unwrap() {
            let ours = &served["paths"][path][method];
            assert_eq!(
                ours["parameters"], operation["parameters"],
                "{path}: parameters"
            );
            assert_eq!(ours, operation, "{path}");
        }
    }
    for name in ["Gadget", "Body_create_gadget_options_gadgets_post"] {
        assert_eq!(
            served["components"]["schemas"][name], theirs["components"]["schemas"][name],
            "components.schemas.{name}"
        );
    }
    // Spelled out: `include_in_schema=False` leaves `hidden` out; `openapi_examples` and
    // `deprecated` are on the Parameter Object, the host's markers nowhere.
    let parameters = &served["paths"]["/options/documented/{item_id}"]["get"]["parameters"];
    let names: Vec<&str> = parameters
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "item_id", "query", "legacy", "name", "from", "x-trace", "theme"
        ]
    );
    assert_eq!(
        parameters[1]["examples"],
        json!({"short": {"summary": "A short one", "value": "ab"}})
    );
    assert!(!served.to_string().contains("x-fastwasm"), "{served}");
}
