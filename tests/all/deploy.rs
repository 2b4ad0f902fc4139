//! The deployment artifacts in `deploy/`: every Kubernetes manifest validates against the
//! Kubernetes OpenAPI schemas (strict: an unknown field fails), and the facts an operator relies
//! on hold: 3 replicas, the probes on `/_fastwasm/live` and `/_fastwasm/ready`, the Redis store,
//! a grace period longer than the drain delay, a locked-down non-root container whose compile
//! cache is a folder of its own, and flags the real binary accepts.
//!
//! The validator is `kubernetes-validate` from PyPI, whose wheel bundles the schemas (strict and
//! not, Kubernetes 1.25 to 1.37), installed at pinned versions into `target/deploy-venv` the
//! first time. No Docker engine and no cluster are needed.

use crate::support::{BIN, pinned_venv};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// `kubernetes-validate` and its dependencies, pinned.
const REQUIREMENTS: &str = "\
kubernetes-validate==1.37.0
attrs==26.1.0
importlib_resources==7.1.0
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
packaging==26.4
PyYAML==6.0.4
referencing==0.37.0
rpds-py==2026.9.1
typing_extensions==4.16.0
";

/// The Kubernetes versions validated against: the oldest still common and the newest bundled.
const KUBERNETES_VERSIONS: [&str; 2] = ["1.30.0", "1.37.0"];

/// The venv with the validator, made once per checkout (again when the pins change).
fn venv() -> PathBuf {
    static VENV: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let result = VENV.get_or_init(|| pinned_venv("deploy-venv", REQUIREMENTS));
    result.clone().unwrap_or_else(|err| panic!("{err}"))
}

fn kubernetes_dir() -> PathBuf {
    Path::new(REPO).join("deploy/kubernetes")
}

/// Every Kubernetes resource file: all YAML in deploy/kubernetes but the kustomization.
fn manifests() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(kubernetes_dir())
        .expect("deploy/kubernetes is missing")
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .filter(|path| path.file_stem().is_some_and(|stem| stem != "kustomization"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "too few manifests: {files:?}");
    files
}

/// `kubernetes-validate --strict` on `file` against `version`.
fn validate(file: &Path, version: &str) -> Output {
    Command::new(venv().join("bin/kubernetes-validate"))
        .args(["--strict", "--kubernetes-version", version])
        .arg(file)
        .output()
        .expect("cannot run kubernetes-validate")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Every document of every manifest, as JSON (PyYAML in the venv parses the YAML).
fn documents() -> Vec<Value> {
    let script = "import json, sys, yaml\n\
                  docs = []\n\
                  for name in sys.argv[1:]:\n\
                  \x20   with open(name) as file:\n\
                  \x20       docs += [doc for doc in yaml.safe_load_all(file) if doc is not None]\n\
                  print(json.dumps(docs))\n";
    let output = Command::new(venv().join("bin/python"))
        .arg("-c")
        .arg(script)
        .args(manifests())
        .output()
        .expect("cannot run the venv's python");
    assert!(output.status.success(), "{}", text(&output));
    let Value::Array(docs) = serde_json::from_slice(&output.stdout).unwrap() else {
        panic!("not a list of documents");
    };
    docs
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|doc| doc["kind"] == kind && doc["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} named {name} in deploy/kubernetes"))
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|item| {
            item.as_str()
                .unwrap_or_else(|| panic!("not a string: {item}"))
        })
        .collect()
}

/// The value after `flag` in `args`.
fn flag<'a>(args: &[&'a str], flag: &str) -> &'a str {
    let at = args
        .iter()
        .position(|arg| *arg == flag)
        .unwrap_or_else(|| panic!("the args lack {flag}: {args:?}"));
    args.get(at + 1)
        .unwrap_or_else(|| panic!("{flag} has no value"))
}

/// The port number a probe or service names, by number or by the container's port name.
fn port_number(container: &Value, port: &Value) -> u64 {
    if let Some(number) = port.as_u64() {
        return number;
    }
    let name = port.as_str().expect("a port is a number or a name");
    container["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["name"] == name)
        .and_then(|entry| entry["containerPort"].as_u64())
        .unwrap_or_else(|| panic!("the container has no port named {name}"))
}

fn the_container<'a>(deployment: &'a Value, name: &str) -> &'a Value {
    deployment["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|container| container["name"] == name)
        .unwrap_or_else(|| panic!("no container named {name}"))
}

