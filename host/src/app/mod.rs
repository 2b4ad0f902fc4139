//! The app snapshot: every loaded component, every operation they declare, the dependency
//! graph and the route table. Immutable once built; requests hold an `Arc<App>` to the end, so
//! a later reload never changes what an in-flight request runs on.

mod body;
mod declared;
mod deps;
mod mounts;
mod openapi;
mod params;
pub(crate) mod router;

pub use body::too_deep;
pub use declared::{BodyRule, Operation, Protocol, check_param};
pub use deps::{Graph, Plan, Step};
pub use mounts::{Mount, Mounted};
pub use params::{
    MAX_ERRORS, ParamRule, RequestParts, Validated, ValidationError, detail, validate,
};
pub use router::{RouteMatch, Router};

use crate::config::Manifest;
use crate::guest::{Component, Runtime};
use anyhow::{Result, anyhow, bail};
use declared::{check_provider, merge_params};
use deps::DependencyUse;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The path prefix the host keeps for its own endpoints (health); no app route may use it.
pub const RESERVED_PREFIX: &str = "/_fastwasm";

/// A loaded, checked, routable app.
pub struct App {
    /// The app's name.
    pub name: String,
    /// Components in manifest order.
    pub components: Vec<Arc<Component>>,
    /// Every operation of every component.
    pub operations: Vec<Operation>,
    /// Method + path → index into `operations`.
    pub router: Router<usize>,
    /// The standard wasi:http components, by the prefix each answers under.
    pub mounts: Vec<Mount>,
    /// Every dependency provider, checked.
    pub graph: Graph,
    /// The OpenAPI document of exactly these operations.
    pub openapi: Value,
}

impl App {
    /// Checks every declaration and builds the route table. Errors name the components involved.
    pub fn build(manifest: &Manifest, components: Vec<Arc<Component>>) -> Result<Self> {
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
        let docs_paths = manifest.settings.docs_paths().served();
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
                op.tears_down = op
                    .plan
                    .steps
                    .iter()
                    .any(|step| graph.providers[step.provider].has_teardown);
                op.dependencies = uses;
                op.params = merge_params(std::mem::take(&mut op.params), graph.params(&op.plan))
                    .map_err(|err| anyhow!("{owner}: {err}"))?;
                let raw = &op.template.raw;
                if raw == RESERVED_PREFIX || raw.starts_with(&format!("{RESERVED_PREFIX}/")) {
                    bail!(
                        "{owner}: the route `{raw}` is under `{RESERVED_PREFIX}/`, which the host \
                         keeps for its health endpoints"
                    );
                }
                if let Some((setting, _)) = docs_paths.iter().find(|(_, path)| path == raw) {
                    bail!(
                        "{owner}: the route `{raw}` is where the host serves the API's docs \
                         (`{setting}`): move the route, or set `{setting}` in `[server]` to \
                         another path or to \"\" to turn that page off"
                    );
                }
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
        let mounts = mounts::collect(&components, &operations, &docs_paths)?;
        let described = components
            .iter()
            .filter_map(|component| {
                openapi::app_fields::check(component.info.openapi.as_deref())
                    .map_err(|err| anyhow!("component `{}`: {err}", component.spec.name))
                    .transpose()
            })
            .collect::<Result<Vec<_>>>()?;
        let mut app = Self {
            name: manifest.name.clone(),
            components,
            operations,
            router,
            mounts,
            graph,
            openapi: Value::Null,
        };
        app.openapi = openapi::document(&app, &manifest.info, &described);
        Ok(app)
    }

    /// Loads every component of `manifest` and builds the app. `previous` maps component names
    /// to what an earlier load gave, reused when unchanged.
    pub async fn load(
        runtime: &Runtime,
        manifest: &Manifest,
        previous: &HashMap<String, Arc<Component>>,
    ) -> Result<Self> {
        let mut components = Vec::with_capacity(manifest.components.len());
        for spec in &manifest.components {
            components.push(runtime.load(spec, previous.get(&spec.name)).await?);
        }
        Self::build(manifest, components)
    }

    /// The standard component `path` is under, and the path it sees.
    pub fn mounted<'a>(&'a self, path: &'a str) -> Option<Mounted<'a>> {
        mounts::find(&self.mounts, path)
    }

    /// The components by name: what the next reload compares against.
    pub fn components_by_name(&self) -> HashMap<String, Arc<Component>> {
        self.components
            .iter()
            .map(|component| (component.spec.name.clone(), component.clone()))
            .collect()
    }
}
