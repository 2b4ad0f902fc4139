//! Key-value stores as the user defines them: `[store.NAME]` tables in the manifest and
//! `--store NAME=…` flags over them. `default` is always defined: an embedded store in the app
//! folder, unless the manifest or a flag redefines it.

use anyhow::{Result, anyhow, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The store every app has.
const DEFAULT_STORE: &str = "default";

/// Where the embedded stores of an app live, inside its folder.
const STATE_DIR: &str = ".fastwasm/state";

/// Where one store keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreBackend {
    /// One durable file on this machine.
    Embedded { path: PathBuf },
    /// A Redis server (`redis://` or `rediss://`), shared by every replica that names it.
    Redis { url: String },
}

impl StoreBackend {
    /// The embedded store `name` of the app at `root`: `<root>/.fastwasm/state/<name>.redb`.
    pub fn embedded_in(root: &Path, name: &str) -> Self {
        StoreBackend::Embedded {
            path: root.join(STATE_DIR).join(format!("{name}.redb")),
        }
    }

    /// A `--store` value for the store `name` of the app at `root`: `redis://…`,
    /// `rediss://…`, `embedded`, or `embedded:PATH`.
    pub fn parse_flag(root: &Path, name: &str, spec: &str) -> Result<Self> {
        if spec.starts_with("redis://") || spec.starts_with("rediss://") {
            return redis(spec);
        }
        match spec.split_once(':') {
            None if spec == "embedded" => Ok(Self::embedded_in(root, name)),
            Some(("embedded", path)) if !path.is_empty() => Ok(StoreBackend::Embedded {
                path: root.join(path),
            }),
            _ => bail!(
                "store `{name}`: expected `redis://HOST[:PORT][/DB]`, `embedded` or \
                 `embedded:PATH`, got `{spec}`"
            ),
        }
    }
}

impl fmt::Display for StoreBackend {
    /// The backend for the log, without the password a Redis URL may carry.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreBackend::Embedded { path } => write!(f, "embedded ({})", path.display()),
            StoreBackend::Redis { url } => {
                let shown = match url.split_once("://") {
                    Some((scheme, rest)) => match rest.rsplit_once('@') {
                        Some((_, host)) => format!("{scheme}://***@{host}"),
                        None => url.clone(),
                    },
                    None => url.clone(),
                };
                write!(f, "redis ({shown})")
            }
        }
    }
}

/// A checked Redis backend.
fn redis(url: &str) -> Result<StoreBackend> {
    let rest = url
        .split_once("://")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    if host.is_empty() || host.starts_with(['/', ':']) {
        bail!("`{url}` names no Redis host: expected `redis://HOST[:PORT][/DB]`");
    }
    Ok(StoreBackend::Redis {
        url: url.to_owned(),
    })
}

/// The stores of an app, by name.
pub type Stores = BTreeMap<String, StoreBackend>;

/// A `[store.NAME]` table.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStore {
    backend: String,
    url: Option<String>,
    path: Option<PathBuf>,
}

/// The app's stores from its `[store.*]` tables, with `default` added when they do not define
/// it. `${VAR}` in a `url` or `path` is the environment variable `VAR`, so secrets stay out of
/// the file.
pub(super) fn parse(root: &Path, tables: BTreeMap<String, RawStore>) -> Result<Stores> {
    let mut stores = Stores::new();
    for (name, raw) in tables {
        check_name(&name)?;
        let context = |err: anyhow::Error| anyhow!("[store.{name}]: {err}");
        let backend = match raw.backend.as_str() {
            "embedded" => {
                if raw.url.is_some() {
                    bail!("[store.{name}]: an embedded store takes `path`, not `url`");
                }
                match raw.path {
                    Some(path) => StoreBackend::Embedded {
                        path: root.join(expand_env(&path.to_string_lossy()).map_err(context)?),
                    },
                    None => StoreBackend::embedded_in(root, &name),
                }
            }
            "redis" => {
                if raw.path.is_some() {
                    bail!("[store.{name}]: a Redis store takes `url`, not `path`");
                }
                let url = raw
                    .url
                    .ok_or_else(|| anyhow!("[store.{name}]: a Redis store needs a `url`"))?;
                redis(&expand_env(&url).map_err(context)?).map_err(context)?
            }
            other => bail!(
                "[store.{name}]: unknown backend `{other}`; fastwasm has `embedded` and `redis`"
            ),
        };
        stores.insert(name, backend);
    }
    stores
        .entry(DEFAULT_STORE.to_owned())
        .or_insert_with(|| StoreBackend::embedded_in(root, DEFAULT_STORE));
    Ok(stores)
}

