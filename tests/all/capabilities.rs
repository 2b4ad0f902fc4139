//! Guests get clocks, random and a log; environment, files and network only when granted.

use crate::support::{Server, get, shared_cache};
use fastwasm_test_artifacts::FAULTS;

#[tokio::test]
async fn nothing_is_granted_by_default() {
    let server = Server::start(&[("faults", FAULTS, "")], &[]);
    let (_, _, body) = get(server.url("/env?name=PATH")).await;
    assert_eq!(body, "<unset>");
    let (_, _, body) = get(server.url("/file?path=/data/note.txt")).await;
    assert!(body.starts_with("<error:"), "{body}");
}

#[tokio::test]
async fn the_manifest_grants_env_and_read_only_dirs() {
    let app = tempfile::tempdir().unwrap();
    std::fs::create_dir(app.path().join("data")).unwrap();
    std::fs::write(app.path().join("data/note.txt"), "granted").unwrap();
    let manifest = format!(
        "[[component]]\nname = \"faults\"\npath = {FAULTS:?}\n\
         env = {{ GREETING = \"hi there\" }}\ndirs = {{ \"/data\" = \"data\" }}\n"
    );
    std::fs::write(app.path().join("fastwasm.toml"), manifest).unwrap();
    let server = Server::start_at(app.path(), &[], &shared_cache());
    let (_, _, body) = get(server.url("/env?name=GREETING")).await;
    assert_eq!(body, "hi there");
    let (_, _, body) = get(server.url("/env?name=PATH")).await;
    assert_eq!(body, "<unset>", "only granted variables are visible");
    let (_, _, body) = get(server.url("/file?path=/data/note.txt")).await;
    assert_eq!(body, "granted");
    let (_, _, body) = get(server.url("/file?path=/etc/hostname")).await;
    assert!(body.starts_with("<error:"), "{body}");
}
