//! The on-disk compile cache: a component is compiled once per content and engine
//! configuration, and later starts load the machine code in milliseconds.

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where a component's machine code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Loaded from the cache.
    Cached,
    /// Compiled now (and written to the cache).
    Compiled,
}

/// A folder of precompiled components keyed by content hash and engine.
#[derive(Debug, Clone)]
pub struct CompileCache {
    dir: PathBuf,
    engine_key: String,
}

impl CompileCache {
    /// A cache in `dir` for components compiled by `engine`.
    pub fn new(dir: PathBuf, engine: &Engine) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        Self {
            dir,
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    /// The component for `bytes`, from the cache when present, else compiled and stored.
    /// A cache that cannot be read or written costs a compile, never a failure.
    pub fn load(&self, engine: &Engine, bytes: &[u8], digest: &str) -> Result<(Component, Origin)> {
        let path = self.dir.join(format!("{digest}-{}.cwasm", self.engine_key));
        if path.exists() {
            // SAFETY: the file is one this cache wrote with `Component::serialize` for an engine
            // with the same compatibility hash; wasmtime checks its header and version again.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, Origin::Cached)),
                Err(err) => tracing::warn!(
                    cache = %path.display(),
                    "ignoring an unreadable compile-cache entry: {err:#}"
                ),
            }
        }
        let component = Component::new(engine, bytes).map_err(anyhow::Error::from)?;
        if let Err(err) = self.store(&path, &component) {
            tracing::warn!(cache = %self.dir.display(), "cannot write the compile cache: {err:#}");
        }
        Ok((component, Origin::Compiled))
    }

    fn store(&self, path: &Path, component: &Component) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("cannot create {}", self.dir.display()))?;
        let code = component.serialize().map_err(anyhow::Error::from)?;
        // Write then rename, so a concurrent reader never sees half a file.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, code)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }
}

/// The hex SHA-256 of a component's bytes: its cache key and the version the logs show.
pub fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    hash.iter().map(|byte| format!("{byte:02x}")).collect()
}
