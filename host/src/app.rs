//! The app snapshot: every loaded component, every operation they declare, and the route table.
//! Immutable once built; requests hold an `Arc<App>` to the end, so a later reload never changes
//! what an in-flight request runs on.

use crate::bindings::types;
use crate::deps::{DependencyUse, Graph, Plan, Provider};
use crate::loader::LoadedComponent;
use crate::manifest::Manifest;
use crate::router::{Router, Template};
use crate::validate::{Location, ParamRule, ValueSchema};
use anyhow::{Result, anyhow, bail};
use hyper::Method;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// How an operation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `fn`: on the bounded blocking pool.
    Sync,
    /// `async fn`: awaited as a future on the runtime.
    Async,
}

impl Kind {
    /// The word `routes` and the logs use.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sync => "sync",
            Kind::Async => "async",
        }
    }
}

/// A declared request body.
#[derive(Debug, Clone)]
pub struct BodyRule {
    /// The declared media type, e.g. `application/json`.
    pub media_type: String,
    /// Whether a request must carry a body.
    pub required: bool,
    /// JSON Schema of the body (`{}` when unconstrained).
    pub schema: Value,
}

/// One path operation, checked.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Unique within the app.
    pub id: String,
    /// The HTTP method it answers.
    pub method: Method,
    /// The full template, prefix included.
    pub template: Template,
    /// Sync (blocking pool) or async (future).
    pub kind: Kind,
    /// Declared parameters, checked at load.
    pub params: Vec<ParamRule>,
    /// The declared request body, if any.
    pub body: Option<BodyRule>,
    /// Status of a successful response.
    pub status_code: u16,
    /// One-line summary (from the doc comment or the name).
    pub summary: Option<String>,
    /// Longer description.
    pub description: Option<String>,
    /// Grouping tags.
    pub tags: Vec<String>,
    /// What it depends on: app- and component-level dependencies, then its own.
    pub dependencies: Vec<DependencyUse>,
    /// The provider calls each request makes before the handler, in order.
    pub plan: Plan,
    /// Index into `App::components`.
    pub component: usize,
}

/// A loaded, checked, routable app.
pub struct App {
    /// The app's name.
    pub name: String,
    /// Components in manifest order.
    pub components: Vec<Arc<LoadedComponent>>,
    /// Every operation of every component.
    pub operations: Vec<Operation>,
    /// Method + path → index into `operations`.
    pub router: Router<usize>,
    /// Every dependency provider, checked.
    pub graph: Graph,
}

impl App {
    /// Checks every declaration and builds the route table. Errors name the components involved.
    pub fn build(manifest: &Manifest, components: Vec<Arc<LoadedComponent>>) -> Result<Self> {
        let mut providers = Vec::new();
        for (index, component) in components.iter().enumerate() {
            for declared in &component.info.providers {
                providers.push(check_provider(declared, index, component).map_err(|err| {
                    anyhow!(
                        "component `{}`: provider `{}`: {err}",
                        component.spec.name,
                        declared.name
                    )
                })?);
            }
        }
        let graph = Graph::new(providers, manifest.overrides.clone())?;
        let mut operations = Vec::new();
        let mut router = Router::default();
        let mut ids: HashMap<String, usize> = HashMap::new();
        for (index, component) in components.iter().enumerate() {
            let name = &component.spec.name;
            for declared in &component.info.operations {
                let mut op = Operation::check(declared, index, component).map_err(|err| {
                    anyhow!("component `{name}`: operation `{}`: {err}", declared.id)
                })?;
                let owner = format!("operation `{}` of component `{name}`", op.id);
                let inherited = manifest
                    .dependencies
                    .iter()
                    .chain(&component.spec.dependencies);
                let mut uses: Vec<DependencyUse> =
                    inherited.map(|name| DependencyUse::cached(name)).collect();
                uses.append(&mut op.dependencies);
                op.plan = graph.plan(&owner, &uses)?;
                op.dependencies = uses;
                op.params = merge_params(std::mem::take(&mut op.params), graph.params(&op.plan))
                    .map_err(|err| anyhow!("{owner}: {err}"))?;
                // A route conflict says more than a duplicate id: check it first.
                router.insert(
                    op.method.clone(),
                    op.template.clone(),
                    operations.len(),
                    owner,
                )?;
                if let Some(other) = ids.insert(op.id.clone(), index) {
                    let other = &components[other].spec.name;
                    bail!(
                        "operation id `{}` is declared by component `{other}` and by component `{name}`; \
                         operation ids must be unique in an app",
                        op.id
                    );
                }
                operations.push(op);
            }
        }
        Ok(Self {
            name: manifest.name.clone(),
            components,
            operations,
            router,
            graph,
        })
    }
}

