//! `fastwasm:app/host` and `fastwasm:app/timers`: structured guest logs, and a sleep that yields
//! to other requests.

use super::GuestState;
use crate::guest::bindings::{bodies, host, timers, types};
use std::time::Duration;
use wasmtime::component::{Accessor, HasSelf};

impl types::Host for GuestState {}

impl bodies::Host for GuestState {}

impl host::Host for GuestState {
    fn log(&mut self, level: types::LogLevel, message: String) -> wasmtime::Result<()> {
        let tag = &self.tag;
        let (component, operation) = (&tag.component, tag.operation());
        match level {
            types::LogLevel::Trace => {
                tracing::trace!(target: "guest", %component, %operation, "{message}")
            }
            types::LogLevel::Debug => {
                tracing::debug!(target: "guest", %component, %operation, "{message}")
            }
            types::LogLevel::Info => {
                tracing::info!(target: "guest", %component, %operation, "{message}")
            }
            types::LogLevel::Warn => {
                tracing::warn!(target: "guest", %component, %operation, "{message}")
            }
            types::LogLevel::Error => {
                tracing::error!(target: "guest", %component, %operation, "{message}")
            }
        }
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