/// Whether the service's selector picks the deployment's pods.
fn selects(service: &Value, deployment: &Value) -> bool {
    let labels = &deployment["spec"]["template"]["metadata"]["labels"];
    let selector = service["spec"]["selector"].as_object().unwrap();
    !selector.is_empty() && selector.iter().all(|(key, value)| labels[key] == *value)
}

#[test]
fn every_manifest_validates_strictly_against_the_kubernetes_schemas() {
    for file in manifests() {
        for version in KUBERNETES_VERSIONS {
            let output = validate(&file, version);
            let said = text(&output);
            assert!(
                output.status.success(),
                "{} is invalid for Kubernetes {version}:\n{said}",
                file.display()
            );
            // A kind or apiVersion without a schema only warns: it must not pass unchecked.
            assert!(
                said.contains("passed") && !said.contains("Couldn't find schema"),
                "{} was not checked against a schema:\n{said}",
                file.display()
            );
        }
    }
}

#[test]
fn the_validator_rejects_an_unknown_field_and_a_wrong_type() {
    let deployment = kubernetes_dir().join("fastwasm-deployment.yaml");
    let original = std::fs::read_to_string(&deployment).unwrap();
    let dir = tempfile::tempdir().unwrap();

    let misspelt = original.replacen(
        "terminationGracePeriodSeconds:",
        "terminationGraceSeconds:",
        1,
    );
    assert_ne!(misspelt, original);
    let file = dir.path().join("misspelt.yaml");
    std::fs::write(&file, misspelt).unwrap();
    let output = validate(&file, "1.37.0");
    assert!(!output.status.success(), "accepted:\n{}", text(&output));
    assert!(
        text(&output).contains("'terminationGraceSeconds' was unexpected"),
        "{}",
        text(&output)
    );

    let wrong_type = original.replacen("replicas: 3", "replicas: three", 1);
    assert_ne!(wrong_type, original);
    let file = dir.path().join("wrong-type.yaml");
    std::fs::write(&file, wrong_type).unwrap();
    let output = validate(&file, "1.37.0");
    assert!(!output.status.success(), "accepted:\n{}", text(&output));
    assert!(text(&output).contains("spec.replicas"), "{}", text(&output));
}

