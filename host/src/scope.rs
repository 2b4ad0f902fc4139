//! One request's dependencies: provider instances (at most one per component, however many of
//! its providers the request uses), the values in plan order, and the teardowns in reverse.
//!
//! Each layer of the plan runs its components side by side; within a component, async providers
//! run concurrently on its one instance and sync ones follow on the blocking pool. A provider's
//! `http-error` ends the request before the handler; teardowns run whatever happened.

use crate::app::{App, Kind};
use crate::bindings::{async_provider, provider, types};
use crate::deps::{Plan, Step};
use crate::executor::{CallError, Deadline, Executor, Live, classify, within};
use crate::loader::LoadedComponent;
use std::collections::BTreeMap;
use std::sync::Arc;
use wasmtime::format_err;

/// What resolving an operation's dependencies gave.
#[derive(Debug)]
pub enum Resolution {
    /// The values the handler receives.
    Ready(Vec<types::Dependency>),
    /// A provider ended the request with this error (e.g. 401); the handler is not called.
    Rejected(types::HttpError),
}

/// A provider that failed to answer: who, and why.
#[derive(Debug)]
pub struct ProviderFailure {
    /// The dependency name.
    pub dependency: String,
    /// The component that provides it.
    pub component: String,
    /// What went wrong.
    pub error: CallError,
}

type Outcome = Result<Result<String, types::HttpError>, CallError>;

/// One provider call: the plan step and what the provider receives.
struct Call {
    step: Step,
    provider: String,
    kind: Kind,
    deps: Vec<types::Dependency>,
}

/// The dependency state of one request.
pub struct RequestScope<'a> {
    executor: &'a Executor,
    app: &'a App,
    /// The operation being served: provider logs are tagged with it.
    operation: &'a str,
    deadline: Deadline,
    live: BTreeMap<usize, Live>,
    values: Vec<Option<String>>,
    provided: Vec<Step>,
}

impl<'a> RequestScope<'a> {
    /// An empty scope for a request to `operation` that must be done by `deadline`.
    pub fn new(
        executor: &'a Executor,
        app: &'a App,
        operation: &'a str,
        deadline: Deadline,
    ) -> Self {
        Self {
            executor,
            app,
            operation,
            deadline,
            live: BTreeMap::new(),
            values: Vec::new(),
            provided: Vec::new(),
        }
    }

    /// Runs `plan`'s providers layer by layer.
    pub async fn resolve(
        &mut self,
        plan: &Plan,
        req: &types::Request,
    ) -> Result<Resolution, ProviderFailure> {
        self.values = vec![None; plan.slots];
        for layer in plan.layers() {
            let mut groups: BTreeMap<usize, Vec<Call>> = BTreeMap::new();
            for step in layer {
                let provider = &self.app.graph.providers[step.provider];
                let deps = step
                    .inputs
                    .iter()
                    .map(|(name, slot)| types::Dependency {
                        name: name.clone(),
                        value: self.values[*slot].clone().unwrap_or_default(),
                    })
                    .collect();
                groups.entry(provider.component).or_default().push(Call {
                    step: step.clone(),
                    provider: provider.name.clone(),
                    kind: provider.kind,
                    deps,
                });
            }
            let runs = groups.into_iter().map(|(index, calls)| {
                let live = self.live.remove(&index);
                let component = self.app.components[index].clone();
                let (executor, deadline, operation) =
                    (self.executor, self.deadline, self.operation);
                async move {
                    let (live, outcomes) =
                        provide(executor, &component, live, calls, req, operation, deadline).await;
                    (index, live, outcomes)
                }
            });
            let mut outcomes = Vec::new();
            for (index, live, calls) in futures::future::join_all(runs).await {
                if let Some(live) = live {
                    self.live.insert(index, live);
                }
                outcomes.extend(calls);
            }
            // Report the first failure in plan order, as a sequential resolution would.
            outcomes.sort_by_key(|(step, _)| step.slot);
            let mut rejected = None;
            let mut failed = None;
            for (step, outcome) in outcomes {
                match outcome {
                    Ok(Ok(value)) => {
                        self.values[step.slot] = Some(value);
                        self.provided.push(step);
                    }
                    Ok(Err(error)) => {
                        rejected.get_or_insert(error);
                    }
                    Err(error) => {
                        failed.get_or_insert((step, error));
                    }
                }
            }
            if let Some((step, error)) = failed {
                let provider = &self.app.graph.providers[step.provider];
                return Err(ProviderFailure {
                    dependency: step.name,
                    component: provider.component_name.clone(),
                    error,
                });
            }
            if let Some(error) = rejected {
                return Ok(Resolution::Rejected(error));
            }
        }
        Ok(Resolution::Ready(
            plan.outputs
                .iter()
                .map(|(name, slot)| types::Dependency {
                    name: name.clone(),
                    value: self.values[*slot].clone().unwrap_or_default(),
                })
                .collect(),
        ))
    }

