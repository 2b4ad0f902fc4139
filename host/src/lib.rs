//! fastwasm: serve FastAPI-style path operations compiled to WebAssembly components.
//!
//! The modules are layers, and imports run one way, from the top of this list down:
//!
//! - `cli` and `reload` around the sides, with `build` (build commands and guest toolchains);
//! - `http`: one request, accept to response — the server and its limits, the request pipeline
//!   (route, validate, resolve dependencies, call, render), the dependency scope;
//! - `app`: the immutable snapshot a request runs against — operations, the route table,
//!   parameter validation, the dependency graph — built from what components declare;
//! - `guest`: turning bytes into instances and calling them — engine, compile cache, bindings,
//!   capabilities, instance reuse, the blocking pool, the one call path;
//! - `config`: what the user wrote — the manifest and the settings;
//! - `telemetry`: logs and metrics, which every layer above records into.
#![deny(missing_docs)]

mod app;
mod build;
mod cli;
mod config;
#[doc(hidden)]
pub mod fuzzing;
mod guest;
mod http;
mod reload;
mod telemetry;

pub use cli::main;
