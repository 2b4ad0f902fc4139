//! The Python SDK's unit tests, `guest-sdk/python/tests`, run by pytest under plain CPython (the
//! FastAPI venv's, which pins pytest): the SDK served requests as the host sends them, without
//! building a component, so its behaviour is checked in milliseconds below the end-to-end
//! comparisons.

use crate::support::fastapi_venv;
use std::path::Path;
use std::process::Command;

#[test]
fn the_python_sdks_unit_tests_pass_under_cpython() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(fastapi_venv().join("bin/python"))
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg("guest-sdk/python/tests")
        .env("PYTHONPATH", root.join("guest-sdk/python"))
        // Nothing written into the work tree.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .current_dir(&root)
        .output()
        .expect("cannot run pytest");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    let summary = text.lines().last().unwrap_or_default();
    assert!(
        summary.contains(" passed") && !summary.contains("failed"),
        "{text}"
    );
}
