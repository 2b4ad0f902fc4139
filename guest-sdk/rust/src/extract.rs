//! Extractors: the typed arguments of a handler.
//!
//! Parameters (`Path`, `Query`, `Header`, `Cookie`) arrive already validated and coerced by the
//! host from what they declare; a body extractor (`Json`, `Body`, `Request`) comes last and reads
//! the body, answering 422 in FastAPI's shape when it does not parse.

use crate::__bindings::fastwasm::app::types::{self as wit, ParamLocation};
use crate::__bindings::fastwasm::app::websocket::Connection;
use crate::error::HttpError;
use crate::param::ParamType;
use crate::spec::{Arg, OperationSpec, json_schema};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::cell::RefCell;
use wit_bindgen::StreamReader;

/// One request as the host hands it to the guest.
#[doc(hidden)]
#[derive(Debug)]
pub struct RequestContext {
    req: wit::Request,
    deps: Vec<wit::Dependency>,
    /// A streamed request body, until an extractor takes it.
    pub(crate) body: RefCell<Option<StreamReader<u8>>>,
    /// A WebSocket connection, until the `WebSocket` extractor takes it.
    pub(crate) websocket: RefCell<Option<Connection>>,
}

impl RequestContext {
    pub fn new(req: wit::Request, deps: Vec<wit::Dependency>) -> Self {
        Self {
            req,
            deps,
            body: RefCell::new(None),
            websocket: RefCell::new(None),
        }
    }

    /// With the request body as it arrives (an operation that declared a streamed body).
    pub fn with_body(self, body: Option<StreamReader<u8>>) -> Self {
        *self.body.borrow_mut() = body;
        self
    }

    /// With the WebSocket connection a `#[websocket]` operation serves.
    pub fn with_websocket(self, connection: Connection) -> Self {
        *self.websocket.borrow_mut() = Some(connection);
        self
    }

    pub fn operation_id(&self) -> &str {
        &self.req.operation_id
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.req
            .params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The errors the host found in parameter `name`, when it failed.
    fn invalid(&self, name: &str) -> Option<Vec<Value>> {
        let failed = self.req.invalid.iter().find(|param| param.name == name)?;
        Some(failed.errors.iter().map(|text| error_value(text)).collect())
    }

    /// The errors of the providers the host skipped because their parameters failed.
    pub(crate) fn provider_errors(&self) -> Vec<Value> {
        self.req
            .provider_errors
            .iter()
            .map(|text| error_value(text))
            .collect()
    }
}

/// A validation error the host sent, as JSON; the host only sends JSON objects.
fn error_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// The arguments of one call that could not be read, gathered as FastAPI gathers them: every
/// parameter's and the body's 422 errors in one answer, after those of the providers the host
/// skipped. Any other error (a body that is not JSON, a missing dependency) is the answer
/// alone, the first one found.
#[doc(hidden)]
#[derive(Debug)]
pub struct Failures {
    items: Vec<Value>,
    failed: bool,
    alone: Option<HttpError>,
}

impl Failures {
    /// Starts with the errors the host sent for `ctx`'s skipped providers.
    pub fn new(ctx: &RequestContext) -> Self {
        let items = ctx.provider_errors();
        Self {
            failed: !items.is_empty(),
            items,
            alone: None,
        }
    }

    /// The argument, or `None` with its error kept.
    pub fn take<T>(&mut self, read: Result<T, HttpError>) -> Option<T> {
        let error = match read {
            Ok(value) => return Some(value),
            Err(error) => error,
        };
        self.failed = true;
        match error.validation_items() {
            Some(items) if !error.is_json_invalid() => self.items.extend_from_slice(items),
            _ => {
                self.alone.get_or_insert(error);
            }
        }
        None
    }

    /// Whether every argument was read and nothing failed before the call.
    pub fn is_empty(&self) -> bool {
        !self.failed
    }

    /// The answer for what failed.
    pub fn into_error(self) -> HttpError {
        self.alone
            .unwrap_or_else(|| HttpError::new(http::StatusCode::UNPROCESSABLE_ENTITY, self.items))
    }
}

/// A handler argument the SDK knows how to declare and extract.
///
/// Implemented by [`Path`], [`Query`], [`Header`], [`Cookie`], [`Json`], [`Body`] and
/// [`Request`]. The route macros call it; handlers never do.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor a path operation can take",
    note = "use Path<T>, Query<T>, Header<T>, Cookie<T>, Dep<T>, Json<T>, Body, BodyStream, WebSocket or Request"
)]
pub trait FromRequest: Sized {
    /// Adds what this argument reads to the operation's declaration.
    #[doc(hidden)]
    fn declare(arg: &Arg, op: &mut OperationSpec);

