//! Running a build or install command with its output relayed line by line, each line tagged
//! with what it is for (`[api] Compiling …`, `[toolchain python] …`).

use anyhow::{Context, Result, bail};
use std::process::Stdio;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

/// Runs `command` to completion, printing its output line by line as `[tag] line`.
pub async fn run_tagged(tag: &str, command: &mut Command) -> Result<()> {
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
