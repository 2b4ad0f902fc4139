//! The on-disk compile cache: a component is compiled once per content and engine
//! configuration, and later starts load its machine code in milliseconds.
//!
//! Loading machine code runs it, outside the sandbox; so the cache only loads what it wrote:
//!
//! - its folder must belong to this user and not be writable by anyone else (checked when the
//!   cache opens; a folder that fails is refused with what to change);
//! - each artifact is authenticated with HMAC-SHA256 under a key kept in the folder with mode
//!   0600, the MAC in a file beside the artifact; an artifact whose MAC does not match is
//!   ignored (and recompiled) before anything deserializes it;
//! - files are created fresh (`O_EXCL`) and opened without following symbolic links, written
//!   to a temporary name and renamed into place, so a reader never sees half a file and a
//!   planted link is never written through.

use anyhow::{Context, Result, bail};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use wasmtime::Engine;

/// Where a component's machine code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Loaded from the cache.
    Cached,
    /// Compiled now (and written to the cache).
    Compiled,
}

/// The file holding the cache's MAC key.
const KEY_FILE: &str = ".key";

/// A folder of precompiled components keyed by content hash and engine.
#[derive(Clone)]
pub struct CompileCache {
    dir: PathBuf,
    engine_key: String,
    key: [u8; 32],
}

impl std::fmt::Debug for CompileCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompileCache")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl CompileCache {
    /// The cache in `dir` (created if missing) for components compiled by `engine`; refused
    /// when the folder could be written by someone else.
    pub fn open(dir: PathBuf, engine: &Engine) -> Result<Self> {
        create_private_dir(&dir)?;
        check_private(&dir)?;
        let key = load_or_create_key(&dir.join(KEY_FILE))?;
        let mut hasher = Sha256::new();
        let mut compatibility = std::collections::hash_map::DefaultHasher::new();
        std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut compatibility);
        hasher.update(std::hash::Hasher::finish(&compatibility).to_le_bytes());
        let engine_key = hex(&hasher.finalize()[..8]);
        Ok(Self {
            dir,
            engine_key,
            key,
        })
    }

    fn paths(&self, digest: &str) -> (PathBuf, PathBuf) {
        let name = format!("{digest}-{}", self.engine_key);
        (
            self.dir.join(format!("{name}.cwasm")),
            self.dir.join(format!("{name}.mac")),
        )
    }

    fn mac(&self, name: &str, code: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key");
        mac.update(name.as_bytes());
        mac.update(code);
        mac
    }

    /// The machine code cached for `digest`, if it is there and authentic; `None` (with a
    /// warning for a file that fails its check) otherwise.
    pub fn get(&self, digest: &str) -> Option<Vec<u8>> {
        let (artifact, mac_file) = self.paths(digest);
        let code = read_no_follow(&artifact).ok()?;
        let authentic = read_no_follow(&mac_file).is_ok_and(|tag| {
            let name = artifact.file_name().unwrap().to_string_lossy();
            self.mac(&name, &code).verify_slice(&tag).is_ok()
        });
        if !authentic {
            tracing::warn!(
                cache = %artifact.display(),
                "ignoring a compile-cache entry that fails its authentication"
            );
            return None;
        }
        Some(code)
    }

    /// Stores the machine code compiled for `digest`, with its MAC.
    pub fn put(&self, digest: &str, code: &[u8]) -> Result<()> {
        let (artifact, mac_file) = self.paths(digest);
        let name = artifact.file_name().unwrap().to_string_lossy().into_owned();
        let tag = self.mac(&name, code).finalize().into_bytes();
        write_atomically(&artifact, code)?;
        write_atomically(&mac_file, &tag)?;
        Ok(())
    }
}

/// Creates `dir` (and its parents) with mode 0700 if it is missing.
fn create_private_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create the compile cache {}", dir.display()))
}

