//! Running operations: async ones as futures on the runtime, sync ones on a bounded blocking
//! pool, each in a fresh instance under a deadline, exactly as FastAPI awaits `async def` and
//! runs `def` in a thread pool.

use crate::app::{Kind, Operation};
use crate::bindings::types;
use crate::capabilities::{GuestState, GuestTag};
use crate::loader::LoadedComponent;
use crate::manifest::ComponentSpec;
use crate::settings::Settings;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use wasmtime::{Engine, Store, Trap, UpdateDeadline};
use wasmtime::{Result, format_err};

/// The cause of a guest failure, for the log.
pub type GuestFailure = wasmtime::Error;

/// What a guest answered: a response, or an `http-error` it raised.
pub type Answer = Result<types::Response, types::HttpError>;

/// Why no answer came.
#[derive(Debug)]
pub enum CallError {
    /// The sync pool and its queue are full, or the queue wait outlasted the deadline: 503.
    Overloaded,
    /// The request's deadline passed while the guest ran: 504.
    Timeout,
    /// The guest trapped, panicked, hit a limit or misbehaved: 500. Holds the cause for the log.
    Guest(GuestFailure),
}

/// The instant a request's guest work must be done by.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(Instant);

impl Deadline {
    /// The deadline `timeout` from now.
    pub fn after(timeout: Duration) -> Self {
        Self(Instant::now() + timeout)
    }

    /// The deadline as a tokio instant.
    pub fn instant(self) -> Instant {
        self.0
    }

    fn passed(self) -> bool {
        Instant::now() >= self.0
    }
}

/// A store for one call: the component's grants, the memory cap, and an epoch callback that
/// traps once the deadline passes. Async calls also yield to the runtime on every tick, so a
/// CPU-bound async guest cannot starve the others.
pub fn new_store(
    engine: &Engine,
    spec: &ComponentSpec,
    operation: &str,
    settings: &Settings,
    deadline: Deadline,
) -> Result<Store<GuestState>> {
    let tag = GuestTag {
        component: spec.name.as_str().into(),
        operation: operation.into(),
    };
    let state = GuestState::new(tag, &spec.grants, settings.max_memory_bytes)?;
    let mut store = Store::new(engine, state);
    store.limiter(|state| &mut state.limits);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(move |_| {
        if deadline.passed() {
            Err(Trap::Interrupt.into())
        } else {
            Ok(UpdateDeadline::Yield(1))
        }
    });
    Ok(store)
}

/// Runs operations under the host's limits.
pub struct Executor {
    engine: Engine,
    settings: Settings,
    /// One permit per blocking-pool worker.
    workers: Arc<Semaphore>,
    /// Workers plus queue: sync requests beyond this are turned away at once.
    admission: Arc<Semaphore>,
}

impl Executor {
    /// An executor with the pool sizes of `settings`.
    pub fn new(engine: Engine, settings: Settings) -> Self {
        Self {
            workers: Arc::new(Semaphore::new(settings.sync_workers)),
            admission: Arc::new(Semaphore::new(settings.sync_workers + settings.sync_queue)),
            engine,
            settings,
        }
    }

    /// Calls `op` of `component` with a validated request.
    pub async fn call(
        &self,
        component: Arc<LoadedComponent>,
        op: &Operation,
        req: types::Request,
        deps: Vec<types::Dependency>,
    ) -> Result<Answer, CallError> {
        let deadline = Deadline::after(self.settings.request_timeout);
        match op.kind {
            Kind::Async => {
                let call = self.call_async(&component, &op.id, req, deps, deadline);
                match tokio::time::timeout_at(deadline.instant(), call).await {
                    Ok(outcome) => outcome.map_err(|err| classify(err, deadline)),
                    Err(_) => Err(CallError::Timeout),
                }
            }
            Kind::Sync => self.call_sync(component, &op.id, req, deps, deadline).await,
        }
    }

    async fn call_async(
        &self,
        component: &LoadedComponent,
        op_id: &str,
        req: types::Request,
        deps: Vec<types::Dependency>,
        deadline: Deadline,
    ) -> Result<Answer> {
        let indices = component
            .async_handler
            .as_ref()
            .ok_or_else(|| format_err!("the component has no async handler"))?;
        let mut store = new_store(
            &self.engine,
            &component.spec,
            op_id,
            &self.settings,
            deadline,
        )?;
        let instance = component.pre.instantiate_async(&mut store).await?;
        let guest = indices.load(&mut store, &instance)?;
        store
            .run_concurrent(async move |accessor| guest.call_handle(accessor, req, deps).await)
            .await?
    }

    async fn call_sync(
        &self,
        component: Arc<LoadedComponent>,
        op_id: &str,
        req: types::Request,
        deps: Vec<types::Dependency>,
        deadline: Deadline,
    ) -> Result<Answer, CallError> {
        let admitted = self
            .admission
            .clone()
            .try_acquire_owned()
            .map_err(|_| CallError::Overloaded)?;
        let worker =
            match tokio::time::timeout_at(deadline.instant(), self.workers.clone().acquire_owned())
                .await
            {
                Ok(Ok(permit)) => permit,
                _ => return Err(CallError::Overloaded),
            };
        let runtime = tokio::runtime::Handle::current();
        let (engine, settings, op_id) =
            (self.engine.clone(), self.settings.clone(), op_id.to_owned());
        let task = tokio::task::spawn_blocking(move || {
            let _permits = (admitted, worker);
            // The guest runs on this pool thread, not on a runtime worker: a `fn` that blocks
            // holds only its own thread, as a `def` endpoint does in FastAPI's thread pool.
            runtime.block_on(async move {
                let call = async {
                    let indices = component
                        .handler
                        .as_ref()
                        .ok_or_else(|| format_err!("the component has no sync handler"))?;
                    let mut store =
                        new_store(&engine, &component.spec, &op_id, &settings, deadline)?;
                    let instance = component.pre.instantiate_async(&mut store).await?;
                    let guest = indices.load(&mut store, &instance)?;
                    guest.call_handle(&mut store, &req, &deps).await
                };
                match tokio::time::timeout_at(deadline.instant(), call).await {
                    Ok(outcome) => outcome.map_err(|err| classify(err, deadline)),
                    Err(_) => Err(CallError::Timeout),
                }
            })
        });
        task.await
            .unwrap_or_else(|join| Err(CallError::Guest(format_err!("the call panicked: {join}"))))
    }
}

/// An epoch interrupt at the deadline is a timeout; anything else is the guest's failure.
fn classify(err: GuestFailure, deadline: Deadline) -> CallError {
    let interrupted = matches!(err.downcast_ref::<Trap>(), Some(Trap::Interrupt));
    if interrupted && deadline.passed() {
        CallError::Timeout
    } else {
        CallError::Guest(err)
    }
}
