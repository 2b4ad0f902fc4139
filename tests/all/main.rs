//! fastwasm's end-to-end suite: the real binary, real sockets, real components.

mod c_guest;
mod capabilities;
mod concurrency;
mod dependencies;
mod deploy;
mod dev;
mod faults;
mod hardening;
mod hello;
mod javascript;
mod lifecycle;
mod load_errors;
mod outbound;
mod polyglot;
mod python;
mod python_streaming;
mod redis_server;
mod reload;
mod reuse;
mod state;
mod streaming;
mod support;
mod toolchains;
mod upstream;
mod websocket;
