//! Instances: a store with the component's grants and limits, an instance of the component in
//! it, and its exports bound. [`Prepared`] is what starting one needs; [`run`] takes a batch of
//! calls to the blocking pool (sync) or into the instance's event loop (async), under the
//! request's deadline, and is the path every fresh-instance call takes: handlers with
//! `isolation = "request"`, providers and their teardowns, pooled sync handlers and `describe`.

use super::budget::{Budget, MemoryBudget, Permit};
use super::call::{
    Call, CallError, Deadline, Followup, Reply, Shortage, classify, invoke_async, invoke_sync,
    within,
};
use super::capabilities::key_value::KeyValue;
use super::capabilities::log::LogBudget;
use super::capabilities::outbound::Outbound;
use super::capabilities::{GuestState, GuestTag};
use super::exports::{Binding, Bound, Exports, Kind};
use super::pool::{BlockingPool, Priority};
use crate::config::{ComponentSpec, Settings};
use crate::telemetry::metrics::{GaugeGuard, InstanceFigures, Reuse};
use std::sync::Arc;
use tokio::time::Instant;
use wasmtime::component::InstancePre;
use wasmtime::{Engine, Store, Trap, UpdateDeadline};

/// A component compiled and linked, with what every store of it gets; `E` finds the exports
/// its instances are called through (`fastwasm:app`'s, or a standard wasi:http world's).
pub struct Prepared<E: Binding = Exports> {
    engine: Engine,
    pub(super) settings: Settings,
    pub(super) spec: ComponentSpec,
    pre: InstancePre<GuestState>,
    pub(super) exports: E,
    pub(super) budget: Arc<Budget>,
    memory: Arc<MemoryBudget>,
    /// The log lines this component's instances may write.
    log_budget: Arc<LogBudget>,
    /// Where its outbound HTTP requests may go, and how many at once.
    outbound: Arc<Outbound>,
    /// The key-value stores it may use.
    key_value: Arc<KeyValue>,
    /// Its instances, for the metrics.
    pub(super) figures: InstanceFigures,
}

/// What the instances of every component draw on together.
pub struct Shares {
    /// The instances alive at once.
    pub budget: Arc<Budget>,
    /// Their linear memory together.
    pub memory: Arc<MemoryBudget>,
    /// The component's instance figures.
    pub figures: InstanceFigures,
    /// The component's outbound side.
    pub outbound: Arc<Outbound>,
    /// The component's key-value stores.
    pub key_value: Arc<KeyValue>,
}

impl<E: Binding> Prepared<E> {
    /// What instances of `pre` need to start.
    pub fn new(
        engine: Engine,
        settings: Settings,
        spec: ComponentSpec,
        pre: InstancePre<GuestState>,
        exports: E,
        shares: Shares,
    ) -> Self {
        Self {
            log_budget: Arc::new(LogBudget::new(settings.guest_log_lines_per_second)),
            engine,
            settings,
            spec,
            pre,
            exports,
            budget: shares.budget,
            memory: shares.memory,
            outbound: shares.outbound,
            key_value: shares.key_value,
            figures: shares.figures,
        }
    }

    /// A new instance tagged `operation` in the log, kept for `reuse`, whose wasm must stop by
    /// `deadline`. Holds a permit of the instance budget while it lives: `Overloaded` when none
    /// is left.
    pub async fn instantiate(
        &self,
        operation: &str,
        deadline: Deadline,
        reuse: Reuse,
    ) -> Result<Instance<E::Bound>, CallError> {
        let permit = self
            .budget
            .acquire()
            .ok_or(CallError::Overloaded(Shortage::Instances))?;
        self.start(operation, deadline, reuse, Some(permit)).await
    }

    /// A new instance outside the budget, for `describe` while the component loads (the
    /// engine's pool keeps room for these).
    pub async fn instantiate_for_load(
        &self,
        deadline: Deadline,
    ) -> Result<Instance<E::Bound>, CallError> {
        self.start("describe", deadline, Reuse::Load, None).await
    }

