//! The Rust guest target, `wasm32-wasip2`. rustup installs the targets a `rust-toolchain.toml`
//! lists only when it installs the toolchain itself, not for a toolchain that is already there,
//! so fastwasm checks for the target before it builds a Rust component and adds it with rustup
//! when it is missing.
//!
//! Plain `std`, no crate of fastwasm's: the test artifacts' build script includes this file
//! too, so the suite's guests and `fastwasm build` install the target the same way.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The target Rust components are built for.
pub const TARGET: &str = "wasm32-wasip2";

/// What building for [`TARGET`] with `rustc`, run in `dir`, needs first.
pub enum Readiness {
    /// The target's standard library is installed.
    Ready,
    /// It is missing; `command` adds it to `toolchain`.
    Missing {
        /// The toolchain's name, e.g. `1.95.0-x86_64-unknown-linux-gnu`.
        toolchain: String,
        /// `rustup target add --toolchain <toolchain> wasm32-wasip2`.
        command: Box<Command>,
    },
}

/// Checks whether `rustc` (as `dir` resolves it: rustup honours the `rust-toolchain.toml` above
/// `dir`) can build for [`TARGET`]. `Err` explains what to install when nothing here can.
pub fn readiness(rustc: &OsStr, dir: &Path) -> Result<Readiness, String> {
    let print = |what: &str| -> Result<String, String> {
        let output = Command::new(rustc)
            .current_dir(dir)
            .args(["--print", what, "--target", TARGET])
            .output()
            .map_err(|err| {
                format!(
                    "cannot run `{}` to check for the {TARGET} target: {err}; Rust components \
                     need a Rust toolchain (install it with rustup: https://rustup.rs)",
                    rustc.to_string_lossy()
                )
            })?;
        if !output.status.success() {
            return Err(format!(
                "`{} --print {what} --target {TARGET}` failed: {}",
                rustc.to_string_lossy(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    };
    if Path::new(&print("target-libdir")?).is_dir() {
        return Ok(Readiness::Ready);
    }
    let sysroot = PathBuf::from(print("sysroot")?);
    // rustup names the toolchain it chose for this process; the sysroot's folder is the same
    // toolchain, possibly under another name (`1.95.0-…` may be a link to `stable-…`).
    let toolchain = std::env::var("RUSTUP_TOOLCHAIN").unwrap_or_else(|_| {
        sysroot
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    let rustup_owned = sysroot
        .parent()
        .is_some_and(|dir| dir.file_name() == Some(OsStr::new("toolchains")));
    if !rustup_owned || !on_path("rustup") {
        return Err(format!(
            "the Rust toolchain in {} has no standard library for {TARGET}, and rustup is not \
             there to add it: install Rust with rustup (https://rustup.rs), which fastwasm then \
             uses to add the target, or install your distribution's rust-std for {TARGET}",
            sysroot.display()
        ));
    }
    let mut command = Command::new("rustup");
    command
        .current_dir(dir)
        .args(["target", "add", "--toolchain", &toolchain, TARGET]);
    Ok(Readiness::Missing {
        toolchain,
        command: Box::new(command),
    })
}

/// Whether `program` is on `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .any(|dir| dir.join(program).is_file())
}
