//! What a guest may import: WASI (clocks, random, stdio into the host log; files, environment and
//! network only when the manifest grants them), outbound HTTP (`wasi:http` and
//! `fastwasm:app/outbound`, to the origins the manifest allows), key-value stores (those the
//! manifest grants) and the `fastwasm:app/host` interface.

mod host_api;
pub mod key_value;
pub mod log;
mod network;
pub mod outbound;
mod stdio;
pub mod websocket;

use super::bindings;
use super::budget::{MemoryBudget, MemoryLimits};
use crate::config::{Grants, Settings};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wasmtime::component::{HasSelf, Linker, ResourceTable};
use wasmtime::error::Context;
use wasmtime::{Engine, Result};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Who is running: tags every log line a guest produces.
#[derive(Debug, Clone)]
pub struct GuestTag {
    /// The component's name in the manifest.
    pub component: Arc<str>,
    /// The lines the component may write; shared by all its instances.
    pub budget: Arc<log::LogBudget>,
    /// The operation being served, `describe` while loading, or `*` on an instance that
    /// serves several requests at once. Shared by the clones the store's stdout and stderr
    /// hold, so a reused instance is retagged for each request.
    operation: Arc<Mutex<Arc<str>>>,
}

impl GuestTag {
    /// A tag for `component` serving `operation`, writing within `budget`.
    pub fn new(component: &str, operation: &str, budget: Arc<log::LogBudget>) -> Self {
        Self {
            component: component.into(),
            budget,
            operation: Arc::new(Mutex::new(operation.into())),
        }
    }

    /// Logs one line the guest wrote, of which `cut` bytes at the end were already dropped.
    pub fn log(&self, level: log::Level, stderr: bool, text: &str, cut: usize) {
        let line = log::Line { text, cut };
        log::emit(
            &self.budget,
            &self.component,
            &self.operation(),
            level,
            stderr,
            line,
        );
    }

    /// The operation being served.
    pub fn operation(&self) -> Arc<str> {
        self.operation.lock().unwrap().clone()
    }

    /// Retags the instance for the request it serves next.
    pub fn set_operation(&self, operation: &str) {
        *self.operation.lock().unwrap() = operation.into();
    }
}

/// The data of one store: one instance, serving one request or, when shared, many at once.
pub struct GuestState {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    /// How outbound HTTP requests are sent, and for which request.
    pub(in crate::guest) http_hooks: outbound::HttpHooks,
    /// The key-value stores the component may use.
    key_value: Arc<key_value::KeyValue>,
    table: ResourceTable,
    pub(in crate::guest) limits: MemoryLimits,
    tag: GuestTag,
    /// When running wasm must stop; the epoch callback traps past it.
    pub(in crate::guest) deadline: tokio::time::Instant,
    /// How long a streamed response may go without a byte before the host ends it.
    pub(in crate::guest) stream_idle_timeout: Duration,
}

impl GuestState {
    /// A fresh state with the component's grants and the host's limits.
    pub fn new(
        tag: GuestTag,
        grants: &Grants,
        settings: &Settings,
        memory: Arc<MemoryBudget>,
        outbound: Arc<outbound::Outbound>,
        key_value: Arc<key_value::KeyValue>,
        deadline: tokio::time::Instant,
    ) -> Result<Self> {
        let mut wasi = WasiCtxBuilder::new();
        wasi.stdout(stdio::GuestLog::stdout(tag.clone()))
            .stderr(stdio::GuestLog::stderr(tag.clone()));
        for (key, value) in &grants.env {
            wasi.env(key, value);
        }
        for (guest, mount) in &grants.dirs {
            let perms = if mount.writable {
                FsPerms::ReadWrite
            } else {
                FsPerms::ReadOnly
            };
            wasi.preopened_dir(&mount.host, guest, perms)
                .with_context(|| {
                    format!(
                        "component `{}` cannot mount {} at {guest}",
                        tag.component,
                        mount.host.display()
                    )
                })?;
        }
        if grants.network {
            wasi.inherit_network()
                .allow_ip_name_lookup(true)
                .socket_addr_check(network::outbound_only);
        }
        let limits = MemoryLimits::new(memory, settings.max_memory_bytes);
        Ok(Self {
            wasi: wasi.build(),
            http: WasiHttpCtx::new(),
            http_hooks: outbound::HttpHooks::new(outbound),
            key_value,
            table: ResourceTable::new(),
            limits,
            tag,
            deadline,
            stream_idle_timeout: settings.stream_idle_timeout,
        })
    }

    /// Who this store runs for.
    pub fn tag(&self) -> &GuestTag {
        &self.tag
    }

    /// Marks the store as serving the request `id` alone (`None` while it serves several):
    /// its outbound calls belong to that request unless they name another.
    pub fn set_serving(&mut self, id: Option<&str>) {
        self.http_hooks.serving = id.map(Arc::from);
    }

    /// The resources the guest holds handles to.
    pub fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

impl WasiView for GuestState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for GuestState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_hooks,
        }
    }
}

/// The linker every component of an engine is instantiated with.
pub fn linker(engine: &Engine) -> Result<Linker<GuestState>> {
    let mut linker = Linker::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi::p3::add_to_linker(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p3::add_to_linker(&mut linker)?;
    bindings::Service::add_to_linker::<GuestState, HasSelf<GuestState>>(&mut linker, |state| {
        state
    })?;
    Ok(linker)
}
