//! `fastwasm build`: runs each component's build command in the app folder, with the
//! component's name on every line of its output, after installing the guest toolchains the
//! commands call (see `toolchains`).

use crate::manifest::Manifest;
use crate::toolchains::{Toolchain, Toolchains};
use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

/// Runs the build commands of every component that has one, in manifest order.
pub async fn run_builds(manifest: &Manifest) -> Result<()> {
    let mut needed = BTreeSet::new();
    let mut commands = Vec::new();
    for component in &manifest.components {
        if let Some(command) = &component.build {
            needed.extend(component.toolchain);
            needed.extend(Toolchain::used_by(command));
            commands.push((component.name.as_str(), command.as_str()));
        }
    }
    if commands.is_empty() {
        return Ok(());
    }
    let env = Toolchains::for_app(&manifest.root).prepare(&needed).await?;
    let total = commands.len();
    for (index, (name, command)) in commands.into_iter().enumerate() {
        tracing::info!(component = %name, "building ({}/{total}): {command}", index + 1);
        let started = std::time::Instant::now();
        let mut shell = Command::new("sh");
        shell
            .arg("-c")
            .arg(command)
            .current_dir(&manifest.root)
            .envs(env.iter().map(|(key, value)| (key, value)));
        if let Err(err) = run_tagged(name, &mut shell).await {
            bail!("component `{name}`: build command `{command}` failed: {err:#}");
        }
        tracing::info!(component = %name, "built in {:.1?}", started.elapsed());
    }
    Ok(())
}

/// Runs `command` to completion, printing its output line by line as `[tag] line`.
pub(crate) async fn run_tagged(tag: &str, command: &mut Command) -> Result<()> {
    let program = command
        .as_std()
        .get_program()
        .to_string_lossy()
        .into_owned();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run `{program}`"))?;
    let stdout = tokio::spawn(relay(tag.to_owned(), child.stdout.take()));
    let stderr = tokio::spawn(relay(tag.to_owned(), child.stderr.take()));
    let status = child.wait().await?;
    let _ = tokio::join!(stdout, stderr);
    if !status.success() {
        bail!("`{program}` exited with {status}");
    }
    Ok(())
}

async fn relay(tag: String, stream: Option<impl AsyncRead + Unpin>) {
    let Some(stream) = stream else { return };
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        eprintln!("[{tag}] {line}");
    }
}
