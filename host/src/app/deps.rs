//! Dependencies, FastAPI's `Depends`: the graph across all components, checked at load, and the
//! plan each operation follows per request.
//!
//! A plan lists provider calls in dependency order, grouped in layers: every call in a layer
//! depends only on earlier layers, so a layer's async calls run concurrently. Each dependency is
//! computed once per request (a shared slot) unless a consumer opts out with `use_cache = false`,
//! which gives it a private slot. A missing provider, a cycle, two providers of one name, or an
//! override naming no provider is a load error that names the components involved.

use super::params::ParamRule;
use crate::guest::Kind;
use std::collections::{BTreeMap, HashMap};

/// How a consumer uses a dependency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyUse {
    /// The dependency's name.
    pub name: String,
    /// Whether it shares the request's value (FastAPI's `use_cache`).
    pub use_cache: bool,
}

impl DependencyUse {
    /// A cached use of `name`.
    pub fn cached(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            use_cache: true,
        }
    }
}

/// A declared provider, checked.
#[derive(Debug, Clone)]
pub struct Provider {
    /// The name it provides.
    pub name: String,
    /// Index into `App::components`.
    pub component: usize,
    /// The component's name, for messages.
    pub component_name: String,
    /// Sync (blocking pool) or async (awaited).
    pub kind: Kind,
    /// Parameters it reads, validated with the operation's.
    pub params: Vec<ParamRule>,
    /// What it depends on.
    pub dependencies: Vec<DependencyUse>,
    /// Whether it has a teardown to run after the response.
    pub has_teardown: bool,
    /// The `security` and `securitySchemes` it adds to the OpenAPI operations using it.
    pub openapi: Option<serde_json::Map<String, serde_json::Value>>,
}

/// One provider call of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Index into the graph's providers.
    pub provider: usize,
    /// The dependency name consumers know the value by (before any override).
    pub name: String,
    /// Where the value is kept during the request.
    pub slot: usize,
    /// The values it receives: (name, slot).
    pub inputs: Vec<(String, usize)>,
    /// Calls in the same layer are independent of each other.
    pub layer: usize,
}

/// What one operation resolves per request, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Provider calls, sorted by layer.
    pub steps: Vec<Step>,
    /// How many value slots a request needs.
    pub slots: usize,
    /// The values the handler receives: (name, slot).
    pub outputs: Vec<(String, usize)>,
}

impl Plan {
    /// The steps grouped by layer, in order.
    pub fn layers(&self) -> impl Iterator<Item = &[Step]> {
        self.steps.chunk_by(|a, b| a.layer == b.layer)
    }
}

/// A load-time dependency error; its message names the components involved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GraphError {
    /// Two components provide one name.
    #[error(
        "dependency `{name}` is provided twice: by component `{first}` and by component `{second}`"
    )]
    Duplicate {
        /// The dependency.
        name: String,
        /// The component that provides it first.
        first: String,
        /// The other.
        second: String,
    },
    /// An override names a provider no component has.
    #[error("override `{name}` = `{target}`: no component provides `{target}`")]
    UnknownOverride {
        /// The dependency overridden.
        name: String,
        /// The provider it names.
        target: String,
    },
    /// Dependencies that need each other; `path` goes round the cycle, each entry naming its
    /// component.
    #[error("dependency cycle: {}", path.join(" -> "))]
    Cycle {
        /// The cycle, first entry repeated at the end.
        path: Vec<String>,
    },
    /// A dependency no component provides.
    #[error("{requester} depends on `{name}`, which no component provides")]
    Missing {
        /// Who asked for it.
        requester: String,
        /// What it asked for.
        name: String,
    },
}

/// Every provider of an app, by name, with the overrides in force.
#[derive(Debug, Default)]
pub struct Graph {
    /// All providers.
    pub providers: Vec<Provider>,
    by_name: HashMap<String, usize>,
    overrides: BTreeMap<String, String>,
}

