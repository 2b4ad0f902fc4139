//! The generated bindings for the `fastwasm:app` WIT package, kept apart from the code that uses them.

mod generated {
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "fastwasm:app/service",
        imports: {
            "fastwasm:app/outbound.send": async | trappable,
            "fastwasm:app/key-value": async | trappable,
            default: trappable,
        },
        exports: { default: async },
        with: {
            "fastwasm:app/websocket.connection": crate::guest::capabilities::websocket::Connection,
        },
    });
}

pub use generated::Service;
pub use generated::exports::fastwasm::app::{
    async_handler, async_provider, handler, metadata, provider, websocket_handler,
};
pub use generated::fastwasm::app::{
    async_key_value, async_outbound, bodies, key_value, outbound, types, websocket,
};
pub use generated::fastwasm::app::{host, timers};
