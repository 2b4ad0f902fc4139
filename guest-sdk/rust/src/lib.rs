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
//! use serde::{Deserialize, Serialize};
//!
//! /// An item, as the body of a request and of a response.
//! #[derive(Deserialize, Serialize, JsonSchema)]
//! pub struct Item {
//!     name: String,
//!     price: f64,
//! }
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
//!     fn create_item(Json(item): Json<Item>) -> Result<Json<Item>, HttpError> {
//!         if item.name.is_empty() {
//!             return Err(HttpError::new(StatusCode::BAD_REQUEST, "an item needs a name"));
//!         }
//!         Ok(Json(item))
//!     }
//! }
//! ```
//!
//! # Schemas
//!
//! A [`Json<T>`] body or response declares `T`'s JSON Schema, which the host publishes in
//! `/openapi.json`: `T` implements [`JsonSchema`], derived with `#[derive(JsonSchema)]` beside
//! serde's derives. Its `#[serde(...)]` attributes (renames, defaults, skipped fields) shape the
//! schema as they shape the JSON, and doc comments become descriptions.
//!
//! The derive comes from [`schemars`], which the SDK re-exports so that a component needs no
//! dependency of its own on it. The derived code names the crate `schemars`, which the prelude
//! brings into scope; in a module without `use fastwasm_guest::prelude::*;`, add
//! `use fastwasm_guest::schemars;` or point the derive at it with
//! `#[schemars(crate = "fastwasm_guest::schemars")]`.
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
/// The JSON Schema generator that [`JsonSchema`] belongs to, for its attributes and settings.
pub use schemars;
/// The trait of the types with a JSON Schema, and its derive.
pub use schemars::JsonSchema;
pub use stream::{BodyStream, BodyWriter, Disconnected, Event, EventSender, Sse, Streaming};
pub use websocket::{Closed, IntoSessionEnd, Message, WebSocket};

/// Everything a component's module usually needs: `use fastwasm_guest::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Body, BodyStream, Closed, Cookie, Dep, Event, HeaderMap, Html, HttpError, IntoResponse,
        Json, JsonSchema, Message, Path, Query, Request, Response, Sse, StatusCode, Streaming,
        WebSocket, app, delete, get, head, options, patch, post, provider, put, websocket,
    };
    // `#[derive(JsonSchema)]` expands to paths that start with `schemars::`.
    pub use crate::schemars;
    pub use crate::{Header, sleep};
}
