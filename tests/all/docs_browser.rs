//! `/docs` in a real browser: headless Chromium (Debian's `chromium` package, installed by the
//! suite when missing) opens Swagger UI as the host serves it for `examples/py-items`, driven by
//! `playwright-core` from npm through `tests/browser/docs.mjs`. What a user sees is asserted
//! here, from the JSON the driver prints: every operation listed with its method and path, and
//! "Try it out" then "Execute" on `GET /items/{item_id}` showing the live 200 with the item.
//!
//! The driver is installed with `npm ci` from its lock into `target/browser-driver` (again only
//! when the lock changes), so nothing is written under `tests/`. A full-page screenshot taken
//! after the execution is left at `target/test-output/docs.png` for a person to look at.

use crate::support::{Server, built, debian_package, shared_cache};
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// Debian's wrapper script for the browser, which sets its flags and library path.
const CHROMIUM: &str = "/usr/bin/chromium";

/// The files of the driver, copied from `tests/browser` next to its `node_modules`.
const DRIVER_FILES: [&str; 3] = ["package.json", "package-lock.json", "docs.mjs"];

/// Each wait of the page (load, render, the executed request); the driver's whole run is bounded
/// by four of them, and this test kills it after six.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// Every operation of `examples/py-items/main.py`, as Swagger UI labels them.
const OPERATIONS: [(&str, &str); 9] = [
    ("GET", "/"),
    ("GET", "/items/"),
    ("GET", "/items/{item_id}"),
    ("POST", "/items/"),
    ("PUT", "/items/{item_id}"),
    ("GET", "/slow"),
    ("GET", "/users/"),
    ("GET", "/users/me"),
    ("GET", "/users/{username}"),
];

/// Chromium, installed once per run when missing.
fn chromium() -> &'static str {
    static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
    let result =
        INSTALLED.get_or_init(|| debian_package("chromium", "chromium", "the browser tests"));
    if let Err(err) = result {
        panic!("{err}");
    }
    CHROMIUM
}

/// `target/browser-driver`: the driver with its locked packages, installed once per run and
/// only when the lock differs from the one installed last.
fn driver() -> PathBuf {
    static DRIVER: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let result = DRIVER.get_or_init(|| {
        let source = Path::new(REPO).join("tests/browser");
        let dir = Path::new(REPO).join("target/browser-driver");
        std::fs::create_dir_all(&dir).map_err(|err| err.to_string())?;
        let lock = std::fs::read_to_string(source.join("package-lock.json"))
            .map_err(|err| format!("tests/browser/package-lock.json: {err}"))?;
        // The script is copied every run: it must sit beside `node_modules` to import from it.
        for file in DRIVER_FILES {
            std::fs::copy(source.join(file), dir.join(file))
                .map_err(|err| format!("copying tests/browser/{file}: {err}"))?;
        }
        let marker = dir.join("installed-lock.json");
        if std::fs::read_to_string(&marker).ok().as_deref() == Some(lock.as_str()) {
            return Ok(dir);
        }
        eprintln!("installing the browser driver with npm ci …");
        let installed = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .stdin(Stdio::null())
            .output()
            .map_err(|err| format!("cannot run npm: {err}"))?;
        if !installed.status.success() {
            return Err(format!(
                "`npm ci` in {} failed ({}):\n{}",
                dir.display(),
                installed.status,
                String::from_utf8_lossy(&installed.stderr)
            ));
        }
        std::fs::write(&marker, &lock).map_err(|err| err.to_string())?;
        Ok(dir)
    });
    result.clone().unwrap_or_else(|err| panic!("{err}"))
}

/// Runs `command` to completion, killing it after `limit`: a browser that hangs fails the test
/// instead of stalling the suite.
fn output_within(command: &mut Command, limit: Duration) -> Output {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start node");
    // Read both pipes while waiting, so a chatty process never blocks on a full one.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the browser driver did not finish within {limit:?}; its stderr:\n{}",
                String::from_utf8_lossy(&stderr.join().unwrap())
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

#[test]
fn docs_lists_every_operation_and_try_it_out_runs_one_against_the_host() {
    let chromium = chromium();
    let driver = driver();
    let server = Server::start_at(&built("examples/py-items"), &[], &shared_cache());
    let output_dir = Path::new(REPO).join("target/test-output");
    std::fs::create_dir_all(&output_dir).unwrap();
    // Canonical, so the path printed for a person to open has no `host/..` in it.
    let screenshot = output_dir.canonicalize().unwrap().join("docs.png");
    let _ = std::fs::remove_file(&screenshot);

    let output = output_within(
        Command::new("node")
            .arg(driver.join("docs.mjs"))
            .args(["--url", &server.url("/docs"), "--chromium", chromium])
            .arg("--screenshot")
            .arg(&screenshot)
            .args(["--method", "get", "--path", "/items/{item_id}"])
            .args(["--param", "item_id", "--value", "plumbus"])
            .args(["--timeout-ms", &STEP_TIMEOUT.as_millis().to_string()])
            .current_dir(&driver),
        STEP_TIMEOUT * 6,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let seen: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|err| {
        panic!(
            "the driver printed no JSON ({err}, {}):\n{stdout}\n{stderr}",
            output.status
        )
    });
    println!("screenshot of /docs: {}", screenshot.display());
    assert!(
        seen["error"].is_null() && output.status.success(),
        "the driver failed ({}): {}\nwhat it saw: {seen:#}\nits stderr:\n{stderr}\nthe host's log:\n{}",
        output.status,
        seen["error"].as_str().unwrap_or_default(),
        server.logs()
    );

    // Every operation, once, with the method and path a user reads on the page.
    let mut listed: Vec<(String, String)> = seen["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|operation| {
            (
                operation["method"].as_str().unwrap_or_default().to_owned(),
                operation["path"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    listed.sort();
    let mut expected: Vec<(String, String)> = OPERATIONS
        .iter()
        .map(|(method, path)| (method.to_string(), path.to_string()))
        .collect();
    expected.sort();
    assert_eq!(listed, expected, "the operations listed on /docs");

    // "Execute" sent the request to the host itself, and the page shows its answer.
    let execution = &seen["execution"];
    let request_url = execution["requestUrl"].as_str().unwrap_or_default();
    assert!(
        request_url.starts_with(&server.url("/items/plumbus")),
        "the request Swagger UI sent: {execution:#}"
    );
    assert_eq!(execution["status"], "200", "{execution:#}");
    let body = execution["body"].as_str().unwrap_or_default();
    assert!(body.contains("Plumbus"), "the response body shown: {body}");

    // Swagger UI's assets come from the host, not from a CDN: the page works offline.
    assert_eq!(
        seen["foreignRequests"],
        serde_json::json!([]),
        "/docs loaded from other origins"
    );
    assert!(
        std::fs::metadata(&screenshot).is_ok_and(|meta| meta.len() > 0),
        "no screenshot at {}",
        screenshot.display()
    );
}
