//! Responses: anything a handler returns implements [`IntoResponse`].

use crate::__bindings::fastwasm::app::{bodies, types as wit};
use crate::error::HttpError;
use crate::extract::Json;
use crate::spec::json_schema;
use crate::stream::{BodyWriter, Producer};
use http::StatusCode;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;
use std::fmt;

/// A response under construction. Its status, when not set, is the operation's declared
/// `status_code` (200 unless the route says otherwise).
#[derive(Default)]
pub struct Response {
    pub(crate) status: Option<StatusCode>,
    pub(crate) headers: Vec<(String, Vec<u8>)>,
    pub(crate) body: Payload,
}

/// A response's body: every byte at once, or written while it is sent.
pub(crate) enum Payload {
    Bytes(Vec<u8>),
    Streamed(Producer),
}

impl Default for Payload {
    fn default() -> Self {
        Payload::Bytes(Vec::new())
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = match &self.body {
            Payload::Bytes(bytes) => format!("{} bytes", bytes.len()),
            Payload::Streamed(_) => "streamed".to_owned(),
        };
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &body)
            .finish()
    }
}

impl Response {
    /// A response with this body and no content type.
    pub fn new(body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: None,
            headers: Vec::new(),
            body: Payload::Bytes(body.into()),
        }
    }

    /// A response whose body `produce` writes while it is sent (async operations only).
    pub(crate) fn streamed(produce: Producer) -> Self {
        Self {
            status: None,
            headers: Vec::new(),
            body: Payload::Streamed(produce),
        }
    }

    /// Sets the status.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    pub(crate) fn with_content_type(self, content_type: &str) -> Self {
        if self.headers.iter().any(|(name, _)| name == "content-type") {
            self
        } else {
            self.header("content-type", content_type)
        }
    }

    /// The response a sync operation answers; a streamed body needs an async one.
    pub(crate) fn into_wit(self, default_status: u16) -> Result<wit::Response, HttpError> {
        let status = self.status.map_or(default_status, |status| status.as_u16());
        match self.body {
            Payload::Bytes(body) => Ok(wit::Response {
                status,
                headers: self.headers,
                body,
            }),
            Payload::Streamed(_) => Err(HttpError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "a streamed response needs an `async fn` operation",
            )),
        }
    }

    /// The reply an async operation answers: a streamed body is written by a task of its own
    /// while the host sends it.
    pub(crate) fn into_reply(self, default_status: u16) -> bodies::Reply {
        let status = self.status.map_or(default_status, |status| status.as_u16());
        match self.body {
            Payload::Bytes(body) => bodies::Reply::Whole(wit::Response {
                status,
                headers: self.headers,
                body,
            }),
            Payload::Streamed(produce) => {
                let (writer, reader) = crate::__bindings::wit_stream::new::<u8>();
                // Dropped unwritten only if the writing task never finished: the body broke off.
                let (end, end_reader) =
                    crate::__bindings::wit_future::new::<Result<(), String>>(|| {
                        Err("the body's writer stopped before the end".into())
                    });
                wit_bindgen::spawn_local(async move {
                    produce(BodyWriter::new(writer)).await;
                    // The body writer is gone with the producer: the body is whole.
                    let _ = end.write(Ok(())).await;
                });
                bodies::Reply::Streamed(bodies::StreamedResponse {
                    status,
                    headers: self.headers,
                    body: reader,
                    end: end_reader,
                })
            }
        }
    }
}

/// Turns a handler's return value into a response.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a path operation",
    note = "return Json<T>, String, &'static str, Vec<u8>, Html<T>, (), Response, (StatusCode, T) or Result<T, HttpError>"
)]
pub trait IntoResponse {
    /// The response, or the error that ends the request.
    fn into_response(self) -> Result<Response, HttpError>;

    /// The JSON Schema of a successful response's body, when the type knows it: [`Json<T>`]
    /// answers `T`'s, and wrappers (`Result`, a status or headers beside a body) answer their
    /// body's. The operation declares it as its response schema.
    fn response_schema() -> Option<Value> {
        None
    }
}

