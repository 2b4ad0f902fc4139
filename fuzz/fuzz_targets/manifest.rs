//! `fastwasm.toml` text, parsed and checked.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ROOT: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().unwrap());

fuzz_target!(|text: &str| {
    fastwasm::fuzzing::manifest(ROOT.path(), text);
});