    async fn start(
        &self,
        operation: &str,
        deadline: Deadline,
        reuse: Reuse,
        permit: Option<Permit>,
    ) -> Result<Instance<E::Bound>, CallError> {
        let _starting = self.figures.starting();
        let began = Instant::now();
        let started = async {
            let mut retried = false;
            loop {
                let mut store = self.new_store(operation, deadline)?;
                match self.pre.instantiate_async(&mut store).await {
                    Ok(instance) => {
                        let bound = self.exports.bind(&mut store, &instance)?;
                        self.figures.started(began.elapsed());
                        return Ok(Instance {
                            store,
                            bound,
                            _permit: permit,
                            _alive: self.figures.alive(reuse),
                            followups: Vec::new(),
                        });
                    }
                    // The first instance of a component builds its copy-on-write memory image
                    // in a sealed memfd, and the kernel can refuse the seals for a moment
                    // (EBUSY) on a busy machine. Nothing is cached on failure: one more try
                    // builds it.
                    Err(err) if !retried && is_transient_memfd_error(&err) => {
                        tracing::warn!(component = %self.spec.name,
                            "building the memory image failed ({err:#}); trying once more");
                        retried = true;
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                    Err(err) => return Err(err),
                }
            }
        };
        within(deadline, started).await
    }

    /// A store with the component's grants and memory cap, and an epoch callback that traps
    /// once the store's deadline passes and otherwise yields, so that a CPU-bound async guest
    /// cannot starve the others on its instance or runtime thread.
    fn new_store(
        &self,
        operation: &str,
        deadline: Deadline,
    ) -> wasmtime::Result<Store<GuestState>> {
        let tag = GuestTag::new(&self.spec.name, operation, self.log_budget.clone());
        let state = GuestState::new(
            tag,
            &self.spec.grants,
            &self.settings,
            self.memory.clone(),
            self.outbound.clone(),
            self.key_value.clone(),
            deadline.instant(),
        )?;
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|store| {
            if Instant::now() >= store.data().deadline {
                Err(Trap::Interrupt.into())
            } else {
                Ok(UpdateDeadline::Yield(1))
            }
        });
        Ok(store)
    }
}

/// Whether instantiating failed because the kernel briefly refused to seal the memfd holding
/// the component's memory image.
fn is_transient_memfd_error(err: &wasmtime::Error) -> bool {
    let text = format!("{err:#}");
    text.contains("memfd") && text.contains("Device or resource busy")
}

/// A running instance and its store, with its exports bound.
pub struct Instance<B = Bound> {
    pub(super) store: Store<GuestState>,
    pub(super) bound: B,
    _permit: Option<Permit>,
    /// Counts it among its component's instances.
    _alive: GaugeGuard,
    /// The work its last calls go on with after their answers (see [`follow_up`]).
    followups: Vec<Followup>,
}

impl<B> Instance<B> {
    /// Tags the instance's log lines with `operation` and moves its trap deadline.
    pub fn retag(&mut self, operation: &str, deadline: Deadline) {
        let state = self.store.data_mut();
        state.deadline = deadline.instant();
        state.tag().set_operation(operation);
    }
}

impl Instance {
    /// Marks the instance as serving the request `calls` are for.
    fn serve(&mut self, calls: &[Call]) {
        let id = calls.iter().find_map(Call::request_id);
        self.store.data_mut().set_serving(id);
    }

    /// Calls one after another, on this thread; stops at the first failure, after which the
    /// instance is not used again.
    async fn call_sync(&mut self, calls: Vec<Call>) -> Vec<wasmtime::Result<Reply>> {
        let mut results = Vec::with_capacity(calls.len());
        for call in calls {
            let result = invoke_sync(&mut self.store, &self.bound, call).await;
            let failed = result.is_err();
            results.push(result);
            if failed {
                break;
            }
        }
        results
    }

    /// Calls side by side in the instance's event loop.
    async fn call_async(
        &mut self,
        calls: Vec<Call>,
    ) -> wasmtime::Result<Vec<wasmtime::Result<Reply>>> {
        let bound = &self.bound;
        let invoked = self
            .store
            .run_concurrent(async |accessor| {
                let calls = calls
                    .into_iter()
                    .map(|call| invoke_async(accessor, bound, call));
                futures::future::join_all(calls).await
            })
            .await?;
        // The answers go out first; the work after them runs once they are sent.
        Ok(invoked
            .into_iter()
            .map(|result| {
                result.map(|(reply, followup)| {
                    self.followups.extend(followup);
                    reply
                })
            })
            .collect())
    }

    /// Whether its last calls left work to do after their answers.
    pub fn has_followups(&self) -> bool {
        !self.followups.is_empty()
    }

    /// Runs the work its last calls go on with, in its event loop, for at most `limit`:
    /// whether it all ended in time, leaving the instance fit to serve again.
    async fn finish_followups(&mut self, limit: std::time::Duration) -> bool {
        let followups = std::mem::take(&mut self.followups);
        self.store.data_mut().deadline = Instant::now() + limit;
        let finished = self
            .store
            .run_concurrent(async |_| {
                let waits = followups.into_iter().map(|followup| followup.finish(limit));
                futures::future::join_all(waits).await
            })
            .await;
        finished.is_ok_and(|ended| ended.into_iter().all(|in_time| in_time))
    }
}