impl Graph {
    /// Indexes `providers`; rejects two providers of one name and overrides naming no provider.
    pub fn new(
        providers: Vec<Provider>,
        overrides: BTreeMap<String, String>,
    ) -> Result<Self, GraphError> {
        let mut by_name = HashMap::new();
        for (index, provider) in providers.iter().enumerate() {
            if let Some(first) = by_name.insert(provider.name.clone(), index) {
                return Err(GraphError::Duplicate {
                    name: provider.name.clone(),
                    first: providers[first].component_name.clone(),
                    second: provider.component_name.clone(),
                });
            }
        }
        for (name, target) in &overrides {
            if !by_name.contains_key(target) {
                return Err(GraphError::UnknownOverride {
                    name: name.clone(),
                    target: target.clone(),
                });
            }
        }
        let graph = Self {
            providers,
            by_name,
            overrides,
        };
        // Check every provider, used or not: a broken one is a load error, never a request error.
        for provider in &graph.providers {
            let consumer = format!(
                "provider `{}` of component `{}`",
                provider.name, provider.component_name
            );
            graph.plan(&consumer, &[DependencyUse::cached(&provider.name)])?;
        }
        Ok(graph)
    }

    /// The provider serving `name`, after overrides.
    pub fn provider_for(&self, name: &str) -> Option<usize> {
        let target = self.overrides.get(name).map_or(name, String::as_str);
        self.by_name.get(target).copied()
    }

    /// The plan for a consumer (an operation, named in errors) that uses `uses`.
    pub fn plan(&self, consumer: &str, uses: &[DependencyUse]) -> Result<Plan, GraphError> {
        let mut planner = Planner {
            graph: self,
            consumer,
            plan: Plan::default(),
            cached: HashMap::new(),
            stack: Vec::new(),
        };
        let mut outputs = Vec::new();
        for dependency in uses {
            if outputs.iter().any(|(name, _)| name == &dependency.name) {
                continue;
            }
            let (slot, _) = planner.visit(dependency)?;
            outputs.push((dependency.name.clone(), slot));
        }
        let mut plan = planner.plan;
        // A stable sort keeps dependency order within a layer.
        plan.steps.sort_by_key(|step| step.layer);
        plan.outputs = outputs;
        Ok(plan)
    }

    /// The parameters of every provider in `plan`, each once.
    pub fn params<'a>(&'a self, plan: &Plan) -> Vec<&'a ParamRule> {
        let mut seen: Vec<usize> = Vec::new();
        let mut params = Vec::new();
        for step in &plan.steps {
            if !seen.contains(&step.provider) {
                seen.push(step.provider);
                params.extend(self.providers[step.provider].params.iter());
            }
        }
        params
    }

    fn describe(&self, name: &str) -> String {
        match self.provider_for(name) {
            Some(index) => format!(
                "`{name}` (component `{}`)",
                self.providers[index].component_name
            ),
            None => format!("`{name}`"),
        }
    }
}

struct Planner<'a> {
    graph: &'a Graph,
    consumer: &'a str,
    plan: Plan,
    /// Name → (slot, layer) for values shared within the request.
    cached: HashMap<String, (usize, usize)>,
    /// The names being resolved, to report a cycle's path.
    stack: Vec<String>,
}

