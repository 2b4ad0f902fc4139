//! Embeds the WIT package and the Python and JavaScript guest SDKs in the binary, so that
//! `fastwasm build` hands guest toolchains the contract and SDK this host speaks, wherever the
//! binary is installed. `include_bytes!` makes cargo rebuild when an embedded file changes;
//! the folders are watched for added and removed files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// (folder in the repository, name under the materialised SDK folder)
const TREES: [(&str, &str); 3] = [
    ("../wit", "wit"),
    ("../guest-sdk/python", "python"),
    ("../guest-sdk/js", "js"),
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let mut entries = String::from("&[\n");
    for (source, name) in TREES {
        let root = manifest_dir.join(source);
        println!("cargo:rerun-if-changed={}", root.display());
        let mut files = Vec::new();
        collect(&root, &mut files);
        files.sort();
        for file in files {
            println!("cargo:rerun-if-changed={}", file.display());
            let relative = file.strip_prefix(&root).unwrap().to_string_lossy();
            writeln!(
                entries,
                "    ({:?}, include_bytes!({:?})),",
                format!("{name}/{relative}"),
                file.display().to_string()
            )
            .unwrap();
        }
    }
    entries.push(']');
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap()).join("embedded.rs");
    std::fs::write(out, entries).unwrap();
}

/// The files under `dir` that belong to an SDK: no caches, dependencies, build output, the
/// SDK's own tests or documentation-only files.
fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.')
            || matches!(
                name.as_str(),
                "__pycache__" | "node_modules" | "build" | "tests"
            )
        {
            continue;
        }
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else if !name.ends_with(".pyc") {
            files.push(path);
        }
    }
}
