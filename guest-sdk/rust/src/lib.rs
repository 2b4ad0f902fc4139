//! Write fastwasm path operations in Rust.
//!
//! A component is one module marked `#[fastwasm_guest::app]`. Inside it, each function with a
//! route attribute is a path operation: an `async fn` is awaited by the host as a future, a plain
//! `fn` runs on the host's blocking pool. Parameters are typed extractors; the return value is
//! anything that implements [`IntoResponse`]. The host learns every route, parameter and schema
//! from what these macros declare, and validates requests before your code runs.
//!
//! ```ignore
//! use fastwasm_guest::prelude::*;
//!
//! #[fastwasm_guest::app]
//! mod api {
//!     use super::*;
//!
//!     /// Read one item.
//!     #[get("/items/{item_id}")]
//!     async fn read_item(Path(item_id): Path<u32>, q: Query<Option<String>>) -> Json<serde_json::Value> {
//!         Json(serde_json::json!({ "item_id": item_id, "q": q.0 }))
//!     }
//!
//!     #[post("/items", status_code = 201)]
//!     fn create_item(Json(item): Json<serde_json::Value>) -> Result<Json<serde_json::Value>, HttpError> {
//!         if item.get("name").is_none() {
//!             return Err(HttpError::new(StatusCode::BAD_REQUEST, "an item needs a name"));
//!         }
//!         Ok(Json(item))
//!     }
//! }
//! ```
//!
//! Build it with `cargo build --target wasm32-wasip2 --release` and serve the `.wasm` with
//! `fastwasm serve`.
#![deny(missing_docs)]

#[doc(hidden)]
#[allow(missing_docs, unused_qualifications, clippy::all)]
pub mod __bindings {
    include!("bindings.rs");
}

mod client;
mod error;
mod extract;
mod host;
pub mod key_value;
mod param;
mod response;
mod serving;
mod spec;
mod stream;
mod websocket;

#[doc(hidden)]
pub mod __private;

/// Outbound HTTP: call other services from an operation.
pub mod http {
    pub use crate::client::*;
}

pub use ::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
pub use error::HttpError;
pub use extract::{Body, Cookie, Dep, FromRequest, Header, Json, Path, Query, Request};
pub use fastwasm_guest_macros::{
    app, delete, get, head, options, patch, post, provider, put, websocket,
};
pub use host::{LogLevel, log, sleep};
pub use param::ParamType;
pub use response::{Html, IntoProvided, IntoResponse, Response};
pub use stream::{BodyStream, BodyWriter, Disconnected, Event, EventSender, Sse, Streaming};
pub use websocket::{Closed, IntoSessionEnd, Message, WebSocket};

/// Everything a component's module usually needs: `use fastwasm_guest::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Body, BodyStream, Closed, Cookie, Dep, Event, HeaderMap, Html, HttpError, IntoResponse,
        Json, Message, Path, Query, Request, Response, Sse, StatusCode, Streaming, WebSocket, app,
        delete, get, head, options, patch, post, provider, put, websocket,
    };
    pub use crate::{Header, sleep};
}
