//! `fastwasm.toml`: which components make up an app, how to build them, what they may touch,
//! and the limits that protect the host.

use super::outbound::AllowedOutbound;
use super::settings::{Settings, TABLE};
use super::stores::{self, RawStore, StoreBackend, Stores};
use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// The manifest file name inside an app folder.
pub const MANIFEST_FILE: &str = "fastwasm.toml";

/// An app as its manifest describes it, with paths resolved against the app folder.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The app folder.
    pub root: PathBuf,
    /// The app's name (the folder name unless `name` is set).
    pub name: String,
    /// What the OpenAPI document says of the app.
    pub info: ApiInfo,
    /// Host settings: the defaults with the `[server]` table applied. Not yet checked: the
    /// command line's flags go over them first.
    pub settings: Settings,
    /// Dependencies every operation runs, FastAPI's `FastAPI(dependencies=[...])`.
    pub dependencies: Vec<String>,
    /// Dependency name → the provider that replaces it (`app.dependency_overrides`).
    pub overrides: BTreeMap<String, String>,
    /// The components, in manifest order.
    pub components: Vec<ComponentSpec>,
    /// The key-value stores, by name (`default` among them).
    pub stores: Stores,
}

/// The OpenAPI `info` the manifest sets: `title`, `version` and `description` at its top, as
/// FastAPI takes them in its constructor. What is unset here comes from the components (see
/// `app::openapi`), else the app's name and `0.1.0`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiInfo {
    pub title: Option<String>,
    pub version: Option<String>,
    /// Markdown shown at the top of the docs.
    pub description: Option<String>,
}

/// One `[[component]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComponentSpec {
    /// Unique within the app; tags its logs and errors.
    pub name: String,
    /// The compiled component.
    pub wasm: PathBuf,
    /// The shell command that builds `wasm`, run in the app folder by `fastwasm build`.
    pub build: Option<String>,
    /// The guest toolchain the build needs installed, when the command does not name its tool
    /// (`make`, a script).
    pub toolchain: Option<Toolchain>,
    /// Prepended to every route the component declares, e.g. `/v1`.
    pub prefix: String,
    /// What the component may reach beyond clocks, random and its log.
    pub grants: Grants,
    /// Dependencies every operation of this component runs (`APIRouter(dependencies=[...])`).
    pub dependencies: Vec<String>,
    /// Whether requests reuse instances (see `guest::instances`).
    pub isolation: Isolation,
    /// The world it was built for: fastwasm's, or a standard wasi:http one mounted at `prefix`.
    pub world: World,
}

/// The world a component is built for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum World {
    /// `fastwasm:app`, from a guest SDK: path operations, dependencies, OpenAPI.
    #[default]
    Fastwasm,
    /// `wasi:http/proxy` (0.2): one `incoming-handler` that answers every request under its
    /// prefix, as `wasmtime serve` and Spin run it.
    Proxy,
    /// `wasi:http/service` (0.3): the async `handler` that answers every request under its
    /// prefix.
    Service,
}

impl World {
    /// What the manifest's `world` says.
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "fastwasm" | "fastwasm:app" => Some(Self::Fastwasm),
            "wasi:http/proxy" => Some(Self::Proxy),
            "wasi:http/service" => Some(Self::Service),
            _ => None,
        }
    }

    /// The manifest's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Fastwasm => "fastwasm:app",
            Self::Proxy => "wasi:http/proxy",
            Self::Service => "wasi:http/service",
        }
    }

    /// Whether it is a standard wasi:http world, which serves whatever comes under its prefix.
    pub fn is_standard(self) -> bool {
        self != Self::Fastwasm
    }
}

/// How much the requests of a component share.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Isolation {
    /// Requests reuse instances: async ones share an instance, many at once; sync ones take an
    /// idle instance from a pool, one at a time.
    #[default]
    Instance,
    /// Every request gets a fresh instance: nothing survives it, and a trap fails it alone.
    Request,
}

