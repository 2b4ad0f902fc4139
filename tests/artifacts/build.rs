//! Builds every guest the integration tests use, in one cargo invocation for `wasm32-wasip2`,
//! and writes their paths as constants. A separate target folder keeps this nested cargo from
//! waiting on the lock of the build that runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The target check `fastwasm build` uses too: one way to install the Rust guest target.
#[path = "../../host/src/build/rust_target.rs"]
#[allow(dead_code)]
mod rust_target;

/// (constant name, package) for each guest.
const GUESTS: [(&str, &str); 18] = [
    ("HELLO", "hello"),
    ("BURGERS", "burgers"),
    ("FAULTS", "faults"),
    ("CONFLICT", "conflict"),
    ("AUTH_PROVIDERS", "auth_providers"),
    ("AUTH_API", "auth_api"),
    ("DEPS_LAB", "deps_lab"),
    ("DEP_CYCLE", "dep_cycle"),
    ("DEP_MISSING", "dep_missing"),
    ("VERSION_ONE", "version_one"),
    ("VERSION_TWO", "version_two"),
    ("KIND_MISMATCH", "kind_mismatch"),
    ("STREAMS", "streams"),
    ("OUTBOUND", "outbound"),
    ("WASI_HTTP", "wasi_http"),
    ("STATE", "state"),
    ("STANDARD_P2", "standard_p2"),
    ("STANDARD_P3", "standard_p3"),
];

fn main() {
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap()).join("../..");
    for watched in ["wit", "guest-sdk/rust", "examples", "tests/guests"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    add_wasm_target(&root);
    let target_dir = out_dir.join("guests");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "--target",
            rust_target::TARGET,
            "--target-dir",
        ])
        .arg(&target_dir)
        // Flags and wrappers meant for the outer build (coverage, sanitizers, clippy) do not
        // apply to building the guests; clippy lints them natively as workspace members.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("RUSTC_WORKSPACE_WRAPPER")
        .env_remove("CLIPPY_ARGS");
    for (_, artifact) in GUESTS {
        // Packages are named with `-`; their artifacts with `_`.
        build.args(["-p", &artifact.replace('_', "-")]);
    }
    let status = build
        .status()
        .expect("cannot run cargo to build the test guests");
    if !status.success() {
        panic!(
            "building the test guests for {} failed",
            rust_target::TARGET
        );
    }
    let mut constants = String::new();
    for (name, package) in GUESTS {
        let wasm = target_dir.join(format!("{}/release/{package}.wasm", rust_target::TARGET));
        assert!(wasm.exists(), "{} was not built", wasm.display());
        constants.push_str(&format!(
            "/// The `{package}` guest component.\npub const {name}: &str = {:?};\n",
            wasm.display().to_string()
        ));
    }
    std::fs::write(out_dir.join("artifacts.rs"), constants).unwrap();
}

/// Adds the wasm target to the toolchain this build runs on when it is missing, as
/// `fastwasm build` does for Rust components.
fn add_wasm_target(root: &Path) {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    match rust_target::readiness(&rustc, root) {
        Ok(rust_target::Readiness::Ready) => {}
        Ok(rust_target::Readiness::Missing {
            toolchain,
            mut command,
        }) => {
            println!(
                "cargo:warning=adding the {} target to the Rust toolchain {toolchain} (once per toolchain)",
                rust_target::TARGET
            );
            let status = command.status().expect("cannot run rustup");
            assert!(
                status.success(),
                "`rustup target add {}` failed ({status})",
                rust_target::TARGET
            );
        }
        Err(reason) => panic!("{reason}"),
    }
}
