//! `fastwasm dev` with a real Rust component: editing its source rebuilds it with cargo and
//! serves the new behaviour; a build that fails is shown and the last good version keeps serving.

use crate::support::{Server, get, shared_cache};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

fn handler(answer: &str) -> String {
    format!(
        "use fastwasm_guest::prelude::*;\n\n#[fastwasm_guest::app]\nmod api {{\n    use super::*;\n\n    \
         #[get(\"/\")]\n    fn answer() -> &'static str {{\n        \"{answer}\"\n    }}\n}}\n"
    )
}

/// A component crate in its own workspace under the test target folder (so the repository's
/// pinned toolchain applies), with a build target shared across runs to keep rebuilds quick.
fn dev_app() -> (tempfile::TempDir, PathBuf) {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let target = tmp.join("dev-target");
    let dir = tempfile::tempdir_in(&tmp).unwrap();
    let sdk = Path::new(REPO).join("guest-sdk/rust");
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"devapp\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [lib]\ncrate-type = [\"cdylib\"]\n\n[dependencies]\nfastwasm-guest = {{ path = {:?} }}\n\n\
             [workspace]\n",
            sdk.display().to_string()
        ),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), handler("before")).unwrap();
    let wasm = target.join("wasm32-wasip2/release/devapp.wasm");
    std::fs::write(
        dir.path().join("fastwasm.toml"),
        format!(
            "[[component]]\nname = \"devapp\"\npath = {:?}\n\
             build = \"cargo build --quiet --target wasm32-wasip2 --release --target-dir {}\"\n",
            wasm.display().to_string(),
            target.display()
        ),
    )
    .unwrap();
    (dir, wasm)
}

async fn answer(server: &Server) -> String {
    get(server.url("/")).await.2
}

#[tokio::test(flavor = "multi_thread")]
async fn editing_the_source_serves_the_new_behaviour() {
    let (dir, _wasm) = dev_app();
    // The first build compiles the SDK's dependencies for wasm: allow for a cold machine.
    let server = Server::launch(
        "dev",
        dir.path(),
        &[],
        &shared_cache(),
        Duration::from_secs(600),
    );
    assert_eq!(answer(&server).await, "before");

    std::fs::write(dir.path().join("src/lib.rs"), handler("after")).unwrap();
    server
        .wait_for_body("/", "after", Duration::from_secs(300))
        .await;
    assert!(server.logs().contains("devapp"), "{}", server.logs());

    // A broken edit: the build error is shown, the last good version keeps serving.
    std::fs::write(dir.path().join("src/lib.rs"), "this is not rust").unwrap();
    let start = Instant::now();
    while !server
        .logs()
        .contains("build failed, still serving the previous version")
    {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "{}",
            server.logs()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        server.logs().contains("[devapp]"),
        "build output is tagged: {}",
        server.logs()
    );
    assert_eq!(answer(&server).await, "after");
}
