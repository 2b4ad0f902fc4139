//! One request, accept to response: [`Server`] accepts connections under the HTTP limits and
//! holds the app snapshot; `pipeline` routes a request, validates it, resolves its dependencies
//! (`scope`), calls the operation and renders the answer (`respond`); `websocket` answers the
//! handshake of WebSocket operations; `standard` passes what comes under a standard wasi:http
//! component's prefix to it; `cors` answers preflights and marks answers for browsers.

mod body;
mod connection;
mod cors;
mod docs;
mod health;
mod metrics;
mod pipeline;
mod redirect;
mod request_id;
pub(crate) mod respond;
mod scope;
mod server;
mod standard;
mod websocket;

pub use server::Server;
