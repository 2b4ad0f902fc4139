//! Running guest code: async exports as futures on the runtime, sync exports on a bounded
//! blocking pool, each under the request's deadline — exactly as FastAPI awaits `async def` and
//! runs `def` in a thread pool.

use crate::app::Kind;
use crate::bindings::types;
use crate::capabilities::{GuestState, GuestTag};
use crate::loader::LoadedComponent;
use crate::manifest::ComponentSpec;
use crate::settings::Settings;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use wasmtime::component::{Instance, InstancePre};
use wasmtime::{Engine, Result, Store, Trap, UpdateDeadline, format_err};

/// The cause of a guest failure, for the log.
pub type GuestFailure = wasmtime::Error;

/// What a guest answered: a response, or an `http-error` it raised.
pub type Answer = std::result::Result<types::Response, types::HttpError>;

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

    /// Whether the deadline has passed.
    pub fn passed(self) -> bool {
        Instant::now() >= self.0
    }
}

/// A store for guest calls: the component's grants, the memory cap, and an epoch callback that
/// traps once the store's deadline passes and otherwise yields, so that a CPU-bound async guest
/// cannot starve the others.
pub fn new_store(
    engine: &Engine,
    spec: &ComponentSpec,
    operation: &str,
    settings: &Settings,
    deadline: Deadline,
) -> Result<Store<GuestState>> {
    let tag = GuestTag::new(&spec.name, operation);
    let state = GuestState::new(tag, &spec.grants, settings.max_memory_bytes, deadline.0)?;
    let mut store = Store::new(engine, state);
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

/// A fresh instance of `pre` in a new store (see `new_store`), for calls tagged `operation`.
pub async fn instantiate(
    engine: &Engine,
    spec: &ComponentSpec,
    settings: &Settings,
    pre: &InstancePre<GuestState>,
    operation: &str,
    deadline: Deadline,
) -> Result<Live> {
    let mut store = new_store(engine, spec, operation, settings, deadline)?;
    let instance = pre.instantiate_async(&mut store).await?;
    Ok(Live { store, instance })
}

/// An instance and its store, kept for the calls of one request.
pub struct Live {
    /// The store the instance lives in.
    pub store: Store<GuestState>,
    /// The instance.
    pub instance: Instance,
}

/// Runs guest code under the host's limits.
pub struct Executor {
    engine: Engine,
    settings: Settings,
    /// One permit per blocking-pool worker.
    workers: Arc<Semaphore>,
    /// Workers plus queue: sync work beyond this is turned away at once.
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

    /// The host settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A fresh instance of `component`, for calls tagged `operation` in the log.
    pub async fn instantiate(
        &self,
        component: &LoadedComponent,
        operation: &str,
        deadline: Deadline,
    ) -> Result<Live> {
        instantiate(
            &self.engine,
            &component.spec,
            &self.settings,
            &component.pre,
            operation,
            deadline,
        )
        .await
    }

    /// Calls operation `op_id` of `component`: async ones on a shared instance, sync ones on a
    /// pooled one, unless the component asks for a fresh instance per request.
    pub async fn call(
        &self,
        component: Arc<LoadedComponent>,
        kind: Kind,
        op_id: &str,
        req: types::Request,
        deps: Vec<types::Dependency>,
        deadline: Deadline,
    ) -> std::result::Result<Answer, CallError> {
        match kind {
            Kind::Async => match &component.shared {
                Some(shared) => within(deadline, shared.call(req, deps, deadline)).await,
                None => {
                    let call = async {
                        let indices = component
                            .async_handler
                            .as_ref()
                            .ok_or_else(|| format_err!("the component has no async handler"))?;
                        let mut live = self.instantiate(&component, op_id, deadline).await?;
                        let guest = indices.load(&mut live.store, &live.instance)?;
                        live.store
                            .run_concurrent(async move |accessor| {
                                guest.call_handle(accessor, req, deps).await
                            })
                            .await?
                    };
                    within(deadline, call).await
                }
            },
            Kind::Sync => {
                let (engine, settings, op_id) =
                    (self.engine.clone(), self.settings.clone(), op_id.to_owned());
                self.on_pool(deadline, move || async move {
                    if let Some(pooled) = &component.pooled {
                        return pooled.call(&op_id, &req, &deps, deadline).await;
                    }
                    let indices = component
                        .handler
                        .as_ref()
                        .ok_or_else(|| format_err!("the component has no sync handler"))?;
                    let Live {
                        mut store,
                        instance,
                    } = instantiate(
                        &engine,
                        &component.spec,
                        &settings,
                        &component.pre,
                        &op_id,
                        deadline,
                    )
                    .await?;
                    let guest = indices.load(&mut store, &instance)?;
                    guest.call_handle(&mut store, &req, &deps).await
                })
                .await
            }
        }
    }

    /// Runs `work` on a blocking-pool thread once a worker is free: 503 when the pool and its
    /// queue are full or the wait outlasts the deadline, 504 when the work does.
    pub async fn on_pool<F, Fut, T>(
        &self,
        deadline: Deadline,
        work: F,
    ) -> std::result::Result<T, CallError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<T>>,
        T: Send + 'static,
    {
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
        let task = tokio::task::spawn_blocking(move || {
            let _permits = (admitted, worker);
            // The guest runs on this pool thread, not on a runtime worker: a `fn` that blocks
            // holds only its own thread, as a `def` endpoint does in FastAPI's thread pool.
            runtime.block_on(within(deadline, work()))
        });
        task.await
            .unwrap_or_else(|join| Err(CallError::Guest(format_err!("the call panicked: {join}"))))
    }
}

/// Runs guest work until `deadline`: an epoch interrupt or the deadline passing is a timeout,
/// anything else is the guest's failure.
pub async fn within<T>(
    deadline: Deadline,
    work: impl Future<Output = Result<T>>,
) -> std::result::Result<T, CallError> {
    match tokio::time::timeout_at(deadline.instant(), work).await {
        Ok(result) => result.map_err(|err| classify(err, deadline)),
        Err(_) => Err(CallError::Timeout),
    }
}

/// A guest error as a call error: the epoch interrupt at the deadline is a timeout.
pub fn classify(err: GuestFailure, deadline: Deadline) -> CallError {
    let interrupted = matches!(err.downcast_ref::<Trap>(), Some(Trap::Interrupt));
    if interrupted && deadline.passed() {
        CallError::Timeout
    } else {
        CallError::Guest(err)
    }
}
