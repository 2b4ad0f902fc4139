//! The `fastwasm` command line: `serve`, `build`, `routes`, `check`.

use crate::app::App;
use crate::builder;
use crate::engine;
use crate::executor::Executor;
use crate::loader::Loader;
use crate::manifest::Manifest;
use crate::reload::{Mode, Reloader};
use crate::server::Server;
use crate::settings::{Allocator, Settings};
use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Serve FastAPI-style path operations compiled to WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "fastwasm", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load an app and serve it over HTTP until SIGINT or SIGTERM.
    Serve {
        /// The app folder (holding fastwasm.toml) or the manifest file.
        app: PathBuf,
        /// Run the components' build commands first.
        #[arg(long)]
        build: bool,
        /// Reload when the manifest or a component file changes, without dropping a request.
        #[arg(long)]
        watch: bool,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Build, serve and watch: a source change rebuilds its components, a new build is
    /// swapped in, a failed one is shown while the last good version keeps serving.
    Dev {
        app: PathBuf,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Run each component's `build` command, then compile and check the app.
    Build {
        app: PathBuf,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Print the route table: method, path, operation, kind, component.
    Routes {
        app: PathBuf,
        #[command(flatten)]
        overrides: Overrides,
    },
    /// Load and check an app without serving it.
    Check {
        app: PathBuf,
        #[command(flatten)]
        overrides: Overrides,
    },
}

/// Command-line settings; each overrides the manifest's `[server]` key of the same name.
#[derive(Debug, Default, Args)]
struct Overrides {
    /// Address to listen on [default: 127.0.0.1:8000].
    #[arg(long)]
    listen: Option<SocketAddr>,
    /// Threads for sync operations [default: 40].
    #[arg(long)]
    sync_workers: Option<usize>,
    /// Sync requests that may wait for a thread before 503 [default: 256].
    #[arg(long)]
    sync_queue: Option<usize>,
    /// Per-request limit on guest work, e.g. 30s or 500ms [default: 30s].
    #[arg(long, value_parser = humantime::parse_duration)]
    request_timeout: Option<Duration>,
    /// Largest request body in bytes [default: 1048576].
    #[arg(long)]
    max_body_bytes: Option<u64>,
    /// Linear memory per instance in bytes [default: 134217728].
    #[arg(long)]
    max_memory_bytes: Option<u64>,
    /// Wasm stack per call in bytes [default: 1048576].
    #[arg(long)]
    max_wasm_stack_bytes: Option<usize>,
    /// Open connections at once [default: 1024].
    #[arg(long)]
    max_connections: Option<usize>,
    /// Requests served at once before 503 [default: 1024].
    #[arg(long)]
    max_in_flight: Option<usize>,
    /// Time allowed to send request headers [default: 10s].
    #[arg(long, value_parser = humantime::parse_duration)]
    header_read_timeout: Option<Duration>,
    /// Time in-flight requests get on shutdown [default: 30s].
    #[arg(long, value_parser = humantime::parse_duration)]
    shutdown_grace: Option<Duration>,
    /// Instance allocator [default: pooling].
    #[arg(long, value_enum)]
    allocator: Option<Allocator>,
    /// Requests one shared instance serves at once [default: 128].
    #[arg(long)]
    instance_concurrency: Option<usize>,
    /// Requests one shared instance serves before it is replaced [default: 10000].
    #[arg(long)]
    instance_max_requests: Option<u64>,
    /// How long an idle shared instance is kept, e.g. 60s [default: 60s].
    #[arg(long, value_parser = humantime::parse_duration)]
    instance_idle_timeout: Option<Duration>,
    /// Compile cache folder [default: $XDG_CACHE_HOME/fastwasm].
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Replace a dependency's provider, e.g. `--override db=fake-db` (repeatable); adds to the
    /// manifest's `[overrides]`.
    #[arg(long = "override", value_name = "NAME=PROVIDER", value_parser = parse_override)]
    overrides: Vec<(String, String)>,
}

fn parse_override(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, provider)) if !name.is_empty() && !provider.is_empty() => {
            Ok((name.to_owned(), provider.to_owned()))
        }
        _ => Err(format!("expected NAME=PROVIDER, got `{text}`")),
    }
}

impl Overrides {
    fn apply(self, manifest: &mut Manifest) {
        manifest.overrides.extend(self.overrides);
        let settings = &mut manifest.settings;
        macro_rules! set {
            ($($field:ident),*) => {$(
                if let Some(value) = self.$field {
                    settings.$field = value;
                }
            )*};
        }
        set!(
            listen,
            sync_workers,
            sync_queue,
            request_timeout,
            max_body_bytes,
            max_memory_bytes,
            max_wasm_stack_bytes,
            max_connections,
            max_in_flight,
            header_read_timeout,
            shutdown_grace,
            allocator,
            instance_concurrency,
            instance_max_requests,
            instance_idle_timeout
        );
        if self.cache_dir.is_some() {
            settings.cache_dir = self.cache_dir;
        }
    }
}