    /// Runs the teardowns of every provided value, last provided first. A failing teardown is
    /// logged and changes nothing else.
    pub async fn teardown(mut self) {
        let provided = std::mem::take(&mut self.provided);
        for step in provided.iter().rev() {
            let provider = &self.app.graph.providers[step.provider];
            if !provider.has_teardown {
                continue;
            }
            let (component_name, dependency) = (&provider.component_name, &step.name);
            let Some(live) = self.live.remove(&provider.component) else {
                tracing::warn!(component = %component_name, %dependency,
                    "teardown skipped: the provider's instance failed earlier in this request");
                continue;
            };
            let component = self.app.components[provider.component].clone();
            let value = self.values[step.slot].clone().unwrap_or_default();
            // A teardown gets its own time, even when the request ran out of its own.
            let deadline = Deadline::after(self.executor.settings().request_timeout);
            let result = teardown(
                self.executor,
                component,
                live,
                provider.kind,
                provider.name.clone(),
                value,
                deadline,
            )
            .await;
            match result {
                Ok(live) => {
                    self.live.insert(provider.component, live);
                }
                Err(CallError::Guest(err)) => tracing::warn!(component = %component_name,
                    %dependency, "teardown failed: {}", err.root_cause()),
                Err(CallError::Timeout) => tracing::warn!(component = %component_name,
                    %dependency, "teardown timed out"),
                Err(CallError::Overloaded) => tracing::warn!(component = %component_name,
                    %dependency, "teardown skipped: the sync pool is full"),
            }
        }
    }
}

/// Runs one component's calls of a layer on its request instance (created on first use).
async fn provide(
    executor: &Executor,
    component: &Arc<LoadedComponent>,
    live: Option<Live>,
    calls: Vec<Call>,
    req: &types::Request,
    operation: &str,
    deadline: Deadline,
) -> (Option<Live>, Vec<(Step, Outcome)>) {
    let mut live = match live {
        Some(live) => live,
        None => match within(
            deadline,
            executor.instantiate(component, operation, deadline),
        )
        .await
        {
            Ok(live) => live,
            Err(error) => return (None, fail_all(calls, &error)),
        },
    };
    let (async_calls, sync_calls): (Vec<Call>, Vec<Call>) =
        calls.into_iter().partition(|call| call.kind == Kind::Async);
    let mut outcomes = Vec::new();
    if !async_calls.is_empty() {
        let steps: Vec<Step> = async_calls.iter().map(|call| call.step.clone()).collect();
        let run = async {
            let indices = async_exports(component)?;
            let guest = indices.load(&mut live.store, &live.instance)?;
            let guest = &guest;
            live.store
                .run_concurrent(async |accessor| {
                    let calls = async_calls.into_iter().map(|call| async move {
                        guest
                            .call_provide(accessor, call.provider, req.clone(), call.deps)
                            .await
                    });
                    futures::future::join_all(calls).await
                })
                .await
        };
        match within(deadline, run).await {
            Ok(results) => outcomes.extend(
                steps
                    .into_iter()
                    .zip(results)
                    .map(|(step, result)| (step, result.map_err(|err| classify(err, deadline)))),
            ),
            Err(error) => {
                // The instance may be mid-call: it is not used again.
                outcomes.extend(steps.into_iter().map(|step| (step, copy(&error))));
                return (None, outcomes);
            }
        }
    }
    if !sync_calls.is_empty() {
        let steps: Vec<Step> = sync_calls.iter().map(|call| call.step.clone()).collect();
        let (component, req) = (component.clone(), req.clone());
        let ran = executor
            .on_pool(deadline, move || async move {
                let indices = sync_exports(&component)?;
                let guest = indices.load(&mut live.store, &live.instance)?;
                let mut results = Vec::new();
                for call in sync_calls {
                    let result = guest
                        .call_provide(&mut live.store, &call.provider, &req, &call.deps)
                        .await;
                    results.push(result);
                }
                Ok((live, results))
            })
            .await;
        match ran {
            Ok((returned, results)) => {
                live = returned;
                outcomes.extend(
                    steps.into_iter().zip(results).map(|(step, result)| {
                        (step, result.map_err(|err| classify(err, deadline)))
                    }),
                );
            }
            Err(error) => {
                outcomes.extend(steps.into_iter().map(|step| (step, copy(&error))));
                return (None, outcomes);
            }
        }
    }
    (Some(live), outcomes)
}

/// Runs one teardown on the instance that provided the value; gives the instance back.
async fn teardown(
    executor: &Executor,
    component: Arc<LoadedComponent>,
    mut live: Live,
    kind: Kind,
    name: String,
    value: String,
    deadline: Deadline,
) -> Result<Live, CallError> {
    live.store.data_mut().deadline = deadline.instant();
    match kind {
        Kind::Async => {
            let run = async {
                let indices = async_exports(&component)?;
                let guest = indices.load(&mut live.store, &live.instance)?;
                live.store
                    .run_concurrent(async move |accessor| {
                        guest.call_teardown(accessor, name, value).await
                    })
                    .await?
            };
            within(deadline, run).await?;
            Ok(live)
        }
        Kind::Sync => {
            executor
                .on_pool(deadline, move || async move {
                    let indices = sync_exports(&component)?;
                    let guest = indices.load(&mut live.store, &live.instance)?;
                    guest.call_teardown(&mut live.store, &name, &value).await?;
                    Ok(live)
                })
                .await
        }
    }
}

fn async_exports(component: &LoadedComponent) -> wasmtime::Result<&async_provider::GuestIndices> {
    component
        .async_provider
        .as_ref()
        .ok_or_else(|| format_err!("the component has no async provider export"))
}

fn sync_exports(component: &LoadedComponent) -> wasmtime::Result<&provider::GuestIndices> {
    component
        .provider
        .as_ref()
        .ok_or_else(|| format_err!("the component has no provider export"))
}

fn fail_all(calls: Vec<Call>, error: &CallError) -> Vec<(Step, Outcome)> {
    calls
        .into_iter()
        .map(|call| (call.step, copy(error)))
        .collect()
}

/// The same failure for each call it affected.
fn copy(error: &CallError) -> Outcome {
    Err(match error {
        CallError::Overloaded => CallError::Overloaded,
        CallError::Timeout => CallError::Timeout,
        CallError::Guest(err) => CallError::Guest(format_err!("{}", err.root_cause())),
    })
}
