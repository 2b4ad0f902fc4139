//! Shared instances for async operations: each lives in its own task, which owns the store
//! and runs the component's event loop (`run_concurrent`); requests reach it over a channel
//! and get their answer back over a oneshot. An instance takes at most `instance_concurrency`
//! requests at once and `instance_max_requests` in its life, and ends after
//! `instance_idle_timeout` without work. An instance whose requests are all past their
//! deadlines is ended, which also ends any that are stuck.

use crate::bindings::async_handler;
use crate::capabilities::GuestState;
use crate::executor::{Answer, Deadline, Live, instantiate};
use crate::manifest::ComponentSpec;
use crate::settings::Settings;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use wasmtime::component::{Accessor, InstancePre};
use wasmtime::{Engine, Result, Trap, format_err};

/// The shared instances of one component's async operations.
pub struct SharedInstances {
    shared: Arc<Shared>,
}

/// What every instance task of a component needs, and the instances that take requests.
struct Shared {
    engine: Engine,
    settings: Settings,
    spec: ComponentSpec,
    pre: InstancePre<GuestState>,
    indices: async_handler::GuestIndices,
    /// Instances that may take more requests.
    open: Mutex<Vec<Arc<Slot>>>,
    /// Numbers instances in the log.
    next_id: AtomicU64,
}

/// The host's side of one instance: where requests go and what it has taken.
struct Slot {
    id: u64,
    jobs: mpsc::UnboundedSender<Job>,
    /// Requests taken and not answered, and requests taken in all; both under `open`'s lock.
    load: Mutex<Load>,
}

#[derive(Default)]
struct Load {
    in_flight: usize,
    taken: u64,
}

/// One request for an instance.
struct Job {
    req: crate::bindings::types::Request,
    deps: Vec<crate::bindings::types::Dependency>,
    deadline: Deadline,
    reply: oneshot::Sender<Result<Answer>>,
}

impl SharedInstances {
    /// Shared instances of a component whose async handler is `indices`.
    pub fn new(
        engine: Engine,
        settings: Settings,
        spec: ComponentSpec,
        pre: InstancePre<GuestState>,
        indices: async_handler::GuestIndices,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                engine,
                settings,
                spec,
                pre,
                indices,
                open: Mutex::new(Vec::new()),
                next_id: AtomicU64::new(1),
            }),
        }
    }

    /// Calls the async handler on a shared instance, starting one when none has room.
    pub async fn call(
        &self,
        req: crate::bindings::types::Request,
        deps: Vec<crate::bindings::types::Dependency>,
        deadline: Deadline,
    ) -> Result<Answer> {
        let (reply, answer) = oneshot::channel();
        self.shared.dispatch(Job {
            req,
            deps,
            deadline,
            reply,
        });
        match answer.await {
            Ok(result) => result,
            // Past the deadline the instance may end with the request still in it: that is the
            // request's timeout, not a failure.
            Err(_) if deadline.passed() => Err(Trap::Interrupt.into()),
            Err(_) => Err(format_err!("its shared instance failed while serving it")),
        }
    }
}

impl Shared {
    /// Sends `job` to an instance with room.
    fn dispatch(self: &Arc<Self>, mut job: Job) {
        loop {
            let slot = self.reserve();
            match slot.jobs.send(job) {
                Ok(()) => return,
                // The instance ended between the choice and the send: choose again.
                Err(mpsc::error::SendError(returned)) => {
                    self.forget(&slot);
                    job = returned;
                }
            }
        }
    }

    /// An instance with room for one more request, counted as taken; a new one if none has.
    fn reserve(self: &Arc<Self>) -> Arc<Slot> {
        let mut open = self.open.lock().unwrap();
        open.retain(|slot| !slot.jobs.is_closed());
        let policy = &self.settings;
        for slot in open.iter() {
            let mut load = slot.load.lock().unwrap();
            if load.in_flight < policy.instance_concurrency
                && load.taken < policy.instance_max_requests
            {
                load.in_flight += 1;
                load.taken += 1;
                return slot.clone();
            }
        }
        // Instances that took their share of requests leave the list; they end once their
        // last request is answered and no caller holds them.
        open.retain(|slot| slot.load.lock().unwrap().taken < policy.instance_max_requests);
        let (jobs, receiver) = mpsc::unbounded_channel();
        let slot = Arc::new(Slot {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            jobs,
            load: Mutex::new(Load {
                in_flight: 1,
                taken: 1,
            }),
        });
        open.push(slot.clone());
        tokio::spawn(run_instance(self.clone(), slot.clone(), receiver));
        slot
    }

    fn forget(&self, slot: &Arc<Slot>) {
        self.open
            .lock()
            .unwrap()
            .retain(|other| !Arc::ptr_eq(other, slot));
    }
}

