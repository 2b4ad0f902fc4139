//! Standard wasi:http components — a 0.2 `proxy` and a 0.3 `service`, written against the
//! standard interfaces alone — answer under their prefix beside an SDK component, held to the
//! same limits, logged and counted as any component, and swapped by a reload.

use crate::support::{Server, client, get, get_json, run, send, shared_cache};
use fastwasm_test_artifacts::{HELLO, STANDARD_P2, STANDARD_P3};
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// A manifest serving `hello` at the root, `legacy` (p2) under `/legacy` and `modern` (p3)
/// under `/modern`, with `server` settings.
fn mixed_manifest(server: &str) -> String {
    format!(
        "name = \"mixed\"\n\n[server]\n{server}\n\n\
         [[component]]\nname = \"hello\"\npath = {HELLO:?}\n\n\
         [[component]]\nname = \"legacy\"\npath = {STANDARD_P2:?}\nworld = \"wasi:http/proxy\"\n\
         prefix = \"/legacy\"\n\n\
         [[component]]\nname = \"modern\"\npath = {STANDARD_P3:?}\nworld = \"wasi:http/service\"\n\
         prefix = \"/modern\"\n"
    )
}

fn app_with(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fastwasm.toml"), manifest).unwrap();
    dir
}

/// The `key=value` lines the echo components answer with.
fn field<'a>(body: &'a str, key: &str) -> &'a str {
    body.lines()
        .find_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_else(|| panic!("no `{key}` in {body:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn standard_components_answer_under_their_prefix_beside_sdk_ones() {
    let dir = app_with(&mixed_manifest(""));
    let server = Server::start_at(dir.path(), &[], &shared_cache());

    let (status, headers, body) = get(server.url("/legacy/items/7?q=1")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["x-world"], "proxy");
    assert_eq!(headers["content-type"], "text/plain");
    assert!(body.starts_with("hello from p2\n"), "{body}");
    assert_eq!(field(&body, "method"), "GET");
    assert_eq!(field(&body, "path"), "/items/7?q=1");
    assert_eq!(field(&body, "prefix"), "/legacy");

    // The prefix alone is the component's root.
    let (status, _, body) = get(server.url("/legacy")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(field(&body, "path"), "/");

    // A client cannot say where the component is mounted.
    let (status, _, body) = send(
        client()
            .post(server.url("/legacy/submit"))
            .header("x-forwarded-prefix", "/elsewhere")
            .body("name=fastwasm"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(field(&body, "method"), "POST");
    assert_eq!(field(&body, "prefix"), "/legacy");
    assert_eq!(field(&body, "body"), "name=fastwasm");

    // The 0.3 component returns its response, then writes the body from a task of its own.
    let (status, headers, body) = get(server.url("/modern/a/b")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(headers["x-world"], "service");
    assert!(body.starts_with("hello from p3\n"), "{body}");
    assert_eq!(field(&body, "path"), "/a/b");
    assert_eq!(field(&body, "prefix"), "/modern");

    // The SDK component keeps its own routes, validation included.
    let (status, _, body) = get(server.url("/items/5")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"item_id\":5"), "{body}");
    let (status, _, _) = get(server.url("/items/five")).await;
    assert_eq!(status, 422);

    // The document shows each mount as one opaque path beside the SDK component's operations.
    let (status, document) = get_json(server.url("/openapi.json")).await;
    assert_eq!(status, 200, "{document}");
    assert!(
        document["paths"]["/items/{item_id}"]["get"].is_object(),
        "{document}"
    );
    let mount = &document["paths"]["/legacy/{path}"];
    assert_eq!(mount["summary"], "Everything under /legacy", "{mount}");
    assert_eq!(mount["parameters"][0]["name"], "path");
    assert_eq!(mount["parameters"][0]["in"], "path");
    assert_eq!(mount["get"]["operationId"], "legacy_get");
    assert_eq!(mount["post"]["tags"], json!(["legacy"]));
    assert_eq!(
        mount["delete"]["responses"]["default"]["description"],
        "Whatever the component answers"
    );
    assert!(
        document["paths"]["/modern/{path}"]["put"].is_object(),
        "{document}"
    );

    // A prefix matches whole segments: `/legacyx` is nobody's.
    let (status, _, body) = get(server.url("/legacyx/items/1")).await;
    assert_eq!(status, 404, "{body}");

    // Many concurrent requests, each on an instance of its own.
    let calls: Vec<_> = (0..32)
        .map(|i| {
            let url = server.url(&format!("/modern/n/{i}"));
            tokio::spawn(async move { get(url).await })
        })
        .collect();
    for (i, call) in calls.into_iter().enumerate() {
        let (status, _, body) = call.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert_eq!(field(&body, "path"), format!("/n/{i}"));
    }

    // The access log and the metrics name the component, and `*` for its operation.
    server.expect_log("GET /legacy/items/7 200");
    let line = server
        .logs()
        .lines()
        .find(|line| line.contains("GET /modern/a/b 200"))
        .map(str::to_owned)
        .unwrap();
    assert!(line.contains("component=modern"), "{line}");
    assert!(line.contains("operation=*"), "{line}");
    let (_, _, metrics) = get(server.url("/_fastwasm/metrics")).await;
    assert!(
        metrics.contains(
            "fastwasm_http_requests_total{component=\"modern\",operation=\"*\",method=\"GET\",\
             status=\"200\"} 33"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("fastwasm_instances{component=\"modern\",reuse=\"request\"} 0"),
        "every per-request instance is gone once its request is:\n{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_or_overfed_standard_component_is_answered_as_any_other() {
    let dir = app_with(&mixed_manifest(
        "max_body_bytes = 1024\nrequest_timeout = \"5s\"",
    ));
    let server = Server::start_at(dir.path(), &[], &shared_cache());

    let (status, _, _) = get(server.url("/legacy/panic")).await;
    assert_eq!(status, 500);
    let line = server
        .wait_for_log(
            &["guest failed", "component=legacy"],
            Duration::from_secs(10),
        )
        .expect("the failure is logged");
    assert!(line.contains("operation=*"), "{line}");

    // Declared too large: refused before the component starts.
    let (status, _, _) = send(
        client()
            .post(server.url("/legacy/up"))
            .body(vec![b'x'; 4096]),
    )
    .await;
    assert_eq!(status, 413);
    // Streamed without a length: refused once the component has read past the limit.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..8).map(|_| Ok(vec![b'y'; 512])).collect();
    let body = reqwest::Body::wrap_stream(futures::stream::iter(chunks));
    let (status, _, _) = send(client().post(server.url("/legacy/up")).body(body)).await;
    assert_eq!(status, 413);
    // Within the limit, the component reads it all.
    let (status, _, body) = send(
        client()
            .post(server.url("/legacy/up"))
            .body("z".repeat(1000)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(field(&body, "body").len(), 1000);

    // The failure left the rest of the app serving.
    let (status, _, body) = get(server.url("/modern/")).await;
    assert_eq!(status, 200, "{body}");
    let (status, _, _) = get(server.url("/items/1")).await;
    assert_eq!(status, 200);
}

/// Rewrites the manifest in `dir` the way editors do, replacing the file.
fn rewrite(dir: &Path, manifest: &str) {
    let tmp = dir.join("fastwasm.toml.partial");
    std::fs::write(&tmp, manifest).unwrap();
    std::fs::rename(tmp, dir.join("fastwasm.toml")).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reload_swaps_a_proxy_for_a_service_under_the_same_prefix() {
    let one = |wasm: &str, world: &str| {
        format!(
            "name = \"swap\"\n\n[[component]]\nname = \"edge\"\npath = {wasm:?}\n\
             world = \"{world}\"\nprefix = \"/edge\"\n"
        )
    };
    let dir = app_with(&one(STANDARD_P2, "wasi:http/proxy"));
    let server = Server::start_at(dir.path(), &["--watch"], &shared_cache());
    let (status, _, body) = get(server.url("/edge/x")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("hello from p2\n"), "{body}");

    // A world that does not match the component is refused, and the old one serves on.
    rewrite(dir.path(), &one(STANDARD_P2, "wasi:http/service"));
    let line = server
        .wait_for_log(&["reload failed"], Duration::from_secs(60))
        .expect("the bad manifest is reported");
    assert!(
        line.contains("does not export `wasi:http/handler@0.3`"),
        "{line}\n{}",
        server.logs()
    );
    let (status, _, body) = get(server.url("/edge/x")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("hello from p2\n"), "{body}");

    rewrite(dir.path(), &one(STANDARD_P3, "wasi:http/service"));
    server
        .wait_for_body(
            "/edge/x",
            "hello from p3\nmethod=GET\npath=/x\nprefix=/edge\n",
            Duration::from_secs(60),
        )
        .await;
}

#[test]
fn routes_show_each_mount_as_a_catch_all() {
    let dir = app_with(&mixed_manifest(""));
    let cache = shared_cache();
    let output = run(&[
        "routes",
        dir.path().to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert!(
        rows.contains(&vec![
            "GET",
            "/items/{item_id}",
            "read_item",
            "async",
            "hello",
            "-"
        ]),
        "{table}"
    );
    let mounts: Vec<_> = rows.iter().filter(|row| row[0] == "*").collect();
    assert_eq!(
        mounts,
        [
            &vec![
                "*",
                "/legacy/{path:path}",
                "*",
                "wasi:http/proxy",
                "legacy",
                "-"
            ],
            &vec![
                "*",
                "/modern/{path:path}",
                "*",
                "wasi:http/service",
                "modern",
                "-"
            ],
        ],
        "{table}"
    );
}

#[test]
fn a_standard_world_without_a_prefix_or_with_dependencies_is_refused() {
    let cache = shared_cache();
    let check = |manifest: &str| {
        let dir = app_with(manifest);
        let output = run(&[
            "check",
            dir.path().to_str().unwrap(),
            "--cache-dir",
            cache.to_str().unwrap(),
        ]);
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{text}");
        text
    };
    let text = check(&format!(
        "[[component]]\nname = \"edge\"\npath = {STANDARD_P2:?}\nworld = \"wasi:http/proxy\"\n"
    ));
    assert!(
        text.contains(
            "component `edge`: a `wasi:http/proxy` component answers every path under its \
             `prefix`; give it one, such as `prefix = \"/edge\"`"
        ),
        "{text}"
    );
    let text = check(&format!(
        "[[component]]\nname = \"edge\"\npath = {STANDARD_P2:?}\nworld = \"wasi:http/proxy\"\n\
         prefix = \"/edge\"\ndependencies = [\"db\"]\n"
    ));
    assert!(text.contains("takes no `dependencies`"), "{text}");
    let text = check(&format!(
        "[[component]]\nname = \"edge\"\npath = {STANDARD_P2:?}\nworld = \"wasi:http/proxy@0.2\"\n\
         prefix = \"/edge\"\n"
    ));
    assert!(
        text.contains("unknown world `wasi:http/proxy@0.2`"),
        "{text}"
    );
    // Served as an SDK component, a standard one is named for what it is.
    for (wasm, world) in [
        (STANDARD_P2, "wasi:http/proxy"),
        (STANDARD_P3, "wasi:http/service"),
    ] {
        let text = check(&format!(
            "[[component]]\nname = \"edge\"\npath = {wasm:?}\n"
        ));
        assert!(
            text.contains(&format!(
                "it is a standard wasi:http component, not one built with a fastwasm guest SDK: \
                 serve it with `world = \"{world}\"` and a `prefix` in its manifest entry"
            )),
            "{text}"
        );
    }
    // Two mounts may not overlap.
    let text = check(&format!(
        "[[component]]\nname = \"a\"\npath = {STANDARD_P2:?}\nworld = \"wasi:http/proxy\"\n\
         prefix = \"/edge\"\n\n[[component]]\nname = \"b\"\npath = {STANDARD_P3:?}\n\
         world = \"wasi:http/service\"\nprefix = \"/edge/v3\"\n"
    ));
    assert!(
        text.contains(
            "components `a` and `b` are mounted at `/edge` and `/edge/v3`: one would answer \
             the other's paths; give them prefixes apart"
        ),
        "{text}"
    );
    // Nor may a mount take an operation's route, or the host's own paths.
    let text = check(&format!(
        "[[component]]\nname = \"hello\"\npath = {HELLO:?}\n\n[[component]]\nname = \"edge\"\n\
         path = {STANDARD_P2:?}\nworld = \"wasi:http/proxy\"\nprefix = \"/items\"\n"
    ));
    assert!(
        text.contains(
            "component `edge` answers every path under `/items`, and operation `read_item` of \
             component `hello` has the route `/items/{item_id}` there; move one of them"
        ),
        "{text}"
    );
    let text = check(&format!(
        "[[component]]\nname = \"edge\"\npath = {STANDARD_P2:?}\nworld = \"wasi:http/proxy\"\n\
         prefix = \"/_fastwasm/edge\"\n"
    ));
    assert!(
        text.contains("which the host keeps for its own endpoints"),
        "{text}"
    );
    let text = check(&format!(
        "[[component]]\nname = \"edge\"\npath = {STANDARD_P2:?}\nworld = \"wasi:http/proxy\"\n\
         prefix = \"/docs\"\n"
    ));
    assert!(
        text.contains("where the host serves the API's docs at `/docs`"),
        "{text}"
    );
}
