//! The API documents itself: `/openapi.json` built from what components declare, the same
//! document FastAPI makes for the same Python code, valid OpenAPI 3.1 for every example, the
//! Swagger UI and ReDoc pages served offline, and `fastwasm openapi`.

use crate::support::{
    Server, app, built, client, fastapi_openapi, get, get_json, pinned_venv, run, shared_cache,
};
use fastwasm_test_artifacts::HELLO;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The document FastAPI itself makes for `examples/py-items/fastapi_twin.py`.
fn fastapi_document() -> Value {
    fastapi_openapi("examples/py-items", "fastapi_twin")
}

/// Where `ours` and `theirs` differ, one line per JSON path.
fn differences(path: &str, ours: &Value, theirs: &Value, found: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                match b.get(key) {
                    Some(other) => differences(&format!("{path}/{key}"), value, other, found),
                    None => found.push(format!("{path}/{key}: only fastwasm has {value}")),
                }
            }
            for (key, value) in b {
                if !a.contains_key(key) {
                    found.push(format!("{path}/{key}: only FastAPI has {value}"));
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{path}/{index}"), x, y, found);
            }
        }
        (a, b) if a == b => {}
        // `3.5` and `3.50` are one number; serializers differ only in how they print floats.
        (Value::Number(a), Value::Number(b)) if a.as_f64() == b.as_f64() => {}
        (a, b) => found.push(format!("{path}: fastwasm {a}, FastAPI {b}")),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn py_items_documents_itself_as_fastapi_does() {
    let server = Server::start_at(&built("examples/py-items"), &[], &shared_cache());
    let (status, served) = get_json(server.url("/openapi.json")).await;
    assert_eq!(status, 200);
    let theirs = fastapi_document();
    // `info` is the app's, from the manifest (FastAPI's comes from `FastAPI(title=…)`, whose
    // default is "FastAPI").
    assert_eq!(
        served["info"],
        json!({ "title": "py-items", "version": "0.1.0" })
    );
    let mut found = Vec::new();
    differences("", &served, &theirs, &mut found);
    found.retain(|line| !line.starts_with("/info/"));
    assert!(
        found.is_empty(),
        "the documents differ:\n{}",
        found.join("\n")
    );
}

/// `openapi-spec-validator` from PyPI, in a venv of its own.
fn validator() -> PathBuf {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let venv = VENV
        .get_or_init(|| {
            pinned_venv(
                "openapi-venv",
                "openapi-spec-validator==0.8.4\nPyYAML==6.0.4\n",
            )
        })
        .clone()
        .unwrap_or_else(|err| panic!("{err}"));
    venv.join("bin/python")
}