impl IntoResponse for Response {
    fn into_response(self) -> Result<Response, HttpError> {
        Ok(self)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Result<Response, HttpError> {
        Err(self)
    }
}

impl<T: IntoResponse, E: Into<HttpError>> IntoResponse for Result<T, E> {
    fn into_response(self) -> Result<Response, HttpError> {
        self.map_err(Into::into)
            .and_then(IntoResponse::into_response)
    }

    fn response_schema() -> Option<Value> {
        T::response_schema()
    }
}

impl<T: Serialize + JsonSchema> IntoResponse for Json<T> {
    fn into_response(self) -> Result<Response, HttpError> {
        let body = serde_json::to_vec(&self.0).map_err(|err| {
            HttpError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("response did not serialize: {err}"),
            )
        })?;
        Ok(Response::new(body).with_content_type("application/json"))
    }

    fn response_schema() -> Option<Value> {
        Some(json_schema::<T>())
    }
}

impl IntoResponse for serde_json::Value {
    fn into_response(self) -> Result<Response, HttpError> {
        Json(self).into_response()
    }

    fn response_schema() -> Option<Value> {
        Json::<Self>::response_schema()
    }
}

impl IntoResponse for String {
    fn into_response(self) -> Result<Response, HttpError> {
        Ok(Response::new(self).with_content_type("text/plain; charset=utf-8"))
    }
}

impl IntoResponse for &'static str {
    fn into_response(self) -> Result<Response, HttpError> {
        self.to_owned().into_response()
    }
}

impl IntoResponse for Vec<u8> {
    fn into_response(self) -> Result<Response, HttpError> {
        Ok(Response::new(self).with_content_type("application/octet-stream"))
    }
}

/// An empty body: the natural return of a `status_code = 204` operation.
impl IntoResponse for () {
    fn into_response(self) -> Result<Response, HttpError> {
        Ok(Response::new(Vec::new()))
    }
}

/// An HTML body.
#[derive(Debug, Clone)]
pub struct Html<T>(pub T);

impl<T: Into<String>> IntoResponse for Html<T> {
    fn into_response(self) -> Result<Response, HttpError> {
        Ok(Response::new(self.0.into()).with_content_type("text/html; charset=utf-8"))
    }
}

/// An explicit status for this response: `(StatusCode::CREATED, Json(item))`.
impl<T: IntoResponse> IntoResponse for (StatusCode, T) {
    fn into_response(self) -> Result<Response, HttpError> {
        self.1
            .into_response()
            .map(|response| response.status(self.0))
    }

    fn response_schema() -> Option<Value> {
        T::response_schema()
    }
}

/// Extra headers for this response: `([("x-count", "3")], Json(items))`.
impl<T: IntoResponse, const N: usize> IntoResponse for ([(&str, &str); N], T) {
    fn into_response(self) -> Result<Response, HttpError> {
        let (headers, inner) = self;
        inner.into_response().map(|response| {
            headers.iter().fold(response, |response, (name, value)| {
                response.header(name, *value)
            })
        })
    }

    fn response_schema() -> Option<Value> {
        T::response_schema()
    }
}

/// A status and extra headers: `(StatusCode::CREATED, [("location", "/items/1")], Json(item))`.
impl<T: IntoResponse, const N: usize> IntoResponse for (StatusCode, [(&str, &str); N], T) {
    fn into_response(self) -> Result<Response, HttpError> {
        let (status, headers, inner) = self;
        (headers, inner)
            .into_response()
            .map(|response| response.status(status))
    }

    fn response_schema() -> Option<Value> {
        T::response_schema()
    }
}

/// What a provider returns: `Result<T, HttpError>` with a serializable `T`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be returned from a provider",
    note = "return Result<T, HttpError> where T: Serialize"
)]
pub trait IntoProvided {
    /// The value as JSON text, or the error that ends the request.
    fn into_provided(self) -> Result<String, HttpError>;
}

impl<T: Serialize, E: Into<HttpError>> IntoProvided for Result<T, E> {
    fn into_provided(self) -> Result<String, HttpError> {
        let value = self.map_err(Into::into)?;
        serde_json::to_string(&value).map_err(|err| {
            HttpError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the provided value did not serialize: {err}"),
            )
        })
    }
}
