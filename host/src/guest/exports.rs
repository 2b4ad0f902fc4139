//! Which `fastwasm:app` interfaces a component exports, looked up once when it is linked, and
//! bound to each instance when it starts.

use super::bindings::{
    async_handler, async_provider, handler, metadata, provider, websocket_handler,
};
use super::capabilities::GuestState;
use anyhow::{Result, anyhow, bail};
use wasmtime::Store;
use wasmtime::component::{Instance, InstancePre};

/// How an export runs, as FastAPI runs `def` and `async def`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `fn`/`def`: on the bounded blocking pool, one call at a time per instance.
    Sync,
    /// `async fn`/`async def`: awaited as a future, many at once per instance.
    Async,
    /// A `def` body behind `async def` dependencies: the async export, awaited on the blocking
    /// pool with the instance to itself, because the body blocks whatever runs it.
    Blocking,
}

impl Kind {
    /// The word `routes` and the logs use: a blocking operation is a `def` to its author.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sync | Kind::Blocking => "sync",
            Kind::Async => "async",
        }
    }

    /// Whether the async export serves it.
    pub fn awaits(self) -> bool {
        matches!(self, Kind::Async | Kind::Blocking)
    }
}

/// What an export serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Path operations (`handler`, `async-handler`).
    Handler,
    /// Dependency providers (`provider`, `async-provider`).
    Provider,
    /// WebSocket operations (`websocket-handler`, async only).
    WebSocket,
}

impl Role {
    /// The WIT interface that serves this role with `kind`.
    pub fn interface(self, kind: Kind) -> &'static str {
        match (self, kind.awaits()) {
            (Role::Handler, false) => "fastwasm:app/handler",
            (Role::Handler, true) => "fastwasm:app/async-handler",
            (Role::Provider, false) => "fastwasm:app/provider",
            (Role::Provider, true) => "fastwasm:app/async-provider",
            (Role::WebSocket, _) => "fastwasm:app/websocket-handler",
        }
    }
}

/// How a component's exports are found once when it is linked and bound to each instance.
pub trait Binding: Send + Sync + 'static {
    /// The exports of one instance, ready to call.
    type Bound: Send + 'static;

    /// The exports of `instance`.
    fn bind(
        &self,
        store: &mut Store<GuestState>,
        instance: &Instance,
    ) -> wasmtime::Result<Self::Bound>;
}

/// A component's exports, by index into its linked form.
#[derive(Clone)]
pub struct Exports {
    metadata: metadata::GuestIndices,
    handler: Option<handler::GuestIndices>,
    async_handler: Option<async_handler::GuestIndices>,
    provider: Option<provider::GuestIndices>,
    async_provider: Option<async_provider::GuestIndices>,
    websocket_handler: Option<websocket_handler::GuestIndices>,
}

impl Exports {
    /// Looks the exports up; a component without `metadata`, or with nothing to serve, is
    /// refused with what it lacks.
    pub fn new(pre: &InstancePre<GuestState>) -> Result<Self> {
        let metadata = metadata::GuestIndices::new(pre).map_err(|_| {
            anyhow!(
                "it does not export `fastwasm:app/metadata`; build it with a fastwasm guest SDK"
            )
        })?;
        let exports = Self {
            metadata,
            handler: handler::GuestIndices::new(pre).ok(),
            async_handler: async_handler::GuestIndices::new(pre).ok(),
            provider: provider::GuestIndices::new(pre).ok(),
            async_provider: async_provider::GuestIndices::new(pre).ok(),
            websocket_handler: websocket_handler::GuestIndices::new(pre).ok(),
        };
        let serves = [Role::Handler, Role::Provider, Role::WebSocket]
            .into_iter()
            .any(|role| {
                [Kind::Sync, Kind::Async]
                    .into_iter()
                    .any(|k| exports.has(role, k))
            });
        if !serves {
            bail!(
                "it exports none of `fastwasm:app/handler`, `async-handler`, `provider`, \
                 `async-provider` or `websocket-handler`"
            );
        }
        Ok(exports)
    }

    /// Whether the component exports the interface for `role` and `kind`.
    pub fn has(&self, role: Role, kind: Kind) -> bool {
        match (role, kind) {
            (Role::Handler, Kind::Sync) => self.handler.is_some(),
            (Role::Handler, Kind::Async | Kind::Blocking) => self.async_handler.is_some(),
            (Role::Provider, Kind::Sync) => self.provider.is_some(),
            (Role::Provider, Kind::Async | Kind::Blocking) => self.async_provider.is_some(),
            (Role::WebSocket, Kind::Async) => self.websocket_handler.is_some(),
            (Role::WebSocket, Kind::Sync | Kind::Blocking) => false,
        }
    }
}

impl Binding for Exports {
    type Bound = Bound;

    fn bind(&self, store: &mut Store<GuestState>, instance: &Instance) -> wasmtime::Result<Bound> {
        let mut store = &mut *store;
        Ok(Bound {
            metadata: self.metadata.load(&mut store, instance)?,
            handler: bind(&self.handler, |i| i.load(&mut store, instance))?,
            async_handler: bind(&self.async_handler, |i| i.load(&mut store, instance))?,
            provider: bind(&self.provider, |i| i.load(&mut store, instance))?,
            async_provider: bind(&self.async_provider, |i| i.load(&mut store, instance))?,
            websocket_handler: bind(&self.websocket_handler, |i| i.load(&mut store, instance))?,
        })
    }
}

fn bind<I, G>(
    indices: &Option<I>,
    load: impl FnOnce(&I) -> wasmtime::Result<G>,
) -> wasmtime::Result<Option<G>> {
    indices.as_ref().map(load).transpose()
}

/// The exports of one instance.
pub struct Bound {
    pub(super) metadata: metadata::Guest,
    handler: Option<handler::Guest>,
    async_handler: Option<async_handler::Guest>,
    provider: Option<provider::Guest>,
    async_provider: Option<async_provider::Guest>,
    websocket_handler: Option<websocket_handler::Guest>,
}

impl Bound {
    pub(super) fn handler(&self) -> wasmtime::Result<&handler::Guest> {
        present(&self.handler, Role::Handler, Kind::Sync)
    }

    pub(super) fn async_handler(&self) -> wasmtime::Result<&async_handler::Guest> {
        present(&self.async_handler, Role::Handler, Kind::Async)
    }

    pub(super) fn provider(&self) -> wasmtime::Result<&provider::Guest> {
        present(&self.provider, Role::Provider, Kind::Sync)
    }

    pub(super) fn async_provider(&self) -> wasmtime::Result<&async_provider::Guest> {
        present(&self.async_provider, Role::Provider, Kind::Async)
    }

    pub(super) fn websocket_handler(&self) -> wasmtime::Result<&websocket_handler::Guest> {
        present(&self.websocket_handler, Role::WebSocket, Kind::Async)
    }
}

/// An export the load check promised; its absence is the host's mistake, reported as one.
fn present<G>(export: &Option<G>, role: Role, kind: Kind) -> wasmtime::Result<&G> {
    export.as_ref().ok_or_else(|| {
        wasmtime::format_err!("the component does not export `{}`", role.interface(kind))
    })
}
