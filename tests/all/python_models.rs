//! pydantic's model options in the Python SDK, through `tests/guests/py_lab/model_options.py`,
//! one file that runs unchanged under FastAPI and in the lab component: `field_validator` in
//! every mode (after, before, wrap, plain; `info.data`, `info.field_name`, several fields, every
//! field by `"*"`), `model_validator` before, after and wrap, validators that raise `ValueError`
//! or fail an `assert`, `model_config`'s `extra`, `title`, `frozen` and `populate_by_name`, and
//! `AfterValidator`, `BeforeValidator`, `WrapValidator` and `PlainValidator` in `Annotated`.
//! FastAPI's `TestClient` answers each JSON body; the lab must answer the same, and document the
//! models as FastAPI does.

use crate::support::{
    Server, build_log, built, client, fastapi_json, fastapi_openapi, openapi_document, python_app,
    send, shared_cache,
};
use serde_json::{Value, json};

/// Each case as `[path, JSON body, FastAPI's status, FastAPI's JSON]`.
const FASTAPI_ANSWERS: &str = r#"
import json, warnings
warnings.simplefilter("ignore")
from fastapi.testclient import TestClient
import model_options

client = TestClient(model_options.app)
cases = [
    ("/models/signup", {"username": " Ana ", "password": "pw", "password2": "pw", "tags": "a,b"}),
    ("/models/signup", {"username": "a b", "password": "pw", "password2": "px", "age": 12}),
    ("/models/signup", {"username": "ok", "password2": "pw"}),
    ("/models/signup", {"username": "ok", "password": "pw", "password2": "pw", "age": "x", "tags": ["x", 1]}),
    ("/models/signup", {"username": 5, "password": "pw", "password2": "pw"}),
    ("/models/name", {"first": "ada", "last": "lovelace"}),
    ("/models/name", {"first": "ada"}),
    ("/models/reading", {"value": "12k", "unit": "kg"}),
    ("/models/reading", {"value": 3, "unit": 7}),
    ("/models/reading", {"value": "abc"}),
    ("/models/reading", {"value": "xk"}),
    ("/models/window", "3-7"),
    ("/models/window", {"start": 1, "end": 5}),
    ("/models/window", {"start": 5, "end": 1}),
    ("/models/window", {"start": 1, "end": 50}),
    ("/models/window", {"bad": 1}),
    ("/models/window", {"start": "x"}),
    ("/models/window", [1, 2]),
    ("/models/envelope", {"kind": "box", "size": "big"}),
    ("/models/envelope", {"kind": "box", "size": 3}),
    ("/models/envelope", {"size": "big"}),
    ("/models/strict", {"name": "n"}),
    ("/models/strict", {"name": "n", "colour": "red", "count": "x"}),
    ("/models/loose", {"name": "n", "colour": "red"}),
    ("/models/frozen", {"name": "n", "size": 2}),
    ("/models/person", {"fullName": "Ada L"}),
    ("/models/person", {"full_name": "Ada L", "age": 3}),
    ("/models/person", {"age": 3}),
    ("/models/trimmed", {"name": "  n  ", "city": " Oslo ", "visits": " 4 "}),
    ("/models/trimmed", {"name": "   ", "visits": " x "}),
    ("/models/trimmed", {}),
]
cases += [
    ("/models/annotated", {"count": 4, "tags": "a,b", "score": "3", "label": 5, "small": 8, "codes": ["ab", "c"]}),
    ("/models/annotated", {"count": 3, "small": 12, "codes": ["x", 1]}),
    ("/models/annotated", {"count": "x", "score": "many"}),
    ("/models/annotated", {"count": 2, "score": "few", "small": 3}),
    ("/models/annotated", {"tags": ["x", 2]}),
    ("/models/annotated-body", {"n": 6}),
    ("/models/annotated-body", {"n": 7}),
    ("/models/annotated-body", {"n": "y"}),
    ("/models/fruit", {"name": "pear", "count": 2}),
    ("/models/fruit", {"name": "rock", "count": -1}),
    ("/models/open", {"name": "a", "color": "red", "nested": {"n": [1]}}),
    ("/models/open", {"size": "x", "color": "red"}),
    ("/models/open-response", {"name": "b", "other": 1}),
    ("/models/tidy", {"name": "  AB ", "tags": [" X "], "note": {"first": " Y ", "last": "Z"}}),
    ("/models/tidy", {"name": " a ", "tags": [1]}),
    ("/models/rect", {"w": 2, "h": 3}),
    ("/models/rect", {"w": 2, "h": 2, "area": 9}),
    ("/models/rect-response", {"w": 2}),
    ("/models/rect-model", {"w": 2, "h": 3}),
    ("/models/rect-model", {"w": 3, "h": 3}),
]
answers = []
for path, body in cases:
    response = client.post(path, json=body)
    answers.append([path, body, response.status_code, response.json()])
