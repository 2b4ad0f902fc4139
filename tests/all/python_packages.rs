//! A Python app's packages from the package index: `tests/guests/py_packages` lists them in a
//! `requirements.txt` as a FastAPI project does (`fastapi` and `uvicorn` among them, which
//! fastwasm provides), `fastwasm build` installs the pure-Python ones for the component's
//! Python, transitive ones included, and the component imports them; a rebuild reuses the
//! install; a native extension fails the build naming the package, before any component builds.

use crate::support::{Server, build_log, built, get_json, python_app, shared_cache};
use serde_json::json;

const APP: &str = "tests/guests/py_packages";

#[tokio::test(flavor = "multi_thread")]
async fn listed_packages_are_installed_and_imported() {
    let server = Server::start_at(&built(APP), &[], &shared_cache());
    let (status, body) = get_json(server.url("/size?bytes=3000000")).await;
    assert_eq!(
        (status, body),
        (200, json!({ "size": "3.0 MB", "version": "4.17.0" }))
    );
    // python-slugify, and text-unidecode, which it needs and the file does not list.
    let (status, body) =
        get_json(server.url("/slug?text=H%C3%A9llo%20W%C3%B6rld%20%E2%80%94%20ok")).await;
    assert_eq!((status, body), (200, json!({ "slug": "hello-world-ok" })));

    // Built again: the install is reused, and the file's server and FastAPI are skipped.
    let (ok, log) = build_log(&built(APP));
    assert!(ok, "{log}");
    assert!(
        log.contains("requirements.txt: not installing fastapi, uvicorn: fastwasm provides them"),
        "{log}"
    );
    assert!(
        log.contains("requirements.txt: Python packages installed before"),
        "{log}"
    );
}

#[test]
fn a_native_package_fails_the_build_naming_it() {
    let dir = python_app(&[
        (
            "main.py",
            "import orjson\nfrom fastwasm import FastAPI\napp = FastAPI()\n",
        ),
        ("requirements.txt", "humanize==4.17.0\norjson\n"),
    ]);
    let (ok, log) = build_log(dir.path());
    assert!(!ok, "{log}");
    assert!(
        log.contains(
            "requirements.txt: `orjson` has no pure-Python wheel for Python 3.14 on the package \
             index: it is a native extension (or published as source only), and a component \
             runs Python code only."
        ),
        "{log}"
    );
    // It fails before the component is built, not at its import.
    assert!(!log.contains("building (1/1)"), "{log}");

    // A line pip could not be given is refused with its number.
    std::fs::write(dir.path().join("requirements.txt"), "humanize\n-e ../lib\n").unwrap();
    let (ok, log) = build_log(dir.path());
    assert!(!ok, "{log}");
    assert!(
        log.contains("requirements.txt line 2: `-e ../lib` is not supported by `fastwasm build`"),
        "{log}"
    );
}
