//! Support for the code the macros generate. Not a public API: it changes without notice.

pub use crate::extract::RequestContext;
pub use crate::spec::{Arg, OperationSpec};
pub use serde_json;

use crate::__bindings::fastwasm::app::types as wit;
use crate::error::HttpError;
use crate::response::Response;

/// Turns a handler's outcome into what the WIT export returns, applying the declared status.
pub fn finish(
    outcome: Result<Response, HttpError>,
    default_status: u16,
) -> Result<wit::Response, wit::HttpError> {
    outcome
        .map(|response| response.into_wit(default_status))
        .map_err(HttpError::into_wit)
}

/// The answer for an operation id this component does not serve (a host/guest mismatch).
pub fn unknown_operation(id: &str) -> Result<wit::Response, wit::HttpError> {
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
pub fn app_info(operations: Vec<wit::Operation>) -> wit::AppInfo {
    wit::AppInfo { operations }
}

pub use crate::__bindings::exports::fastwasm::app::{
    async_handler::Guest as AsyncHandlerGuest, handler::Guest as HandlerGuest,
    metadata::Guest as MetadataGuest,
};
pub use wit::{
    AppInfo, Dependency, HttpError as WitHttpError, Request as WitRequest, Response as WitResponse,
};
