//! Hot reload: watch the manifest and every component file; on a change, load the app again off
//! the request path — only changed components are compiled and described, through the cache —
//! check it whole (routes, dependency graph), and swap it in atomically. A version that fails
//! any step is logged and the running one keeps serving; requests in flight finish on the
//! version they started on.
//!
//! File events are sorted where they arrive, on the watcher's own thread: build output is
//! dropped there, and what matters only sets a flag, so a storm of events (a build writing
//! thousands of files) costs no memory and never reaches the runtime's threads. Reading the
//! manifest and resolving paths happen on the blocking pool.

use crate::app::App;
use crate::build;
use crate::config::{MANIFEST_FILE, Manifest, SettingFlags, Settings};
use crate::guest::{Component, Runtime};
use crate::http::Server;
use anyhow::{Context, Result};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};

/// How long the files must stay quiet before a reload: a build that writes in several chunks,
/// or a delete followed by a create, becomes one reload of the finished file.
pub const DEBOUNCE: Duration = Duration::from_millis(250);

/// Folders whose changes are never source: build output, caches, installed packages.
const NOT_SOURCE: [&str; 6] = [
    "target",
    "build",
    "__pycache__",
    ".git",
    ".fastwasm",
    "node_modules",
];

/// What to watch besides the component files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `serve --watch`: the manifest and the component files.
    Watch,
    /// `dev`: also the app's sources; a change runs the build commands first.
    Dev,
}

/// How the app was started: what every reload applies over the files again.
pub struct Launch {
    /// The `--…` settings flags.
    pub flags: SettingFlags,
    /// The `--override` flags, applied over the manifest's `[overrides]`.
    pub overrides: BTreeMap<String, String>,
    /// The `--store` flags, applied over the manifest's `[store.*]`.
    pub stores: Vec<(String, String)>,
}

/// Keeps the served app in step with the files.
pub struct Reloader {
    app_dir: PathBuf,
    runtime: Arc<Runtime>,
    server: Arc<Server>,
    manifest: Manifest,
    /// The `[server]` table as the file had it, to notice edits that need a restart.
    file_settings: Settings,
    launch: Launch,
    loaded: HashMap<String, Arc<Component>>,
    events: Arc<Events>,
}

/// What the watcher saw since the last look, and the files it matches events against.
#[derive(Default)]
struct Events {
    seen: Mutex<Seen>,
    /// The manifest and component files, folder resolved.
    watched: Mutex<BTreeSet<PathBuf>>,
    arrived: Notify,
}

#[derive(Default)]
struct Seen {
    /// A watched file changed: reload.
    artifact: bool,
    /// In `dev`, a source file changed: build.
    source: bool,
}

impl Reloader {
    /// A reloader for the app `server` serves, as loaded from `manifest` (whose settings are
    /// the file's, `file_settings`, with `launch`'s flags over them).
    pub fn new(
        runtime: Arc<Runtime>,
        server: Arc<Server>,
        manifest: Manifest,
        file_settings: Settings,
        launch: Launch,
    ) -> Self {
        let loaded = server.app().components_by_name();
        let app_dir = manifest.root.clone();
        Self {
            // Watch events carry absolute paths: compare them against the resolved folder.
            app_dir: std::fs::canonicalize(&app_dir).unwrap_or(app_dir),
            runtime,
            server,
            events: Arc::new(Events {
                watched: Mutex::new(watched_files(&manifest)),
                ..Events::default()
            }),
            manifest,
            file_settings,
            launch,
            loaded,
        }
    }