/// What the validator says of `document`: `None` when it is valid OpenAPI 3.1.
fn invalidity(document: &Value) -> Option<String> {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), document.to_string()).unwrap();
    let output = Command::new(validator())
        .args(["-m", "openapi_spec_validator", "--schema", "3.1"])
        .arg(file.path())
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (!output.status.success() || !said.contains("OK")).then_some(said)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_example_serves_a_valid_openapi_31_document() {
    for example in [
        "examples/py-items",
        "examples/hello",
        "examples/burgers",
        "examples/auth",
        "examples/js-hello",
    ] {
        let server = Server::start_at(&built(example), &[], &shared_cache());
        let (status, document) = get_json(server.url("/openapi.json")).await;
        assert_eq!(status, 200, "{example}");
        assert_eq!(document["openapi"], "3.1.0");
        assert!(
            document["paths"].as_object().is_some_and(|p| !p.is_empty()),
            "{example}: {document}"
        );
        if let Some(said) = invalidity(&document) {
            panic!("{example}: the document is not valid OpenAPI 3.1:\n{said}\n{document:#}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_validator_tells_a_broken_document() {
    // The check above means something only if the validator refuses what is wrong.
    let broken = json!({ "openapi": "3.1.0", "info": { "title": "x" }, "paths": { "items": {} } });
    assert!(invalidity(&broken).is_some());
}

#[test]
fn fastwasm_openapi_prints_the_served_document_as_json_or_yaml() {
    let example = built("examples/py-items");
    let example = example.to_str().unwrap();
    let cache = shared_cache();
    let cache_dir = format!("--cache-dir={}", cache.display());
    let output = run(&["openapi", example, &cache_dir]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        printed["paths"]["/items/{item_id}"]["get"]["summary"],
        "Read Item"
    );

    let yaml = run(&["openapi", example, "--yaml", &cache_dir]);
    assert!(
        yaml.status.success(),
        "{}",
        String::from_utf8_lossy(&yaml.stderr)
    );
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &yaml.stdout).unwrap();
    let parsed = Command::new(validator())
        .args([
            "-c",
            "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))",
        ])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(
        parsed.status.success(),
        "{}",
        String::from_utf8_lossy(&parsed.stderr)
    );
    let from_yaml: Value = serde_json::from_slice(&parsed.stdout).unwrap();
    assert_eq!(from_yaml, printed);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reload_changes_the_document() {
    let dir = app(&[("hello", HELLO, "/v1")], "");
    let manifest = dir.path().join("fastwasm.toml");
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    let (_, before) = get_json(server.url("/openapi.json")).await;
    assert_eq!(before["info"]["title"], "test-app");
    assert!(
        before["paths"].get("/v1/items/{item_id}").is_some(),
        "{before:#}"
    );

    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text
        .replace(
            "name = \"test-app\"",
            "name = \"test-app\"\ntitle = \"Shop\"\nversion = \"2.0.0\"",
        )
        .replace("prefix = \"/v1\"", "prefix = \"/v2\"");
    std::fs::write(&manifest, text).unwrap();
    server.signal("HUP");
    let start = Instant::now();
    let after = loop {
        let (_, document) = get_json(server.url("/openapi.json")).await;
        if document["info"]["title"] == "Shop" {
            break document;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{}",
            server.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(after["info"]["version"], "2.0.0");
    assert!(
        after["paths"].get("/v2/items/{item_id}").is_some(),
        "{after:#}"
    );
    assert!(after["paths"].get("/v1/items/{item_id}").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn swagger_ui_and_redoc_are_served_from_the_binary() {
    let server = Server::start_at(&built("examples/py-items"), &[], &shared_cache());
    let page = |path: &'static str| {
        let url = server.url(path);
        async move {
            let (status, headers, body) = get(url).await;
            (
                status,
                headers["content-type"].to_str().unwrap().to_owned(),
                body,
            )
        }
    };
    let (status, content_type, docs) = page("/docs").await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/html; charset=utf-8")
    );
    assert!(
        docs.contains("<title>py-items - Swagger UI</title>"),
        "{docs}"
    );
    assert!(docs.contains(r#"<script src="/docs/swagger-ui-bundle.js"></script>"#));
    assert!(docs.contains(r#"url: "/openapi.json""#));
    assert!(
        docs.contains(r#"oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect""#)
    );
    assert!(
        !docs.contains("https://"),
        "the page loads nothing from elsewhere: {docs}"
    );

    let (status, content_type, bundle) = page("/docs/swagger-ui-bundle.js").await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/javascript; charset=utf-8")
    );
    assert!(bundle.contains("SwaggerUIBundle") && bundle.len() > 500_000);
    let (status, content_type, css) = page("/docs/swagger-ui.css").await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/css; charset=utf-8")
    );
    assert!(css.contains(".swagger-ui"));
    let (status, _, redirect) = page("/docs/oauth2-redirect").await;
    assert_eq!(status, 200);
    assert!(
        redirect.contains(r#"<script src="oauth2-redirect.js"></script>"#),
        "{redirect}"
    );
    let (status, _, redirect_js) = page("/docs/oauth2-redirect.js").await;
    assert_eq!(status, 200);
    assert!(
        redirect_js.contains("swaggerUIRedirectOauth2"),
        "{redirect_js}"
    );

    let (status, content_type, redoc) = page("/redoc").await;
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/html; charset=utf-8")
    );
    assert!(redoc.contains("<title>py-items - ReDoc</title>"));
    assert!(redoc.contains(r#"Redoc.init("/openapi.json""#));
    assert!(
        !redoc.contains("<script src=\"http"),
        "ReDoc's script is in the page"
    );

    let response = client().post(server.url("/docs")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    let (status, _, _) = page("/docs/nothing-here").await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_table_moves_or_turns_off_each_page() {
    let dir = app(
        &[("hello", HELLO, "")],
        "openapi_url = \"/api/openapi.json\"\ndocs_url = \"\"\nredoc_url = \"/api/redoc\"",
    );
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    let status = |path: &'static str| {
        let url = server.url(path);
        async move { get(url).await.0 }
    };
    assert_eq!(status("/api/openapi.json").await, 200);
    assert_eq!(status("/openapi.json").await, 404);
    assert_eq!(status("/docs").await, 404);
    assert_eq!(status("/redoc").await, 404);
    let (_, _, redoc) = get(server.url("/api/redoc")).await;
    assert!(redoc.contains(r#"Redoc.init("/api/openapi.json""#));

    let dir = app(&[("hello", HELLO, "")], "openapi_url = \"\"");
    let server = Server::start_at(dir.path(), &[], &shared_cache());
    for path in ["/openapi.json", "/docs", "/redoc"] {
        let (status, _, _) = get(server.url(path)).await;
        assert_eq!(status, 404, "{path}: no document, no pages");
    }
}

#[test]
fn a_route_where_the_docs_are_served_is_a_load_error() {
    let dir = app(&[("hello", HELLO, "")], "docs_url = \"/hello\"");
    let output = run(&["check", dir.path().to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("the route `/hello` is where the host serves the API's docs (`docs_url`)"),
        "{stderr}"
    );
    let output = run(&[
        "check",
        dir.path().to_str().unwrap(),
        "--docs-url",
        "/api-docs",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
