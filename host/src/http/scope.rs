//! One request's dependencies: the request's own instance of each provider component (at most
//! one, however many of its providers the request uses), the values in plan order, and the
//! teardowns in reverse.
//!
//! Each layer of the plan runs its components side by side; within a component, async
//! providers run concurrently on its instance and sync ones follow on the blocking pool. A
//! provider's `http-error` ends the request before the handler. A provider whose parameters
//! failed validation is not called, nor is anything that needs its value, and its errors go on
//! to the handler's 422 — as FastAPI skips a dependency with invalid parameters and solves the
//! rest, so that a later dependency's 401 is still the answer. Teardowns run for every value
//! provided, whatever happened after: a handler error, a timeout, a full pool (they wait for a
//! worker), a client that left.

use crate::app::{App, Plan, Step, Validated, ValidationError};
use crate::guest::{
    Call, CallError, Component, Deadline, Instance, Kind, Priority, Reply, Runtime, types,
};
use std::collections::BTreeMap;
use wasmtime::format_err;

/// What resolving an operation's dependencies gave.
#[derive(Debug)]
pub enum Resolution {
    /// The values the handler receives, and the errors of the providers that were skipped
    /// because their parameters failed, in plan order.
    Ready(Vec<types::Dependency>, Vec<ValidationError>),
    /// A provider ended the request with this error (e.g. 401); the handler is not called.
    Rejected(types::HttpError),
}

/// A provider that gave no value: who, and why.
#[derive(Debug)]
pub struct ProviderFailure {
    /// The dependency name.
    pub dependency: String,
    /// The component that provides it.
    pub component: String,
    /// What went wrong.
    pub error: CallError,
}

/// The dependency state of one request.
pub struct RequestScope<'a> {
    runtime: &'a Runtime,
    app: &'a App,
    /// The operation being served: provider logs are tagged with it.
    operation: &'a str,
    deadline: Deadline,
    /// Each provider component's instance for this request, by component index; `None` once
    /// it failed.
    instances: BTreeMap<usize, Option<Instance>>,
    values: Vec<Option<String>>,
    provided: Vec<Step>,
}

impl<'a> RequestScope<'a> {
    /// An empty scope for a request to `operation` that must be done by `deadline`.
    pub fn new(runtime: &'a Runtime, app: &'a App, operation: &'a str, deadline: Deadline) -> Self {
        Self {
            runtime,
            app,
            operation,
            deadline,
            instances: BTreeMap::new(),
            values: Vec::new(),
            provided: Vec::new(),
        }
    }

    /// Runs `plan`'s providers layer by layer, each with `request`; `params` says which
    /// parameters failed, and so which providers are skipped.
    pub async fn resolve(
        &mut self,
        plan: &Plan,
        request: &types::Request,
        params: &Validated,
    ) -> Result<Resolution, ProviderFailure> {
        self.values = vec![None; plan.slots];
        let mut skipped = vec![false; plan.slots];
        // A slot is its step's position in a sequential, depth-first resolution: the order
        // FastAPI lists dependency errors in.
        let mut skipped_errors: Vec<(usize, Vec<ValidationError>)> = Vec::new();
        for layer in plan.layers() {
            let mut groups: BTreeMap<usize, Vec<(Step, Call)>> = BTreeMap::new();
            for step in layer {
                let provider = &self.app.graph.providers[step.provider];
                let errors: Vec<ValidationError> = provider
                    .params
                    .iter()
                    .filter_map(|param| params.errors_of(&param.name))
                    .flatten()
                    .cloned()
                    .collect();
                let needs_skipped = step.inputs.iter().any(|(_, slot)| skipped[*slot]);
                if needs_skipped || !errors.is_empty() {
                    skipped[step.slot] = true;
                    skipped_errors.push((step.slot, errors));
                    continue;
                }
                let deps = self
                    .inputs(&step.inputs)
                    .map_err(|error| self.failure(step, error))?;
                let call = Call::Provide {
                    name: provider.name.clone(),
                    request: request.clone(),
                    deps,
                };
                groups
                    .entry(provider.component)
                    .or_default()
                    .push((step.clone(), call));
            }
            let groups: Vec<_> = groups
                .into_iter()
                .map(|(index, calls)| (index, self.instances.remove(&index).flatten(), calls))
                .collect();
            // The futures borrow the scope's shareable parts only: its instances are not `Sync`.
            let (runtime, app, operation, deadline) =
                (self.runtime, self.app, self.operation, self.deadline);
            let runs = groups
                .into_iter()
                .map(|(index, mut slot, calls)| async move {
                    let component = &app.components[index];
                    let outcomes = provide(
                        runtime, app, operation, deadline, component, &mut slot, calls,
                    )
                    .await;
                    (index, slot, outcomes)
                });
            let mut outcomes = Vec::new();
            for (index, slot, calls) in futures::future::join_all(runs).await {
                self.instances.insert(index, slot);
                outcomes.extend(calls);
            }
            // Report the first failure in plan order, as a sequential resolution would.
            outcomes.sort_by_key(|(step, _)| step.slot);
            let mut rejected = None;
            let mut failed = None;
            for (step, outcome) in outcomes {
                match outcome {
                    Ok(Reply::Provided(Ok(value))) => {
                        self.values[step.slot] = Some(value);
                        self.provided.push(step);
                    }
                    Ok(Reply::Provided(Err(error))) => {
                        rejected.get_or_insert(error);
                    }
                    Ok(other) => {
                        let error = CallError::Guest(format_err!("a provider answered {other:?}"));
                        failed.get_or_insert((step, error));
                    }
                    Err(error) => {
                        failed.get_or_insert((step, error));
                    }
                }
            }
            if let Some((step, error)) = failed {
                return Err(self.failure(&step, error));
            }
            if let Some(error) = rejected {
                return Ok(Resolution::Rejected(error));
            }
        }
        let provided: Vec<(String, usize)> = plan
            .outputs
            .iter()
            .filter(|(_, slot)| !skipped[*slot])
            .cloned()
            .collect();
        let deps = self.inputs(&provided).map_err(|error| ProviderFailure {
            dependency: "-".into(),
            component: "-".into(),
            error,
        })?;
        skipped_errors.sort_by_key(|(slot, _)| *slot);
        let errors = skipped_errors.into_iter().flat_map(|(_, errors)| errors);
        Ok(Resolution::Ready(deps, errors.collect()))
    }