/// A guest toolchain `fastwasm build` installs for a component's build command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Toolchain {
    /// The `wasm32-wasip2` target of the Rust toolchain that builds the component.
    Rust,
    /// componentize-py in a venv.
    Python,
    /// componentize-js in an npm folder.
    JavaScript,
    /// clang-19 and wasi-libc (system packages), `wit-bindgen` and `wasm-component-ld`.
    C,
}

impl Toolchain {
    /// Every toolchain, in the order they are installed.
    pub const ALL: [Toolchain; 4] = [
        Toolchain::Rust,
        Toolchain::Python,
        Toolchain::JavaScript,
        Toolchain::C,
    ];

    /// The toolchain a manifest names in `toolchain = "…"`.
    pub fn named(name: &str) -> Option<Toolchain> {
        Self::ALL
            .into_iter()
            .find(|toolchain| toolchain.name() == name)
    }

    /// Its name in the manifest and the logs.
    pub fn name(self) -> &'static str {
        match self {
            Toolchain::Rust => "rust",
            Toolchain::Python => "python",
            Toolchain::JavaScript => "javascript",
            Toolchain::C => "c",
        }
    }
}

impl fmt::Display for Toolchain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Capabilities a component gets only when its manifest entry grants them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Environment variables visible to the guest.
    pub env: BTreeMap<String, String>,
    /// Host folders mounted into the guest, by guest path.
    pub dirs: BTreeMap<String, Mount>,
    /// Outbound TCP/UDP sockets to other machines, and name lookup.
    pub network: bool,
    /// The origins the component may send HTTP requests to.
    pub outbound: AllowedOutbound,
    /// The key-value stores the component may use, by name.
    pub key_value_stores: BTreeSet<String>,
}

/// A host folder a guest sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The folder on the host, resolved against the app folder.
    pub host: PathBuf,
    /// Whether the guest may create, change and delete files in it.
    pub writable: bool,
}

