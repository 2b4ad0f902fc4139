//! Bad input at load time is a clear error that names what is wrong, and nothing is served.

use crate::support::{app, run, shared_cache};
use fastwasm_test_artifacts::{CONFLICT, HELLO, KIND_MISMATCH};

/// Runs `fastwasm check` on an app; its exit success and its log.
fn check(dir: &std::path::Path) -> (bool, String) {
    let cache = shared_cache();
    let output = run(&[
        "check",
        dir.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn a_good_app_checks() {
    let dir = app(&[("hello", HELLO, "")], "");
    let (ok, text) = check(dir.path());
    assert!(ok, "{text}");
    assert!(
        text.contains("ok: `test-app` has 1 components and 19 operations"),
        "{text}"
    );
}

#[test]
fn conflicting_routes_name_both_components() {
    let dir = app(&[("hello", HELLO, ""), ("other", CONFLICT, "")], "");
    let (ok, text) = check(dir.path());
    assert!(!ok);
    assert!(
        text.contains(
            "route conflict: GET /items/{id} is declared by operation `read_item` of component `hello` \
             (/items/{item_id}) and by operation `other_item` of component `other`"
        ),
        "{text}"
    );
}

#[test]
fn a_corrupt_component_is_rejected_with_its_name_and_file() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("broken.wasm");
    let mut bytes = std::fs::read(HELLO).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&wasm, bytes).unwrap();
    let app_dir = app(&[("broken", wasm.to_str().unwrap(), "")], "");
    let (ok, text) = check(app_dir.path());
    assert!(!ok);
    assert!(text.contains("component `broken`"), "{text}");
    assert!(text.contains("broken.wasm"), "{text}");
    assert!(text.contains("not a valid WebAssembly component"), "{text}");
}

#[test]
fn a_core_module_and_a_non_wasm_file_get_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let core = dir.path().join("core.wasm");
    std::fs::write(&core, b"\0asm\x01\0\0\0").unwrap();
    let text_file = dir.path().join("notes.wasm");
    std::fs::write(&text_file, b"hello").unwrap();
    let (ok, text) = check(app(&[("core", core.to_str().unwrap(), "")], "").path());
    assert!(!ok);
    assert!(text.contains("core wasm module, not a component"), "{text}");
    let (ok, text) = check(app(&[("notes", text_file.to_str().unwrap(), "")], "").path());
    assert!(!ok);
    assert!(text.contains("not WebAssembly"), "{text}");
}

#[test]
fn a_missing_component_file_says_to_build() {
    let (ok, text) = check(app(&[("ghost", "/nonexistent/ghost.wasm", "")], "").path());
    assert!(!ok);
    assert!(text.contains("component `ghost`"), "{text}");
    assert!(text.contains("fastwasm build"), "{text}");
}

#[test]
fn manifest_mistakes_are_named() {
    let dir = app(&[("hello", HELLO, "")], "sync_workers = 0");
    let (ok, text) = check(dir.path());
    assert!(!ok);
    assert!(text.contains("`sync_workers` must be at least 1"), "{text}");

    let dir = app(&[("hello", HELLO, "")], "request_timeout = \"soon\"");
    let (ok, text) = check(dir.path());
    assert!(!ok);
    assert!(text.contains("fastwasm.toml"), "{text}");

    let (ok, text) = check(std::path::Path::new("/nonexistent-app"));
    assert!(!ok);
    assert!(text.contains("cannot read the app manifest"), "{text}");
}

#[test]
fn a_kind_the_exports_cannot_serve_is_rejected() {
    let (ok, text) = check(app(&[("mismatch", KIND_MISMATCH, "")], "").path());
    assert!(!ok);
    assert!(
        text.contains(
            "component `mismatch`: operation `late`: it is async but the component does not \
             export `fastwasm:app/async-handler`"
        ),
        "{text}"
    );
}

#[test]
fn an_interim_status_code_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("fastwasm.toml"),
        format!(
            "[[component]]\nname = \"interim\"\npath = {KIND_MISMATCH:?}\n\
             env = {{ DECLARE = \"interim-status\" }}\n"
        ),
    )
    .unwrap();
    let (ok, text) = check(dir.path());
    assert!(!ok);
    assert!(
        text.contains(
            "component `interim`: operation `late`: status code 103 is not the status of a \
             final response (200-599)"
        ),
        "{text}"
    );
}

#[test]
fn a_flag_corrects_a_bad_manifest_setting_before_it_is_checked() {
    let dir = app(&[("hello", HELLO, "")], "sync_workers = 0");
    let cache = shared_cache();
    let with = |flags: &[&str]| {
        let mut args = vec!["check", dir.path().to_str().unwrap()];
        args.extend(["--cache-dir", cache.to_str().unwrap()]);
        args.extend(flags);
        run(&args)
    };
    let output = with(&[]);
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("invalid settings: `sync_workers` must be at least 1")
    );
    let output = with(&["--sync-workers", "8"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