    /// Loads the app again and swaps it in; on any error, logs it and keeps the running app.
    pub async fn reload(&mut self, reason: &str) -> bool {
        let started = Instant::now();
        let outcome = self.try_reload().await;
        self.runtime.metrics().reload(outcome.is_ok());
        match outcome {
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
        let app_dir = self.app_dir.clone();
        let (mut manifest, watched) = tokio::task::spawn_blocking(move || {
            let manifest = Manifest::load(&app_dir)?;
            let watched = watched_files(&manifest);
            Ok::<_, anyhow::Error>((manifest, watched))
        })
        .await??;
        // Limits shape the engine and the pools: they change on restart only.
        if manifest.settings != self.file_settings {
            let mut next = manifest.settings.clone();
            let check = self
                .launch
                .flags
                .apply(&mut next)
                .and_then(|()| next.validate());
            match check {
                Ok(()) => tracing::warn!(target: "reload",
                    "[server] settings change on restart; keeping the running ones"),
                Err(err) => tracing::warn!(target: "reload",
                    "[server] settings change on restart, where they would fail: {err}; \
                     keeping the running ones"),
            }
            self.file_settings = manifest.settings.clone();
        }
        manifest.settings = self.manifest.settings.clone();
        manifest.overrides.extend(self.launch.overrides.clone());
        // Stores hold files and connections that outlive a version: they change on restart.
        manifest.define_stores(&self.launch.stores)?;
        let running = self.runtime.stores();
        if manifest.stores != running {
            tracing::warn!(target: "reload",
                "[store] definitions change on restart; keeping the running ones");
            manifest.stores = running;
        }
        let load_started = Instant::now();
        let app = App::load(&self.runtime, &manifest, &self.loaded).await?;
        let load = load_started.elapsed();
        let changes = changes(&self.loaded, &app);
        let swap_started = Instant::now();
        let loaded = app.components_by_name();
        let replaced: Vec<Arc<Component>> = self
            .loaded
            .values()
            .filter(|old| !loaded.values().any(|new| Arc::ptr_eq(old, new)))
            .cloned()
            .collect();
        self.server.swap(app);
        let swap = swap_started.elapsed();
        // Their WebSocket sessions reconnect to the new version.
        for component in replaced {
            component.close_websockets(1012, "the service was updated; reconnect");
        }
        self.loaded = loaded;
        self.manifest = manifest;
        *self.events.watched.lock().unwrap() = watched;
        Ok(format!("{changes} (load {load:.2?}, swap {swap:.2?})"))
    }

    /// Reloads on SIGHUP and, with a `mode`, when the watched files change; runs until the
    /// process ends.
    ///
    /// The watches are in place when this returns, so no change made after it is missed; the
    /// returned future does the reloading.
    pub fn start(mut self, mode: Option<Mode>) -> Result<impl Future<Output = ()>> {
        let (events, app_dir) = (self.events.clone(), self.app_dir.clone());
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
                if let Ok(event) = event
                    && !event.kind.is_access()
                {
                    events.sort(&app_dir, mode, &event.paths);
                }
            })
            .context("cannot watch the app's files")?;
        let mut watched_dirs = BTreeSet::new();
        if mode.is_some() {
            self.watch_dirs(&mut watcher, &mut watched_dirs);
            tracing::info!(target: "reload", "watching {} files for changes",
                self.events.watched.lock().unwrap().len());
        }
        if mode == Some(Mode::Dev) {
            watch_sources(&mut watcher, &self.app_dir)?;
            tracing::info!(target: "reload", "watching the sources in {}", self.app_dir.display());
        }
        let mut hangup = hangup_signal()?;
        Ok(async move {
            // The watcher lives as long as the loop.
            let mut watcher = watcher;
            // A change arrived while a reload was under way, and cancelled it.
            let mut superseded = false;
            loop {
                if !std::mem::take(&mut superseded) {
                    tokio::select! {
                        () = self.events.arrived.notified() => {}
                        Some(()) = hangup.recv() => {
                            self.reload("SIGHUP").await;
                            continue;
                        }
                        else => return,
                    }
                }
                // Wait for quiet: every event meanwhile only sets its flag again.
                while tokio::time::timeout(DEBOUNCE, self.events.arrived.notified())
                    .await
                    .is_ok()
                {}
                let seen = std::mem::take(&mut *self.events.seen.lock().unwrap());
                if seen.source {
                    // The build writes the component files; their events bring the reload.
                    if let Err(err) = build::run_builds(&self.manifest).await {
                        tracing::error!(target: "reload", "build failed, still serving the previous version: {err:#}");
                    }
                    continue;
                }
                if seen.artifact {
                    // A newer change makes this reload's work moot: dropping it stops its
                    // compiles (their processes are killed) and the newer files load instead.
                    let events = self.events.clone();
                    tokio::select! {
                        _ = self.reload("files changed") => {}
                        () = events.arrived.notified() => {
                            tracing::info!(target: "reload",
                                "files changed again during the reload: starting over with them");
                            superseded = true;
                            continue;
                        }
                    }
                    self.watch_dirs(&mut watcher, &mut watched_dirs);
                }
            }
        })
    }

    /// Watches the folder of each watched file: replacing a file by rename, or deleting and
    /// recreating it, is seen there, where a watch on the file itself would be lost.
    fn watch_dirs(&self, watcher: &mut RecommendedWatcher, watched: &mut BTreeSet<PathBuf>) {
        let dirs: BTreeSet<PathBuf> = self
            .events
            .watched
            .lock()
            .unwrap()
            .iter()
            .filter_map(|file| file.parent().map(Path::to_path_buf))
            .collect();
        for dir in dirs {
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

impl Events {
    /// Sorts changed paths on the watcher's thread: a watched file sets `artifact`; in `dev`,
    /// a source file sets `source`; anything else is dropped here.
    fn sort(&self, app_dir: &Path, mode: Option<Mode>, paths: &[PathBuf]) {
        let (mut artifact, mut source) = (false, false);
        {
            let watched = self.watched.lock().unwrap();
            for path in paths {
                if watched.contains(&canonical(path)) {
                    artifact = true;
                } else if mode == Some(Mode::Dev) {
                    let relative = path.strip_prefix(app_dir).unwrap_or(path);
                    source |= is_source(relative);
                }
            }
        }
        if artifact || source {
            let mut seen = self.seen.lock().unwrap();
            seen.artifact |= artifact;
            seen.source |= source;
            drop(seen);
            self.arrived.notify_one();
        }
    }
}

/// Watches the app folder for `dev`: its top level, and each folder in it recursively except
/// build output, whose many files a recursive watch would otherwise follow.
fn watch_sources(watcher: &mut RecommendedWatcher, app_dir: &Path) -> Result<()> {
    watcher
        .watch(app_dir, RecursiveMode::NonRecursive)
        .context("cannot watch the app folder")?;
    let entries =
        std::fs::read_dir(app_dir).with_context(|| format!("cannot list {}", app_dir.display()))?;
    for entry in entries.flatten() {
        let is_dir = entry.file_type().is_ok_and(|kind| kind.is_dir());
        if is_dir
            && is_source(Path::new(&entry.file_name()))
            && let Err(err) = watcher.watch(&entry.path(), RecursiveMode::Recursive)
        {
            tracing::warn!(target: "reload", "cannot watch {}: {err}", entry.path().display());
        }
    }
    Ok(())
}

/// The files whose changes matter: the manifest and each component file.
fn watched_files(manifest: &Manifest) -> BTreeSet<PathBuf> {
    let mut files = BTreeSet::new();
    files.insert(canonical(&manifest.root.join(MANIFEST_FILE)));
    for spec in &manifest.components {
        files.insert(canonical(&spec.wasm));
    }
    files
}

/// What a reload changed, for its log line.
fn changes(before: &HashMap<String, Arc<Component>>, app: &App) -> String {
    let mut changes = Vec::new();
    for component in &app.components {
        match before.get(&component.spec.name) {
            Some(previous) if Arc::ptr_eq(previous, component) => {}
            Some(previous) => changes.push(format!(
                "{} {} -> {}",
                component.spec.name,
                previous.version(),
                component.version()
            )),
            None => changes.push(format!(
                "{} added ({})",
                component.spec.name,
                component.version()
            )),
        }
    }
    let mut removed: Vec<&String> = before
        .keys()
        .filter(|name| !app.components.iter().any(|c| &c.spec.name == *name))
        .collect();
    removed.sort();
    changes.extend(removed.into_iter().map(|name| format!("{name} removed")));
    if changes.is_empty() {
        changes.push("no component changed".into());
    }
    changes.join(", ")
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

    #[test]
    fn events_are_sorted_on_arrival_and_only_flags_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let app_dir = std::fs::canonicalize(dir.path()).unwrap();
        let wasm = app_dir.join("app.wasm");
        let events = Events::default();
        events.watched.lock().unwrap().insert(wasm.clone());
        // Ten thousand build-output events leave nothing behind.
        let output: Vec<PathBuf> = (0..10_000)
            .map(|n| app_dir.join(format!("target/debug/deps/{n}.o")))
            .collect();
        events.sort(&app_dir, Some(Mode::Dev), &output);
        let seen = std::mem::take(&mut *events.seen.lock().unwrap());
        assert!(!seen.artifact && !seen.source);
        events.sort(&app_dir, Some(Mode::Dev), &[app_dir.join("src/lib.rs")]);
        events.sort(&app_dir, Some(Mode::Watch), &[wasm]);
        let seen = std::mem::take(&mut *events.seen.lock().unwrap());
        assert!(seen.artifact && seen.source);
        // Outside `dev`, sources are not watched.
        events.sort(&app_dir, Some(Mode::Watch), &[app_dir.join("src/lib.rs")]);
        assert!(!events.seen.lock().unwrap().source);
    }
}