/// Host folders no grant may mount, because they expose the host itself rather than files:
/// its processes, devices and kernel state.
const UNMOUNTABLE: [&str; 3] = ["/proc", "/sys", "/dev"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    name: Option<String>,
    title: Option<String>,
    version: Option<String>,
    description: Option<String>,
    #[serde(default)]
    server: toml::Table,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    overrides: BTreeMap<String, String>,
    #[serde(default, rename = "component")]
    components: Vec<RawComponent>,
    #[serde(default, rename = "store")]
    stores: BTreeMap<String, RawStore>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawComponent {
    name: String,
    path: Option<PathBuf>,
    build: Option<String>,
    /// Short form `python = "main:app"`: the module and app attribute, as uvicorn takes them.
    python: Option<String>,
    /// Short form `javascript = "app.js"`: the entry file the SDK bundles.
    javascript: Option<String>,
    /// Short form `rust = "hello"`: the Cargo package that builds the component.
    rust: Option<String>,
    toolchain: Option<String>,
    #[serde(default)]
    prefix: String,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    dirs: BTreeMap<String, PathBuf>,
    #[serde(default)]
    writable_dirs: BTreeMap<String, PathBuf>,
    /// The single read-write switch of earlier manifests, refused with a pointer to its successor.
    dirs_writable: Option<toml::Value>,
    #[serde(default)]
    network: bool,
    #[serde(default)]
    allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    key_value_stores: Vec<String>,
    #[serde(default)]
    dependencies: Vec<String>,
    #[serde(default)]
    isolation: Isolation,
    world: Option<String>,
}

impl Manifest {
    /// Reads `<app>/fastwasm.toml`; `app` may also name the manifest file itself.
    pub fn load(app: &Path) -> Result<Self> {
        let (root, file) = if app.is_file() {
            let root = app.parent().unwrap_or(Path::new(".")).to_path_buf();
            (root, app.to_path_buf())
        } else {
            (app.to_path_buf(), app.join(MANIFEST_FILE))
        };
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("cannot read the app manifest {}", file.display()))?;
        Self::parse(&root, &text).with_context(|| format!("invalid manifest {}", file.display()))
    }

    /// Parses manifest text for an app rooted at `root`.
    pub fn parse(root: &Path, text: &str) -> Result<Self> {
        let raw: RawManifest = toml::from_str(text)?;
        let name = raw.name.unwrap_or_else(|| {
            std::fs::canonicalize(root)
                .ok()
                .and_then(|path| path.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "app".to_owned())
        });
        if raw.components.is_empty() {
            bail!("the manifest lists no components: add a [[component]] with a name and a path");
        }
        let mut components: Vec<ComponentSpec> = Vec::new();
        for raw in raw.components {
            super::check_name("component", &raw.name)?;
            if components.iter().any(|c| c.name == raw.name) {
                bail!("two components are named `{}`", raw.name);
            }
            let short = short_form(&raw)?;
            let toolchain = match &raw.toolchain {
                None => short.as_ref().map(|short| short.toolchain),
                Some(name) => Some(Toolchain::named(name).with_context(|| {
                    format!(
                        "component `{}`: unknown toolchain `{name}`; fastwasm installs `rust`, \
                         `python`, `javascript` and `c`",
                        raw.name
                    )
                })?),
            };
            let prefix = normalize_prefix(&raw.prefix)
                .with_context(|| format!("component `{}`", raw.name))?;
            let world = match raw.world.as_deref() {
                None => World::Fastwasm,
                Some(name) => World::named(name).with_context(|| {
                    format!(
                        "component `{}`: unknown world `{name}`; fastwasm serves `fastwasm:app` \
                         (the SDKs' world, the default), `wasi:http/proxy` (0.2) and \
                         `wasi:http/service` (0.3)",
                        raw.name
                    )
                })?,
            };
            if world.is_standard() {
                if prefix.is_empty() {
                    bail!(
                        "component `{}`: a `{}` component answers every path under its \
                         `prefix`; give it one, such as `prefix = \"/{}\"`",
                        raw.name,
                        world.as_str(),
                        raw.name
                    );
                }
                if !raw.dependencies.is_empty() {
                    bail!(
                        "component `{}`: a `{}` component takes no `dependencies`: it has no \
                         operations to give them to",
                        raw.name,
                        world.as_str()
                    );
                }
            }
            if raw.dirs_writable.is_some() {
                bail!(
                    "component `{}`: `dirs_writable` is gone; list read-write folders under \
                     `writable_dirs` and keep `dirs` for read-only ones",
                    raw.name
                );
            }
            let dirs = mounts(root, &raw.dirs, &raw.writable_dirs)
                .with_context(|| format!("component `{}`", raw.name))?;
            let outbound = AllowedOutbound::parse(&raw.allowed_outbound_hosts)
                .map_err(|err| anyhow!("component `{}`: {err}", raw.name))?;
            let mut key_value_stores = BTreeSet::new();
            for store in raw.key_value_stores {
                stores::check_name(&store).with_context(|| format!("component `{}`", raw.name))?;
                key_value_stores.insert(store);
            }
            let grants = Grants {
                env: raw.env,
                dirs,
                network: raw.network,
                outbound,
                key_value_stores,
            };
            let (path, build) = match short {
                Some(short) => (short.path, Some(short.build)),
                None => match raw.path {
                    Some(path) => (path, raw.build),
                    None => bail!(
                        "component `{}` has no `path`: give the wasm file it builds, or a short \
                         form such as `python = \"main:app\"`, `javascript = \"app.js\"` or \
                         `rust = \"<package>\"`",
                        raw.name
                    ),
                },
            };
            components.push(ComponentSpec {
                wasm: root.join(&path),
                name: raw.name,
                build,
                toolchain,
                prefix,
                grants,
                dependencies: raw.dependencies,
                isolation: raw.isolation,
                world,
            });
        }
        let settings = server_settings(root, &raw.server)?;
        let stores = stores::parse(root, raw.stores)?;
        let info = ApiInfo {
            title: raw.title,
            version: raw.version,
            description: raw.description,
        };
        Ok(Self {
            root: root.to_path_buf(),
            name,
            info,
            settings,
            dependencies: raw.dependencies,
            overrides: raw.overrides,
            components,
            stores,
        })
    }
}

