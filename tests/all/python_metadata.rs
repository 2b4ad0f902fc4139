//! What a Python app says of itself in `FastAPI(...)` — FastAPI's metadata tutorials' title,
//! summary, description, version, terms of service, contact, license, tags, servers and
//! external docs (`tests/guests/py_lab/app_metadata.py`) — in the document the host serves and
//! on its docs page, compared with the document FastAPI makes from the same keywords.

use crate::support::{Server, built, fastapi_json, get, get_json, shared_cache};

#[tokio::test]
async fn the_app_is_documented_as_fastapi_documents_it() {
    let server = Server::start_at(&built("tests/guests/py_lab"), &[], &shared_cache());
    let (status, served) = get_json(server.url("/openapi.json")).await;
    assert_eq!(status, 200, "{served}");
    let theirs = fastapi_json(
        "tests/guests/py_lab",
        "import json, app_metadata; from fastapi import FastAPI; \
         print(json.dumps(FastAPI(**app_metadata.METADATA).openapi()))",
        &[],
    );
    for field in ["info", "tags", "servers", "externalDocs"] {
        assert!(
            !theirs[field].is_null(),
            "FastAPI wrote no `{field}`: {theirs}"
        );
        assert_eq!(served[field], theirs[field], "`{field}`");
    }
    // The docs page is titled after the app, as FastAPI's is.
    let (status, _, page) = get(server.url("/docs")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("<title>ChimichangApp - Swagger UI</title>"),
        "{page}"
    );
}
