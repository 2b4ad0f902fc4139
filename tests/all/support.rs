//! Running the real `fastwasm` binary against an app written to a temporary folder.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_fastwasm");

/// A compile cache shared by every test of a run, so each component compiles once.
pub fn shared_cache() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fastwasm-cache")
}

/// The app at `app` (a folder relative to the repository root) after `fastwasm build`, run once
/// per test process: it installs the guest toolchains the first time, builds every component
/// and precompiles them into the shared cache. A failed build fails every test that needs it,
/// with the build's output.
pub fn built(app: &str) -> PathBuf {
    type Build = Arc<OnceLock<Result<PathBuf, String>>>;
    static BUILDS: LazyLock<Mutex<HashMap<String, Build>>> = LazyLock::new(Default::default);
    let cell = BUILDS
        .lock()
        .unwrap()
        .entry(app.to_owned())
        .or_default()
        .clone();
    let result = cell.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(app);
        match build_log(&dir) {
            (true, _) => Ok(dir),
            (false, log) => Err(format!("`fastwasm build {app}` failed:\n{log}")),
        }
    });
    result.clone().unwrap_or_else(|err| panic!("{err}"))
}

/// An app folder with a `fastwasm.toml` listing `(name, wasm path, prefix)` components.
pub fn app(components: &[(&str, &str, &str)], server: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut manifest = format!("name = \"test-app\"\n\n[server]\n{server}\n");
    for (name, wasm, prefix) in components {
        manifest.push_str(&format!(
            "\n[[component]]\nname = \"{name}\"\npath = {wasm:?}\nprefix = \"{prefix}\"\n"
        ));
    }
    std::fs::write(dir.path().join("fastwasm.toml"), manifest).unwrap();
    dir
}

/// An app folder with one component `wasm` named `name`, allowed to reach the origins in
/// `allowed`, with `extra` lines in its entry and `server` settings.
pub fn granted_app(
    name: &str,
    wasm: &str,
    allowed: &[&str],
    extra: &str,
    server: &str,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let allowed: Vec<String> = allowed.iter().map(|origin| format!("{origin:?}")).collect();
    let text = format!(
        "name = \"test-app\"\n\n[server]\n{server}\n\n[[component]]\nname = \"{name}\"\n\
         path = {wasm:?}\nallowed_outbound_hosts = [{}]\n{extra}\n",
        allowed.join(", ")
    );
    std::fs::write(dir.path().join("fastwasm.toml"), text).unwrap();
    dir
}

/// A running `fastwasm serve`.
pub struct Server {
    child: Child,
    pub addr: SocketAddr,
    logs: Arc<Mutex<Vec<String>>>,
    _dir: Option<tempfile::TempDir>,
}

impl Server {
    /// Serves `components` with extra `serve` flags.
    pub fn start(components: &[(&str, &str, &str)], flags: &[&str]) -> Self {
        let dir = app(components, "");
        let mut server = Self::start_at(dir.path(), flags, &shared_cache());
        server._dir = Some(dir);
        server
    }

    /// Serves the app in `dir` with its compile cache in `cache`.
    pub fn start_at(dir: &Path, flags: &[&str], cache: &Path) -> Self {
        Self::launch("serve", dir, flags, cache, Duration::from_secs(120))
    }

