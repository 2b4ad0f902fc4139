//! Loading: read a component, compile it (or take it from the cache), pre-instantiate it against
//! the host's imports, ask it to `describe` itself, and check what it declares.

use crate::app::App;
use crate::bindings::{async_handler, async_provider, handler, metadata, provider, types};
use crate::cache::{self, CompileCache, Origin};
use crate::capabilities::{self, GuestState};
use crate::executor::{self, Deadline};
use crate::instances::{PooledInstances, SharedInstances};
use crate::manifest::{ComponentSpec, Isolation, Manifest};
use crate::settings::Settings;
use anyhow::{Context, Result, anyhow, bail};
use std::sync::Arc;
use std::time::Instant;
use wasmtime::Engine;
use wasmtime::component::{InstancePre, Linker};

/// A component ready to serve: compiled, linked, and described.
pub struct LoadedComponent {
    /// The manifest entry it was loaded from.
    pub spec: ComponentSpec,
    /// SHA-256 of the `.wasm`: the version the logs show.
    pub digest: String,
    /// Compiled and linked, ready to instantiate per call.
    pub pre: InstancePre<GuestState>,
    /// Present when the component exports `handler` (sync operations).
    pub handler: Option<handler::GuestIndices>,
    /// Present when the component exports `async-handler` (async operations).
    pub async_handler: Option<async_handler::GuestIndices>,
    /// Present when the component exports `provider` (sync dependency providers).
    pub provider: Option<provider::GuestIndices>,
    /// Present when the component exports `async-provider` (async dependency providers).
    pub async_provider: Option<async_provider::GuestIndices>,
    /// What `describe` returned.
    pub info: types::AppInfo,
    /// The instances async operations share, unless the component asks for `isolation = "request"`.
    pub shared: Option<SharedInstances>,
    /// The idle instances sync operations reuse, unless the component asks for `isolation = "request"`.
    pub pooled: Option<PooledInstances>,
}

impl LoadedComponent {
    /// The first 12 hex digits of the digest, for log lines.
    pub fn version(&self) -> &str {
        &self.digest[..12]
    }
}

/// Turns manifests into apps. Holds what every load shares: engine, linker, compile cache.
pub struct Loader {
    engine: Engine,
    linker: Linker<GuestState>,
    cache: CompileCache,
    settings: Settings,
}

impl Loader {
    /// A loader for components run by `engine` under `settings`.
    pub fn new(engine: Engine, settings: Settings) -> Result<Self> {
        let linker = capabilities::linker(&engine)?;
        let cache = CompileCache::new(settings.cache_dir(), &engine);
        Ok(Self {
            engine,
            linker,
            cache,
            settings,
        })
    }

    /// The engine components are compiled for.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Loads every component of the manifest and checks the whole app (routes, ids).
    pub async fn load_app(&self, manifest: &Manifest) -> Result<App> {
        let mut components = Vec::with_capacity(manifest.components.len());
        for spec in &manifest.components {
            components.push(self.load_component(spec, None).await?);
        }
        App::build(manifest, components)
    }

    /// Loads one component; `previous` is returned as is when neither its file nor its manifest
    /// entry changed, so a reload recompiles and re-describes only what changed. Errors name the
    /// component and its file.
    pub async fn load_component(
        &self,
        spec: &ComponentSpec,
        previous: Option<&Arc<LoadedComponent>>,
    ) -> Result<Arc<LoadedComponent>> {
        let context = || format!("component `{}` ({})", spec.name, spec.wasm.display());
        let bytes = tokio::fs::read(&spec.wasm)
            .await
            .map_err(|err| {
                anyhow!(
                    "cannot read the component file: {err}; has it been built (`fastwasm build`)?"
                )
            })
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
    ) -> Result<LoadedComponent> {
        check_header(&bytes)?;
        let started = Instant::now();
        let (engine, cache, key) = (self.engine.clone(), self.cache.clone(), digest.clone());
        // Compiling is seconds of CPU for a large component: keep it off the async workers.
        let (component, origin) =
            tokio::task::spawn_blocking(move || cache.load(&engine, &bytes, &key))
                .await?
                .context("not a valid WebAssembly component")?;
        match origin {
            Origin::Compiled => tracing::info!(
                component = %spec.name, version = %&digest[..12],
                "compiled in {:.2?} and cached", started.elapsed()
            ),
            Origin::Cached => tracing::info!(
                component = %spec.name, version = %&digest[..12],
                "loaded from the compile cache in {:.2?}", started.elapsed()
            ),
        }
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .context("the component imports something fastwasm does not provide")?;
        let metadata = metadata::GuestIndices::new(&pre).map_err(|_| {
            anyhow!(
                "it does not export `fastwasm:app/metadata`; build it with a fastwasm guest SDK"
            )
        })?;
        let handler = handler::GuestIndices::new(&pre).ok();
        let async_handler = async_handler::GuestIndices::new(&pre).ok();
        let provider = provider::GuestIndices::new(&pre).ok();
        let async_provider = async_provider::GuestIndices::new(&pre).ok();
        if handler.is_none()
            && async_handler.is_none()
            && provider.is_none()
            && async_provider.is_none()
        {
            bail!(
                "it exports none of `fastwasm:app/handler`, `async-handler`, `provider` or \
                 `async-provider`"
            );
        }
        let info = self.describe(spec, &pre, &metadata).await?;
        let reuse = spec.isolation == Isolation::Instance;
        let pooled = handler.clone().filter(|_| reuse).map(|indices| {
            PooledInstances::new(
                self.engine.clone(),
                self.settings.clone(),
                spec.clone(),
                pre.clone(),
                indices,
            )
        });
        let shared = async_handler.clone().filter(|_| reuse).map(|indices| {
            SharedInstances::new(
                self.engine.clone(),
                self.settings.clone(),
                spec.clone(),
                pre.clone(),
                indices,
            )
        });
        Ok(LoadedComponent {
            spec: spec.clone(),
            digest,
            pre,
            handler,
            async_handler,
            provider,
            async_provider,
            info,
            shared,
            pooled,
        })
    }

    async fn describe(
        &self,
        spec: &ComponentSpec,
        pre: &InstancePre<GuestState>,
        metadata: &metadata::GuestIndices,
    ) -> Result<types::AppInfo> {
        let deadline = Deadline::after(self.settings.request_timeout);
        let call = async {
            let executor::Live {
                mut store,
                instance,
            } = executor::instantiate(
                &self.engine,
                spec,
                &self.settings,
                pre,
                "describe",
                deadline,
            )
            .await?;
            let guest = metadata.load(&mut store, &instance)?;
            guest.call_describe(&mut store).await
        };
        match tokio::time::timeout_at(deadline.instant(), call).await {
            Ok(result) => result
                .map_err(anyhow::Error::from)
                .context("`describe` failed"),
            Err(_) => bail!(
                "`describe` did not return within {:?}",
                self.settings.request_timeout
            ),
        }
    }
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