/// The task of one shared instance: instantiate, serve until idle, retired or failed, then
/// answer whatever is still queued with the reason.
async fn run_instance(
    shared: Arc<Shared>,
    slot: Arc<Slot>,
    mut jobs: mpsc::UnboundedReceiver<Job>,
) {
    let component = shared.spec.name.clone();
    let started = std::time::Instant::now();
    let replies = Replies::default();
    let outcome: Result<u64> = async {
        // Starting up gets one request's time; each request then moves the deadline to its own.
        let Live {
            mut store,
            instance,
        } = instantiate(
            &shared.engine,
            &shared.spec,
            &shared.settings,
            &shared.pre,
            "*",
            Deadline::after(shared.settings.request_timeout),
        )
        .await?;
        let guest = shared.indices.load(&mut store, &instance)?;
        tracing::info!(
            %component, instance = slot.id,
            "shared instance started in {:.2?}", started.elapsed()
        );
        store
            .run_concurrent(async |accessor| {
                serve(
                    accessor,
                    &guest,
                    &shared.settings,
                    &slot,
                    &mut jobs,
                    &replies,
                )
                .await
            })
            .await?
    }
    .await;
    jobs.close();
    shared.forget(&slot);
    match outcome {
        Ok(served) => tracing::info!(
            %component, instance = slot.id,
            "shared instance ended after {served} requests"
        ),
        Err(err) => {
            // A trap leaves the instance unusable: every request in flight on it fails with
            // the trap's cause, which each one's error log then shows.
            let failed = replies.fail_all(&err);
            tracing::warn!(
                %component, instance = slot.id,
                "shared instance trapped; its {failed} requests in flight failed: {err:#}"
            );
        }
    }
    // Requests queued here that never started go to another instance.
    while let Ok(job) = jobs.try_recv() {
        shared.dispatch(job);
    }
}

/// The answer channels of the requests in flight on one instance, by request number. They live
/// outside the event loop so that a trap, which ends the loop, can still answer them.
#[derive(Default)]
struct Replies {
    pending: Mutex<HashMap<u64, oneshot::Sender<Result<Answer>>>>,
}

impl Replies {
    fn insert(&self, id: u64, reply: oneshot::Sender<Result<Answer>>) {
        self.pending.lock().unwrap().insert(id, reply);
    }

    fn answer(&self, id: u64, result: Result<Answer>) {
        if let Some(reply) = self.pending.lock().unwrap().remove(&id) {
            // The caller may have stopped waiting (its deadline passed).
            let _ = reply.send(result);
        }
    }

    /// Fails every pending request with `cause`; returns how many there were.
    fn fail_all(&self, cause: &wasmtime::Error) -> usize {
        let pending = std::mem::take(&mut *self.pending.lock().unwrap());
        let count = pending.len();
        for reply in pending.into_values() {
            let context = format!("its shared instance trapped: {cause:#}");
            // The trap itself stays in the chain, so `executor::classify` still tells an epoch
            // interrupt at a request's deadline (504) from a failure (500).
            let failure = match cause.downcast_ref::<Trap>() {
                Some(&trap) => wasmtime::Error::new(trap).context(context),
                None => wasmtime::Error::msg(context),
            };
            let _ = reply.send(Err(failure));
        }
        count
    }
}

/// The instance's event loop: takes requests, runs them concurrently, answers each as it
/// finishes. Returns how many it served; a trap ends it with the trap.
async fn serve(
    accessor: &Accessor<GuestState>,
    guest: &async_handler::Guest,
    settings: &Settings,
    slot: &Slot,
    jobs: &mut mpsc::UnboundedReceiver<Job>,
    replies: &Replies,
) -> Result<u64> {
    let mut running = FuturesUnordered::new();
    let (mut taken, mut served) = (0u64, 0u64);
    // The latest deadline of any request taken: past it, no one waits for this instance.
    let mut latest = Instant::now();
    let mut accepting = true;
    loop {
        let idle = running.is_empty();
        if idle && !accepting {
            return Ok(served);
        }
        tokio::select! {
            job = jobs.recv(), if accepting => match job {
                Some(Job { req, deps, deadline, reply }) => {
                    latest = latest.max(deadline.instant());
                    // The epoch callback traps wasm still running past the latest deadline.
                    accessor.with(|mut access| access.data_mut().deadline = latest);
                    let id = taken;
                    taken += 1;
                    replies.insert(id, reply);
                    running.push(async move {
                        (id, guest.call_handle(accessor, req, deps).await)
                    });
                }
                None => accepting = false,
            },
            Some((id, result)) = running.next() => {
                served += 1;
                slot.load.lock().unwrap().in_flight -= 1;
                if let Err(err) = result {
                    return Err(err);
                }
                replies.answer(id, result);
                if slot.load.lock().unwrap().taken >= settings.instance_max_requests {
                    jobs.close();
                }
            },
            _ = tokio::time::sleep(settings.instance_idle_timeout), if idle => {
                // Idle: take no more; the loop ends once the queue is drained.
                jobs.close();
            },
            _ = tokio::time::sleep_until(latest), if !idle => {
                // Every request on this instance is past its deadline and has been answered
                // 504 by its caller: end the instance and whatever is stuck in it.
                return Ok(served);
            },
        }
    }
}
