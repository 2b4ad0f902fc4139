//! The `fastwasm` command line: `serve`, `dev`, `build`, `routes`, `openapi`, `check`,
//! `settings`.

use crate::app::{App, Protocol};
use crate::build;
use crate::config::{Manifest, SettingFlags, markdown_table};
use crate::guest::{self, Kind, Runtime};
use crate::http::Server;
use crate::reload::{Launch, Mode, Reloader};
use crate::telemetry::logging::{self, LogFormat};
use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Serve FastAPI-style path operations compiled to WebAssembly components.
#[derive(Debug, Parser)]
#[command(name = "fastwasm", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// How log lines are written on stderr: `human`, or `json` (one object per line: time,
    /// level, target, request id, component, operation, message and the other fields).
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t,
        env = "FASTWASM_LOG_FORMAT"
    )]
    log_format: LogFormat,
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
        options: Options,
    },
    /// Build, serve and watch: a source change rebuilds its components, a new build is
    /// swapped in, a failed one is shown while the last good version keeps serving.
    Dev {
        app: PathBuf,
        #[command(flatten)]
        options: Options,
    },
    /// Run each component's `build` command, then compile and check the app.
    Build {
        app: PathBuf,
        #[command(flatten)]
        options: Options,
    },
    /// Print the route table: method, path, operation, kind, component.
    Routes {
        app: PathBuf,
        #[command(flatten)]
        options: Options,
    },
    /// Print the app's OpenAPI document, as `/openapi.json` serves it, without serving: for CI
    /// and client generators.
    Openapi {
        app: PathBuf,
        /// YAML instead of JSON.
        #[arg(long)]
        yaml: bool,
        #[command(flatten)]
        options: Options,
    },
    /// Load and check an app without serving it.
    Check {
        app: PathBuf,
        #[command(flatten)]
        options: Options,
    },
    /// Print every setting: its `[server]` key, its flag, its default and what it does.
    Settings,
    /// Compile a component read on stdin to machine code on stdout: the child process every
    /// compile runs in.
    #[command(name = "compile-component", hide = true)]
    CompileComponent {
        #[command(flatten)]
        settings: SettingFlags,
    },
}

/// What every command takes besides the app: the settings flags and dependency overrides.
#[derive(Debug, Default, Args)]
struct Options {
    #[command(flatten)]
    settings: SettingFlags,
    /// Replace a dependency's provider, e.g. `--override db=fake-db` (repeatable); adds to the
    /// manifest's `[overrides]`.
    #[arg(long = "override", value_name = "NAME=PROVIDER", value_parser = parse_override)]
    dependency_overrides: Vec<(String, String)>,
    /// Define or redefine a key-value store, e.g. `--store default=redis://127.0.0.1:6379`,
    /// `--store cache=embedded` (repeatable); goes over the manifest's `[store.NAME]`.
    #[arg(long = "store", value_name = "NAME=BACKEND", value_parser = parse_store)]
    stores: Vec<(String, String)>,
}

fn parse_store(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, backend)) if !backend.is_empty() => {
            crate::config::check_store_name(name).map_err(|err| err.to_string())?;
            Ok((name.to_owned(), backend.to_owned()))
        }
        _ => Err(format!(
            "expected NAME=BACKEND (`redis://…`, `embedded` or `embedded:PATH`), got `{text}`"
        )),
    }
}

fn parse_override(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, provider)) if !name.is_empty() && !provider.is_empty() => {
            Ok((name.to_owned(), provider.to_owned()))
        }
        _ => Err(format!("expected NAME=PROVIDER, got `{text}`")),
    }
}

