//! The Python packages an app lists — `requirements.txt`, else `pyproject.toml`'s `[project]
//! dependencies` — installed for its Python components from the package index: pure-Python
//! wheels only, for the Python inside the component (a native extension cannot run there, and
//! says so by name before any build runs). What FastAPI projects list for FastAPI itself and
//! its server is skipped: the SDK and the host are those. The install is cached under the
//! compile cache by what the file asks for, so a rebuild reuses it; build commands find it as
//! `$FASTWASM_PYTHON_PACKAGES`, which the `python = "main:app"` short form passes on.

use super::tagged::run_relayed;
use anyhow::{Context, Result, anyhow, bail};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tokio::process::Command;

/// The Python inside a component built by the pinned componentize-py: wheels must suit it.
pub const COMPONENT_PYTHON: &str = "3.14";

/// Distributions a FastAPI project lists that a component does not install: the SDK is its
/// FastAPI, Starlette, pydantic and form parser (imported as `fastwasm`), the host its server.
const PROVIDED: [&str; 13] = [
    "fastapi",
    "fastapi-slim",
    "fastapi-cli",
    "starlette",
    "pydantic",
    "pydantic-core",
    "python-multipart",
    "uvicorn",
    "gunicorn",
    "hypercorn",
    "uvloop",
    "httptools",
    "watchfiles",
];

/// What an extra of a provided distribution brings that the SDK uses, and so is installed
/// though the distribution is not: `email-validator`, for `EmailStr` — (distribution, extra,
/// requirement), as their metadata states it.
const PROVIDED_EXTRAS: [(&str, &str, &str); 4] = [
    ("pydantic", "email", "email-validator>=2.0.0"),
    ("fastapi", "standard", "email-validator>=2.0.0"),
    (
        "fastapi",
        "standard-no-fastapi-cloud-cli",
        "email-validator>=2.0.0",
    ),
    ("fastapi", "all", "email-validator>=2.0.0"),
];

/// The packages an app's folder lists for its Python components.
#[derive(Debug, PartialEq, Eq)]
pub struct Requirements {
    /// The file they are listed in.
    pub source: PathBuf,
    /// What pip is given: requirement lines (with their markers and hashes) and index options.
    lines: Vec<String>,
    /// Listed distributions the SDK or the host provides, not installed.
    provided: Vec<String>,
}

impl Requirements {
    /// The app's requirements: `requirements.txt`, else `pyproject.toml`'s `[project]
    /// dependencies`; `None` when the folder has neither.
    pub fn find(app_root: &Path) -> Result<Option<Self>> {
        let txt = app_root.join("requirements.txt");
        if txt.is_file() {
            let text = std::fs::read_to_string(&txt)
                .with_context(|| format!("cannot read {}", txt.display()))?;
            return Self::from_requirements_txt(txt, &text).map(Some);
        }
        let pyproject = app_root.join("pyproject.toml");
        if pyproject.is_file() {
            let text = std::fs::read_to_string(&pyproject)
                .with_context(|| format!("cannot read {}", pyproject.display()))?;
            return Self::from_pyproject(pyproject, &text);
        }
        Ok(None)
    }

    fn new(source: PathBuf) -> Self {
        Self {
            source,
            lines: Vec::new(),
            provided: Vec::new(),
        }
    }

    fn from_requirements_txt(source: PathBuf, text: &str) -> Result<Self> {
        let mut requirements = Self::new(source);
        let file = requirements.file_name();
        for (number, line) in logical_lines(text) {
            let line = line.as_str();
            if let Some(option) = line.strip_prefix('-') {
                let name = option.trim_start_matches('-');
                let refused = ["r ", "c ", "e ", "requirement", "constraint", "editable"]
                    .iter()
                    .any(|prefix| name.starts_with(prefix) || option.starts_with(prefix));
                if refused {
                    bail!(
                        "{file} line {number}: `{line}` is not supported by `fastwasm build`: list \
                         the packages themselves, by name and version"
                    );
                }
                // Index options (`--index-url`, `--extra-index-url`, `--find-links`) go to pip.
                requirements.lines.push(line.to_owned());
                continue;
            }
            requirements
                .add(line)
                .with_context(|| format!("{file} line {number}"))?;
        }
        Ok(requirements)
    }

