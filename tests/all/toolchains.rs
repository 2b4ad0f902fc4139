//! Guest toolchains `fastwasm build` installs by itself: here the Rust target, against stand-ins
//! for `rustc` and `rustup` that record what they are asked, so the test never touches the
//! machine's real toolchain.

use crate::support::BIN;
use fastwasm_test_artifacts::HELLO;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn script(path: &Path, body: &str) {
    std::fs::write(path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// `fastwasm build` of a Rust component whose `rustc` reports `sysroot`, with `PATH` = `path`.
fn build(app: &Path, rustc: &Path, path: &str) -> Output {
    Command::new(BIN)
        .args(["build"])
        .arg(app)
        .arg("--cache-dir")
        .arg(crate::support::shared_cache())
        .env("RUSTC", rustc)
        .env("PATH", path)
        .env_remove("RUSTUP_TOOLCHAIN")
        .env("RUST_LOG", "info")
        .output()
        .unwrap()
}

#[test]
fn a_rust_build_adds_the_missing_wasm_target_with_rustup_once() {
    let root = tempfile::tempdir().unwrap();
    let (bin, sysroot) = (
        root.path().join("bin"),
        root.path().join("toolchains/fake-1.0"),
    );
    std::fs::create_dir_all(&bin).unwrap();
    let libdir = sysroot.join("lib/rustlib/wasm32-wasip2/lib");
    let calls = root.path().join("calls");
    script(
        &bin.join("rustc"),
        &format!(
            "case \"$*\" in *target-libdir*) echo {libdir};; *sysroot*) echo {sysroot};; esac",
            libdir = libdir.display(),
            sysroot = sysroot.display()
        ),
    );
    script(
        &bin.join("rustup"),
        &format!(
            "echo \"rustup $*\" >> {calls}; mkdir -p {libdir}",
            calls = calls.display(),
            libdir = libdir.display()
        ),
    );
    let app = root.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("fastwasm.toml"),
        format!(
            "[[component]]\nname = \"greeter\"\npath = \"greeter.wasm\"\ntoolchain = \"rust\"\n\
             build = \"cp {HELLO} greeter.wasm\"\n"
        ),
    )
    .unwrap();
    let path = format!("{}:/usr/bin:/bin", bin.display());

    let output = build(&app, &bin.join("rustc"), &path);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{log}");
    assert!(
        log.contains("adding the wasm32-wasip2 target to the Rust toolchain fake-1.0"),
        "{log}"
    );
    assert_eq!(
        std::fs::read_to_string(&calls).unwrap(),
        "rustup target add --toolchain fake-1.0 wasm32-wasip2\n"
    );

    // Once the target is there, nothing is installed again.
    let output = build(&app, &bin.join("rustc"), &path);
    assert!(output.status.success());
    assert!(!String::from_utf8_lossy(&output.stderr).contains("adding the"));
    assert_eq!(std::fs::read_to_string(&calls).unwrap().lines().count(), 1);
}

#[test]
fn without_rustup_a_missing_wasm_target_says_what_to_install() {
    let root = tempfile::tempdir().unwrap();
    let bin = root.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    script(
        &bin.join("rustc"),
        "case \"$*\" in *target-libdir*) echo /nonexistent/lib;; *sysroot*) echo /usr/lib/rust;; esac",
    );
    let app = root.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(
        app.join("fastwasm.toml"),
        "[[component]]\nname = \"api\"\npath = \"api.wasm\"\n\
         build = \"cargo build --target wasm32-wasip2 --release\"\n",
    )
    .unwrap();
    let output = build(
        &app,
        &bin.join("rustc"),
        &format!("{}:/usr/bin:/bin", bin.display()),
    );
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{log}");
    assert!(
        log.contains(
            "the Rust toolchain in /usr/lib/rust has no standard library for wasm32-wasip2, \
             and rustup is not there to add it: install Rust with rustup (https://rustup.rs)"
        ),
        "{log}"
    );
}
