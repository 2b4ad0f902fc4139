//! Compiling a component, in a process of its own: the same `fastwasm` binary, run as
//! `fastwasm compile-component` with the engine settings, reading the component on stdin and
//! writing its machine code on stdout.
//!
//! A compile is seconds to minutes of CPU and can take gigabytes for a large component, and
//! Cranelift cannot be interrupted: in a child process it has a time limit
//! (`compile_timeout`), can be cancelled (a reload that a newer change supersedes drops it,
//! which kills the child), and cannot take the server's memory with it.

use super::engine;
use crate::config::{SettingFlags, Settings};
use anyhow::{Context, Result, anyhow, bail};
use std::io::{Read, Write};
use std::process::Stdio;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The settings that shape compiled code: the child builds its engine from them, so that the
/// code it writes loads in this one's.
const ENGINE_SETTINGS: [&str; 4] = [
    "max_wasm_stack_bytes",
    "allocator",
    "max_instances",
    "max_memory_bytes",
];

/// The hidden command the child runs.
pub const COMMAND: &str = "compile-component";

/// Compiles `bytes` for an engine built from `settings`, in a child process, within
/// `settings.compile_timeout`.
pub async fn compile(settings: &Settings, bytes: Vec<u8>) -> Result<Vec<u8>> {
    let exe = std::env::current_exe().context("cannot find the fastwasm binary to compile with")?;
    let mut command = tokio::process::Command::new(exe);
    command.arg(COMMAND);
    for key in ENGINE_SETTINGS {
        command.arg(format!("--{}", key.replace('_', "-")));
        command.arg(settings.text(key).expect("an engine setting"));
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the compiler process")?;
    let (mut stdin, mut stdout, mut stderr) = (
        child.stdin.take().unwrap(),
        child.stdout.take().unwrap(),
        child.stderr.take().unwrap(),
    );
    let work = async {
        let feed = async {
            stdin.write_all(&bytes).await?;
            drop(stdin);
            Ok::<_, std::io::Error>(())
        };
        let (mut code, mut errors) = (Vec::new(), Vec::new());
        let (fed, read, read_errors) = tokio::join!(
            feed,
            stdout.read_to_end(&mut code),
            stderr.read_to_end(&mut errors)
        );
        let status = child.wait().await?;
        fed?;
        read?;
        read_errors?;
        Ok::<_, std::io::Error>((status, code, errors))
    };
    let (status, code, errors) = tokio::time::timeout(settings.compile_timeout, work)
        .await
        .map_err(|_| {
            anyhow!(
                "compiling took longer than {:?} (`compile_timeout`)",
                settings.compile_timeout
            )
        })?
        .context("the compiler process failed")?;
    if !status.success() {
        let errors = String::from_utf8_lossy(&errors);
        bail!("{}", errors.trim());
    }
    Ok(code)
}

/// The child's side: reads a component on stdin, writes its machine code on stdout.
pub fn compile_main(flags: &SettingFlags) -> Result<()> {
    let mut settings = Settings::default();
    flags.apply(&mut settings).map_err(|err| anyhow!(err))?;
    let engine = engine::build(&settings)?;
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes)?;
    let code = engine
        .precompile_component(&bytes)
        .map_err(anyhow::Error::from)?;
    std::io::stdout().write_all(&code)?;
    Ok(())
}