/// Runs the command line; the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::logging::init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let (command, app_dir, overrides) = split(cli.command);
    let mut manifest = Manifest::load(&app_dir)?;
    let cli_overrides: BTreeMap<String, String> = overrides.overrides.iter().cloned().collect();
    let file_settings = manifest.settings.clone();
    overrides.apply(&mut manifest);
    manifest.settings.validate()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Sync operations get `sync_workers` pool threads; the rest serve file I/O and compiles.
        .max_blocking_threads(manifest.settings.sync_workers + 16)
        .thread_name("fastwasm")
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        match command {
            Verb::Serve { build, watch } => {
                if build {
                    builder::run_builds(&manifest).await?;
                }
                serve(manifest, watch, file_settings, cli_overrides).await
            }
            Verb::Build => {
                builder::run_builds(&manifest).await?;
                let app = load(&manifest).await?;
                tracing::info!(
                    "built `{}`: {} components, {} operations ready",
                    app.name,
                    app.components.len(),
                    app.operations.len()
                );
                Ok(())
            }
            Verb::Routes => {
                print!("{}", route_table(&load(&manifest).await?));
                Ok(())
            }
            Verb::Check => {
                let app = load(&manifest).await?;
                println!(
                    "ok: `{}` has {} components and {} operations",
                    app.name,
                    app.components.len(),
                    app.operations.len()
                );
                Ok(())
            }
        }
    })
}

enum Verb {
    Serve { build: bool, watch: Option<Mode> },
    Build,
    Routes,
    Check,
}

fn split(command: Command) -> (Verb, PathBuf, Overrides) {
    match command {
        Command::Serve {
            app,
            build,
            watch,
            overrides,
        } => (
            Verb::Serve {
                build,
                watch: watch.then_some(Mode::Watch),
            },
            app,
            overrides,
        ),
        Command::Dev { app, overrides } => (
            Verb::Serve {
                build: true,
                watch: Some(Mode::Dev),
            },
            app,
            overrides,
        ),
        Command::Build { app, overrides } => (Verb::Build, app, overrides),
        Command::Routes { app, overrides } => (Verb::Routes, app, overrides),
        Command::Check { app, overrides } => (Verb::Check, app, overrides),
    }
}

async fn load(manifest: &Manifest) -> Result<App> {
    let engine = engine::build(&manifest.settings)?;
    let loader = Loader::new(engine, manifest.settings.clone())?;
    loader.load_app(manifest).await
}

async fn serve(
    manifest: Manifest,
    watch: Option<Mode>,
    file_settings: Settings,
    cli_overrides: BTreeMap<String, String>,
) -> Result<()> {
    let settings = manifest.settings.clone();
    let engine = engine::build(&settings)?;
    let loader = Arc::new(Loader::new(engine.clone(), settings.clone())?);
    let app = loader.load_app(&manifest).await?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let address = listener.local_addr()?;
    for component in &app.components {
        tracing::info!(
            component = %component.spec.name,
            version = %component.version(),
            "serving {} operations",
            component.info.operations.len()
        );
    }
    let name = app.name.clone();
    let executor = Executor::new(engine, settings.clone());
    let server = Server::new(app, executor, settings);
    let reloader = Reloader::new(
        manifest.root.clone(),
        loader,
        server.clone(),
        manifest,
        file_settings,
        cli_overrides,
    );
    // Watch before announcing the address: a change made once we listen is never missed.
    tokio::spawn(reloader.start(watch)?);
    tracing::info!("listening on http://{address} (app `{name}`)");
    server.serve(listener, shutdown_signal()).await
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => tracing::info!("received SIGINT"),
        () = terminate => tracing::info!("received SIGTERM"),
    }
}

/// The `routes` table, one line per operation, in route order.
pub fn route_table(app: &App) -> String {
    let mut rows = vec![[
        "METHOD".to_owned(),
        "PATH".to_owned(),
        "OPERATION".to_owned(),
        "KIND".to_owned(),
        "COMPONENT".to_owned(),
        "DEPENDENCIES".to_owned(),
    ]];
    for (method, template, index) in app.router.routes() {
        let op = &app.operations[*index];
        rows.push([
            method.to_string(),
            template.raw.clone(),
            op.id.clone(),
            op.kind.as_str().to_owned(),
            app.components[op.component].spec.name.clone(),
            dependency_chain(app, op),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|col| rows.iter().map(|row| row[col].len()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// The providers an operation runs, in resolution order: `token, db, current-user(async)`;
/// an override shows as `db=fake-db`.
fn dependency_chain(app: &App, op: &crate::app::Operation) -> String {
    if op.plan.steps.is_empty() {
        return "-".to_owned();
    }
    op.plan
        .steps
        .iter()
        .map(|step| {
            let provider = &app.graph.providers[step.provider];
            let mut label = step.name.clone();
            if provider.name != step.name {
                label = format!("{label}={}", provider.name);
            }
            if provider.kind == crate::app::Kind::Async {
                label.push_str("(async)");
            }
            label
        })
        .collect::<Vec<_>>()
        .join(",")
}
