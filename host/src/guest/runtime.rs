//! The guest runtime: what every component of a running host shares — the engine, the linker
//! with the guest's capabilities, the compile cache, the instance budget and the blocking pool
//! — and loading: read a component, compile it (or take it from the cache), link it, and ask it
//! to `describe` itself.

use super::bindings::types;
use super::budget::{Budget, MemoryBudget};
use super::cache::{self, CompileCache, Origin};
use super::call::{Call, CallError, Deadline, Reply};
use super::capabilities::key_value::{KeyValue, StoreSet};
use super::capabilities::outbound::{Outbound, OutboundHost, RequestScopes};
use super::capabilities::{self, GuestState};
use super::compiler;
use super::component::Component;
use super::engine;
use super::exports::{Binding, Exports, Kind};
use super::instance::{self, Prepared, Shares};
use super::pool::{BlockingPool, Priority};
use super::standard::{Standard, StandardExports, standard_world};
use crate::config::{ComponentSpec, Settings, Stores};
use crate::telemetry::Metrics;
use crate::telemetry::metrics::Reuse;
use anyhow::{Context, Result, anyhow, bail};
use std::sync::Arc;
use std::time::Instant;
use wasmtime::Engine;
use wasmtime::component::{InstancePre, Linker};

/// The engine, linker, cache, budget and pool of a host.
pub struct Runtime {
    engine: Engine,
    linker: Linker<GuestState>,
    cache: CompileCache,
    settings: Settings,
    budget: Arc<Budget>,
    memory: Arc<MemoryBudget>,
    pool: BlockingPool,
    outbound: OutboundHost,
    /// The app's key-value stores, open across reloads.
    stores: Arc<StoreSet>,
    /// One clone per open WebSocket session.
    websockets: Arc<()>,
    /// The process's metrics, which every layer records into.
    metrics: Arc<Metrics>,
}

impl Runtime {
    /// A runtime under `settings` (checked) with the app's `stores`; starts the engine's epoch
    /// ticker.
    pub fn new(settings: Settings, stores: &Stores) -> Result<Self> {
        let engine = engine::build(&settings)?;
        let linker = capabilities::linker(&engine)?;
        let cache_dir = settings.cache_dir().map_err(|err| anyhow!(err))?;
        let metrics = Arc::new(Metrics::new());
        let pool_figures = metrics.sync_pool(settings.sync_workers);
        Ok(Self {
            cache: CompileCache::open(cache_dir, &engine)?,
            budget: Budget::new(settings.max_instances),
            memory: MemoryBudget::new(settings.memory_budget_bytes),
            pool: BlockingPool::new(settings.sync_workers, settings.sync_queue, pool_figures),
            outbound: OutboundHost::new(&settings)?,
            stores: StoreSet::new(stores),
            engine,
            linker,
            settings,
            websockets: Arc::new(()),
            metrics,
        })
    }

    /// A token an open WebSocket session holds, so that shutdown can wait for them to close.
    pub fn websocket_token(&self) -> Arc<()> {
        self.websockets.clone()
    }