/// Runs `calls` of one `kind` on the instance in `slot`, starting one kept for `reuse` when it
/// is empty, under `deadline`: sync calls one after another on a blocking-pool thread
/// (admitted first, so a full pool leaves `slot` as it was), async ones side by side in the
/// instance's event loop on this task, blocking ones in the instance's event loop on a
/// blocking-pool thread. Every call gets an outcome, in order. The instance goes back into
/// `slot` only if every call returned: one that failed or timed out is never used again.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    kind: Kind,
    prepared: &Arc<Prepared>,
    slot: &mut Option<Instance>,
    reuse: Reuse,
    operation: &str,
    calls: Vec<Call>,
    deadline: Deadline,
    pool: &BlockingPool,
    priority: Priority,
) -> Vec<Result<Reply, CallError>> {
    let count = calls.len();
    let fail_all = |error: CallError| (0..count).map(|_| Err(error.duplicate())).collect();
    match kind {
        Kind::Sync | Kind::Blocking => {
            let pass = match pool.admit(deadline, priority).await {
                Ok(pass) => pass,
                Err(error) => return fail_all(error),
            };
            let (prepared, operation, instance) =
                (prepared.clone(), operation.to_owned(), slot.take());
            let ran = pass
                .run(move || async move {
                    let mut instance = match instance {
                        Some(mut instance) => {
                            instance.retag(&operation, deadline);
                            instance
                        }
                        None => prepared.instantiate(&operation, deadline, reuse).await?,
                    };
                    instance.serve(&calls);
                    let results = if kind.awaits() {
                        within(deadline, instance.call_async(calls)).await?
                    } else {
                        tokio::time::timeout_at(deadline.instant(), instance.call_sync(calls))
                            .await
                            .map_err(|_| CallError::Timeout)?
                    };
                    Ok::<_, CallError>((instance, results))
                })
                .await
                .and_then(|ran| ran);
            match ran {
                Ok((instance, results)) => settle(slot, instance, results, count, deadline),
                Err(error) => fail_all(error),
            }
        }
        Kind::Async => {
            let mut instance = match slot.take() {
                Some(mut instance) => {
                    instance.retag(operation, deadline);
                    instance
                }
                None => match prepared.instantiate(operation, deadline, reuse).await {
                    Ok(instance) => instance,
                    Err(error) => return fail_all(error),
                },
            };
            instance.serve(&calls);
            match within(deadline, instance.call_async(calls)).await {
                Ok(results) => settle(slot, instance, results, count, deadline),
                Err(error) => fail_all(error),
            }
        }
    }
}

/// Once a request's answer is out: runs the work its call goes on with (FastAPI's
/// `BackgroundTasks`) on a blocking-pool thread — the work may compute, as a `def` task does
/// in FastAPI's thread pool — then hands the instance to `keep` if it is still fit to serve.
/// The instance serves nothing else meanwhile.
pub fn follow_up(
    mut instance: Instance,
    pool: &BlockingPool,
    limit: std::time::Duration,
    keep: impl FnOnce(Instance) + Send + 'static,
) {
    let pool = pool.clone();
    tokio::spawn(async move {
        let deadline = Deadline::after(limit);
        let Ok(pass) = pool.admit(deadline, Priority::Always).await else {
            tracing::warn!("no sync worker came free for the work after a response; it is dropped");
            return;
        };
        let finished = pass
            .run(move || async move {
                let fit = instance.finish_followups(limit).await;
                fit.then_some(instance)
            })
            .await;
        if let Ok(Some(instance)) = finished {
            keep(instance);
        }
    });
}

/// [`run`] for a single call.
#[allow(clippy::too_many_arguments)]
pub async fn run_one(
    kind: Kind,
    prepared: &Arc<Prepared>,
    slot: &mut Option<Instance>,
    reuse: Reuse,
    operation: &str,
    call: Call,
    deadline: Deadline,
    pool: &BlockingPool,
    priority: Priority,
) -> Result<Reply, CallError> {
    run(
        kind,
        prepared,
        slot,
        reuse,
        operation,
        vec![call],
        deadline,
        pool,
        priority,
    )
    .await
    .pop()
    .unwrap_or(Err(CallError::Overloaded(Shortage::Workers)))
}

/// Classifies each result; keeps the instance in `slot` when all `count` calls returned.
fn settle(
    slot: &mut Option<Instance>,
    instance: Instance,
    results: Vec<wasmtime::Result<Reply>>,
    count: usize,
    deadline: Deadline,
) -> Vec<Result<Reply, CallError>> {
    let mut outcomes: Vec<Result<Reply, CallError>> = results
        .into_iter()
        .map(|result| result.map_err(|err| classify(err, deadline)))
        .collect();
    let healthy = outcomes.len() == count && outcomes.iter().all(Result::is_ok);
    if healthy {
        *slot = Some(instance);
    } else {
        // The calls after a failure never ran; they fail with it.
        let cause = outcomes
            .iter()
            .find_map(|outcome| outcome.as_ref().err().map(CallError::duplicate))
            .unwrap_or(CallError::Overloaded(Shortage::Workers));
        while outcomes.len() < count {
            outcomes.push(Err(cause.duplicate()));
        }
    }
    outcomes
}
