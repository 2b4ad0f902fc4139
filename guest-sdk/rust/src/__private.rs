//! Support for the code the macros generate. Not a public API: it changes without notice.

pub use crate::extract::{Failures, RequestContext};
pub use crate::serving::{Serving, serving};
pub use crate::spec::{Arg, OperationSpec};
pub use serde_json;

use crate::__bindings::fastwasm::app::types as wit;
use crate::error::HttpError;
use crate::response::Response;

/// Turns a sync handler's outcome into what the WIT export returns, applying the declared
/// status.
pub fn finish(
    outcome: Result<Response, HttpError>,
    default_status: u16,
) -> Result<wit::Response, wit::HttpError> {
    outcome
        .and_then(|response| response.into_wit(default_status))
        .map_err(HttpError::into_wit)
}

/// Turns an async handler's outcome into what the WIT export returns; a streamed body starts
/// being written here.
pub fn finish_async(
    outcome: Result<Response, HttpError>,
    default_status: u16,
) -> Result<Reply, wit::HttpError> {
    outcome
        .map(|response| response.into_reply(default_status))
        .map_err(HttpError::into_wit)
}

/// Turns a WebSocket session's end into what the WIT export returns.
pub fn finish_session(outcome: Result<(), HttpError>) -> Result<(), wit::HttpError> {
    outcome.map_err(HttpError::into_wit)
}

/// The answer for a WebSocket operation id this component does not serve.
pub fn unknown_session(id: &str) -> Result<(), wit::HttpError> {
    Err(HttpError::new(
        http::StatusCode::INTERNAL_SERVER_ERROR,
        format!("this component has no WebSocket operation `{id}`"),
    )
    .into_wit())
}

/// The answer for an operation id this component does not serve (a host/guest mismatch).
pub fn unknown_operation<T>(id: &str) -> Result<T, wit::HttpError> {
    Err(HttpError::new(
        http::StatusCode::INTERNAL_SERVER_ERROR,
        format!("this component has no operation `{id}`"),
    )
    .into_wit())
}

/// Serializes a `#[param(default = ...)]` value.
pub fn to_json<T: serde::Serialize>(value: T) -> serde_json::Value {
    serde_json::to_value(value).expect("a parameter default must serialize to JSON")
}

/// Everything the component declares.
pub fn app_info(operations: Vec<wit::Operation>, providers: Vec<wit::Provider>) -> AppInfo {
    AppInfo {
        operations,
        providers,
        openapi: None,
    }
}

/// Turns a provider's outcome into what the WIT export returns.
pub fn provided(outcome: Result<String, HttpError>) -> Result<String, wit::HttpError> {
    outcome.map_err(HttpError::into_wit)
}

/// The answer for a dependency this component does not provide (a host/guest mismatch).
pub fn unknown_provider(name: &str) -> Result<String, wit::HttpError> {
    Err(HttpError::new(
        http::StatusCode::INTERNAL_SERVER_ERROR,
        format!("this component provides no dependency `{name}`"),
    )
    .into_wit())
}

/// Reads the value a teardown receives; a value that does not fit is reported on stderr,
/// which the host logs with the component and dependency.
pub fn teardown_value<T: serde::de::DeserializeOwned>(name: &str, value: &str) -> Option<T> {
    serde_json::from_str(value)
        .map_err(|err| eprintln!("teardown of `{name}`: the value does not fit: {err}"))
        .ok()
}

pub use crate::__bindings::exports::fastwasm::app::{
    async_handler::Guest as AsyncHandlerGuest, async_provider::Guest as AsyncProviderGuest,
    handler::Guest as HandlerGuest, metadata::Guest as MetadataGuest,
    provider::Guest as ProviderGuest, websocket_handler::Guest as WebsocketHandlerGuest,
};
pub use crate::__bindings::fastwasm::app::bodies::Reply;
pub use crate::__bindings::fastwasm::app::websocket::Connection;
pub use crate::websocket::IntoSessionEnd;
pub use wit::{
    AppInfo, Dependency, HttpError as WitHttpError, OperationKind, Request as WitRequest,
    Response as WitResponse,
};
pub use wit_bindgen::StreamReader;
