//! Running a build or install command with its output relayed line by line, each line tagged
//! with what it is for (`[api] Compiling …`, `[toolchain python] …`).

use anyhow::{Context, Result, bail};
use std::process::{ExitStatus, Stdio};
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::Command;

/// Lines of a command's output, and of its error output, kept for its caller to read: the
/// last ones of each.
const KEPT_LINES: usize = 200;

/// Runs `command` to completion, printing its output line by line as `[tag] line`.
pub async fn run_tagged(tag: &str, command: &mut Command) -> Result<()> {
    let (status, _) = run_relayed(tag, command).await?;
    if !status.success() {
        bail!("`{}` exited with {status}", program(command));
    }
    Ok(())
}

/// Runs `command` as [`run_tagged`] does, and returns its status with the last lines of its
/// output and then of its error output, for a caller that explains a failure.
pub async fn run_relayed(tag: &str, command: &mut Command) -> Result<(ExitStatus, Vec<String>)> {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run `{}`", program(command)))?;
    let stdout = tokio::spawn(relay(tag.to_owned(), child.stdout.take()));
    let stderr = tokio::spawn(relay(tag.to_owned(), child.stderr.take()));
    let status = child.wait().await?;
    let (output, errors) = tokio::join!(stdout, stderr);
    let mut lines = output.unwrap_or_default();
    lines.extend(errors.unwrap_or_default());
    Ok((status, lines))
}

fn program(command: &Command) -> String {
    command
        .as_std()
        .get_program()
        .to_string_lossy()
        .into_owned()
}

/// Prints each line of `stream` tagged; the last [`KEPT_LINES`] of them.
async fn relay(tag: String, stream: Option<impl AsyncRead + Unpin>) -> Vec<String> {
    let mut kept = std::collections::VecDeque::new();
    let Some(stream) = stream else {
        return Vec::new();
    };
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        eprintln!("[{tag}] {line}");
        if kept.len() == KEPT_LINES {
            kept.pop_front();
        }
        kept.push_back(line);
    }
    kept.into()
}