print(json.dumps(answers))
"#;

fn lab() -> Server {
    Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache())
}

#[tokio::test(flavor = "multi_thread")]
async fn model_options_answer_as_fastapi_does() {
    let server = lab();
    let cases = fastapi_json("tests/guests/py_lab", FASTAPI_ANSWERS, &[]);
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), 51);
    for case in cases {
        let [path, body, status, answer] = case.as_array().unwrap().as_slice() else {
            panic!("{case}");
        };
        let request = client().post(server.url(path.as_str().unwrap())).json(body);
        let (ours, _, text) = send(request).await;
        let ours_body: Value = serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("{path} {body}: not JSON ({err}): {text}"));
        assert_eq!(
            json!([ours, ours_body]),
            json!([status, answer]),
            "{path} {body}: fastwasm, then FastAPI"
        );
    }
    // Spelled out, for the reader: a before validator splits, an after one reads the fields
    // before it; a wrap validator recovers from the error of the validation it wraps.
    assert_eq!(
        cases[0][3],
        json!({"username": "ana", "password": "pw", "password2": "pw", "age": 18,
               "tags": ["a", "b"]})
    );
    assert_eq!(cases[7][3], json!({"value": 12000, "unit": "KG"}));
    assert_eq!(
        cases[13][3]["detail"][0],
        json!({"type": "value_error", "loc": ["body"], "msg": "Value error, end before start",
               "input": {"start": 5, "end": 1}, "ctx": {"error": {}}})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn model_options_are_documented_as_fastapi_documents_them() {
    let served = openapi_document(&built("tests/guests/py_lab")).await;
    let theirs = fastapi_openapi("tests/guests/py_lab", "model_options");
    let paths = theirs["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 19);
    for (path, item) in paths {
        let operation = &item["post"];
        assert_eq!(&served["paths"][path]["post"], operation, "{path}");
        let name = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            .as_str()
            .unwrap()
            .trim_start_matches("#/components/schemas/");
        assert_eq!(
            served["components"]["schemas"][name], theirs["components"]["schemas"][name],
            "components.schemas.{name}"
        );
    }
    // A computed field is documented in what the model serializes, so the model is filed
    // twice, as FastAPI files it.
    for name in ["Rect-Input", "Rect-Output"] {
        assert_eq!(
            served["components"]["schemas"][name], theirs["components"]["schemas"][name],
            "components.schemas.{name}"
        );
    }
    assert_eq!(
        served["components"]["schemas"]["Rect-Output"]["properties"]["theArea"],
        json!({"type": "number", "title": "Thearea", "description": "w times h",
               "readOnly": true})
    );
    // A plain validator replaces the field's validation: its schema says nothing of a type.
    assert_eq!(
        served["components"]["schemas"]["Reading"]["properties"]["unit"],
        json!({"default": "M", "title": "Unit"})
    );
    assert_eq!(
        served["components"]["schemas"]["Strict"]["title"],
        "A strict thing"
    );
}

#[test]
fn a_validator_function_on_a_parameter_fails_the_build() {
    // The host validates parameters before the component runs: the function could not.
    let dir = python_app(&[(
        "main.py",
        "from typing import Annotated\n\
         from fastwasm import AfterValidator, FastAPI, Query\n\
         app = FastAPI()\n\
         @app.get('/items')\n\
         def items(q: Annotated[str, Query(), AfterValidator(str.strip)] = ''):\n    return q\n",
    )]);
    let (ok, log) = build_log(dir.path());
    assert!(!ok, "{log}");
    assert!(
        log.contains(
            "`items` (main.py:4), argument `q`: `AfterValidator` on a query parameter is not \
             supported: the host validates parameters before the component runs"
        ),
        "{log}"
    );
}