impl Operation {
    fn check(decl: &types::Operation, component: usize, loaded: &LoadedComponent) -> Result<Self> {
        let method: Method = decl
            .method
            .parse()
            .map_err(|_| anyhow!("invalid method `{}`", decl.method))?;
        let full_path = format!("{}{}", loaded.spec.prefix, decl.path);
        let template = Template::parse(&full_path).map_err(|err| anyhow!(err))?;
        let kind = exported_kind(
            decl.kind,
            [loaded.handler.is_some(), loaded.async_handler.is_some()],
            ["handler", "async-handler"],
        )?;
        if !(100..=599).contains(&decl.status_code) {
            bail!("status code {} is not an HTTP status", decl.status_code);
        }
        let params = decl
            .params
            .iter()
            .map(check_param)
            .collect::<Result<Vec<_>>>()?;
        for (i, param) in params.iter().enumerate() {
            if params[..i].iter().any(|p| p.name == param.name) {
                bail!("parameter `{}` is declared twice", param.name);
            }
        }
        for name in &template.params {
            if !params
                .iter()
                .any(|p| p.location == Location::Path && &p.name == name)
            {
                bail!(
                    "path `{}` has `{{{name}}}` but the operation declares no path parameter `{name}`",
                    decl.path
                );
            }
        }
        if let Some(orphan) = params
            .iter()
            .find(|p| p.location == Location::Path && !template.params.contains(&p.name))
        {
            bail!(
                "path parameter `{}` does not appear in path `{}`",
                orphan.name,
                decl.path
            );
        }
        let body = decl
            .body
            .as_ref()
            .map(|body| -> Result<BodyRule> {
                Ok(BodyRule {
                    media_type: body.media_type.clone(),
                    required: body.required,
                    schema: serde_json::from_str(&body.schema)
                        .map_err(|err| anyhow!("body schema is not JSON: {err}"))?,
                })
            })
            .transpose()?;
        Ok(Self {
            id: decl.id.clone(),
            method,
            template,
            kind,
            params,
            body,
            status_code: decl.status_code,
            summary: decl.summary.clone(),
            description: decl.description.clone(),
            tags: decl.tags.clone(),
            dependencies: decl.dependencies.iter().map(dependency_use).collect(),
            plan: Plan::default(),
            component,
        })
    }
}

fn check_provider(
    decl: &types::Provider,
    component: usize,
    loaded: &LoadedComponent,
) -> Result<Provider> {
    let kind = exported_kind(
        decl.kind,
        [loaded.provider.is_some(), loaded.async_provider.is_some()],
        ["provider", "async-provider"],
    )?;
    let params = decl
        .params
        .iter()
        .map(check_param)
        .collect::<Result<Vec<_>>>()?;
    if let Some(path) = params.iter().find(|p| p.location == Location::Path) {
        bail!(
            "path parameter `{}`: a provider may read query, header and cookie parameters only",
            path.name
        );
    }
    Ok(Provider {
        name: decl.name.clone(),
        component,
        component_name: loaded.spec.name.clone(),
        kind,
        params,
        dependencies: decl.dependencies.iter().map(dependency_use).collect(),
        has_teardown: decl.has_teardown,
    })
}

/// The kind a declaration states, checked against the exports that would serve it
/// (`[sync, async]`, named for the error).
fn exported_kind(
    declared: types::OperationKind,
    exports: [bool; 2],
    names: [&str; 2],
) -> Result<Kind> {
    let (kind, index) = match declared {
        types::OperationKind::Sync => (Kind::Sync, 0),
        types::OperationKind::Async => (Kind::Async, 1),
    };
    if !exports[index] {
        bail!(
            "it is {} but the component does not export `fastwasm:app/{}`",
            kind.as_str(),
            names[index]
        );
    }
    Ok(kind)
}

fn dependency_use(declared: &types::DependencyUse) -> DependencyUse {
    DependencyUse {
        name: declared.name.clone(),
        use_cache: declared.use_cache,
    }
}

/// An operation's parameters followed by its providers' (FastAPI validates both together);
/// one name read from two places is an error.
fn merge_params(mut own: Vec<ParamRule>, providers: Vec<&ParamRule>) -> Result<Vec<ParamRule>> {
    for param in providers {
        match own.iter().find(|p| p.name == param.name) {
            Some(existing)
                if existing.location == param.location && existing.wire == param.wire => {}
            Some(_) => bail!(
                "parameter `{}` is declared by the operation and by a provider in different places",
                param.name
            ),
            None => own.push(param.clone()),
        }
    }
    Ok(own)
}

fn check_param(param: &types::Param) -> Result<ParamRule> {
    let location = match param.location {
        types::ParamLocation::Path => Location::Path,
        types::ParamLocation::Query => Location::Query,
        types::ParamLocation::Header => Location::Header,
        types::ParamLocation::Cookie => Location::Cookie,
    };
    let schema_json: Value = serde_json::from_str(&param.schema)
        .map_err(|err| anyhow!("parameter `{}`: schema is not JSON: {err}", param.name))?;
    let schema = ValueSchema::from_json(&schema_json)
        .map_err(|err| anyhow!("parameter `{}`: {err}", param.name))?;
    if schema.is_array() && location == Location::Path {
        bail!("path parameter `{}` cannot be a list", param.name);
    }
    let wire = param.alias.clone().unwrap_or_else(|| param.name.clone());
    let wire = if location == Location::Header {
        wire.to_ascii_lowercase()
    } else {
        wire
    };
    if location == Location::Header
        && hyper::header::HeaderName::from_bytes(wire.as_bytes()).is_err()
    {
        bail!(
            "header parameter `{}`: `{wire}` is not a valid header name",
            param.name
        );
    }
    Ok(ParamRule {
        name: param.name.clone(),
        wire,
        location,
        required: param.required,
        default: schema_json.get("default").cloned(),
        schema,
        schema_json,
        description: param.description.clone(),
    })
}