impl Manifest {
    /// Defines the stores `--store NAME=BACKEND` flags name, over the `[store.*]` tables.
    pub fn define_stores(&mut self, flags: &[(String, String)]) -> Result<()> {
        for (name, backend) in flags {
            let backend = StoreBackend::parse_flag(&self.root, name, backend)?;
            self.stores.insert(name.clone(), backend);
        }
        Ok(())
    }
}

/// What a short form (`python = …`, `javascript = …`) expands to: the build command a long-form
/// entry would spell out, the wasm it writes, and the toolchain it needs.
struct ShortForm {
    build: String,
    path: PathBuf,
    toolchain: Toolchain,
}

fn short_form(raw: &RawComponent) -> Result<Option<ShortForm>> {
    let name = &raw.name;
    let given: Vec<&str> = [
        ("python", &raw.python),
        ("javascript", &raw.javascript),
        ("rust", &raw.rust),
    ]
    .into_iter()
    .filter(|(_, value)| value.is_some())
    .map(|(key, _)| key)
    .collect();
    if given.len() > 1 {
        bail!(
            "component `{name}` gives both `{}` and `{}`; a component has one language",
            given[0],
            given[1]
        );
    }
    let Some(&key) = given.first() else {
        return Ok(None);
    };
    if raw.build.is_some() {
        bail!(
            "component `{name}`: `{key}` sets the build command itself; drop `build`, or drop \
             `{key}` and keep the long form"
        );
    }
    let path = raw
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("build/{name}.wasm")));
    let out = shell_quoted(&path.to_string_lossy());
    let short = if let Some(target) = &raw.python {
        let (module, attribute) = target.split_once(':').unwrap_or((target, "app"));
        if !is_identifier(module) || !is_identifier(attribute) {
            bail!(
                "component `{name}`: `python = \"{target}\"` is not `module:attribute`; \
                 write it as for uvicorn, e.g. `python = \"main:app\"` for `app` in main.py"
            );
        }
        // The SDK's entry module reads the attribute at componentize time, when componentize-py
        // imports the app; the built component starts from that snapshot. The app's packages,
        // when it lists any, come after its own modules.
        ShortForm {
            build: format!(
                "FASTWASM_APP_ATTRIBUTE={attribute} componentize-py -d \"$FASTWASM_WIT\" -w service \
                 componentize -p \"$FASTWASM_PYTHON_SDK\" -p . \
                 ${{FASTWASM_PYTHON_PACKAGES:+-p \"$FASTWASM_PYTHON_PACKAGES\"}} \
                 fastwasm.component.{module} -o {out}"
            ),
            path,
            toolchain: Toolchain::Python,
        }
    } else if let Some(package) = &raw.rust {
        rust_short_form(name, package, path)?
    } else {
        let entry = raw.javascript.as_deref().unwrap_or_default();
        if entry.is_empty() || entry.contains('\'') {
            bail!(
                "component `{name}`: `javascript` names the entry file, e.g. `javascript = \"app.js\"`"
            );
        }
        let bundle = shell_quoted(&path.with_extension("js").to_string_lossy());
        ShortForm {
            build: format!(
                "rolldown -c \"$FASTWASM_JS_SDK/rolldown.config.mjs\" --input '{entry}' --file {bundle} \
                 && componentize-js {bundle} --wit \"$FASTWASM_WIT\" --world-name sync-service \
                 --disable http fetch-event --out {out}"
            ),
            path,
            toolchain: Toolchain::JavaScript,
        }
    };
    Ok(Some(short))
}

