//! fastwasm: serve FastAPI-style path operations compiled to WebAssembly components.
//!
//! A request flows through these modules in order: [`server`] accepts it and applies the HTTP
//! limits, [`router`] selects the operation from the [`app`] snapshot, [`validate`] checks its
//! parameters (422), [`executor`] runs the guest (async operations as futures, sync ones on a
//! bounded blocking pool) and [`respond`] turns the answer into HTTP. Apps are read from a
//! [`manifest`], compiled through the [`cache`] by the [`engine`], and checked by the [`loader`];
//! guests reach the host only through [`capabilities`].
#![deny(missing_docs)]

pub mod app;
mod bindings;
pub mod builder;
pub mod cache;
pub mod capabilities;
pub mod cli;
pub mod deps;
pub mod engine;
pub mod executor;
pub mod instances;
pub mod loader;
pub mod logging;
pub mod manifest;
pub mod reload;
pub mod respond;
pub mod router;
pub mod rust_target;
pub mod scope;
pub mod server;
pub mod settings;
pub mod toolchains;
pub mod validate;
