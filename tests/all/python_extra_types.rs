//! Dates, times, durations, decimals, bytes, UUIDs and URLs, through
//! `tests/guests/py_lab/extra_types.py`, one file that runs unchanged under FastAPI and in the
//! lab component: FastAPI's extra-data-types tutorial with the request its test suite sends,
//! these types as path, query (alone and in lists; URLs too) and body parameters, as model fields with a
//! response model (pydantic's JSON forms: `Z`, ISO 8601 durations, decimal strings) and in a
//! plain dict (FastAPI's encoder: seconds, numbers), good values and each kind of bad one.
//! Status and JSON must equal FastAPI's request by request, and so must the documented
//! parameters and the schemas, a model whose input and output schemas differ (a `Decimal`
//! field) split into `-Input` and `-Output` as FastAPI splits it.

use crate::support::{
    Server, assert_same_answers, built, case_request, client, error_kinds, fastapi_json, send,
    shared_cache,
};
use serde_json::{Value, json};

/// Each request's status and JSON, then the documented parameters and component schemas.
const FASTAPI_ANSWERS: &str = r#"
import json, sys, warnings
warnings.simplefilter("ignore")
from fastapi import FastAPI
from fastapi.testclient import TestClient
import extra_types

app = FastAPI()
app.include_router(extra_types.router)
client = TestClient(app)
answers = []
for method, path, body in json.loads(sys.argv[1]):
    response = client.request(method, path, json=body)
    answers.append([response.status_code, response.json()])
document = app.openapi()
parameters = {path: document["paths"][path]["get"]["parameters"]
              for path in json.loads(sys.argv[2])}
print(json.dumps([answers, parameters, document["components"]["schemas"]]))
"#;

fn requests() -> Value {
    let uuid = "a1c5e2d8-3e9a-4b4f-9a6e-0c2c3b8f1d7e";
    let event = json!({
        "id": uuid, "starts": "2032-04-23T10:20:30.5+02:30", "day": "2032-04-23",
        "at": "15:30", "lasts": "P1DT2H3M4.5S",
        "images": [{"url": "HTTPS://Example.COM:443/a b/../pic.jpg", "name": "front"}],
    });
    let utc_event = json!({
        "id": uuid, "starts": 1_700_000_000, "day": "2032-04-23T00:00:00", "lasts": 90.5,
    });
    let bad_event = json!({
        "id": "not-a-uuid", "starts": "2032-13-01", "day": "2032-04-23T10:00", "at": "25:00",
        "lasts": "3600",
        "images": [{"url": "ftp://example.com", "name": "a"}, {"url": "example.com", "name": "b"}],
    });
    json!([
        // The tutorial, with the body its test sends, and with bad values.
        ["PUT", format!("/types/items/{uuid}"), {
            "start_datetime": "2018-12-22T14:00:00+00:00",
            "end_datetime": "2018-12-24T15:00:00+00:00",
            "repeat_at": "15:30:00", "process_after": 300}],
        ["PUT", format!("/types/items/{uuid}"), {
            "start_datetime": "2018-12-22", "end_datetime": "2018-12-24 15:00",
            "process_after": "PT5M"}],
        ["PUT", "/types/items/xyz", {
            "start_datetime": "yesterday", "end_datetime": 1e30, "process_after": "5 minutes",
            "repeat_at": "noon"}],
        // Query parameters, good and bad.
        ["GET", "/types/query?when=2032-04-23T10:20:30Z&day=2032-04-23&at=10:20:30.25\
            &every=1%20day,%2010:00:00&price=2.50&raw=abc&days=2032-01-01&days=2032-01-02", null],
        ["GET", "/types/query?when=1700000000.5&every=-P1W", null],
        ["GET", "/types/query?when=x&day=2032-02-30&at=25:00&every=w&price=v&days=u&days=2032-01-01",
            null],
        ["GET", "/types/query?when=2032-04-23&price=0.5", null],
        ["GET", "/types/query?when=2032-04-23&price=NaN", null],
        ["GET", "/types/query", null],
        ["GET", "/types/days/2032-04-23", null],
        ["GET", "/types/days/23-04-2032", null],
        // URLs as query parameters, alone, in a list and optional.
        ["GET", "/types/links?url=HTTPS://Example.COM:443/a/../b%20c?x=1&others=ftp://x\
            &others=mailto:ada@example.com&home=http://[::1]:8080", null],
        ["GET", "/types/links?url=example.com&others=::&others=http://ok&home=ftp://x", null],
        ["GET", "/types/links?url=http://a%20b.com&home=", null],
        // Models: a response model, and a plain dict of the same values.
        ["POST", "/types/events", event],
        ["POST", "/types/events", utc_event],
        ["POST", "/types/events", bad_event],
        ["POST", "/types/events/summary", event],
        ["POST", "/types/events/summary", utc_event],
        // Decimals: a response model's string, a plain dict's number, and bad ones.
        ["POST", "/types/prices", {"amount": "19.90"}],
        ["POST", "/types/prices", {"amount": 0.1}],
        ["POST", "/types/prices/plain", {"amount": "-1"}],
        ["POST", "/types/prices", {"amount": "Infinity"}],
        ["POST", "/types/prices/plain", {"amount": "2.5", "currency": "USD"}],
        ["POST", "/types/prices/plain", {"amount": [1]}],
        // Digits: too many after the point, before it, in all; trailing zeros do not count.
        ["POST", "/types/prices/plain", {"amount": "19.999"}],
        ["POST", "/types/prices/plain", {"amount": 12345.5}],
        ["POST", "/types/prices/plain", {"amount": "1234567"}],
        ["POST", "/types/prices/plain", {"amount": "19.9900"}],
        ["GET", "/types/query?when=2032-04-23&price=123.45", null],
        ["GET", "/types/query?when=2032-04-23&price=12.5000", null],
    ])
}