    /// Reads the argument from the request.
    #[doc(hidden)]
    fn from_request(ctx: &RequestContext, arg: &Arg) -> Result<Self, HttpError>;

    /// Whether this argument reads the body (at most one may, and it comes last).
    #[doc(hidden)]
    const READS_BODY: bool = false;
}

fn location_name(location: ParamLocation) -> &'static str {
    match location {
        ParamLocation::Path => "path",
        ParamLocation::Query => "query",
        ParamLocation::Header => "header",
        ParamLocation::Cookie => "cookie",
    }
}

/// Reads a parameter the host validated; falls back on the declared default or the type's
/// absent value (`None`, an empty `Vec`).
fn read_param<T: ParamType>(
    ctx: &RequestContext,
    arg: &Arg,
    location: ParamLocation,
    wire_name: &str,
) -> Result<T, HttpError> {
    let loc = || vec![json!(location_name(location)), json!(wire_name)];
    if let Some(errors) = ctx.invalid(arg.name) {
        return Err(HttpError::new(
            http::StatusCode::UNPROCESSABLE_ENTITY,
            errors,
        ));
    }
    match ctx.param(arg.name) {
        Some(text) => serde_json::from_str(text).map_err(|err| {
            HttpError::validation("value_error", loc(), err.to_string(), json!(text))
        }),
        None => {
            if let Some(default) = arg.default {
                return serde_json::from_value(default()).map_err(|err| {
                    HttpError::validation("value_error", loc(), err.to_string(), Value::Null)
                });
            }
            T::absent().ok_or_else(|| {
                HttpError::validation("missing", loc(), "Field required".into(), Value::Null)
            })
        }
    }
}

macro_rules! param_extractor {
    ($(#[$doc:meta])* $name:ident, $location:expr, $wire:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq)]
        pub struct $name<T>(pub T);

        impl<T: ParamType> FromRequest for $name<T> {
            fn declare(arg: &Arg, op: &mut OperationSpec) {
                let wire: fn(&Arg) -> String = $wire;
                op.param(arg, $location, Some(wire(arg)), T::REQUIRED, T::schema());
            }

            fn from_request(ctx: &RequestContext, arg: &Arg) -> Result<Self, HttpError> {
                let wire: fn(&Arg) -> String = $wire;
                read_param(ctx, arg, $location, &wire(arg)).map($name)
            }
        }

        impl<T> std::ops::Deref for $name<T> {
            type Target = T;
            fn deref(&self) -> &T {
                &self.0
            }
        }
    };
}

param_extractor!(
    /// A path parameter: `#[get("/items/{item_id}")] fn f(item_id: Path<u32>)`.
    Path,
    ParamLocation::Path,
    |arg| arg.name.to_owned()
);
param_extractor!(
    /// A query parameter; `Option<T>` when optional, `Vec<T>` when repeated.
    Query,
    ParamLocation::Query,
    |arg| arg.alias.unwrap_or(arg.name).to_owned()
);
param_extractor!(
    /// A request header. `user_agent: Header<String>` reads `user-agent`, as FastAPI converts
    /// underscores; `#[param(alias = "...")]` names it exactly.
    Header,
    ParamLocation::Header,
    |arg| match arg.alias {
        Some(alias) => alias.to_ascii_lowercase(),
        None => arg.name.replace('_', "-"),
    }
);
param_extractor!(
    /// A cookie from the `Cookie` header.
    Cookie,
    ParamLocation::Cookie,
    |arg| arg.alias.unwrap_or(arg.name).to_owned()
);

/// A dependency's value, resolved by the host before the call: FastAPI's `Depends`.
///
/// `current_user: Dep<User>` asks for the dependency `current-user`; `#[dep("user")]` names it
/// explicitly, and `#[dep(use_cache = false)]` computes it afresh for this argument instead of
/// sharing the request's value.
#[derive(Debug, Clone, PartialEq)]
pub struct Dep<T>(pub T);

impl<T: DeserializeOwned> FromRequest for Dep<T> {
    fn declare(arg: &Arg, op: &mut OperationSpec) {
        op.dependency(arg.dependency_name(), arg.use_cache);
    }

    fn from_request(ctx: &RequestContext, arg: &Arg) -> Result<Self, HttpError> {
        let name = arg.dependency_name();
        let fail = |why: String| {
            HttpError::new(
                http::StatusCode::INTERNAL_SERVER_ERROR,
                format!("dependency `{name}`: {why}"),
            )
        };
        let Some(value) = ctx.deps.iter().find(|dep| dep.name == name) else {
            // The host skipped its provider, whose parameters failed: the request answers
            // their 422, which the host sent along.
            if !ctx.req.provider_errors.is_empty() {
                return Err(HttpError::new(
                    http::StatusCode::UNPROCESSABLE_ENTITY,
                    Vec::<Value>::new(),
                ));
            }
            return Err(fail("the host did not resolve it".into()));
        };
        serde_json::from_str(&value.value)
            .map(Dep)
            .map_err(|err| fail(format!("its value does not fit the argument type: {err}")))
    }
}

impl<T> std::ops::Deref for Dep<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A JSON body deserialized with serde, or a JSON response serialized with serde.
///
/// `T` also implements [`JsonSchema`](crate::JsonSchema): its schema is what the operation
/// declares for the body or the response, and what the host publishes in `/openapi.json`.
/// Derive it beside serde's traits: `#[derive(Deserialize, JsonSchema)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + JsonSchema> FromRequest for Json<T> {
    fn declare(_arg: &Arg, op: &mut OperationSpec) {
        op.body("application/json", true, json_schema::<T>());
    }

    fn from_request(ctx: &RequestContext, _arg: &Arg) -> Result<Self, HttpError> {
        parse_json(&ctx.req.body).map(Json)
    }

    const READS_BODY: bool = true;
}

