//! Host settings and the limits that protect the host. Each setting is declared once, in the
//! `settings!` table below — its type, its default, its check and its documentation — and
//! everything else derives from that line: the `[server]` key in `fastwasm.toml`, the flag of
//! every command (which wins over the file), the flag's help, `fastwasm settings`, and the
//! README's table (a test holds the README to it).

use std::fmt::{self, Display};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// A value a setting holds, read from text (a flag, or a `[server]` value) and written back
/// as text (for a child process's flags).
pub trait SettingValue: Sized {
    /// Reads the value; `Err` says what was expected.
    fn parse(text: &str) -> Result<Self, String>;

    /// The value as `parse` reads it.
    fn to_text(&self) -> String;

    /// Whether the value is a list, which a `[server]` table may give as an array.
    const LIST: bool = false;
}

macro_rules! whole_numbers {
    ($($ty:ty),*) => {$(
        impl SettingValue for $ty {
            fn parse(text: &str) -> Result<Self, String> {
                text.parse()
                    .map_err(|_| format!("expected a whole number, got `{text}`"))
            }

            fn to_text(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
whole_numbers!(usize, u64);

impl SettingValue for Duration {
    fn parse(text: &str) -> Result<Self, String> {
        humantime::parse_duration(text)
            .map_err(|_| format!("expected a duration such as `30s` or `500ms`, got `{text}`"))
    }

    fn to_text(&self) -> String {
        humantime::format_duration(*self).to_string()
    }
}

impl SettingValue for SocketAddr {
    fn parse(text: &str) -> Result<Self, String> {
        text.parse()
            .map_err(|_| format!("expected an address such as `127.0.0.1:8000`, got `{text}`"))
    }

    fn to_text(&self) -> String {
        self.to_string()
    }
}

impl SettingValue for Option<PathBuf> {
    fn parse(text: &str) -> Result<Self, String> {
        Ok((!text.is_empty()).then(|| PathBuf::from(text)))
    }

    fn to_text(&self) -> String {
        self.as_ref()
            .map(|path| path.display().to_string())
            .unwrap_or_default()
    }
}

impl SettingValue for bool {
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!("expected `true` or `false`, got `{text}`")),
        }
    }

    fn to_text(&self) -> String {
        self.to_string()
    }
}

/// Text, such as a path on this server (`/docs`); empty for none.
impl SettingValue for Option<String> {
    fn parse(text: &str) -> Result<Self, String> {
        Ok((!text.is_empty()).then(|| text.to_owned()))
    }

    fn to_text(&self) -> String {
        self.clone().unwrap_or_default()
    }
}

/// A list of words, such as origins or header names: comma-separated as text (a `[server]`
/// value may also be an array of strings).
impl SettingValue for Vec<String> {
    fn parse(text: &str) -> Result<Self, String> {
        Ok(text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect())
    }

    fn to_text(&self) -> String {
        self.join(",")
    }

    const LIST: bool = true;
}

/// How instances get their memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocator {
    /// Pre-reserved slots: instantiation in microseconds.
    Pooling,
    /// Fresh mappings per instance.
    OnDemand,
}

impl SettingValue for Allocator {
    fn parse(text: &str) -> Result<Self, String> {
        match text {
            "pooling" => Ok(Allocator::Pooling),
            "on-demand" => Ok(Allocator::OnDemand),
            _ => Err(format!("expected `pooling` or `on-demand`, got `{text}`")),
        }
    }

    fn to_text(&self) -> String {
        self.to_string()
    }
}

/// A check a setting's value must pass, beyond being well-formed.
type Check<T> = fn(&T) -> Result<(), String>;

fn any<T>(_: &T) -> Result<(), String> {
    Ok(())
}

fn at_least_one<T: PartialOrd + From<u8>>(value: &T) -> Result<(), String> {
    if *value < T::from(1) {
        return Err("must be at least 1".into());
    }
    Ok(())
}

fn url_path(value: &Option<String>) -> Result<(), String> {
    match value {
        Some(path)
            if !path.starts_with('/')
                || path.len() < 2
                || path.ends_with('/')
                || path.contains(['?', '#', '{', '}', ' ']) =>
        {
            Err(format!(
                "must be a path such as `/docs` (or empty to turn it off), not `{path}`"
            ))
        }
        _ => Ok(()),
    }
}

fn origins(values: &Vec<String>) -> Result<(), String> {
    for origin in values {
        let well_formed = origin == "*"
            || (origin.contains("://")
                && !origin.ends_with('/')
                && origin.bytes().all(|byte| byte.is_ascii_graphic()));
        if !well_formed {
            return Err(format!(
                "must list origins such as `https://app.example.com` (scheme, host and port, no \
                 path), or `*`, not `{origin}`"
            ));
        }
    }
    Ok(())
}

fn regex(value: &Option<String>) -> Result<(), String> {
    match value {
        Some(pattern) => regex::Regex::new(pattern)
            .map(drop)
            .map_err(|err| format!("is not a regular expression: {err}")),
        None => Ok(()),
    }
}

/// HTTP tokens (method and header names), or `*`.
fn tokens(values: &Vec<String>) -> Result<(), String> {
    for value in values {
        let token = value
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte));
        if !token {
            return Err(format!(
                "must list names such as `X-Token` (or `*`), not `{value}`"
            ));
        }
    }
    Ok(())
}