    fn from_pyproject(source: PathBuf, text: &str) -> Result<Option<Self>> {
        let table: toml::Table =
            toml::from_str(text).with_context(|| format!("cannot parse {}", source.display()))?;
        let Some(listed) = table
            .get("project")
            .and_then(|project| project.get("dependencies"))
        else {
            return Ok(None);
        };
        let mut requirements = Self::new(source);
        let listed = listed.as_array().ok_or_else(|| {
            anyhow!("pyproject.toml: `[project] dependencies` must be an array of strings")
        })?;
        for requirement in listed {
            let requirement = requirement.as_str().ok_or_else(|| {
                anyhow!("pyproject.toml: `[project] dependencies` must be an array of strings")
            })?;
            requirements
                .add(requirement)
                .context("pyproject.toml: `[project] dependencies`")?;
        }
        Ok(Some(requirements))
    }

    /// Adds one requirement, unless the SDK or the host provides it.
    fn add(&mut self, requirement: &str) -> Result<()> {
        let Some(name) = distribution_name(requirement) else {
            bail!("`{requirement}` is not a requirement such as `humanize==4.17.0`");
        };
        if PROVIDED.contains(&name.as_str()) {
            for extra in extras(requirement) {
                let brought = PROVIDED_EXTRAS
                    .iter()
                    .filter(|(provided, named, _)| *provided == name && *named == extra)
                    .map(|(_, _, requirement)| (*requirement).to_owned());
                for line in brought {
                    if !self.lines.contains(&line) {
                        self.lines.push(line);
                    }
                }
            }
            self.provided.push(name);
        } else {
            self.lines.push(requirement.trim().to_owned());
        }
        Ok(())
    }

