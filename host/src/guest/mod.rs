//! Turning bytes into instances and calling them. The [`Runtime`] compiles a component (through
//! the on-disk cache), links it against what a guest may import (`capabilities`), asks it to
//! `describe` itself and keeps it as a [`Component`]. Requests reach its instances — shared,
//! pooled or fresh (`instances`) — through the one call path (`call`, `instance`), sync work
//! runs on the bounded [`BlockingPool`], and every instance counts against the host-wide
//! budget (`budget`).

mod bindings;
mod budget;
mod cache;
mod call;
mod capabilities;
mod compiler;
mod component;
mod engine;
mod exports;
mod instance;
mod instances;
mod pool;
mod runtime;
mod standard;
mod streams;

pub use bindings::types;
pub use call::{Answer, Call, CallError, Deadline, Reply};
pub use capabilities::outbound::{OpenScope, REQUEST_ID};
pub use capabilities::websocket::{Accepted, Limits as WebSocketLimits, Session};
pub use compiler::compile_main;
pub use component::Component;
pub use exports::{Kind, Role};
pub use instance::Instance;
pub use pool::Priority;
pub use runtime::Runtime;
pub use standard::StandardResponse;
pub use streams::{BodyError, BodyFault, GuestBody, IncomingBody, Refused, Stalled};
