//! `fastwasm build`: runs each component's build command in the app folder, with the
//! component's name on every line of its output, after installing the guest toolchains the
//! commands call (see `toolchains`) and the Python packages the app lists (see
//! `python_packages`).

use super::python_packages::Requirements;
use super::tagged::run_tagged;
use super::toolchains::{Toolchains, used_by};
use crate::config::{Manifest, Toolchain};
use anyhow::{Result, bail};
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
        if let Err(err) = run_tagged(name, &mut shell).await {
            bail!("component `{name}`: build command `{command}` failed: {err:#}");
        }
        tracing::info!(component = %name, "built in {:.1?}", started.elapsed());
    }
    Ok(())
}