    fn file_name(&self) -> String {
        self.source
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Whether any package is to be installed.
    pub fn is_empty(&self) -> bool {
        !self.lines.iter().any(|line| !line.starts_with('-'))
    }

    /// What names an install: the lines pip is given and the Python they are for.
    fn key(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(COMPONENT_PYTHON.as_bytes());
        for line in &self.lines {
            hasher.update(b"\n");
            hasher.update(line.as_bytes());
        }
        hasher.finalize()[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// Installs the packages with the toolchain's `python` into a folder under `cache_dir`
    /// named by what is asked, once; the folder to build with.
    pub async fn install(&self, python: &Path, cache_dir: &Path) -> Result<PathBuf> {
        let file = self.file_name();
        if !self.provided.is_empty() {
            tracing::info!(
                "{file}: not installing {}: fastwasm provides them (the SDK, imported as \
                 `fastwasm`, and the host)",
                self.provided.join(", ")
            );
        }
        let root = cache_dir.join("python-packages");
        let done = root.join(self.key());
        let site = done.join("site");
        if site.is_dir() {
            tracing::info!(
                "{file}: Python packages installed before, in {}",
                site.display()
            );
            return Ok(site);
        }
        let staging = root.join(format!(".staging-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir_all(&staging)
            .with_context(|| format!("cannot create {}", staging.display()))?;
        let listed = staging.join("requirements.txt");
        std::fs::write(&listed, self.lines.join("\n") + "\n")?;
        tracing::info!(
            "{file}: installing pure-Python packages for Python {COMPONENT_PYTHON} into {}",
            site.display()
        );
        let started = Instant::now();
        let mut pip = pip_install(python);
        pip.args(["--no-compile", "--no-warn-script-location", "--target"])
            .arg(staging.join("site"))
            .arg("--report")
            .arg(staging.join("installed.json"))
            .arg("-r")
            .arg(&listed);
        let (status, errors) = run_relayed("python packages", &mut pip).await?;
        if !status.success() {
            let _ = std::fs::remove_dir_all(&staging);
            bail!("{}", explain(&file, &errors, python).await);
        }
        let installed = installed(&staging.join("installed.json"));
        std::fs::rename(&staging, &done)
            .with_context(|| format!("cannot create {}", done.display()))?;
        tracing::info!(
            "{file}: installed {} in {:.1}s",
            installed.join(", "),
            started.elapsed().as_secs_f64()
        );
        Ok(site)
    }
}

/// The lines of a requirements file that say something, each with the number of its first
/// line: comments dropped, a line ending in `\` joined to the next.
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut lines = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let line = match line
            .find(" #")
            .or_else(|| line.starts_with('#').then_some(0))
        {
            Some(comment) => &line[..comment],
            None => line,
        };
        let (number, mut joined) = pending.take().unwrap_or((index + 1, String::new()));
        match line.trim_end().strip_suffix('\\') {
            Some(start) => {
                joined.push_str(start.trim());
                joined.push(' ');
                pending = Some((number, joined));
            }
            None => {
                joined.push_str(line.trim());
                if !joined.trim().is_empty() {
                    lines.push((number, joined.trim().to_owned()));
                }
            }
        }
    }
    if let Some((number, joined)) = pending.filter(|(_, joined)| !joined.trim().is_empty()) {
        lines.push((number, joined.trim().to_owned()));
    }
    lines
}

/// The normalised distribution name a requirement starts with (`Foo_Bar[x]>=1` → `foo-bar`).
fn distribution_name(requirement: &str) -> Option<String> {
    let requirement = requirement.trim();
    let end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    let name = &requirement[..end];
    let rest = requirement[end..].trim_start();
    let well_formed = !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && (rest.is_empty() || rest.starts_with(['[', '=', '<', '>', '!', '~', ';', '@', '(']));
    if !well_formed {
        return None;
    }
    let mut normalised = String::new();
    for part in name.split(['-', '_', '.']).filter(|part| !part.is_empty()) {
        if !normalised.is_empty() {
            normalised.push('-');
        }
        normalised.push_str(&part.to_ascii_lowercase());
    }
    Some(normalised)
}

/// The extras a requirement names, lowercase: `fastapi[standard, all]==1` → `standard`, `all`.
fn extras(requirement: &str) -> Vec<String> {
    let Some((_, rest)) = requirement.split_once('[') else {
        return Vec::new();
    };
    let Some((listed, _)) = rest.split_once(']') else {
        return Vec::new();
    };
    listed
        .split(',')
        .map(|extra| extra.trim().to_ascii_lowercase())
        .filter(|extra| !extra.is_empty())
        .collect()
}

/// `pip install` of wheels that run anywhere, for the component's Python, with nothing to
/// build.
fn pip_install(python: &Path) -> Command {
    let mut pip = Command::new(python);
    pip.args([
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-input",
    ])
    .args([
        "--progress-bar",
        "off",
        "--only-binary=:all:",
        "--platform",
        "any",
    ])
    .args(["--implementation", "py", "--abi", "none"])
    .args(["--python-version", COMPONENT_PYTHON]);
    pip
}

/// What pip's failure means for a component, from its last error lines: a package without a
/// pure-Python wheel is a native extension (or source only) and cannot run in a component.
/// When the resolver gave up on a conflict instead, each package the conflicting ones depend
/// on is asked for on its own, to name the one without such a wheel.
async fn explain(file: &str, errors: &[String], python: &Path) -> String {
    if let Some(native) = no_pure_wheel(file, errors) {
        return native;
    }
    for (parent, dependency) in depended_on(errors) {
        let mut probe = pip_install(python);
        // Nothing is written: `--target` only lets pip take the platform options.
        probe
            .args(["--dry-run", "--no-deps", "--quiet", "--target"])
            .arg(std::env::temp_dir().join("fastwasm-probe"))
            .arg(&dependency);
        let probed = run_relayed("python packages", &mut probe).await;
        if let Ok((status, probe_errors)) = probed
            && !status.success()
            && let Some(native) = no_pure_wheel(file, &probe_errors)
        {
            return native.replacen(
                &format!("`{dependency}`"),
                &format!("`{dependency}`, which `{parent}` needs,"),
                1,
            );
        }
    }
    let last = errors
        .iter()
        .rev()
        .find(|line| line.starts_with("ERROR:"))
        .or(errors.last())
        .map(String::as_str)
        .unwrap_or("pip failed without saying why");
    format!("{file}: cannot install its Python packages: {last}")
}

/// The requirements named after `depends on` in a resolver conflict (`pydantic 2.14.4 depends
/// on pydantic-core==2.50.5`), the first of each distribution, with what depends on it.
fn depended_on(errors: &[String]) -> Vec<(String, String)> {
    let mut found: Vec<(String, String, String)> = Vec::new();
    for line in errors {
        let Some((parent, requirement)) = line.trim().split_once(" depends on ") else {
            continue;
        };
        let parent = parent.split_whitespace().next().unwrap_or(parent);
        let Some(name) = distribution_name(requirement) else {
            continue;
        };
        if !found.iter().any(|(_, known, _)| *known == name) {
            found.push((parent.to_owned(), name, requirement.trim().to_owned()));
        }
    }
    found
        .into_iter()
        .map(|(parent, _, requirement)| (parent, requirement))
        .collect()
}

/// The message for a requirement pip found no wheel of, when the errors say so: none at all
/// (a native extension, or source only), or none of the versions it allows.
fn no_pure_wheel(file: &str, errors: &[String]) -> Option<String> {
    const NO_VERSION: &str = "Could not find a version that satisfies the requirement ";
    for line in errors {
        let Some(rest) = line.split(NO_VERSION).nth(1) else {
            continue;
        };
        let Some((asked, versions)) = rest.rsplit_once(" (from versions: ") else {
            continue;
        };
        let versions = versions.trim_end_matches(')');
        let (wanted, parent) = match asked.rsplit_once(" (from ") {
            Some((wanted, parent)) => (wanted, Some(parent.trim_end_matches(')'))),
            None => (asked, None),
        };
        let needed_by = parent
            .map(|parent| format!(", which `{parent}` needs,"))
            .unwrap_or_default();
        let others = if versions == "none" {
            String::new()
        } else {
            format!(" (only other versions have one: {versions})")
        };
        return Some(format!(
            "{file}: `{wanted}`{needed_by} has no pure-Python wheel for Python {COMPONENT_PYTHON} \
             on the package index{others}: it is a native extension (or published as source \
             only), and a component runs Python code only. Remove it, or choose a pure-Python \
             package."
        ));
    }
    None
}

/// `name version` of each package pip's report says it installed.
fn installed(report: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(report) else {
        return Vec::new();
    };
    let Ok(report) = serde_json::from_str::<serde_json::Value>(&text) else {
        return Vec::new();
    };
    report["install"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| {
            let metadata = &item["metadata"];
            Some(format!(
                "{} {}",
                metadata["name"].as_str()?,
                metadata["version"].as_str()?
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(text: &str) -> Result<Requirements> {
        Requirements::from_requirements_txt(PathBuf::from("/app/requirements.txt"), text)
    }

    #[test]
    fn a_requirements_file_keeps_what_a_component_installs() {
        let requirements = listed(
            "# the API\nfastapi[standard]==0.165.0\nuvicorn[standard]\nPydantic>=2\n\n\
             humanize==4.17.0  # sizes\nrich ; python_version >= \"3.10\"\n\
             --extra-index-url https://pypi.example/simple\n\
             attrs==25.1.0 \\\n    --hash=sha256:abc\n",
        )
        .unwrap();
        assert_eq!(
            requirements.lines,
            [
                // `fastapi[standard]` brings what `EmailStr` needs.
                "email-validator>=2.0.0",
                "humanize==4.17.0",
                "rich ; python_version >= \"3.10\"",
                "--extra-index-url https://pypi.example/simple",
                "attrs==25.1.0 --hash=sha256:abc",
            ]
        );
        assert_eq!(requirements.provided, ["fastapi", "uvicorn", "pydantic"]);
        assert!(!requirements.is_empty());
        assert!(listed("fastapi\nuvicorn\n").unwrap().is_empty());
        assert_eq!(
            listed("pydantic[email]>=2\nfastapi[all]\n").unwrap().lines,
            ["email-validator>=2.0.0"]
        );
    }

    #[test]
    fn what_cannot_be_installed_is_refused_by_line() {
        let err = listed("humanize\n-r base.txt\n").unwrap_err().to_string();
        assert!(
            err.starts_with("requirements.txt line 2: `-r base.txt` is not supported"),
            "{err}"
        );
        assert!(listed("-e .\n").is_err());
        assert!(listed("--requirement=x.txt\n").is_err());
        let err = format!(
            "{:#}",
            listed("a==1 \\\n  --hash=x\n./local/pkg\n").unwrap_err()
        );
        assert!(
            err.starts_with("requirements.txt line 3: `./local/pkg` is not a requirement"),
            "{err}"
        );
    }

    #[test]
    fn pyproject_dependencies_are_read() {
        let source = PathBuf::from("/app/pyproject.toml");
        let read = |text: &str| Requirements::from_pyproject(source.clone(), text);
        let requirements =
            read("[project]\nname = 'shop'\ndependencies = ['fastapi>=0.110', 'humanize~=4.17']\n")
                .unwrap()
                .unwrap();
        assert_eq!(requirements.lines, ["humanize~=4.17"]);
        assert_eq!(requirements.provided, ["fastapi"]);
        assert_eq!(read("[tool.x]\na = 1\n").unwrap(), None);
        assert!(read("[project]\ndependencies = 'humanize'\n").is_err());
    }

    #[test]
    fn names_are_normalised() {
        assert_eq!(
            distribution_name("Foo_Bar.baz[x]>=1").unwrap(),
            "foo-bar-baz"
        );
        assert_eq!(
            distribution_name("python_multipart").unwrap(),
            "python-multipart"
        );
        assert_eq!(distribution_name("pkg @ https://x/pkg.whl").unwrap(), "pkg");
        assert_eq!(distribution_name("1"), Some("1".to_owned()));
        assert_eq!(distribution_name("-x"), None);
        assert_eq!(distribution_name("a b"), None);
    }

    #[test]
    fn a_native_package_is_named_with_what_needs_it() {
        let direct = no_pure_wheel(
            "requirements.txt",
            &[
                "ERROR: Could not find a version that satisfies the requirement orjson==3.11.0 \
               (from versions: none)"
                    .to_owned(),
            ],
        )
        .unwrap();
        assert!(direct.starts_with("requirements.txt: `orjson==3.11.0` has no pure-Python wheel"));
        let transitive = no_pure_wheel(
            "requirements.txt",
            &["ERROR: Could not find a version that satisfies the requirement pydantic-core==2.41.5 \
               (from pydantic) (from versions: none)"
                .to_owned()],
        )
        .unwrap();
        assert!(
            transitive.contains("`pydantic-core==2.41.5`, which `pydantic` needs, has no"),
            "{transitive}"
        );
        assert_eq!(
            no_pure_wheel(
                "requirements.txt",
                &["ERROR: Cannot install a==1".to_owned()]
            ),
            None
        );
    }

    #[test]
    fn a_resolver_conflict_names_what_the_packages_depend_on() {
        let errors: Vec<String> = [
            "ERROR: Cannot install pydantic-settings because these package versions have \
             conflicting dependencies.",
            "The conflict is caused by:",
            "    pydantic 2.14.4 depends on pydantic-core==2.50.5",
            "    pydantic 2.14.3 depends on pydantic-core==2.50.4",
            "    other 1.0 depends on Typing_Extensions>=4",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            depended_on(&errors),
            [
                ("pydantic".to_owned(), "pydantic-core==2.50.5".to_owned()),
                ("other".to_owned(), "Typing_Extensions>=4".to_owned())
            ]
        );
    }
}
