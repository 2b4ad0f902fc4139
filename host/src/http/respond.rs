//! Building HTTP responses: JSON `detail` errors in FastAPI's shape, and guest answers checked
//! before they reach the client.

use crate::guest::Answer;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};

/// What the host sends back.
pub type HttpResponse = Response<Full<Bytes>>;

/// A JSON response.
pub fn json(status: StatusCode, body: &Value) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// `{"detail": "<reason phrase>"}`, as FastAPI answers 404, 405, 413, 500, …
pub fn status(status: StatusCode) -> HttpResponse {
    json(
        status,
        &json!({ "detail": status.canonical_reason().unwrap_or("Error") }),
    )
}

/// A guest's answer as HTTP; `Err` says how a response was malformed.
pub fn from_answer(answer: Answer) -> Result<HttpResponse, String> {
    let (status, headers, body) = match answer {
        Answer::Response(response) => (
            response.status,
            response.headers,
            Bytes::from(response.body),
        ),
        Answer::Raised(error) => {
            // `detail` is JSON text; a guest that sent plain text still gets a JSON body.
            let detail = serde_json::from_str(&error.detail).unwrap_or(Value::String(error.detail));
            let body = Bytes::from(json!({ "detail": detail }).to_string());
            let mut headers = error.headers;
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
            headers.push(("content-type".into(), b"application/json".to_vec()));
            (error.status, headers, body)
        }
    };
    let status = StatusCode::from_u16(status)
        .ok()
        .filter(|s| s.as_u16() >= 200)
        .ok_or_else(|| format!("status {status} is not a final HTTP status"))?;
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("header name {name:?} is invalid"))?;
        if is_hop_by_hop(&name) {
            continue;
        }
        let value = HeaderValue::from_bytes(&value)
            .map_err(|_| format!("header `{name}` has an invalid value"))?;
        response.headers_mut().append(name, value);
    }
    Ok(response)
}

/// Headers that describe the connection, which the host owns, not the guest.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection"
            | "keep-alive"
            | "transfer-encoding"
            | "upgrade"
            | "content-length"
            | "te"
            | "trailer"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guest::types;

    #[test]
    fn http_errors_become_fastapi_detail_bodies() {
        let answer = Answer::Raised(types::HttpError {
            status: 401,
            detail: "\"Not authenticated\"".into(),
            headers: vec![("www-authenticate".into(), b"Bearer".to_vec())],
        });
        let response = from_answer(answer).unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_eq!(response.headers()["content-type"], "application/json");
    }

    #[test]
    fn malformed_answers_are_rejected() {
        // Not a status, and statuses a handler's answer cannot end with (1xx are interim).
        for status in [1000, 100, 199] {
            let bad = Answer::Response(types::Response {
                status,
                headers: vec![],
                body: vec![],
            });
            assert!(
                from_answer(bad)
                    .unwrap_err()
                    .contains(&format!("status {status}"))
            );
        }
        let bad_header = Answer::Response(types::Response {
            status: 200,
            headers: vec![("bad header".into(), vec![])],
            body: vec![],
        });
        assert!(from_answer(bad_header).unwrap_err().contains("header name"));
    }
}