/// Refuses a cache folder that is a link, belongs to another user, or is writable by others.
fn check_private(dir: &Path) -> Result<()> {
    let meta = std::fs::symlink_metadata(dir)
        .with_context(|| format!("cannot inspect the compile cache {}", dir.display()))?;
    if meta.file_type().is_symlink() || !meta.is_dir() {
        bail!(
            "the compile cache {} is not a plain folder (a symbolic link, or a file); give \
             `--cache-dir` a folder of your own",
            dir.display()
        );
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        bail!(
            "the compile cache {} belongs to user {}, not to this one ({me}): fastwasm runs the \
             machine code it finds there, so it only uses a folder of its own",
            dir.display(),
            meta.uid()
        );
    }
    if meta.permissions().mode() & 0o022 != 0 {
        bail!(
            "the compile cache {} is writable by other users (mode {:o}): fastwasm runs the \
             machine code it finds there; run `chmod go-w {}` or give `--cache-dir` another folder",
            dir.display(),
            meta.permissions().mode() & 0o777,
            dir.display()
        );
    }
    Ok(())
}

/// The cache's key, created with mode 0600 the first time.
fn load_or_create_key(path: &Path) -> Result<[u8; 32]> {
    match read_no_follow(path) {
        Ok(bytes) => match <[u8; 32]>::try_from(bytes) {
            Ok(key) => Ok(key),
            Err(_) => {
                // A damaged key: make a new one; the entries it signed are then recompiled.
                tracing::warn!(key = %path.display(), "replacing a malformed compile-cache key");
                std::fs::remove_file(path)
                    .with_context(|| format!("cannot replace {}", path.display()))?;
                load_or_create_key(path)
            }
        },
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).context("cannot make a compile cache key")?;
            let created = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW)
                .open(path);
            match created {
                Ok(mut file) => {
                    file.write_all(&key)?;
                    file.sync_all()?;
                    Ok(key)
                }
                // Another process made it first: use theirs.
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
                    load_or_create_key(path)
                }
                Err(err) => Err(err)
                    .with_context(|| format!("cannot create the cache key {}", path.display())),
            }
        }
        Err(err) => {
            Err(err).with_context(|| format!("cannot read the cache key {}", path.display()))
        }
    }
}

/// A file's bytes, refusing to follow a symbolic link.
fn read_no_follow(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Writes `bytes` to a fresh temporary file beside `path`, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut suffix = [0u8; 8];
    getrandom::fill(&mut suffix).context("cannot name a temporary file")?;
    let tmp = path.with_extension(format!("tmp-{}", hex(&suffix)));
    let mut file: File = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&tmp)
        .with_context(|| format!("cannot create {}", tmp.display()))?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(err) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(err).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// The hex SHA-256 of a component's bytes: its cache key and the version the logs show.
pub fn digest(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path) -> CompileCache {
        let engine = Engine::default();
        CompileCache::open(dir.to_path_buf(), &engine).unwrap()
    }

    #[test]
    fn entries_are_authenticated_before_use() {
        let dir = tempfile::tempdir().unwrap();
        let cache = cache(dir.path());
        cache.put("abc", b"machine code").unwrap();
        assert_eq!(cache.get("abc").as_deref(), Some(&b"machine code"[..]));
        // Replaced bytes, with or without their old MAC, are not used.
        let (artifact, mac) = cache.paths("abc");
        std::fs::write(&artifact, b"planted code").unwrap();
        assert_eq!(cache.get("abc"), None);
        std::fs::remove_file(&mac).unwrap();
        assert_eq!(cache.get("abc"), None);
        // A planted link is neither followed nor written through.
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, b"precious").unwrap();
        std::fs::remove_file(&artifact).unwrap();
        std::os::unix::fs::symlink(&target, &artifact).unwrap();
        assert_eq!(cache.get("abc"), None);
        cache.put("abc", b"machine code").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"precious");
        assert_eq!(cache.get("abc").as_deref(), Some(&b"machine code"[..]));
    }

    #[test]
    fn a_folder_others_can_write_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = CompileCache::open(dir.path().to_path_buf(), &Engine::default()).unwrap_err();
        assert!(
            err.to_string().contains("is writable by other users"),
            "{err}"
        );
        let link = tempfile::tempdir().unwrap();
        let linked = link.path().join("cache");
        std::os::unix::fs::symlink(dir.path(), &linked).unwrap();
        let err = CompileCache::open(linked, &Engine::default()).unwrap_err();
        assert!(err.to_string().contains("not a plain folder"), "{err}");
    }
}