/// Runs the command line; the process's exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let _logging = logging::init(cli.log_format);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Settings => {
            print!("{}", markdown_table());
            return Ok(());
        }
        Command::CompileComponent { settings } => return guest::compile_main(settings),
        _ => {}
    }
    let Some((command, app_dir, options)) = split(cli.command) else {
        return Ok(());
    };
    let mut manifest = Manifest::load(&app_dir)?;
    let file_settings = manifest.settings.clone();
    // Flags go over the file before anything is checked, so a flag can fix a bad file value.
    options
        .settings
        .apply(&mut manifest.settings)
        .map_err(|err| anyhow!(err))?;
    manifest
        .settings
        .validate()
        .map_err(|err| anyhow!("invalid settings: {err}"))?;
    let dependency_overrides: BTreeMap<String, String> =
        options.dependency_overrides.into_iter().collect();
    manifest.overrides.extend(dependency_overrides.clone());
    manifest.define_stores(&options.stores)?;
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
                    build::run_builds(&manifest).await?;
                }
                let launch = Launch {
                    flags: options.settings,
                    overrides: dependency_overrides,
                    stores: options.stores,
                };
                serve(manifest, watch, file_settings, launch).await
            }
            Verb::Build => {
                build::run_builds(&manifest).await?;
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
            Verb::OpenApi { yaml } => {
                let document = load(&manifest).await?.openapi;
                let text = if yaml {
                    serde_yaml_ng::to_string(&document)
                        .context("cannot write the document as YAML")?
                } else {
                    serde_json::to_string_pretty(&document)? + "\n"
                };
                print!("{text}");
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
    OpenApi { yaml: bool },
    Check,
}

/// The verb, the app folder and the options of a command that works on an app.
fn split(command: Command) -> Option<(Verb, PathBuf, Options)> {
    Some(match command {
        Command::Serve {
            app,
            build,
            watch,
            options,
        } => (
            Verb::Serve {
                build,
                watch: watch.then_some(Mode::Watch),
            },
            app,
            options,
        ),
        Command::Dev { app, options } => (
            Verb::Serve {
                build: true,
                watch: Some(Mode::Dev),
            },
            app,
            options,
        ),
        Command::Build { app, options } => (Verb::Build, app, options),
        Command::Routes { app, options } => (Verb::Routes, app, options),
        Command::Openapi { app, yaml, options } => (Verb::OpenApi { yaml }, app, options),
        Command::Check { app, options } => (Verb::Check, app, options),
        Command::Settings | Command::CompileComponent { .. } => return None,
    })
}

async fn load(manifest: &Manifest) -> Result<App> {
    let runtime = Runtime::new(manifest.settings.clone(), &manifest.stores)?;
    App::load(&runtime, manifest, &HashMap::new()).await
}

async fn serve(
    manifest: Manifest,
    watch: Option<Mode>,
    file_settings: crate::config::Settings,
    launch: Launch,
) -> Result<()> {
    let settings = manifest.settings.clone();
    let runtime = Arc::new(Runtime::new(settings.clone(), &manifest.stores)?);
    let app = App::load(&runtime, &manifest, &HashMap::new()).await?;
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let address = listener.local_addr()?;
    for component in &app.components {
        let (spec, version) = (&component.spec, component.version());
        if spec.world.is_standard() {
            tracing::info!(component = %spec.name, %version,
                "serving every path under {} as a `{}` component", spec.prefix, spec.world.as_str());
        } else {
            tracing::info!(component = %spec.name, %version,
                "serving {} operations", component.info.operations.len());
        }
    }
    let name = app.name.clone();
    let server = Server::new(app, runtime.clone());
    let reloader = Reloader::new(runtime, server.clone(), manifest, file_settings, launch);
    // Watch before announcing the address: a change made once we listen is never missed.
    tokio::spawn(reloader.start(watch)?);
    tracing::info!("listening on http://{address} (app `{name}`)");
    let drain = {
        let server = server.clone();
        async move {
            if shutdown_signal().await == Signal::Terminate && !settings.drain_delay.is_zero() {
                // A balancer polls readiness: give it `drain_delay` to stop sending here.
                server.drain();
                tracing::info!(
                    "draining: /_fastwasm/ready answers 503; still serving for {:?}",
                    settings.drain_delay
                );
                tokio::select! {
                    () = tokio::time::sleep(settings.drain_delay) => {}
                    _ = shutdown_signal() => tracing::info!("drain cut short"),
                }
            }
        }
    };
    server.serve(listener, drain).await
}

/// What stopped the server.
#[derive(Debug, PartialEq, Eq)]
enum Signal {
    /// Ctrl-C: stop now.
    Interrupt,
    /// An orchestrator's stop: drain first.
    Terminate,
}

async fn shutdown_signal() -> Signal {
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
        _ = interrupt => {
            tracing::info!("received SIGINT");
            Signal::Interrupt
        }
        () = terminate => {
            tracing::info!("received SIGTERM");
            Signal::Terminate
        }
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
            match op.protocol {
                Protocol::WebSocket => "websocket".to_owned(),
                Protocol::Http => op.kind.as_str().to_owned(),
            },
            app.components[op.component].spec.name.clone(),
            dependency_chain(app, op),
        ]);
    }
    for mount in &app.mounts {
        let spec = &app.components[mount.component].spec;
        rows.push([
            "*".to_owned(),
            mount.template(),
            "*".to_owned(),
            spec.world.as_str().to_owned(),
            spec.name.clone(),
            "-".to_owned(),
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
            if provider.kind == Kind::Async {
                label.push_str("(async)");
            }
            label
        })
        .collect::<Vec<_>>()
        .join(",")
}
