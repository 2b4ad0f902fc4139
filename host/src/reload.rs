//! Hot reload: watch the manifest and every component file; on a change, load the app again off
//! the request path — only changed components are compiled and described, through the cache —
//! check it whole (routes, dependency graph), and swap it in atomically. A version that fails
//! any step is logged and the running one keeps serving; requests in flight finish on the
//! version they started on.

use crate::app::App;
use crate::builder;
use crate::loader::{LoadedComponent, Loader};
use crate::manifest::{MANIFEST_FILE, Manifest};
use crate::server::Server;
use crate::settings::Settings;
use anyhow::{Context, Result};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How long the files must stay quiet before a reload: a build that writes in several chunks,
/// or a delete followed by a create, becomes one reload of the finished file.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// What to watch besides the component files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `serve --watch`: the manifest and the component files.
    Watch,
    /// `dev`: also the app's sources; a change runs the build commands first.
    Dev,
}

/// Keeps the served app in step with the files.
pub struct Reloader {
    app_dir: PathBuf,
    loader: Arc<Loader>,
    server: Arc<Server>,
    manifest: Manifest,
    /// The `[server]` table as the file had it, to notice edits that need a restart.
    file_settings: Settings,
    /// `--override` flags, applied over the manifest's `[overrides]` on every reload.
    cli_overrides: BTreeMap<String, String>,
    loaded: HashMap<String, Arc<LoadedComponent>>,
}

impl Reloader {
    /// A reloader for the app `server` serves, as loaded from `manifest`.
    pub fn new(
        app_dir: PathBuf,
        loader: Arc<Loader>,
        server: Arc<Server>,
        manifest: Manifest,
        file_settings: Settings,
        cli_overrides: BTreeMap<String, String>,
    ) -> Self {
        let loaded = by_name(&server.app());
        Self {
            // Watch events carry absolute paths: compare them against the resolved folder.
            app_dir: std::fs::canonicalize(&app_dir).unwrap_or(app_dir),
            loader,
            server,
            manifest,
            file_settings,
            cli_overrides,
            loaded,
        }
    }

    /// Loads the app again and swaps it in; on any error, logs it and keeps the running app.
    pub async fn reload(&mut self, reason: &str) -> bool {
        let started = Instant::now();
        match self.try_reload().await {
            Ok(summary) => {
                tracing::info!(target: "reload", %reason, "reloaded in {:.2?}: {summary}", started.elapsed());
                true
            }
            Err(err) => {
                tracing::error!(target: "reload", %reason,
                    "reload failed, still serving the previous version: {err:#}");
                false
            }
        }
    }

    async fn try_reload(&mut self) -> Result<String> {
        let mut manifest = Manifest::load(&self.app_dir)?;
        // Limits shape the engine and the pools: they change on restart only.
        if manifest.settings != self.file_settings {
            tracing::warn!(target: "reload", "[server] settings change on restart; keeping the running ones");
            self.file_settings = manifest.settings.clone();
        }
        manifest.settings = self.manifest.settings.clone();
        manifest.overrides.extend(self.cli_overrides.clone());
        let compile_started = Instant::now();
        let mut components = Vec::with_capacity(manifest.components.len());
        let mut changes = Vec::new();
        for spec in &manifest.components {
            let previous = self.loaded.get(&spec.name);
            let component = self.loader.load_component(spec, previous).await?;
            match previous {
                Some(previous) if Arc::ptr_eq(previous, &component) => {}
                Some(previous) => changes.push(format!(
                    "{} {} -> {}",
                    spec.name,
                    previous.version(),
                    component.version()
                )),
                None => changes.push(format!("{} added ({})", spec.name, component.version())),
            }
            components.push(component);
        }
        for name in self.loaded.keys() {
            if !manifest.components.iter().any(|spec| &spec.name == name) {
                changes.push(format!("{name} removed"));
            }
        }
        let compile = compile_started.elapsed();
        let app = App::build(&manifest, components)?;
        let swap_started = Instant::now();
        let loaded = by_name(&app);
        self.server.swap(app);
        let swap = swap_started.elapsed();
        self.loaded = loaded;
        self.manifest = manifest;
        if changes.is_empty() {
            changes.push("no component changed".into());
        }
        Ok(format!(
            "{} (load {compile:.2?}, swap {swap:.2?})",
            changes.join(", ")
        ))
    }

    /// The files whose changes matter: the manifest and each component file.
    fn watched_files(&self) -> BTreeSet<PathBuf> {
        let mut files = BTreeSet::new();
        files.insert(canonical(&self.app_dir.join(MANIFEST_FILE)));
        for spec in &self.manifest.components {
            files.insert(canonical(&spec.wasm));
        }
        files
    }