#[test]
fn the_fastwasm_deployment_is_what_the_readme_promises() {
    let docs = documents();
    let deployment = find(&docs, "Deployment", "fastwasm");
    let pod = &deployment["spec"]["template"]["spec"];
    let container = the_container(deployment, "fastwasm");

    assert_eq!(deployment["spec"]["replicas"], 3);

    let args = strings(&container["args"]);
    assert_eq!(&args[..2], ["serve", "/app"], "{args:?}");
    assert_eq!(flag(&args, "--listen"), "0.0.0.0:8000");
    assert_eq!(flag(&args, "--store"), "default=redis://redis:6379");
    let drain = humantime::parse_duration(flag(&args, "--drain-delay")).unwrap();
    assert_eq!(drain, Duration::from_secs(10));
    let grace = pod["terminationGracePeriodSeconds"].as_u64().unwrap();
    assert!(
        Duration::from_secs(grace) >= drain + Duration::from_secs(10),
        "a {grace}s grace period leaves no time to drain after the {drain:?} delay"
    );

    let http = port_number(container, &Value::from("http"));
    assert_eq!(http, 8000);
    for (probe, path) in [
        ("livenessProbe", "/_fastwasm/live"),
        ("readinessProbe", "/_fastwasm/ready"),
        ("startupProbe", "/_fastwasm/live"),
    ] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["path"], path, "{probe}");
        assert_eq!(port_number(container, &get["port"]), 8000, "{probe}");
    }

    for (kind, cpu, memory) in [("requests", "250m", "256Mi"), ("limits", "1", "512Mi")] {
        let resources = &container["resources"][kind];
        assert_eq!(resources["cpu"], cpu, "{kind}");
        assert_eq!(resources["memory"], memory, "{kind}");
    }

    let security = &container["securityContext"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(pod["securityContext"]["runAsUser"], 65532);
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(strings(&security["capabilities"]["drop"]), ["ALL"]);

    // The compile cache is a folder inside an emptyDir mount, not the mount itself: an
    // emptyDir is world-writable, and fastwasm refuses a cache that others can write.
    let cache = Path::new(flag(&args, "--cache-dir"));
    let mounts = container["volumeMounts"].as_array().unwrap();
    let mount = mounts
        .iter()
        .find(|mount| cache.starts_with(mount["mountPath"].as_str().unwrap()))
        .unwrap_or_else(|| panic!("{} is on the read-only root filesystem", cache.display()));
    assert_ne!(cache, Path::new(mount["mountPath"].as_str().unwrap()));
    let volume = pod["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|volume| volume["name"] == mount["name"])
        .unwrap();
    assert!(volume["emptyDir"].is_object(), "{volume}");

    let service = find(&docs, "Service", "fastwasm");
    assert!(selects(service, deployment));
    let target = &service["spec"]["ports"][0]["targetPort"];
    assert_eq!(port_number(container, target), 8000);
}

#[test]
fn redis_is_reachable_at_the_address_the_store_flag_names() {
    let docs = documents();
    let redis = find(&docs, "Deployment", "redis");
    let container = the_container(redis, "redis");
    let image = container["image"].as_str().unwrap();
    assert!(
        image == "redis:7" || image.starts_with("redis:7."),
        "{image}"
    );
    let args = strings(&container["args"]);
    assert_eq!(flag(&args, "--appendonly"), "yes");

    // `redis://redis:6379`: a Service named redis on 6379 that selects the Redis pods.
    let service = find(&docs, "Service", "redis");
    assert!(selects(service, redis));
    let port = &service["spec"]["ports"][0];
    assert_eq!(port["port"], 6379);
    assert_eq!(port_number(container, &port["targetPort"]), 6379);
}

#[test]
fn the_kustomization_lists_every_manifest() {
    let kustomization = std::fs::read_to_string(kubernetes_dir().join("kustomization.yaml"))
        .expect("deploy/kubernetes/kustomization.yaml is missing");
    for file in manifests() {
        let name = file.file_name().unwrap().to_str().unwrap();
        assert!(
            kustomization
                .lines()
                .any(|line| line.trim() == format!("- {name}")),
            "kustomization.yaml does not list {name}"
        );
    }
}

#[test]
fn the_deployment_passes_only_flags_fastwasm_serve_takes() {
    let docs = documents();
    let container = the_container(find(&docs, "Deployment", "fastwasm"), "fastwasm");
    let help = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .expect("cannot run fastwasm");
    let help = String::from_utf8_lossy(&help.stdout);
    for arg in strings(&container["args"]) {
        if arg.starts_with("--") {
            assert!(
                help.contains(&format!("{arg} ")) || help.contains(&format!("{arg}\n")),
                "`fastwasm serve` has no {arg}:\n{help}"
            );
        }
    }
}

#[test]
fn the_containerfile_builds_offline_and_runs_without_root_or_shell() {
    let containerfile = std::fs::read_to_string(Path::new(REPO).join("deploy/Containerfile"))
        .expect("deploy/Containerfile is missing");
    let lines: Vec<&str> = containerfile.lines().map(str::trim).collect();
    let has = |needle: &str| lines.iter().any(|line| line.contains(needle));
    assert!(has("cargo fetch --locked"));
    assert!(has(
        "cargo build --offline --locked --release -p fastwasm --target x86_64-unknown-linux-musl"
    ));
    let last_from = lines
        .iter()
        .rposition(|line| line.starts_with("FROM "))
        .unwrap();
    let runtime = &lines[last_from..];
    assert!(
        runtime[0] == "FROM scratch" || runtime[0].contains("distroless/static"),
        "{}",
        runtime[0]
    );
    assert!(runtime.contains(&"USER 65532:65532"), "{runtime:?}");
    let entrypoint = runtime
        .iter()
        .find(|line| line.starts_with("ENTRYPOINT"))
        .unwrap();
    assert!(
        entrypoint.contains("[\"/usr/local/bin/fastwasm\""),
        "not an exec form without a shell: {entrypoint}"
    );
    // The build context is the repository root: its ignore file keeps target/ out of it.
    let ignore =
        std::fs::read_to_string(Path::new(REPO).join("deploy/Containerfile.dockerignore")).unwrap();
    assert!(ignore.lines().any(|line| line.trim() == "target"));
    // ... but not the baked-in example's prebuilt component.
    assert!(
        ignore
            .lines()
            .any(|line| line.trim() == "!examples/counter/build")
    );
}