/// Deserializes a JSON body, reporting failures as FastAPI does: `json_invalid` with the byte
/// position for bad syntax, `missing` or the serde message with the field's path otherwise.
fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, HttpError> {
    if body.is_empty() {
        return Err(HttpError::validation(
            "missing",
            vec![json!("body")],
            "Field required".into(),
            Value::Null,
        ));
    }
    let value = match serde_json::from_slice::<Value>(body) {
        Ok(value) => value,
        Err(err) => {
            let position = byte_offset(body, err.line(), err.column());
            let item = json!({
                "type": "json_invalid",
                "loc": ["body", position],
                "msg": "JSON decode error",
                "input": {},
                "ctx": { "error": err.to_string() },
            });
            return Err(HttpError::new(
                http::StatusCode::UNPROCESSABLE_ENTITY,
                vec![item],
            ));
        }
    };
    let input = value.clone();
    serde_path_to_error::deserialize(value).map_err(|err| {
        let mut loc = vec![json!("body")];
        loc.extend(err.path().iter().filter_map(|segment| match segment {
            serde_path_to_error::Segment::Seq { index } => Some(json!(index)),
            serde_path_to_error::Segment::Map { key } => Some(json!(key)),
            serde_path_to_error::Segment::Enum { variant } => Some(json!(variant)),
            serde_path_to_error::Segment::Unknown => None,
        }));
        let message = err.inner().to_string();
        match message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.split('`').next())
        {
            Some(field) => {
                loc.push(json!(field));
                HttpError::validation("missing", loc, "Field required".into(), input)
            }
            None => HttpError::validation("value_error", loc, message, input),
        }
    })
}

fn byte_offset(body: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = body
        .split(|byte| *byte == b'\n')
        .take(line.saturating_sub(1))
        .map(|line| line.len() + 1)
        .sum();
    line_start + column.saturating_sub(1)
}

/// The raw request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Body(pub Vec<u8>);

impl Body {
    /// The body as UTF-8 text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

impl FromRequest for Body {
    fn declare(_arg: &Arg, op: &mut OperationSpec) {
        op.body("application/octet-stream", false, json!({}));
    }

    fn from_request(ctx: &RequestContext, _arg: &Arg) -> Result<Self, HttpError> {
        Ok(Body(ctx.req.body.clone()))
    }

    const READS_BODY: bool = true;
}

/// The whole request: method, path, query, headers and body.
#[derive(Debug, Clone)]
pub struct Request {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Request {
    /// The HTTP method, uppercase.
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path as received.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The raw query string, without `?`.
    pub fn query(&self) -> &str {
        &self.query
    }

    /// The first value of a header (names are case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_slice())
    }

    /// All headers, lowercase names in the order received.
    pub fn headers(&self) -> &[(String, Vec<u8>)] {
        &self.headers
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }
}

impl FromRequest for Request {
    fn declare(_arg: &Arg, _op: &mut OperationSpec) {}

    fn from_request(ctx: &RequestContext, _arg: &Arg) -> Result<Self, HttpError> {
        let req = &ctx.req;
        Ok(Request {
            method: req.method.clone(),
            path: req.path.clone(),
            query: req.query.clone(),
            headers: req.headers.clone(),
            body: req.body.clone(),
        })
    }

    const READS_BODY: bool = true;
}