    /// Reloads on SIGHUP and, with a `mode`, when the watched files change; runs until the
    /// process ends.
    ///
    /// The watches are in place when this returns, so no change made after it is missed; the
    /// returned future does the reloading.
    pub fn start(mut self, mode: Option<Mode>) -> Result<impl Future<Output = ()>> {
        let (tx, mut rx) = mpsc::unbounded_channel::<PathBuf>();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event
                    && !event.kind.is_access()
                {
                    for path in event.paths {
                        let _ = tx.send(path);
                    }
                }
            })
            .context("cannot watch the app's files")?;
        let mut watched_dirs = BTreeSet::new();
        if mode.is_some() {
            self.watch_dirs(&mut watcher, &mut watched_dirs);
            tracing::info!(target: "reload", "watching {} files for changes", self.watched_files().len());
        }
        if mode == Some(Mode::Dev) {
            watcher
                .watch(&self.app_dir, RecursiveMode::Recursive)
                .context("cannot watch the app folder")?;
            tracing::info!(target: "reload", "watching the sources in {}", self.app_dir.display());
        }
        let mut hangup = hangup_signal()?;
        Ok(async move {
            // The watcher lives as long as the loop.
            let mut watcher = watcher;
            loop {
                let mut changed = tokio::select! {
                    Some(path) = rx.recv() => vec![path],
                    Some(()) = hangup.recv() => {
                        self.reload("SIGHUP").await;
                        continue;
                    }
                    else => return,
                };
                // Wait for quiet, collecting every path that changed meanwhile.
                while let Ok(Some(path)) = tokio::time::timeout(DEBOUNCE, rx.recv()).await {
                    changed.push(path);
                }
                let files = self.watched_files();
                let artifact_changed = changed.iter().any(|path| files.contains(&canonical(path)));
                let source_changed = mode == Some(Mode::Dev)
                    && changed.iter().any(|path| {
                        let relative = path.strip_prefix(&self.app_dir).unwrap_or(path);
                        is_source(relative) && !files.contains(&canonical(path))
                    });
                if source_changed {
                    // The build writes the component files; their events bring the reload.
                    if let Err(err) = builder::run_builds(&self.manifest).await {
                        tracing::error!(target: "reload", "build failed, still serving the previous version: {err:#}");
                    }
                    continue;
                }
                if artifact_changed {
                    self.reload("files changed").await;
                    self.watch_dirs(&mut watcher, &mut watched_dirs);
                }
            }
        })
    }

    /// Watches the folder of each watched file: replacing a file by rename, or deleting and
    /// recreating it, is seen there, where a watch on the file itself would be lost.
    fn watch_dirs(&self, watcher: &mut RecommendedWatcher, watched: &mut BTreeSet<PathBuf>) {
        for file in self.watched_files() {
            let Some(dir) = file.parent().map(Path::to_path_buf) else {
                continue;
            };
            if watched.contains(&dir) {
                continue;
            }
            match watcher.watch(&dir, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    watched.insert(dir);
                }
                Err(err) => {
                    tracing::warn!(target: "reload", "cannot watch {}: {err}", dir.display())
                }
            }
        }
    }
}

/// An app's components by name: what the next reload compares against.
fn by_name(app: &App) -> HashMap<String, Arc<LoadedComponent>> {
    app.components
        .iter()
        .map(|component| (component.spec.name.clone(), component.clone()))
        .collect()
}

/// A path with its folder resolved, so that `a/../b/x.wasm` and `b/x.wasm` compare equal even
/// while the file itself is missing.
fn canonical(path: &Path) -> PathBuf {
    match (path.parent(), path.file_name()) {
        (Some(dir), Some(name)) => std::fs::canonicalize(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })
        .map(|dir| dir.join(name))
        .unwrap_or_else(|_| path.to_path_buf()),
        _ => path.to_path_buf(),
    }
}

/// Whether a changed path, relative to the app folder, is source worth a rebuild (not build
/// output: cargo's `target`, the `build` folder the Python, JavaScript and C examples write,
/// Python's byte-code caches, installed toolchains and packages).
fn is_source(path: &Path) -> bool {
    const NOT_SOURCE: [&str; 6] = [
        "target",
        "build",
        "__pycache__",
        ".git",
        ".fastwasm",
        "node_modules",
    ];
    !path
        .components()
        .any(|c| NOT_SOURCE.iter().any(|name| c.as_os_str() == *name)) && path.extension().is_none_or(|ext| ext != "wasm")
        // Builds write the lock file themselves; reacting to it would rebuild in a loop.
        && path.file_name().is_none_or(|name| name != "Cargo.lock")
}

fn hangup_signal() -> Result<mpsc::Receiver<()>> {
    let (tx, rx) = mpsc::channel(1);
    #[cfg(unix)]
    {
        let mut signal = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
            .context("cannot listen for SIGHUP")?;
        tokio::spawn(async move {
            while signal.recv().await.is_some() {
                let _ = tx.try_send(());
            }
        });
    }
    #[cfg(not(unix))]
    drop(tx);
    Ok(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_output_is_not_source() {
        for source in [
            "src/lib.rs",
            "main.py",
            "app.js",
            "src/operations.c",
            "fastwasm.toml",
        ] {
            assert!(is_source(Path::new(source)), "{source}");
        }
        for output in [
            "target/wasm32-wasip2/release/app.wasm",
            "build/app.js",
            "build/bindings/sync_service.h",
            "__pycache__/main.cpython-312.pyc",
            "Cargo.lock",
            "app.wasm",
        ] {
            assert!(!is_source(Path::new(output)), "{output}");
        }
    }
}
