//! `fastwasm build`: runs each component's build command in the app folder, with the
//! component's name on every line of its output, after installing the guest toolchains the
//! commands call (see `toolchains`) and the Python packages the app lists (see
//! `python_packages`).

use super::python_packages::Requirements;
use super::tagged::run_relayed;
use super::toolchains::{Toolchains, used_by};
use crate::config::{Manifest, Toolchain};
use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use tokio::process::Command;

/// Runs the build commands of every component that has one, in manifest order.
pub async fn run_builds(manifest: &Manifest) -> Result<()> {
    let mut needed = BTreeSet::new();
    let mut commands = Vec::new();
    for component in &manifest.components {
        if let Some(command) = &component.build {
            needed.extend(component.toolchain);
            needed.extend(used_by(command));
            commands.push((component.name.as_str(), command.as_str()));
        }
    }
    if commands.is_empty() {
        return Ok(());
    }
    let toolchains = Toolchains::for_app(&manifest.root);
    let mut env = toolchains.prepare(&needed).await?;
    if needed.contains(&Toolchain::Python)
        && let Some(requirements) = Requirements::find(&manifest.root)?
        && !requirements.is_empty()
    {
        let cache_dir = manifest.settings.cache_dir().map_err(anyhow::Error::msg)?;
        let site = requirements
            .install(&toolchains.python(), &cache_dir)
            .await?;
        env.push(("FASTWASM_PYTHON_PACKAGES".into(), site.into()));
    }
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
        let (status, output) = run_relayed(name, &mut shell)
            .await
            .with_context(|| format!("component `{name}`: cannot run `{command}`"))?;
        if !status.success() {
            let said = app_error(&output)
                .map(|line| format!("; the app says: {line}"))
                .unwrap_or_default();
            bail!(
                "component `{name}`: build command `{command}` failed: `sh` exited with {status}{said}"
            );
        }
        tracing::info!(component = %name, "built in {:.1?}", started.elapsed());
    }
    Ok(())
}

/// The exception a Python build ended with — the last line of its traceback, such as
/// `fastwasm.exceptions.DeclarationError: main.py:4: …` — so that the build's own error
/// repeats it after the traceback, componentize-py's wrapper and its backtrace.
fn app_error(output: &[String]) -> Option<&str> {
    output.iter().rev().map(|line| line.trim()).find(|line| {
        let Some((name, message)) = line.split_once(": ") else {
            return false;
        };
        !message.starts_with("Traceback")
            && (name.ends_with("Error") || name.ends_with("Exception"))
            && name.split('.').all(|part| {
                !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_')
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_python_build_failure_is_named_by_its_last_exception() {
        let output: Vec<String> = [
            "Traceback (most recent call last):",
            "AssertionError: Traceback (most recent call last):",
            "  File \"/1/main.py\", line 4, in <module>",
            "fastwasm.exceptions.DeclarationError: main.py:4: CORS is answered by the host",
            "",
            "[server]",
            "Caused by:",
            "   0: wasmtime::runtime::func::Func::call_impl",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            app_error(&output),
            Some("fastwasm.exceptions.DeclarationError: main.py:4: CORS is answered by the host")
        );
        assert_eq!(
            app_error(&["error: could not compile `api`".to_owned()]),
            None
        );
        assert_eq!(
            app_error(&["ModuleNotFoundError: No module named 'orjson'".to_owned()]),
            Some("ModuleNotFoundError: No module named 'orjson'")
        );
    }
}