/// `rust = "<package>"`: cargo builds the package for `wasm32-wasip2` in release, wherever its
/// workspace keeps its target folder (which `cargo metadata` names), and the library it makes
/// is copied to `path`, so that the entry need not spell out the target folder's layout.
fn rust_short_form(name: &str, package: &str, path: PathBuf) -> Result<ShortForm> {
    let valid = !package.is_empty()
        && package
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid {
        bail!(
            "component `{name}`: `rust = \"{package}\"` must name a Cargo package of the \
             workspace, e.g. `rust = \"hello\"`"
        );
    }
    // cargo names a package's library after it, with `-` as `_`.
    let library = package.replace('-', "_");
    let out = shell_quoted(&path.to_string_lossy());
    let folder = shell_quoted(&path.parent().unwrap_or(Path::new(".")).to_string_lossy());
    let target_dir = "cargo metadata --format-version 1 --no-deps \
        | sed -n 's/.*\"target_directory\":\"\\([^\"]*\\)\".*/\\1/p'";
    Ok(ShortForm {
        build: format!(
            "cargo build --target wasm32-wasip2 --release -p {package} && mkdir -p {folder} \
             && cp \"$({target_dir})/wasm32-wasip2/release/{library}.wasm\" {out}"
        ),
        path,
        toolchain: Toolchain::Rust,
    })
}

/// `text` as one shell word: in single quotes, each `'` in it closed, escaped and reopened.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_alphabetic() || first == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Whether the setting `key` holds a list, which `[server]` may give as an array.
fn is_list(key: &str) -> bool {
    TABLE
        .iter()
        .any(|setting| setting.key == key && setting.list)
}

/// The defaults with the `[server]` table applied; a relative `cache_dir` is read against the
/// app folder.
fn server_settings(root: &Path, table: &toml::Table) -> Result<Settings> {
    let mut settings = Settings::default();
    for (key, value) in table {
        let text = match value {
            toml::Value::String(text) => text.clone(),
            toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_) => {
                value.to_string()
            }
            // A list setting: its items, comma-separated as on the command line.
            toml::Value::Array(items) if is_list(key) => items
                .iter()
                .map(|item| match item {
                    toml::Value::String(text) if !text.contains(',') => Ok(text.clone()),
                    _ => Err(anyhow!(
                        "[server] `{key}`: expected an array of strings without commas, got {item}"
                    )),
                })
                .collect::<Result<Vec<_>>>()?
                .join(","),
            toml::Value::Array(_) if TABLE.iter().any(|setting| setting.key == key) => {
                bail!("[server] `{key}`: expected one value, not an array")
            }
            other => bail!(
                "[server] `{key}`: expected a string, a number or an array of strings, got a {}",
                other.type_str()
            ),
        };
        settings.set(key, &text).map_err(|err| {
            if err.starts_with("unknown setting") {
                anyhow!("unknown [server] key `{key}` (`fastwasm settings` lists them all)")
            } else {
                anyhow!("[server] `{key}`: {err}")
            }
        })?;
    }
    if let Some(dir) = &settings.cache_dir {
        settings.cache_dir = Some(root.join(dir));
    }
    Ok(settings)
}

