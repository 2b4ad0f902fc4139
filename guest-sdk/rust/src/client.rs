//! Outbound HTTP: call other services from an operation.
//!
//! ```ignore
//! use fastwasm_guest::http;
//!
//! #[get("/weather")]
//! async fn weather() -> Result<Json<serde_json::Value>, HttpError> {
//!     let forecast = http::get("https://api.example.com/forecast")
//!         .query(&[("city", "Lisbon")])
//!         .send()
//!         .await?
//!         .error_for_status()?
//!         .json()?;
//!     Ok(Json(forecast))
//! }
//! ```
//!
//! In an `async fn`, `send().await` waits without holding the instance: other requests run,
//! and several calls of one request wait at once when joined (`futures::join!`, or
//! [`join_all`]). In a plain `fn`, [`RequestBuilder::send_blocking`] waits on the blocking-pool
//! thread the operation runs on.
//!
//! The host sends a request only to an origin the component's `allowed_outbound_hosts` lists
//! (an [`ErrorKind::Denied`] error otherwise), forwards the `x-request-id` of the request being
//! served, and ends the call when that request ends. A failed call converts into an
//! [`HttpError`] with `?`: 504 when it timed out, 502 otherwise.

use crate::__bindings::fastwasm::app::{async_outbound, outbound};
use crate::error::HttpError;
use ::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::Duration;

pub use outbound::ErrorKind;

/// A `GET` request to `url`.
pub fn get(url: impl Into<String>) -> RequestBuilder {
    request(Method::GET, url)
}

/// A `POST` request to `url`.
pub fn post(url: impl Into<String>) -> RequestBuilder {
    request(Method::POST, url)
}

/// A `PUT` request to `url`.
pub fn put(url: impl Into<String>) -> RequestBuilder {
    request(Method::PUT, url)
}

/// A `PATCH` request to `url`.
pub fn patch(url: impl Into<String>) -> RequestBuilder {
    request(Method::PATCH, url)
}

/// A `DELETE` request to `url`.
pub fn delete(url: impl Into<String>) -> RequestBuilder {
    request(Method::DELETE, url)
}

/// A request with any method to `url`.
pub fn request(method: Method, url: impl Into<String>) -> RequestBuilder {
    RequestBuilder {
        method,
        url: url.into(),
        query: Vec::new(),
        headers: Vec::new(),
        body: Vec::new(),
        timeout: None,
        problem: None,
    }
}

/// Waits for every future at once, in order: `join_all(urls.map(|u| http::get(u).send()))`.
pub async fn join_all<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (future, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => *output = Some(value),
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs
        .into_iter()
        .map(|output| output.expect("every future finished"))
        .collect()
}

/// An outbound request being put together.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    method: Method,
    url: String,
    query: Vec<(String, String)>,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    timeout: Option<Duration>,
    /// The first thing that went wrong building it, reported when it is sent.
    problem: Option<String>,
}

impl RequestBuilder {
    /// Adds a header.
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<[u8]>) -> Self {
        let name = name.as_ref().to_ascii_lowercase();
        if HeaderName::from_bytes(name.as_bytes()).is_err() {
            self.problem
                .get_or_insert(format!("`{name}` is not a header name"));
        }
        self.headers.push((name, value.as_ref().to_vec()));
        self
    }

    /// Adds query parameters, percent-encoded, after any the URL has.
    pub fn query<K: AsRef<str>, V: ToString>(mut self, pairs: &[(K, V)]) -> Self {
        for (key, value) in pairs {
            self.query
                .push((key.as_ref().to_owned(), value.to_string()));
        }
        self
    }

    /// Sends `value` as JSON, with `content-type: application/json`.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(body) => {
                self.body = body;
                self.header("content-type", "application/json")
            }
            Err(err) => {
                self.problem
                    .get_or_insert(format!("the JSON body does not serialize: {err}"));
                self
            }
        }
    }

    /// Sends `body` as it is.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Limits the whole call (connecting, waiting, reading the body) to `timeout`; the host's
    /// own limits and the request's deadline apply as well.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends the request and waits for its whole response without holding the instance.
    pub async fn send(self) -> Result<Response, Error> {
        let request = self.into_wit()?;
        Ok(async_outbound::send(request).await?.into())
    }

    /// Sends the request and waits for its whole response on this thread: for plain `fn`
    /// operations, which run on the host's blocking pool.
    pub fn send_blocking(self) -> Result<Response, Error> {
        let request = self.into_wit()?;
        Ok(outbound::send(&request)?.into())
    }

    fn into_wit(self) -> Result<outbound::OutboundRequest, Error> {
        if let Some(problem) = self.problem {
            return Err(Error {
                kind: ErrorKind::InvalidRequest,
                message: format!("{} {}: {problem}", self.method, self.url),
            });
        }
        let mut url = self.url;
        if !self.query.is_empty() {
            let query = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&self.query)
                .finish();
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str(&query);
        }
        Ok(outbound::OutboundRequest {
            method: self.method.as_str().to_owned(),
            url,
            headers: self.headers,
            body: self.body,
            timeout_ms: self
                .timeout
                .map(|timeout| u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX)),
            request_id: crate::serving::current(),
        })
    }
}

impl IntoFuture for RequestBuilder {
    type Output = Result<Response, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output>>>;

    /// `http::get(url).await` sends the request.
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A whole response from another service.
#[derive(Debug, Clone)]
pub struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl From<outbound::OutboundResponse> for Response {
    fn from(response: outbound::OutboundResponse) -> Self {
        let mut headers = HeaderMap::new();
        for (name, value) in response.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(&value),
            ) {
                headers.append(name, value);
            }
        }
        Self {
            status: StatusCode::from_u16(response.status).unwrap_or(StatusCode::BAD_GATEWAY),
            headers,
            body: response.body,
        }
    }
}

impl Response {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|err| Error {
            kind: ErrorKind::Protocol,
            message: format!("the response body is not the JSON expected: {err}"),
        })
    }

    /// The response itself when its status is below 400, else an error naming the status.
    pub fn error_for_status(self) -> Result<Self, Error> {
        if self.status.is_client_error() || self.status.is_server_error() {
            return Err(Error {
                kind: ErrorKind::Protocol,
                message: format!("the service answered {}", self.status),
            });
        }
        Ok(self)
    }
}

/// Why an outbound call failed.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// What kind of failure it was.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Whether the call took too long.
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }
}

impl From<outbound::OutboundError> for Error {
    fn from(error: outbound::OutboundError) -> Self {
        Self {
            kind: error.kind,
            message: error.message,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<Error> for HttpError {
    /// 504 for a call that timed out, 502 for any other failure of the service called.
    fn from(error: Error) -> Self {
        let status = if error.is_timeout() {
            StatusCode::GATEWAY_TIMEOUT
        } else {
            StatusCode::BAD_GATEWAY
        };
        HttpError::new(status, error.message)
    }
}