/// A store name: the rule component names follow, as it becomes a file name.
pub fn check_name(name: &str) -> Result<()> {
    super::check_name("store", name)
}

/// `text` with every `${VAR}` replaced by the environment variable's value.
fn expand_env(text: &str) -> Result<String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| anyhow!("`${{` without a closing `}}` in `{text}`"))?;
        let var = &after[..end];
        let value = std::env::var(var)
            .map_err(|_| anyhow!("the environment variable `{var}` it names is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(backend: &str, url: Option<&str>) -> RawStore {
        RawStore {
            backend: backend.into(),
            url: url.map(Into::into),
            path: None,
        }
    }

    #[test]
    fn default_is_embedded_in_the_app_folder_unless_redefined() {
        let stores = parse(Path::new("/apps/a"), BTreeMap::new()).unwrap();
        assert_eq!(
            stores[DEFAULT_STORE],
            StoreBackend::Embedded {
                path: "/apps/a/.fastwasm/state/default.redb".into()
            }
        );
        let tables = BTreeMap::from([(
            "default".to_owned(),
            raw("redis", Some("redis://10.0.0.5:6379")),
        )]);
        let stores = parse(Path::new("/apps/a"), tables).unwrap();
        assert_eq!(
            stores[DEFAULT_STORE],
            StoreBackend::Redis {
                url: "redis://10.0.0.5:6379".into()
            }
        );
    }

    #[test]
    fn urls_read_the_environment_and_hide_passwords() {
        // SAFETY: this test alone reads or writes the variable.
        unsafe { std::env::set_var("FASTWASM_TEST_REDIS_PASSWORD", "hunter2") };
        let tables = BTreeMap::from([(
            "cache".to_owned(),
            raw(
                "redis",
                Some("redis://:${FASTWASM_TEST_REDIS_PASSWORD}@cache:6379/2"),
            ),
        )]);
        let stores = parse(Path::new("/a"), tables).unwrap();
        let cache = &stores["cache"];
        assert_eq!(
            cache,
            &StoreBackend::Redis {
                url: "redis://:hunter2@cache:6379/2".into()
            }
        );
        assert_eq!(cache.to_string(), "redis (redis://***@cache:6379/2)");
        let missing = BTreeMap::from([(
            "x".to_owned(),
            raw("redis", Some("redis://${FASTWASM_TEST_NOT_SET}:6379")),
        )]);
        let err = parse(Path::new("/a"), missing).unwrap_err().to_string();
        assert!(err.contains("`FASTWASM_TEST_NOT_SET`"), "{err}");
    }

    #[test]
    fn bad_definitions_say_what_is_wrong() {
        let cases = [
            (raw("memcached", None), "unknown backend `memcached`"),
            (raw("redis", None), "needs a `url`"),
            (raw("redis", Some("redis://")), "names no Redis host"),
            (
                raw("embedded", Some("redis://x")),
                "takes `path`, not `url`",
            ),
        ];
        for (table, expected) in cases {
            let err = parse(Path::new("/a"), BTreeMap::from([("s".to_owned(), table)]))
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{err}");
        }
        let err = parse(
            Path::new("/a"),
            BTreeMap::from([("a/b".to_owned(), raw("embedded", None))]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("store name `a/b`"), "{err}");
    }

    #[test]
    fn flags_name_a_backend() {
        let root = Path::new("/a");
        assert_eq!(
            StoreBackend::parse_flag(root, "s", "redis://127.0.0.1:6379").unwrap(),
            StoreBackend::Redis {
                url: "redis://127.0.0.1:6379".into()
            }
        );
        assert_eq!(
            StoreBackend::parse_flag(root, "s", "embedded").unwrap(),
            StoreBackend::embedded_in(root, "s")
        );
        assert_eq!(
            StoreBackend::parse_flag(root, "s", "embedded:data/s.redb").unwrap(),
            StoreBackend::Embedded {
                path: "/a/data/s.redb".into()
            }
        );
        let err = StoreBackend::parse_flag(root, "s", "postgres://x").unwrap_err();
        assert!(err.to_string().contains("expected `redis://"), "{err}");
    }
}