    /// Waits until every WebSocket session has closed, for up to `grace`.
    pub async fn websockets_closed(&self, grace: std::time::Duration) {
        let until = tokio::time::Instant::now() + grace;
        while Arc::strong_count(&self.websockets) > 1 && tokio::time::Instant::now() < until {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The settings the runtime was built with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The requests in flight whose outbound calls end with them.
    pub fn request_scopes(&self) -> &Arc<RequestScopes> {
        self.outbound.scopes()
    }

    /// The key-value stores as the runtime opened them: a reload that defines others takes
    /// effect on restart.
    pub fn stores(&self) -> Stores {
        self.stores.definitions()
    }

    /// The process's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The blocking pool sync exports run on.
    pub fn pool(&self) -> &BlockingPool {
        &self.pool
    }

    /// Loads the component `spec` names. When `previous` was loaded from the same bytes and
    /// the same manifest entry, it is returned as is: no compile, no describe, warm instances
    /// kept.
    pub async fn load(
        &self,
        spec: &ComponentSpec,
        previous: Option<&Arc<Component>>,
    ) -> Result<Arc<Component>> {
        let context = || format!("component `{}` ({})", spec.name, spec.wasm.display());
        let bytes = read_component(&spec.wasm, self.settings.max_component_bytes)
            .await
            .with_context(context)?;
        let digest = cache::digest(&bytes);
        if let Some(previous) = previous.filter(|p| p.digest == digest && p.spec == *spec) {
            return Ok(previous.clone());
        }
        self.compile_and_describe(spec, bytes, digest)
            .await
            .map(Arc::new)
            .with_context(context)
    }

    async fn compile_and_describe(
        &self,
        spec: &ComponentSpec,
        bytes: Vec<u8>,
        digest: String,
    ) -> Result<Component> {
        check_header(&bytes)?;
        let started = Instant::now();
        let (code, origin) = match self.cache.get(&digest) {
            Some(code) => (code, Origin::Cached),
            None => {
                let code = compiler::compile(&self.settings, bytes)
                    .await
                    .context("not a valid WebAssembly component")?;
                if let Err(err) = self.cache.put(&digest, &code) {
                    tracing::warn!("cannot write the compile cache: {err:#}");
                }
                (code, Origin::Compiled)
            }
        };
        let engine = self.engine.clone();
        // Loading a large component's code is milliseconds: keep it off the async workers.
        let component = tokio::task::spawn_blocking(move || {
            // SAFETY: `code` is what this binary's compiler process wrote for an engine of
            // this configuration, or what the cache holds with a MAC only this cache could
            // make; wasmtime checks its header and version again.
            unsafe { wasmtime::component::Component::deserialize(&engine, &code) }
        })
        .await?
        .map_err(anyhow::Error::from)
        .context("cannot load the compiled component")?;
        let version = &digest[..12];
        match origin {
            Origin::Compiled => tracing::info!(
                component = %spec.name, %version,
                "compiled in {:.2?} and cached", started.elapsed()
            ),
            Origin::Cached => tracing::info!(
                component = %spec.name, %version,
                "loaded from the compile cache in {:.2?}", started.elapsed()
            ),
        }
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .context("the component imports something fastwasm does not provide")?;
        if spec.world.is_standard() {
            let exports = StandardExports::new(&pre, spec.world)?;
            let standard = Standard::new(Arc::new(self.prepare(spec, pre, exports)?));
            return Ok(Component::standard(spec.clone(), digest, standard));
        }
        let exports = Exports::new(&pre).map_err(|error| match standard_world(&pre) {
            Some(world) => anyhow!(
                "it is a standard wasi:http component, not one built with a fastwasm guest SDK: \
                 serve it with `world = \"{}\"` and a `prefix` in its manifest entry",
                world.as_str()
            ),
            None => error,
        })?;
        let prepared = Arc::new(self.prepare(spec, pre, exports)?);
        let info = self.describe(&prepared).await?;
        Ok(Component::new(spec.clone(), digest, info, prepared))
    }

    /// The component `spec` names, linked as `pre`, ready to instantiate with `exports`.
    fn prepare<E: Binding>(
        &self,
        spec: &ComponentSpec,
        pre: InstancePre<GuestState>,
        exports: E,
    ) -> Result<Prepared<E>> {
        Ok(Prepared::new(
            self.engine.clone(),
            self.settings.clone(),
            spec.clone(),
            pre,
            exports,
            self.shares(spec)?,
        ))
    }

    /// What the instances of the component `spec` names draw on.
    fn shares(&self, spec: &ComponentSpec) -> Result<Shares> {
        Ok(Shares {
            budget: self.budget.clone(),
            memory: self.memory.clone(),
            figures: self.metrics.instances(&spec.name),
            outbound: Outbound::new(
                &spec.name,
                spec.grants.outbound.clone(),
                &self.settings,
                self.outbound.clone(),
                self.metrics.clone(),
            ),
            key_value: KeyValue::new(
                &spec.name,
                &spec.grants.key_value_stores,
                &self.stores,
                &self.settings,
            )?,
        })
    }

    /// Asks a fresh instance what the component declares, on the blocking pool.
    async fn describe(&self, prepared: &Arc<Prepared>) -> Result<types::AppInfo> {
        let deadline = Deadline::after(self.settings.request_timeout);
        let failed = |error: CallError| match error {
            CallError::Timeout => anyhow!(
                "`describe` did not return within {:?}",
                self.settings.request_timeout
            ),
            CallError::Overloaded(shortage) => anyhow!("`describe` could not run: {shortage}"),
            CallError::Guest(err) => anyhow::Error::from(err).context("`describe` failed"),
        };
        let mut slot = Some(
            prepared
                .instantiate_for_load(deadline)
                .await
                .map_err(failed)?,
        );
        let reply = instance::run_one(
            Kind::Sync,
            prepared,
            &mut slot,
            Reuse::Load,
            "describe",
            Call::Describe,
            deadline,
            &self.pool,
            Priority::Always,
        )
        .await;
        match reply.map_err(failed)? {
            Reply::Described(info) => Ok(info),
            other => bail!("`describe` answered {other:?}"),
        }
    }
}

/// The component file's bytes, refusing one larger than `limit` before reading it.
async fn read_component(path: &std::path::Path, limit: u64) -> Result<Vec<u8>> {
    let missing = |err: std::io::Error| {
        anyhow!("cannot read the component file: {err}; has it been built (`fastwasm build`)?")
    };
    let size = tokio::fs::metadata(path).await.map_err(missing)?.len();
    if size > limit {
        bail!("the component file is {size} bytes, more than `max_component_bytes` ({limit})");
    }
    tokio::fs::read(path).await.map_err(missing)
}

/// A clear word for the usual mistakes: a core module, or not wasm at all.
fn check_header(bytes: &[u8]) -> Result<()> {
    const MAGIC: &[u8] = b"\0asm";
    if bytes.len() < 8 || &bytes[..4] != MAGIC {
        bail!("the file is not WebAssembly (no `\\0asm` header)");
    }
    if bytes[4..8] == [1, 0, 0, 0] {
        bail!(
            "the file is a core wasm module, not a component; build for `wasm32-wasip2` \
             (or wrap it with `wasm-tools component new`)"
        );
    }
    Ok(())
}