fn longer_than_zero(value: &Duration) -> Result<(), String> {
    if value.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(())
}

fn stack_size(value: &usize) -> Result<(), String> {
    match *value {
        0 => Err("must be at least 1".into()),
        size if size > 64 << 20 => Err("may be at most 64 MiB (67108864)".into()),
        _ => Ok(()),
    }
}

/// One setting, as documentation and the command line see it.
#[derive(Debug)]
pub struct Setting {
    /// The `[server]` key; the flag is the same with dashes.
    pub key: &'static str,
    /// The default, as text (what the README and `--help` show).
    pub default: &'static str,
    /// The doc comment's lines.
    doc: &'static [&'static str],
    /// Whether it holds a list (a `[server]` array, or comma-separated text).
    pub list: bool,
    /// Parses and checks a value given as text.
    accept: fn(&str) -> Result<(), String>,
}

impl Setting {
    /// The flag, e.g. `--sync-workers`.
    pub fn flag(&self) -> String {
        format!("--{}", self.key.replace('_', "-"))
    }

    /// The documentation as one paragraph.
    pub fn doc(&self) -> String {
        self.doc
            .iter()
            .map(|line| line.trim())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

macro_rules! settings {
    ($(
        $(#[doc = $doc:literal])+
        $name:ident: $ty:ty = $default:literal, $check:expr;
    )*) => {
        /// Every setting of a running app.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Settings {
            $( $(#[doc = $doc])+ pub $name: $ty, )*
        }

        /// Every setting, in declaration order.
        pub const TABLE: &[Setting] = &[$(
            Setting {
                key: stringify!($name),
                default: $default,
                doc: &[$($doc),+],
                list: <$ty as SettingValue>::LIST,
                accept: |text| {
                    let value = <$ty as SettingValue>::parse(text)?;
                    let check: Check<$ty> = $check;
                    check(&value)
                },
            },
        )*];

        impl Default for Settings {
            fn default() -> Self {
                Self {$(
                    $name: <$ty as SettingValue>::parse($default)
                        .expect(concat!("the default of `", stringify!($name), "` parses")),
                )*}
            }
        }

        impl Settings {
            /// Sets `key` from text; `Err` says what is wrong with it.
            pub fn set(&mut self, key: &str, text: &str) -> Result<(), String> {
                match key {
                    $( stringify!($name) => self.$name = <$ty as SettingValue>::parse(text)?, )*
                    _ => return Err(format!("unknown setting `{key}`")),
                }
                Ok(())
            }

            /// The value of `key` as text, as a flag would give it.
            pub fn text(&self, key: &str) -> Option<String> {
                match key {
                    $( stringify!($name) => Some(SettingValue::to_text(&self.$name)), )*
                    _ => None,
                }
            }

            /// Checks every value, naming the first key that fails.
            pub fn validate(&self) -> Result<(), String> {
                $(
                    let check: Check<$ty> = $check;
                    check(&self.$name).map_err(|err| format!("`{}` {err}", stringify!($name)))?;
                )*
                Ok(())
            }
        }
    };
}

settings! {
    /// Where to listen.
    listen: SocketAddr = "127.0.0.1:8000", any;
    /// Threads that run sync (`fn`/`def`) operations at once, as FastAPI's thread pool.
    sync_workers: usize = "40", at_least_one;
    /// Sync requests that may wait for a free worker; past that, 503.
    sync_queue: usize = "256", any;
    /// Wall-clock limit for a request's guest work, queueing included; past it, 504 (the guest
    /// is interrupted and its instance discarded).
    request_timeout: Duration = "30s", longer_than_zero;
    /// Largest request body; past it, 413.
    max_body_bytes: u64 = "1048576", at_least_one;
    /// Linear memory one instance may grow to; past it the guest traps: 500.
    max_memory_bytes: u64 = "134217728", at_least_one;
    /// Wasm stack one call may use; deeper recursion traps: 500.
    max_wasm_stack_bytes: usize = "1048576", stack_size;
    /// Instances alive at once, every component and kind together (shared, pooled, per
    /// request, providers); past it, 503.
    max_instances: usize = "1000", at_least_one;
    /// Linear memory of all instances together; an instance that cannot start within it gets
    /// 503, one that cannot grow within it traps (500).
    memory_budget_bytes: u64 = "8589934592", at_least_one;
    /// Largest whole response body a guest may answer; past it, 500 (streamed bodies flow).
    max_response_bytes: u64 = "67108864", at_least_one;
    /// Most headers a guest's response may carry, and at most 64 KiB of them; past it, 500.
    max_response_headers: usize = "100", at_least_one;
    /// Guest log lines a component may write per second (stdout, stderr and `log`); the rest
    /// are dropped and counted in the log.
    guest_log_lines_per_second: u64 = "1000", at_least_one;
    /// Largest component file a load accepts.
    max_component_bytes: u64 = "268435456", at_least_one;
    /// Time compiling one component may take; past it the load fails (a reload keeps the
    /// running version).
    compile_timeout: Duration = "300s", longer_than_zero;
    /// Open connections; past it, a new connection is answered 503 and closed.
    max_connections: usize = "1024", at_least_one;
    /// Requests served at once; past it, 503.
    max_in_flight: usize = "1024", at_least_one;
    /// A streamed response that sends no byte for this long is ended (the client sees it cut
    /// off).
    stream_idle_timeout: Duration = "60s", longer_than_zero;
    /// Largest WebSocket message a client may send; a larger one closes the connection (1009).
    websocket_max_message_bytes: usize = "16777216", at_least_one;
    /// A WebSocket connection without a message either way for this long is closed (1001).
    websocket_idle_timeout: Duration = "120s", longer_than_zero;
    /// Messages a WebSocket client may send per second; more close the connection (1008).
    websocket_messages_per_second: u64 = "1000", at_least_one;
    /// Time a client may take between two pieces of a request body; past it, 408.
    body_read_timeout: Duration = "10s", longer_than_zero;
    /// Time a client has to send its request headers (and, on a new connection, its first
    /// byte); past it the connection is closed.
    header_read_timeout: Duration = "10s", longer_than_zero;
    /// On SIGINT/SIGTERM, how long in-flight requests may take to finish before the remaining
    /// connections are closed.
    shutdown_grace: Duration = "30s", any;
    /// On SIGTERM, how long the server keeps serving with `/_fastwasm/ready` answering 503
    /// before it stops accepting: time for a load balancer to take the replica out of rotation.
    drain_delay: Duration = "0s", any;
    /// The instance allocator: `pooling` (instantiation in microseconds, reserved address
    /// space) or `on-demand`.
    allocator: Allocator = "pooling", any;
    /// Requests one shared instance serves at once; more start another instance.
    instance_concurrency: usize = "128", at_least_one;
    /// Requests an instance serves before a fresh one replaces it (bounds what a leak in guest
    /// code can grow to).
    instance_max_requests: u64 = "10000", at_least_one;
    /// An instance without requests for this long ends.
    instance_idle_timeout: Duration = "60s", longer_than_zero;
    /// Time an outbound HTTP request may take to connect (TCP and TLS); past it the guest's
    /// call fails with a connect timeout.
    outbound_connect_timeout: Duration = "10s", longer_than_zero;
    /// Time an outbound request may wait for the first byte of its response; past it the call
    /// fails with a timeout. The request's own deadline bounds every outbound call too.
    outbound_first_byte_timeout: Duration = "30s", longer_than_zero;
    /// Time an outbound response may go without a byte of its body; past it the call fails.
    outbound_between_bytes_timeout: Duration = "30s", longer_than_zero;
    /// Largest outbound response body a guest may receive; past it the call fails.
    outbound_max_response_bytes: u64 = "16777216", at_least_one;
    /// Outbound requests one component may have in flight at once; more wait for a place
    /// until their request's deadline.
    outbound_max_in_flight: usize = "256", at_least_one;
    /// Extra root certificates (a PEM file) that outbound HTTPS trusts besides the system's:
    /// an internal certificate authority.
    outbound_ca_file: Option<PathBuf> = "", any;
    /// Longest key a key-value store accepts, in bytes.
    store_max_key_bytes: usize = "1024", at_least_one;
    /// Largest value a key-value store accepts, in bytes.
    store_max_value_bytes: usize = "1048576", at_least_one;
    /// Most keys one page of a key listing holds, and one batch get or set may carry.
    store_page_keys: usize = "1000", at_least_one;
    /// Time one key-value call may take; past it the guest's call fails with a timeout
    /// (the request's own deadline bounds it too).
    store_timeout: Duration = "5s", longer_than_zero;
    /// Where the app's OpenAPI document is served; empty turns it off, and the docs with it.
    openapi_url: Option<String> = "/openapi.json", url_path;
    /// Where Swagger UI is served (with `<docs_url>/oauth2-redirect`); empty turns it off.
    docs_url: Option<String> = "/docs", url_path;
    /// Where ReDoc is served; empty turns it off.
    redoc_url: Option<String> = "/redoc", url_path;
    /// A path no route takes, whose twin with the trailing slash added or removed is taken, is
    /// answered 307 to that twin (FastAPI's `redirect_slashes`).
    redirect_slashes: bool = "true", any;
    /// Whether `/_fastwasm/metrics` answers the host's metrics in Prometheus's text format
    /// (OpenMetrics for a scraper that asks for it).
    metrics: bool = "true", any;
    /// Origins whose pages may call the API from a browser (CORS, as FastAPI's
    /// `CORSMiddleware`): `https://app.example.com`, comma-separated, or `*` for any; with
    /// neither this nor `cors_allow_origin_regex`, no CORS headers are sent.
    cors_allow_origins: Vec<String> = "", origins;
    /// Origins allowed besides `cors_allow_origins`: those the whole of this regular
    /// expression matches, such as `https://.*\.example\.com`.
    cors_allow_origin_regex: Option<String> = "", regex;
    /// Methods a cross-origin request may use (comma-separated, or `*`).
    cors_allow_methods: Vec<String> = "GET", tokens;
    /// Headers a cross-origin request may send beyond the always-allowed `Accept`,
    /// `Accept-Language`, `Content-Language` and `Content-Type` (comma-separated, or `*`).
    cors_allow_headers: Vec<String> = "", tokens;
    /// Whether cross-origin requests may carry cookies and credentials.
    cors_allow_credentials: bool = "false", any;
    /// Response headers a cross-origin page may read (comma-separated).
    cors_expose_headers: Vec<String> = "", tokens;
    /// Seconds a browser may keep a preflight's answer.
    cors_max_age: u64 = "600", any;
    /// Whether a preflight asking for private-network access is allowed.
    cors_allow_private_network: bool = "false", any;
    /// Where compiled components are cached (`~/.cache/fastwasm` when `XDG_CACHE_HOME` is
    /// unset). It must belong to this user and not be writable by others.
    cache_dir: Option<PathBuf> = "", any;
}

/// Where the API's documentation is served, as the settings give it with FastAPI's rule
/// applied: without the document there are no pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocsPaths {
    /// The OpenAPI document.
    pub openapi: Option<String>,
    /// Swagger UI; its files and OAuth2 redirect page are under it.
    pub swagger: Option<String>,
    /// ReDoc.
    pub redoc: Option<String>,
}

impl DocsPaths {
    /// The exact paths served, each with the setting it comes from: what no app route may take.
    pub fn served(&self) -> Vec<(&'static str, String)> {
        let mut paths = Vec::new();
        if let Some(openapi) = &self.openapi {
            paths.push(("openapi_url", openapi.clone()));
        }
        if let Some(swagger) = &self.swagger {
            paths.push(("docs_url", swagger.clone()));
            paths.push(("docs_url", format!("{swagger}/oauth2-redirect")));
        }
        if let Some(redoc) = &self.redoc {
            paths.push(("redoc_url", redoc.clone()));
        }
        paths
    }
}

impl Settings {
    /// Where the API's documentation is served.
    pub fn docs_paths(&self) -> DocsPaths {
        let documented = self.openapi_url.is_some();
        DocsPaths {
            openapi: self.openapi_url.clone(),
            swagger: self.docs_url.clone().filter(|_| documented),
            redoc: self.redoc_url.clone().filter(|_| documented),
        }
    }

    /// The compile cache folder. There is no fallback to a shared place such as `/tmp`: code
    /// loaded from there could be anyone's.
    pub fn cache_dir(&self) -> Result<PathBuf, String> {
        if let Some(dir) = &self.cache_dir {
            return Ok(dir.clone());
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
            .ok_or(
                "neither XDG_CACHE_HOME nor HOME is set: give the compile cache a folder \
                    with `cache_dir` or `--cache-dir`",
            )?;
        Ok(base.join("fastwasm"))
    }
}

/// The settings given on the command line, as `(key, text)`, in the order clap reports them.
/// They are applied over the manifest's `[server]` table, before anything is checked.
#[derive(Debug, Clone, Default)]
pub struct SettingFlags(pub Vec<(&'static str, String)>);

impl SettingFlags {
    /// Sets each flag's value on `settings`.
    pub fn apply(&self, settings: &mut Settings) -> Result<(), String> {
        for (key, text) in &self.0 {
            settings
                .set(key, text)
                .map_err(|err| format!("--{}: {err}", key.replace('_', "-")))?;
        }
        Ok(())
    }
}

impl clap::FromArgMatches for SettingFlags {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        Ok(Self(
            TABLE
                .iter()
                .filter_map(|setting| {
                    let text = matches.get_one::<String>(setting.key)?;
                    Some((setting.key, text.clone()))
                })
                .collect(),
        ))
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for SettingFlags {
    fn augment_args(command: clap::Command) -> clap::Command {
        TABLE.iter().fold(command, |command, setting| {
            let accept = setting.accept;
            command.arg(
                clap::Arg::new(setting.key)
                    .long(setting.flag()[2..].to_owned())
                    .value_name("VALUE")
                    .help(format!("{} [default: {}]", setting.doc(), shown(setting)))
                    .value_parser(move |text: &str| accept(text).map(|()| text.to_owned())),
            )
        })
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        Self::augment_args(command)
    }
}

/// The default as people read it: an empty default names what it stands for.
fn shown(setting: &Setting) -> &'static str {
    match (setting.key, setting.default) {
        ("cache_dir", "") => "$XDG_CACHE_HOME/fastwasm",
        (_, "") => "none",
        (_, default) => default,
    }
}

/// The settings table in Markdown, as the README carries it and `fastwasm settings` prints it.
pub fn markdown_table() -> String {
    let mut table = String::from("| `[server]` key / flag | Default | Meaning |\n|---|---|---|\n");
    for setting in TABLE {
        table.push_str(&format!(
            "| `{}` / `{}` | `{}` | {} |\n",
            setting.key,
            setting.flag(),
            shown(setting),
            setting.doc()
        ));
    }
    table
}

impl Display for Allocator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Allocator::Pooling => "pooling",
            Allocator::OnDemand => "on-demand",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_pass_their_checks() {
        let settings = Settings::default();
        settings.validate().unwrap();
        assert_eq!(settings.sync_workers, 40);
        assert_eq!(settings.request_timeout, Duration::from_secs(30));
        assert_eq!(settings.cache_dir, None);
        for setting in TABLE {
            (setting.accept)(setting.default).unwrap();
        }
    }

    #[test]
    fn values_written_as_text_read_back_the_same() {
        let mut settings = Settings::default();
        settings.set("request_timeout", "1m 30s").unwrap();
        settings.set("cache_dir", "/var/cache/x").unwrap();
        let mut again = Settings::default();
        for setting in TABLE {
            again
                .set(setting.key, &settings.text(setting.key).unwrap())
                .unwrap();
        }
        assert_eq!(again, settings);
    }

    #[test]
    fn values_are_read_and_checked_by_key() {
        let mut settings = Settings::default();
        settings.set("request_timeout", "500ms").unwrap();
        assert_eq!(settings.request_timeout, Duration::from_millis(500));
        assert_eq!(
            settings.set("sync_workers", "many").unwrap_err(),
            "expected a whole number, got `many`"
        );
        assert_eq!(
            settings.set("sync_wrokers", "3").unwrap_err(),
            "unknown setting `sync_wrokers`"
        );
        settings.set("sync_workers", "0").unwrap();
        assert_eq!(
            settings.validate().unwrap_err(),
            "`sync_workers` must be at least 1"
        );
        settings.sync_workers = 1;
        settings.set("max_wasm_stack_bytes", "134217728").unwrap();
        assert!(settings.validate().unwrap_err().contains("at most 64 MiB"));
    }

    #[test]
    fn cors_settings_are_checked() {
        let check = |key: &str, text: &str| {
            let mut settings = Settings::default();
            settings.set(key, text).unwrap();
            settings.validate()
        };
        check(
            "cors_allow_origins",
            "https://a.example, http://b.example:8080, *",
        )
        .unwrap();
        assert!(
            check("cors_allow_origins", "a.example")
                .unwrap_err()
                .contains("origins such as `https://app.example.com`")
        );
        assert!(check("cors_allow_origins", "https://a.example/").is_err());
        check("cors_allow_origin_regex", r"https://.*\.example\.com").unwrap();
        assert!(
            check("cors_allow_origin_regex", "https://(")
                .unwrap_err()
                .starts_with("`cors_allow_origin_regex` is not a regular expression")
        );
        check("cors_allow_headers", "X-Token, *").unwrap();
        assert!(check("cors_allow_headers", "X Token").is_err());
        assert!(check("cors_allow_methods", "GET;POST").is_err());
    }

    #[test]
    fn the_readme_carries_the_settings_table() {
        let readme =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
        let table = markdown_table();
        assert!(
            readme.contains(&table),
            "README.md's settings table is out of date; replace it with the output of \
             `cargo run -p fastwasm -- settings`:\n{table}"
        );
    }
}