/// The read-only and read-write folders of a component, checked: absolute guest paths used once,
/// host folders that exist and are not the root or a window onto the host's kernel.
fn mounts(
    root: &Path,
    read_only: &BTreeMap<String, PathBuf>,
    writable: &BTreeMap<String, PathBuf>,
) -> Result<BTreeMap<String, Mount>> {
    let mut mounts = BTreeMap::new();
    let tables = [
        ("dirs", read_only, false),
        ("writable_dirs", writable, true),
    ];
    for (table, dirs, writable) in tables {
        for (guest, host) in dirs {
            if !guest.starts_with('/') {
                bail!("{table}: guest path `{guest}` must be absolute, e.g. `/data`");
            }
            let host = root.join(host);
            let resolved = std::fs::canonicalize(&host).with_context(|| {
                format!(
                    "{table}: `{guest}` mounts {}, which cannot be read",
                    host.display()
                )
            })?;
            if !resolved.is_dir() {
                bail!(
                    "{table}: `{guest}` mounts {}, which is not a folder",
                    host.display()
                );
            }
            if resolved == Path::new("/") || UNMOUNTABLE.iter().any(|dir| resolved.starts_with(dir))
            {
                bail!(
                    "{table}: `{guest}` mounts {}, which exposes the host itself; mount a folder \
                     of files instead",
                    resolved.display()
                );
            }
            let mount = Mount { host, writable };
            if mounts.insert(guest.clone(), mount).is_some() {
                bail!(
                    "`{guest}` is mounted twice; a guest path appears once in `dirs` and `writable_dirs`"
                );
            }
        }
    }
    Ok(mounts)
}