    /// Runs `fastwasm <command> <dir>` (serve or dev), waiting up to `startup` for it to listen.
    pub fn launch(
        command: &str,
        dir: &Path,
        flags: &[&str],
        cache: &Path,
        startup: Duration,
    ) -> Self {
        let mut child = Command::new(BIN)
            .arg(command)
            .arg(dir)
            .args(["--listen", "127.0.0.1:0", "--cache-dir"])
            .arg(cache)
            .args(flags)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start fastwasm");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    let addr = rest.split_whitespace().next().unwrap_or_default();
                    let _ = tx.send(addr.parse::<SocketAddr>().ok());
                }
                sink.lock().unwrap().push(line);
            }
            let _ = tx.send(None);
        });
        let addr = rx.recv_timeout(startup).ok().flatten();
        let Some(addr) = addr else {
            let _ = child.kill();
            std::thread::sleep(Duration::from_millis(100));
            panic!(
                "fastwasm did not start listening; its log:\n{}",
                logs.lock().unwrap().join("\n")
            );
        };
        Self {
            child,
            addr,
            logs,
            _dir: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `path` with `pairs` as its query, encoded.
    pub fn url_with<V: AsRef<str>>(&self, path: &str, pairs: &[(&str, V)]) -> reqwest::Url {
        reqwest::Url::parse_with_params(&self.url(path), pairs).unwrap()
    }

    /// Every log line so far.
    pub fn logs(&self) -> String {
        self.logs.lock().unwrap().join("\n")
    }

    /// The guest log lines of request `rid` (a guest writes `<event> rid=<rid> …`), in order,
    /// without their tags.
    pub fn guest_trace(&self, rid: &str) -> Vec<String> {
        // Teardown lines are written before the response is sent; a short wait covers the log
        // relay between the processes.
        std::thread::sleep(Duration::from_millis(100));
        let needle = format!("rid={rid} ");
        self.logs()
            .lines()
            .filter(|line| line.contains(" guest: ") && line.contains(&needle))
            .map(|line| {
                let message = line.split(" guest: ").nth(1).unwrap();
                message.split(&needle).next().unwrap().trim().to_owned()
            })
            .collect()
    }

    /// Waits up to `timeout` for a log line containing every one of `needles`.
    pub fn wait_for_log(&self, needles: &[&str], timeout: Duration) -> Option<String> {
        let start = Instant::now();
        loop {
            let found = self
                .logs
                .lock()
                .unwrap()
                .iter()
                .find(|line| needles.iter().all(|n| line.contains(n)))
                .cloned();
            if found.is_some() || start.elapsed() > timeout {
                return found;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for a log line containing `needle`, failing with the log after 10 s. The server
    /// writes its log from a thread of its own, so a line can arrive after the response it
    /// describes.
    pub fn expect_log(&self, needle: &str) {
        let found = self.wait_for_log(&[needle], Duration::from_secs(10));
        assert!(
            found.is_some(),
            "no log line contains {needle:?}:\n{}",
            self.logs()
        );
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Polls `path` until its body is `expected`; fails with the log after `within`.
    pub async fn wait_for_body(&self, path: &str, expected: &str, within: Duration) {
        let start = Instant::now();
        while get(self.url(path)).await.2 != expected {
            assert!(
                start.elapsed() < within,
                "{path} never answered {expected:?}; the log:\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Sends the signal `name` (`TERM`, `HUP`, …) to the server.
    pub fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{name} failed");
    }

    /// Sends SIGTERM and waits for the process to exit.
    pub fn terminate(&mut self) -> ExitStatus {
        self.signal("TERM");
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "fastwasm did not exit"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `fastwasm build` of the app in `dir` against the shared cache: whether it succeeded, and
/// its log.
pub fn build_log(dir: &Path) -> (bool, String) {
    let cache = shared_cache();
    let output = run(&[
        "build",
        dir.to_str().unwrap(),
        "--cache-dir",
        cache.to_str().unwrap(),
    ]);
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// An app of one Python component, `api` (`python = "main:app"`), made of `files` (`main.py`
/// among them), in a temporary folder under the repository so that its build finds the
/// project's toolchains. The build log prefixes each line of the component's output with
/// `[api]`.
pub fn python_app(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    std::fs::write(
        dir.path().join("fastwasm.toml"),
        "[[component]]\nname = \"api\"\npython = \"main:app\"\n",
    )
    .unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Runs `fastwasm` to completion.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .output()
        .expect("cannot run fastwasm")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// The request a comparison case describes: `[method, path, JSON body or null]`, or with the
/// headers third, `[method, path, {"name": "value"}, JSON body or null]`.
pub fn case_request(server: &Server, case: &serde_json::Value) -> reqwest::RequestBuilder {
    let method = reqwest::Method::from_bytes(case[0].as_str().unwrap().as_bytes()).unwrap();
    let mut builder = client().request(method, server.url(case[1].as_str().unwrap()));
    let body = match case.as_array().map(Vec::len) {
        Some(4) => {
            for (name, value) in case[2].as_object().unwrap() {
                builder = builder.header(name, value.as_str().unwrap());
            }
            &case[3]
        }
        _ => &case[2],
    };
    if !body.is_null() {
        builder = builder.json(body);
    }
    builder
}

/// Sends `request`, returning status, headers and body text.
pub async fn send(request: reqwest::RequestBuilder) -> (u16, reqwest::header::HeaderMap, String) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

/// GET `url`, returning status, headers and body text.
pub async fn get(url: impl reqwest::IntoUrl) -> (u16, reqwest::header::HeaderMap, String) {
    send(client().get(url)).await
}

/// `count` concurrent GETs of `path`: their statuses.
pub async fn fire(server: &Server, path: &str, count: usize) -> Vec<u16> {
    let handles: Vec<_> = (0..count)
        .map(|_| tokio::spawn(get(server.url(path))))
        .collect();
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap().0);
    }
    statuses
}

/// Asserts that each answer fastwasm gave (`ours`) equals FastAPI's (`theirs`, a JSON array in
/// the same order), naming the case of `cases` (a JSON array) that differs.
pub fn assert_same_answers(
    cases: &serde_json::Value,
    ours: &[serde_json::Value],
    theirs: &serde_json::Value,
) {
    let cases = cases.as_array().expect("the cases are a JSON array");
    let theirs = theirs
        .as_array()
        .expect("FastAPI's answers are a JSON array");
    assert_eq!(
        (ours.len(), theirs.len()),
        (cases.len(), cases.len()),
        "answers from fastwasm, then FastAPI, for {} cases",
        cases.len()
    );
    for ((case, ours), theirs) in cases.iter().zip(ours).zip(theirs) {
        assert_eq!(ours, theirs, "{case}: fastwasm, then FastAPI");
    }
}

/// The `type` and `loc` of each error a 422 body lists, in order.
pub fn error_kinds(body: &serde_json::Value) -> Vec<(serde_json::Value, serde_json::Value)> {
    body["detail"]
        .as_array()
        .unwrap_or_else(|| panic!("not a 422 body: {body}"))
        .iter()
        .map(|error| (error["type"].clone(), error["loc"].clone()))
        .collect()
}

/// GET `url`, returning status and JSON body.
pub async fn get_json(url: impl reqwest::IntoUrl) -> (u16, serde_json::Value) {
    let url = url.into_url().unwrap();
    let (status, _, body) = get(url.clone()).await;
    let json = serde_json::from_str(&body)
        .unwrap_or_else(|err| panic!("{url}: body is not JSON ({err}): {body}"));
    (status, json)
}

/// A venv with FastAPI and uvicorn at the versions `tests/fastapi-requirements.txt` pins (the
/// benchmarks use the same), made once per checkout under `target/`.
pub fn fastapi_venv() -> PathBuf {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let result = VENV.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let requirements = std::fs::read_to_string(root.join("tests/fastapi-requirements.txt"))
            .map_err(|err| err.to_string())?;
        pinned_venv("fastapi-venv", &requirements)
    });
    result.clone().unwrap_or_else(|err| panic!("{err}"))
}

/// Runs the Python `script` with FastAPI installed, in `dir` (relative to the repository) with
/// `args` as `sys.argv[1:]`: what it prints, as JSON.
pub fn fastapi_json(dir: &str, script: &str, args: &[&str]) -> serde_json::Value {
    let output = Command::new(fastapi_venv().join("bin/python"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir))
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The OpenAPI document FastAPI itself makes for `module.app`, a twin file in `dir`.
pub fn fastapi_openapi(dir: &str, module: &str) -> serde_json::Value {
    let script = format!(
        "import json, warnings; warnings.simplefilter('ignore'); import {module}; \
         print(json.dumps({module}.app.openapi()))"
    );
    fastapi_json(dir, &script, &[])
}

/// The OpenAPI document a fresh server serves for the app folder `app`.
pub async fn openapi_document(app: &Path) -> serde_json::Value {
    let server = Server::start_at(app, &[], &shared_cache());
    let (status, document) = get_json(server.url("/openapi.json")).await;
    assert_eq!(status, 200, "{document}");
    document
}

/// The `application/json` schema of a request body or a response in an OpenAPI document.
pub fn json_schema<'a>(holder: &'a serde_json::Value, what: &str) -> &'a serde_json::Value {
    let schema = &holder["content"]["application/json"]["schema"];
    assert!(!schema.is_null(), "{what} has no JSON schema: {holder}");
    schema
}

/// `target/<name>`, a venv with exactly `requirements` (pip's format) installed; made again only
/// when they change. Callers keep the result for the run.
pub fn pinned_venv(name: &str, requirements: &str) -> Result<PathBuf, String> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target")
        .join(name);
    let marker = venv.join("installed.txt");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(requirements) {
        return Ok(venv);
    }
    let python = std::env::var("FASTWASM_PYTHON").unwrap_or_else(|_| "python3".into());
    let created = Command::new(&python)
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .status();
    if !created.is_ok_and(|status| status.success()) {
        return Err(format!("cannot create a venv at {}", venv.display()));
    }
    let listed = venv.join("requirements.txt");
    std::fs::write(&listed, requirements).map_err(|err| err.to_string())?;
    let installed = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
        .arg(&listed)
        .output()
        .map_err(|err| err.to_string())?;
    if !installed.status.success() {
        return Err(format!(
            "installing {} into {} failed:\n{}",
            requirements.lines().next().unwrap_or_default(),
            venv.display(),
            String::from_utf8_lossy(&installed.stderr)
        ));
    }
    std::fs::write(&marker, requirements).map_err(|err| err.to_string())?;
    Ok(venv)
}

/// Installs Debian's `package` with apt-get when `program` is not on the PATH, so the suite needs
/// no setup by hand; `needed_by` names its users in the error when that is not possible. Callers
/// keep the result for the run.
pub fn debian_package(program: &str, package: &str, needed_by: &str) -> Result<(), String> {
    let present = || {
        Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    if present() {
        return Ok(());
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Err(format!(
            "{needed_by} need `{program}`: install Debian's `{package}` package, or run the \
             suite as root so it can"
        ));
    }
    eprintln!("installing {package} with apt-get …");
    // Another test or the C toolchain may be installing at the same moment: wait for dpkg's lock.
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(["-o", "DPkg::Lock::Timeout=600"])
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    };
    let install = ["install", "-y", "-qq", "--no-install-recommends", package];
    // Package lists may be missing or stale on a fresh machine: fetch them and try again.
    let installed = apt(&install) || (apt(&["update", "-qq"]) && apt(&install));
    if !installed {
        return Err(format!("`apt-get install {package}` failed"));
    }
    if !present() {
        return Err(format!("`apt-get install {package}` left no {program}"));
    }
    Ok(())
}

/// A running `uvicorn module:app` on a free loopback port, for answers to compare with.
pub struct Uvicorn {
    child: Child,
    pub addr: SocketAddr,
}

impl Uvicorn {
    /// Serves `module:app` from `dir` (a folder relative to the repository root).
    pub fn start(dir: &str, module: &str) -> Self {
        let venv = fastapi_venv();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        let mut child = Command::new(venv.join("bin/uvicorn"))
            .arg(format!("{module}:app"))
            .arg("--app-dir")
            .arg(&dir)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--log-level", "warning"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start uvicorn");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let start = Instant::now();
        while std::net::TcpStream::connect(addr).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                let mut log = String::new();
                let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log);
                panic!("uvicorn exited ({status}):\n{log}");
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "uvicorn did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { child, addr }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Uvicorn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
