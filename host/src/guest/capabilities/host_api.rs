//! `fastwasm:app/host` and `fastwasm:app/timers`: structured guest logs, and a sleep that yields
//! to other requests.

use super::GuestState;
use super::log::Level;
use crate::guest::bindings::{bodies, host, timers, types};
use std::time::Duration;
use wasmtime::component::{Accessor, HasSelf};

impl types::Host for GuestState {}

impl bodies::Host for GuestState {}

impl host::Host for GuestState {
    fn log(&mut self, level: types::LogLevel, message: String) -> wasmtime::Result<()> {
        let level = match level {
            types::LogLevel::Trace => Level::Trace,
            types::LogLevel::Debug => Level::Debug,
            types::LogLevel::Info => Level::Info,
            types::LogLevel::Warn => Level::Warn,
            types::LogLevel::Error => Level::Error,
        };
        self.tag.log(level, false, &message, 0);
        Ok(())
    }
}

impl timers::Host for GuestState {}

impl<T: Send> timers::HostWithStore<T> for HasSelf<GuestState> {
    async fn sleep(_accessor: &Accessor<T, Self>, millis: u64) -> wasmtime::Result<()> {
        // The request deadline bounds the wait: the executor drops this future when it passes.
        tokio::time::sleep(Duration::from_millis(millis)).await;
        Ok(())
    }
}