/// `v1/` and `/v1/` both become `/v1`; an empty prefix stays empty.
fn normalize_prefix(prefix: &str) -> Result<String> {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        return Ok(String::new());
    }
    if trimmed.contains(['{', '}', '?', '#', ' ']) {
        bail!("prefix `{prefix}` may not contain parameters, `?`, `#` or spaces");
    }
    Ok(format!("/{trimmed}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_components_and_resolves_paths() {
        let manifest = Manifest::parse(
            Path::new("/apps/shop"),
            r#"
                name = "shop"

                [server]
                listen = "127.0.0.1:9000"
                sync_workers = 8
                request_timeout = "2s"

                [[component]]
                name = "api"
                path = "target/api.wasm"
                build = "cargo build"
                prefix = "v1/"
                env = { MODE = "test" }
                isolation = "request"
            "#,
        )
        .unwrap();
        assert_eq!(manifest.name, "shop");
        assert_eq!(manifest.settings.sync_workers, 8);
        assert_eq!(
            manifest.settings.request_timeout,
            std::time::Duration::from_secs(2)
        );
        let api = &manifest.components[0];
        assert_eq!(api.wasm, PathBuf::from("/apps/shop/target/api.wasm"));
        assert_eq!(api.prefix, "/v1");
        assert_eq!(api.grants.env["MODE"], "test");
        assert!(!api.grants.network);
        assert_eq!(api.isolation, Isolation::Request);
    }

    #[test]
    fn expands_short_forms() {
        let parse = |text: &str| Manifest::parse(Path::new("/app"), text);
        let app = parse(
            "[[component]]\nname='items'\npython='main:api'\n\
             [[component]]\nname='hello'\njavascript='app.js'\npath='out/h.wasm'\n",
        )
        .unwrap();
        let items = &app.components[0];
        assert_eq!(items.wasm, Path::new("/app/build/items.wasm"));
        assert_eq!(items.toolchain, Some(Toolchain::Python));
        let build = items.build.as_deref().unwrap();
        assert!(
            build.starts_with("FASTWASM_APP_ATTRIBUTE=api componentize-py "),
            "{build}"
        );
        assert!(
            build.contains("fastwasm.component.main -o 'build/items.wasm'"),
            "{build}"
        );
        let hello = &app.components[1];
        assert_eq!(hello.wasm, Path::new("/app/out/h.wasm"));
        assert_eq!(hello.toolchain, Some(Toolchain::JavaScript));
        let build = hello.build.as_deref().unwrap();
        assert!(
            build.contains("--input 'app.js' --file 'out/h.js'"),
            "{build}"
        );
        assert!(build.contains("--out 'out/h.wasm'"), "{build}");

        let rust = parse("[[component]]\nname='api'\nrust='my-api'\n").unwrap();
        let api = &rust.components[0];
        assert_eq!(api.wasm, Path::new("/app/build/api.wasm"));
        assert_eq!(api.toolchain, Some(Toolchain::Rust));
        let build = api.build.as_deref().unwrap();
        assert!(
            build.starts_with("cargo build --target wasm32-wasip2 --release -p my-api && "),
            "{build}"
        );
        assert!(
            build.ends_with("/wasm32-wasip2/release/my_api.wasm\" 'build/api.wasm'"),
            "{build}"
        );

        let err = |text: &str| format!("{:#}", parse(text).unwrap_err());
        assert!(
            err("[[component]]\nname='a'\nrust='../x'\n").contains("must name a Cargo package")
        );
        assert!(
            err("[[component]]\nname='a'\nrust='x'\njavascript='app.js'\n")
                .contains("both `javascript` and `rust`")
        );
        assert!(
            err("[[component]]\nname='a'\npython='main:app'\nbuild='make'\n")
                .contains("drop `build`")
        );
        assert!(
            err("[[component]]\nname='a'\npython='main:app'\njavascript='app.js'\n")
                .contains("both `python` and `javascript`")
        );
        assert!(err("[[component]]\nname='a'\npython='main.py'\n").contains("module:attribute"));
        assert!(err("[[component]]\nname='a'\n").contains("has no `path`"));
    }

    #[test]
    fn rejects_unknown_keys_duplicates_and_empty_apps() {
        let err = |text: &str| format!("{:#}", Manifest::parse(Path::new("/a"), text).unwrap_err());
        assert!(err("").contains("lists no components"));
        let one = "[[component]]\nname='a'\npath='a.wasm'\n";
        assert!(
            err(&format!("[server]\nsync_wrokers = 3\n{one}"))
                .contains("unknown [server] key `sync_wrokers`")
        );
        assert!(err(&format!("[server]\nrequest_timeout = \"soon\"\n{one}")).contains(
            "[server] `request_timeout`: expected a duration such as `30s` or `500ms`, got `soon`"
        ));
        let twice =
            "[[component]]\nname='a'\npath='a.wasm'\n[[component]]\nname='a'\npath='b.wasm'\n";
        assert!(err(twice).contains("two components are named `a`"));
        assert!(err("[[component]]\nname='a b'\npath='a.wasm'\n").contains("component name"));
        assert!(
            err("[[component]]\nname='a'\npath='a.wasm'\nisolation='none'\n")
                .contains("unknown variant `none`")
        );
        assert!(
            err("[[component]]\nname='a'\npath='a.wasm'\ntoolchain='cobol'\n")
                .contains("unknown toolchain `cobol`")
        );
        assert!(
            err(&format!("[server]\ncors_allow_origins = [\"a,b\"]\n{one}"))
                .contains("expected an array of strings without commas")
        );
        assert!(
            err(&format!(
                "[server]\ncors_allow_origins = {{ a = 1 }}\n{one}"
            ))
            .contains("expected a string, a number or an array of strings, got a table")
        );
        // Only a list setting takes an array.
        assert!(
            err(&format!("[server]\nsync_workers = [\"4\"]\n{one}"))
                .contains("[server] `sync_workers`: expected one value, not an array")
        );
        // A list setting takes an array, or the flag's comma-separated text.
        let listed = Manifest::parse(
            Path::new("/a"),
            &format!(
                "[server]\ncors_allow_origins = [\"https://a.example\", \"https://b.example\"]\n\
                 cors_allow_methods = \"GET, POST\"\n{one}"
            ),
        )
        .unwrap();
        assert_eq!(
            listed.settings.cors_allow_origins,
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(listed.settings.cors_allow_methods, ["GET", "POST"]);
        // Out-of-range values parse: the command line may still correct them before the check.
        let zero = Manifest::parse(
            Path::new("/a"),
            "[server]\nsync_workers = 0\n[[component]]\nname='a'\npath='a.wasm'\n",
        )
        .unwrap();
        assert_eq!(zero.settings.sync_workers, 0);
    }
}