    /// The values named by `(name, slot)` pairs; the plan orders every slot before its readers,
    /// so a missing one is the host's own error.
    fn inputs(&self, wanted: &[(String, usize)]) -> Result<Vec<types::Dependency>, CallError> {
        wanted
            .iter()
            .map(|(name, slot)| match &self.values[*slot] {
                Some(value) => Ok(types::Dependency {
                    name: name.clone(),
                    value: value.clone(),
                }),
                None => Err(CallError::Guest(format_err!(
                    "dependency `{name}` was needed before it was resolved"
                ))),
            })
            .collect()
    }

    fn failure(&self, step: &Step, error: CallError) -> ProviderFailure {
        ProviderFailure {
            dependency: step.name.clone(),
            component: self.app.graph.providers[step.provider]
                .component_name
                .clone(),
            error,
        }
    }

    /// Runs the teardowns of every provided value, last provided first, each on the instance
    /// that provided it and with time of its own. A failing teardown is logged and changes
    /// nothing else.
    pub async fn teardown(mut self) {
        let provided = std::mem::take(&mut self.provided);
        for step in provided.iter().rev() {
            let provider = &self.app.graph.providers[step.provider];
            if !provider.has_teardown {
                continue;
            }
            let (component_name, dependency) = (&provider.component_name, &step.name);
            let Some(slot) = self.instances.get_mut(&provider.component) else {
                continue;
            };
            if slot.is_none() {
                tracing::warn!(component = %component_name, %dependency,
                    "teardown skipped: the provider's instance failed earlier in this request");
                continue;
            }
            let Some(value) = self.values[step.slot].clone() else {
                continue;
            };
            let call = Call::Teardown {
                name: provider.name.clone(),
                value,
            };
            let deadline = Deadline::after(self.runtime.settings().request_timeout);
            let component = &self.app.components[provider.component];
            let outcome = component
                .run_one(
                    self.runtime.pool(),
                    provider.kind,
                    slot,
                    self.operation,
                    call,
                    deadline,
                    Priority::Always,
                )
                .await;
            match outcome {
                Ok(_) => {}
                Err(CallError::Guest(err)) => tracing::warn!(component = %component_name,
                    %dependency, "teardown failed: {}", err.root_cause()),
                Err(CallError::Timeout) => tracing::warn!(component = %component_name,
                    %dependency, "teardown timed out"),
                Err(CallError::Overloaded(shortage)) => tracing::warn!(
                    component = %component_name, %dependency, "teardown could not run: {shortage}"),
            }
        }
    }
}

/// Runs one component's calls of a layer on its request instance (started on first use):
/// async ones first, side by side, then sync ones and blocking ones on the pool. Once the
/// instance failed, the rest of its calls fail with it.
#[allow(clippy::too_many_arguments)]
async fn provide(
    runtime: &Runtime,
    app: &App,
    operation: &str,
    deadline: Deadline,
    component: &Component,
    slot: &mut Option<Instance>,
    mut calls: Vec<(Step, Call)>,
) -> Vec<(Step, Result<Reply, CallError>)> {
    let kind_of = |step: &Step| app.graph.providers[step.provider].kind;
    let mut outcomes = Vec::new();
    for kind in [Kind::Async, Kind::Sync, Kind::Blocking] {
        let batch: Vec<(Step, Call)>;
        (batch, calls) = calls
            .into_iter()
            .partition(|(step, _)| kind_of(step) == kind);
        if batch.is_empty() {
            continue;
        }
        let (steps, batch): (Vec<Step>, Vec<Call>) = batch.into_iter().unzip();
        let broken = outcomes
            .iter()
            .find_map(|(_, outcome): &(Step, Result<Reply, CallError>)| outcome.as_ref().err());
        let results = match broken {
            Some(error) => steps.iter().map(|_| Err(error.duplicate())).collect(),
            None => {
                component
                    .run(
                        runtime.pool(),
                        kind,
                        slot,
                        operation,
                        batch,
                        deadline,
                        Priority::Request,
                    )
                    .await
            }
        };
        outcomes.extend(steps.into_iter().zip(results));
    }
    outcomes
}
