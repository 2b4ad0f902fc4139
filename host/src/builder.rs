//! `fastwasm build`: runs each component's build command in the app folder, with the
//! component's name on every line of its output.

use crate::manifest::Manifest;
use anyhow::{Context, Result, bail};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

/// Runs the build commands of every component that has one, in manifest order.
pub async fn run_builds(manifest: &Manifest) -> Result<()> {
    for component in &manifest.components {
        let Some(command) = &component.build else {
            continue;
        };
        let name = &component.name;
        tracing::info!(component = %name, "building: {command}");
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(command)
            .current_dir(&manifest.root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("component `{name}`: cannot run `{command}`"))?;
        let stdout = tokio::spawn(relay(name.clone(), child.stdout.take()));
        let stderr = tokio::spawn(relay(name.clone(), child.stderr.take()));
        let status = child.wait().await?;
        let _ = tokio::join!(stdout, stderr);
        if !status.success() {
            bail!("component `{name}`: build command `{command}` failed ({status})");
        }
    }
    Ok(())
}

/// Prints a child's output line by line as `[component] line`.
async fn relay(name: String, stream: Option<impl AsyncRead + Unpin>) {
    let Some(stream) = stream else { return };
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        eprintln!("[{name}] {line}");
    }
}
