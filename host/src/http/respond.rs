//! Building HTTP responses: JSON `detail` errors in FastAPI's shape, and guest answers checked
//! before they reach the client.

use super::standard::StandardBody;
use crate::guest::{Answer, GuestBody};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame, SizeHint};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use hyper::{Response, StatusCode};
use serde_json::{Value, json};
use std::pin::Pin;
use std::task::{Context, Poll};

/// What the host sends back.
pub type HttpResponse = Response<ResponseBody>;

/// A response body: whole, or written by the guest while it is sent.
pub enum ResponseBody {
    /// Every byte at once.
    Whole(Full<Bytes>),
    /// As the guest writes it.
    Streamed(GuestBody),
    /// As a standard wasi:http component writes it.
    Standard(StandardBody),
}

impl std::fmt::Debug for ResponseBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ResponseBody::Whole(_) => "ResponseBody::Whole",
            ResponseBody::Streamed(_) => "ResponseBody::Streamed",
            ResponseBody::Standard(_) => "ResponseBody::Standard",
        })
    }
}

impl ResponseBody {
    /// These bytes, at once.
    pub fn whole(bytes: impl Into<Bytes>) -> Self {
        ResponseBody::Whole(Full::new(bytes.into()))
    }

    /// No bytes at all.
    pub fn empty() -> Self {
        Self::whole(Bytes::new())
    }
}

impl Body for ResponseBody {
    type Data = Bytes;
    type Error = crate::guest::BodyError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match self.get_mut() {
            ResponseBody::Whole(full) => Pin::new(full)
                .poll_frame(cx)
                .map_err(|never| match never {}),
            ResponseBody::Streamed(body) => Pin::new(body).poll_frame(cx),
            ResponseBody::Standard(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ResponseBody::Whole(full) => full.is_end_stream(),
            ResponseBody::Streamed(_) => false,
            ResponseBody::Standard(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            ResponseBody::Whole(full) => full.size_hint(),
            ResponseBody::Streamed(_) => SizeHint::default(),
            ResponseBody::Standard(body) => body.size_hint(),
        }
    }
}

/// A 200 of `bytes`, whole, with `content_type`.
pub fn whole(bytes: impl Into<Bytes>, content_type: &'static str) -> HttpResponse {
    let mut response = Response::new(ResponseBody::whole(bytes.into()));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A JSON response.
pub fn json(status: StatusCode, body: &Value) -> HttpResponse {
    let mut response = whole(body.to_string(), "application/json");
    *response.status_mut() = status;
    response
}

/// `{"detail": "<reason phrase>"}`, as FastAPI answers 404, 405, 413, 500, …
pub fn status(status: StatusCode) -> HttpResponse {
    json(
        status,
        &json!({ "detail": status.canonical_reason().unwrap_or("Error") }),
    )
}

/// What a guest's answer may hold at most.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    /// Bytes of a whole body.
    pub body_bytes: u64,
    /// Headers.
    pub headers: usize,
}

/// Bytes all of a response's headers may take together.
const MAX_HEADER_BYTES: usize = 64 * 1024;

/// A guest's answer as HTTP; `Err` says how a response was malformed or went past `caps`.
pub fn from_answer(answer: Answer, caps: Caps) -> Result<HttpResponse, String> {
    let (status, headers, body) = match answer {
        Answer::Response(response) => {
            if response.body.len() as u64 > caps.body_bytes {
                return Err(format!(
                    "the body is {} bytes, more than `max_response_bytes` ({})",
                    response.body.len(),
                    caps.body_bytes
                ));
            }
            (
                response.status,
                response.headers,
                ResponseBody::whole(response.body),
            )
        }
        Answer::Streamed(streamed) => (
            streamed.status,
            streamed.headers,
            ResponseBody::Streamed(streamed.body),
        ),
        Answer::Raised(error) => {
            // `detail` is JSON text; a guest that sent plain text still gets a JSON body.
            let detail = serde_json::from_str(&error.detail).unwrap_or(Value::String(error.detail));
            let body = ResponseBody::whole(json!({ "detail": detail }).to_string());
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
    if headers.len() > caps.headers {
        return Err(format!(
            "{} headers, more than `max_response_headers` ({})",
            headers.len(),
            caps.headers
        ));
    }
    let header_bytes: usize = headers
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(format!(
            "headers of {header_bytes} bytes, more than {MAX_HEADER_BYTES}"
        ));
    }
    // A streamed body's length is the guest's to declare; a whole one's, the host's to count.
    let keeps_length = matches!(body, ResponseBody::Streamed(_));
    let mut response = Response::new(body);
    *response.status_mut() = status;
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("header name {name:?} is invalid"))?;
        if name == CONTENT_LENGTH && keeps_length {
            if std::str::from_utf8(&value).is_ok_and(|v| v.trim().parse::<u64>().is_ok()) {
                response
                    .headers_mut()
                    .insert(name, HeaderValue::from_bytes(&value).unwrap());
                continue;
            }
            return Err(format!(
                "content-length {:?} is not a length",
                String::from_utf8_lossy(&value)
            ));
        }
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
            | "proxy-connection"
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

    const CAPS: Caps = Caps {
        body_bytes: 1024,
        headers: 100,
    };

    fn response(headers: Vec<(String, Vec<u8>)>, body: Vec<u8>) -> Answer {
        Answer::Response(types::Response {
            status: 200,
            headers,
            body,
        })
    }

    #[test]
    fn answers_past_the_caps_are_refused() {
        let big = from_answer(response(vec![], vec![0; 2048]), CAPS).unwrap_err();
        assert!(
            big.contains("more than `max_response_bytes` (1024)"),
            "{big}"
        );
        // Distinct names: tens of thousands of them once made the header map panic.
        let many: Vec<_> = (0..30_000)
            .map(|n| (format!("x-{n}"), b"v".to_vec()))
            .collect();
        let err = from_answer(response(many, vec![]), CAPS).unwrap_err();
        assert!(
            err.contains("30000 headers, more than `max_response_headers` (100)"),
            "{err}"
        );
        let huge = vec![("x-big".to_owned(), vec![b'v'; 70_000])];
        assert!(
            from_answer(response(huge, vec![]), CAPS)
                .unwrap_err()
                .contains("headers of")
        );
        // Hop-by-hop headers stay the host's.
        let hop = vec![("proxy-connection".to_owned(), b"keep-alive".to_vec())];
        let ok = from_answer(response(hop, vec![]), CAPS).unwrap();
        assert!(ok.headers().get("proxy-connection").is_none());
    }

    #[test]
    fn http_errors_become_fastapi_detail_bodies() {
        let answer = Answer::Raised(types::HttpError {
            status: 401,
            detail: "\"Not authenticated\"".into(),
            headers: vec![("www-authenticate".into(), b"Bearer".to_vec())],
        });
        let response = from_answer(answer, CAPS).unwrap();
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
                from_answer(bad, CAPS)
                    .unwrap_err()
                    .contains(&format!("status {status}"))
            );
        }
        let bad_header = Answer::Response(types::Response {
            status: 200,
            headers: vec![("bad header".into(), vec![])],
            body: vec![],
        });
        assert!(
            from_answer(bad_header, CAPS)
                .unwrap_err()
                .contains("header name")
        );
    }
}