impl Planner<'_> {
    /// Plans `dependency` and what it needs; its (slot, layer).
    fn visit(&mut self, dependency: &DependencyUse) -> Result<(usize, usize), GraphError> {
        let name = &dependency.name;
        if dependency.use_cache
            && let Some(found) = self.cached.get(name)
        {
            return Ok(*found);
        }
        if let Some(position) = self.stack.iter().position(|entry| entry == name) {
            let mut path: Vec<String> = self.stack[position..]
                .iter()
                .map(|entry| self.graph.describe(entry))
                .collect();
            path.push(self.graph.describe(name));
            return Err(GraphError::Cycle { path });
        }
        let Some(provider) = self.graph.provider_for(name) else {
            let requester = match self.stack.last() {
                Some(parent) => format!(
                    "{} (needed by {})",
                    self.graph.describe(parent),
                    self.consumer
                ),
                None => self.consumer.to_owned(),
            };
            return Err(GraphError::Missing {
                requester,
                name: name.clone(),
            });
        };
        self.stack.push(name.clone());
        let mut inputs = Vec::new();
        let mut layer = 0;
        for sub in &self.graph.providers[provider].dependencies {
            let (slot, sub_layer) = self.visit(sub)?;
            inputs.push((sub.name.clone(), slot));
            layer = layer.max(sub_layer + 1);
        }
        self.stack.pop();
        let slot = self.plan.slots;
        self.plan.slots += 1;
        self.plan.steps.push(Step {
            provider,
            name: name.clone(),
            slot,
            inputs,
            layer,
        });
        if dependency.use_cache {
            self.cached.insert(name.clone(), (slot, layer));
        }
        Ok((slot, layer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(name: &str, component: &str, deps: &[&str]) -> Provider {
        Provider {
            name: name.into(),
            component: 0,
            component_name: component.into(),
            kind: Kind::Async,
            params: Vec::new(),
            dependencies: deps.iter().map(|d| DependencyUse::cached(d)).collect(),
            has_teardown: false,
            openapi: None,
        }
    }

    fn auth_graph() -> Graph {
        Graph::new(
            vec![
                provider("token", "auth", &[]),
                provider("db", "auth", &[]),
                provider("current-user", "auth", &["token", "db"]),
                provider("fake-db", "testing", &[]),
            ],
            BTreeMap::new(),
        )
        .unwrap()
    }

    #[test]
    fn plans_shared_values_once_in_layers() {
        let graph = auth_graph();
        let plan = graph
            .plan(
                "op",
                &[
                    DependencyUse::cached("current-user"),
                    DependencyUse::cached("db"),
                ],
            )
            .unwrap();
        let names: Vec<(&str, usize)> = plan
            .steps
            .iter()
            .map(|s| (s.name.as_str(), s.layer))
            .collect();
        assert_eq!(names, [("token", 0), ("db", 0), ("current-user", 1)]);
        assert_eq!(plan.slots, 3);
        assert_eq!(plan.layers().count(), 2);
        assert_eq!(plan.outputs[1], ("db".to_owned(), plan.steps[1].slot));
    }

    #[test]
    fn use_cache_false_gets_a_private_value() {
        let graph = auth_graph();
        let plan = graph
            .plan(
                "op",
                &[
                    DependencyUse::cached("current-user"),
                    DependencyUse {
                        name: "db".into(),
                        use_cache: false,
                    },
                ],
            )
            .unwrap();
        let db_steps = plan.steps.iter().filter(|s| s.name == "db").count();
        assert_eq!(db_steps, 2);
    }

    #[test]
    fn overrides_swap_the_provider_but_keep_the_name() {
        let overrides = BTreeMap::from([("db".to_owned(), "fake-db".to_owned())]);
        let graph = Graph::new(auth_graph().providers, overrides).unwrap();
        let plan = graph.plan("op", &[DependencyUse::cached("db")]).unwrap();
        assert_eq!(plan.steps[0].name, "db");
        assert_eq!(graph.providers[plan.steps[0].provider].name, "fake-db");
    }

    #[test]
    fn load_errors_name_components_and_cycle_paths() {
        let err = Graph::new(
            vec![
                provider("a", "one", &["b"]),
                provider("b", "two", &["c"]),
                provider("c", "two", &["a"]),
            ],
            BTreeMap::new(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "dependency cycle: `a` (component `one`) -> `b` (component `two`) -> \
             `c` (component `two`) -> `a` (component `one`)"
        );

        let err = Graph::new(vec![provider("a", "one", &["ghost"])], BTreeMap::new()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "`a` (component `one`) (needed by provider `a` of component `one`) depends on \
             `ghost`, which no component provides"
        );

        let err = Graph::new(
            vec![provider("a", "one", &[]), provider("a", "two", &[])],
            BTreeMap::new(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "dependency `a` is provided twice: by component `one` and by component `two`"
        );

        let overrides = BTreeMap::from([("a".to_owned(), "nope".to_owned())]);
        let err = Graph::new(vec![provider("a", "one", &[])], overrides).unwrap_err();
        assert_eq!(
            err.to_string(),
            "override `a` = `nope`: no component provides `nope`"
        );

        let graph = auth_graph();
        let err = graph
            .plan(
                "operation `me` of component `api`",
                &[DependencyUse::cached("session")],
            )
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "operation `me` of component `api` depends on `session`, which no component provides"
        );
    }
}