#[tokio::test(flavor = "multi_thread")]
async fn dates_durations_decimals_and_urls_answer_as_fastapi_does() {
    let server = Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache());
    let requests = requests();
    let paths = json!(["/types/query", "/types/days/{day}", "/types/links"]);
    let theirs = fastapi_json(
        "tests/guests/py_lab",
        FASTAPI_ANSWERS,
        &[&requests.to_string(), &paths.to_string()],
    );
    let mut ours = Vec::new();
    for request in requests.as_array().unwrap() {
        let (status, _, body) = send(case_request(&server, request)).await;
        let body: Value = serde_json::from_str(&body).unwrap_or_else(|_| Value::String(body));
        ours.push(json!([status, body]));
    }
    assert_same_answers(&requests, &ours, &theirs[0]);
    // Spelled out, for the reader: the tutorial's answer, and pydantic's JSON forms.
    assert_eq!(ours[0][1]["start_process"], "2018-12-22T14:05:00+00:00");
    assert_eq!(ours[0][1]["duration"], 176_100.0);
    assert_eq!(ours[14][1]["lasts"], "P1DT2H3M4.5S");
    assert_eq!(ours[19][1]["amount"], "39.80");
    assert_eq!(ours[11][1]["url"], "https://example.com/b%20c?x=1");
    assert_eq!(
        ours[14][1]["images"][0]["url"],
        "https://example.com/pic.jpg"
    );
    let kinds: Vec<Value> = error_kinds(&ours[5][1])
        .into_iter()
        .map(|(kind, _)| kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "datetime_from_date_parsing",
            "date_from_datetime_parsing",
            "time_parsing",
            "time_delta_parsing",
            "decimal_parsing",
            "date_from_datetime_parsing",
        ]
    );

    let (_, _, document) = send(client().get(server.url("/openapi.json"))).await;
    let document: Value = serde_json::from_str(&document).unwrap();
    for path in paths.as_array().unwrap() {
        let path = path.as_str().unwrap();
        assert_eq!(
            document["paths"][path]["get"]["parameters"], theirs[1][path],
            "{path}: fastwasm, then FastAPI"
        );
    }
    // Every schema FastAPI's document has (the lab's has the other tests' too), a model whose
    // request and response schemas differ split in two as FastAPI splits it.
    for (model, schema) in theirs[2].as_object().unwrap() {
        assert_eq!(
            &document["components"]["schemas"][model], schema,
            "{model}: fastwasm, then FastAPI"
        );
    }
    assert_eq!(
        document["components"]["schemas"]["Price-Output"]["properties"]["amount"],
        json!({"type": "string", "title": "Amount"})
    );
    assert_eq!(
        document["paths"]["/types/prices"]["post"]["responses"]["200"]["content"]["application/json"]
            ["schema"],
        json!({"$ref": "#/components/schemas/Price-Output"})
    );
}
