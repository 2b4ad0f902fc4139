//! `HttpError`: end a request with a status and a JSON `detail`, like FastAPI's `HTTPException`.

use http::StatusCode;
use serde::Serialize;
use serde_json::Value;

/// Ends the request with `status` and a body of `{"detail": …}`.
///
/// Return it from a handler as `Err(HttpError::new(StatusCode::NOT_FOUND, "Item not found"))`;
/// the body is then `{"detail":"Item not found"}`, exactly as FastAPI renders an `HTTPException`.
#[derive(Debug, Clone)]
pub struct HttpError {
    pub(crate) status: StatusCode,
    pub(crate) detail: Value,
    pub(crate) headers: Vec<(String, Vec<u8>)>,
}

impl HttpError {
    /// An error with any serializable `detail` (a message, or a structured value).
    pub fn new(status: StatusCode, detail: impl Serialize) -> Self {
        let detail = serde_json::to_value(detail)
            .unwrap_or_else(|err| Value::String(format!("unserializable detail: {err}")));
        Self {
            status,
            detail,
            headers: Vec::new(),
        }
    }

    /// Adds a response header, e.g. `WWW-Authenticate` on a 401.
    pub fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// The status this error answers with.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The JSON `detail`.
    pub fn detail(&self) -> &Value {
        &self.detail
    }

    /// A 422 in FastAPI's validation shape: `{"detail": [{"type", "loc", "msg", "input"}]}`.
    pub(crate) fn validation(kind: &str, loc: Vec<Value>, msg: String, input: Value) -> Self {
        let item = serde_json::json!({ "type": kind, "loc": loc, "msg": msg, "input": input });
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, vec![item])
    }

    /// The entries of a 422 in FastAPI's validation shape, `None` for any other error.
    pub(crate) fn validation_items(&self) -> Option<&[Value]> {
        match &self.detail {
            Value::Array(items) if self.status == StatusCode::UNPROCESSABLE_ENTITY => Some(items),
            _ => None,
        }
    }

    /// Whether this is the 422 of a body that is not JSON, which FastAPI answers alone: it
    /// reads the body before it looks at anything else.
    pub(crate) fn is_json_invalid(&self) -> bool {
        self.validation_items()
            .and_then(|items| items.first())
            .is_some_and(|item| item["type"] == "json_invalid")
    }

    pub(crate) fn into_wit(self) -> crate::__bindings::fastwasm::app::types::HttpError {
        crate::__bindings::fastwasm::app::types::HttpError {
            status: self.status.as_u16(),
            detail: self.detail.to_string(),
            headers: self.headers,
        }
    }
}

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.detail)
    }
}

impl std::error::Error for HttpError {}
