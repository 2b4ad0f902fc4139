//! A component written against the WIT contract directly, without the SDK, so it can declare
//! what the SDK would refuse to. It exports only the sync `handler` yet declares an async
//! operation, which the host must refuse to load; with the environment variable
//! `DECLARE=interim-status`, it declares a sync operation whose status is 103 instead.

wit_bindgen::generate!({
    path: "../../../wit",
    inline: r#"
        package test:mismatch;

        world mismatch {
            export fastwasm:app/metadata@0.1.0;
            export fastwasm:app/handler@0.1.0;
        }
    "#,
    world: "test:mismatch/mismatch",
    generate_all,
});

use exports::fastwasm::app::{handler, metadata};
use fastwasm::app::types::{
    AppInfo, Dependency, HttpError, Operation, OperationKind, Request, Response,
};

struct Mismatch;

impl metadata::Guest for Mismatch {
    fn describe() -> AppInfo {
        let interim = std::env::var("DECLARE").is_ok_and(|mode| mode == "interim-status");
        let (kind, status_code) = if interim {
            (OperationKind::Sync, 103)
        } else {
            (OperationKind::Async, 200)
        };
        AppInfo {
            operations: vec![Operation {
                id: "late".into(),
                method: "GET".into(),
                path: "/late".into(),
                summary: None,
                description: None,
                tags: Vec::new(),
                kind,
                params: Vec::new(),
                body: None,
                status_code,
                response_schema: None,
                dependencies: Vec::new(),
                openapi: None,
                answers_invalid: false,
            }],
            providers: Vec::new(),
            openapi: None,
        }
    }
}

impl handler::Guest for Mismatch {
    fn handle(_req: Request, _deps: Vec<Dependency>) -> Result<Response, HttpError> {
        Ok(Response {
            status: 200,
            headers: Vec::new(),
            body: b"never served".to_vec(),
        })
    }
}

// Component export names only link on wasm; natively the crate just type-checks.
#[cfg(target_family = "wasm")]
export!(Mismatch);
#[cfg(not(target_family = "wasm"))]
const _: () = {
    let _ = <Mismatch as metadata::Guest>::describe;
    let _ = <Mismatch as handler::Guest>::handle;
};
