//! Shared instances for async operations: each lives in its own task, which owns the store and
//! runs the component's event loop (`run_concurrent`); requests reach it over a channel and get
//! their answer back over a oneshot. An instance takes at most `instance_concurrency` requests
//! at once and `instance_max_requests` in its life, and ends after `instance_idle_timeout`
//! without work.
//!
//! Each request is held to its own deadline. When it passes, the request is answered (504) and
//! its place is freed at once; but its guest task may still be pending, and wasmtime cannot
//! stop one task of an instance without stopping the instance. So the instance retires: it
//! takes no new requests, lets the others finish, and ends once none is left.
//!
//! A task that computes without awaiting holds the instance's event loop: its neighbours do not
//! progress, and the loop cannot notice any deadline. The epoch callback can, because it runs
//! while wasm runs: the store's trap time is the earliest deadline in flight plus a grace the
//! event loop needs to answer a timeout itself, so a spinning request is stopped (its instance
//! trapped) just after its own deadline, however much traffic arrives meanwhile.
//!
//! An instance that cannot start answers the requests sent to it with the reason, once; they
//! are not sent on to another instance that would fail the same way.

use crate::guest::call::{Answer, Call, CallError, Deadline, Reply, classify, invoke_async};
use crate::guest::capabilities::GuestState;
use crate::guest::exports::Bound;
use crate::guest::instance::Prepared;
use crate::telemetry::metrics::Reuse;
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use std::collections::HashMap;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use wasmtime::component::Accessor;
use wasmtime::{Trap, format_err};

/// How long past a deadline in flight the epoch callback waits before it traps the instance: the
/// time the event loop has to answer the timeout itself, when nothing monopolises it. Longer
/// than any reasonable run of async code between two awaits.
const STARVED_GRACE: Duration = Duration::from_millis(100);

/// The shared instances of one component's async operations.
pub struct SharedInstances {
    shared: Arc<Shared>,
}

/// How many requests an instance takes.
#[derive(Debug, Clone, Copy)]
pub struct Sharing {
    /// At once.
    pub concurrency: usize,
    /// In its life.
    pub max_requests: u64,
    /// What the metrics count its instances as: shared, or each request's own.
    pub reuse: Reuse,
}

/// What every instance task of a component needs, and the instances that take requests.
struct Shared {
    prepared: Arc<Prepared>,
    sharing: Sharing,
    /// Instances that may take more requests.
    open: Mutex<Vec<Arc<Slot>>>,
    /// Numbers instances in the log.
    next_id: AtomicU64,
}

/// The host's side of one instance: where requests go and what it has taken.
struct Slot {
    id: u64,
    jobs: mpsc::UnboundedSender<Job>,
    load: Mutex<Load>,
}

/// Requests taken and not yet answered, and requests taken in all.
#[derive(Default)]
struct Load {
    in_flight: usize,
    taken: u64,
}

/// One call for an instance.
struct Job {
    call: Call,
    deadline: Deadline,
    reply: ReplyTo,
}

/// Where a call's reply goes.
type ReplyTo = oneshot::Sender<Result<Reply, CallError>>;

impl SharedInstances {
    /// Instances of `prepared` for its async handler and WebSocket calls, shared as `sharing`
    /// says (one request each gives every request an instance of its own).
    pub fn new(prepared: Arc<Prepared>, sharing: Sharing) -> Self {
        Self {
            shared: Arc::new(Shared {
                prepared,
                sharing,
                open: Mutex::new(Vec::new()),
                next_id: AtomicU64::new(1),
            }),
        }
    }

    /// Makes `call` on a shared instance, starting one when none has room. The reply comes as
    /// soon as the guest answers; a streamed response or a WebSocket session then keeps its
    /// place on the instance until it is over.
    pub async fn call(&self, call: Call, deadline: Deadline) -> Result<Reply, CallError> {
        // A WebSocket session answers when it ends; the instance holds it to its deadline until
        // it is accepted, and to its idle time after.
        let bounded = !matches!(call, Call::Serve { .. });
        let (reply, answer) = oneshot::channel();
        self.shared.dispatch(Job {
            call,
            deadline,
            reply,
        });
        let answer = async {
            if bounded {
                tokio::time::timeout_at(deadline.instant(), answer).await
            } else {
                Ok(answer.await)
            }
        };
        match answer.await {
            Ok(Ok(result)) => result,
            // Past the deadline the instance may end with the request still in it: that is the
            // request's timeout, not a failure.
            Ok(Err(_)) if deadline.passed() => Err(CallError::Timeout),
            Ok(Err(_)) => Err(CallError::Guest(format_err!(
                "its shared instance ended while serving it"
            ))),
            Err(_) => Err(CallError::Timeout),
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
        let policy = &self.sharing;
        for slot in open.iter() {
            let mut load = slot.load.lock().unwrap();
            if load.in_flight < policy.concurrency && load.taken < policy.max_requests {
                load.in_flight += 1;
                load.taken += 1;
                return slot.clone();
            }
        }
        // Instances that took their share of requests leave the list; they end once their
        // last request is answered.
        open.retain(|slot| slot.load.lock().unwrap().taken < policy.max_requests);
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

    /// Takes `slot` out of the instances new requests go to.
    fn forget(&self, slot: &Arc<Slot>) {
        self.open
            .lock()
            .unwrap()
            .retain(|other| !Arc::ptr_eq(other, slot));
    }
}

/// The task of one shared instance: start, serve until idle, retired or failed, then settle
/// whatever is still queued.
async fn run_instance(
    shared: Arc<Shared>,
    slot: Arc<Slot>,
    mut jobs: mpsc::UnboundedReceiver<Job>,
) {
    let component = shared.prepared.spec.name.clone();
    let started = std::time::Instant::now();
    // Starting up gets one request's time; each request then moves the deadline to its own.
    let startup = Deadline::after(shared.prepared.settings.request_timeout);
    let mut instance = match shared
        .prepared
        .instantiate("*", startup, shared.sharing.reuse)
        .await
    {
        Ok(instance) => instance,
        Err(error) => {
            // Give up: the requests sent here get the reason (503 for a spent instance budget).
            jobs.close();
            shared.forget(&slot);
            let mut failed = 0;
            while let Ok(job) = jobs.try_recv() {
                let _ = job.reply.send(Err(error.duplicate()));
                failed += 1;
            }
            tracing::warn!(
                %component, instance = slot.id,
                "shared instance could not start; {failed} requests answered with the reason: {}",
                reason(&error)
            );
            return;
        }
    };
    tracing::info!(
        %component, instance = slot.id,
        "shared instance started in {:.2?}", started.elapsed()
    );
    let replies = Replies::default();
    let bound = &instance.bound;
    let outcome = instance
        .store
        .run_concurrent(async |accessor| {
            serve(accessor, bound, &shared, &slot, &mut jobs, &replies).await
        })
        .await
        .and_then(|served| served);
    jobs.close();
    shared.forget(&slot);
    match outcome {
        Ok(served) => tracing::info!(
            %component, instance = slot.id,
            "shared instance ended after {served} requests"
        ),
        Err(err) => {
            // A trap leaves the instance unusable: every request in flight on it fails with
            // the trap's cause, which each one's error log then shows; the bodies it was
            // writing end cut off when the store goes.
            let failed = replies.fail_all(&err);
            let cause = match err.downcast_ref::<Trap>() {
                Some(Trap::Interrupt) => "it was interrupted: a request computed past its \
                    deadline without awaiting, holding up the others"
                    .to_owned(),
                _ => format!("{err:#}"),
            };
            tracing::warn!(
                %component, instance = slot.id,
                "shared instance trapped; its {failed} requests in flight failed: {cause}"
            );
        }
    }
    // Requests queued here that never started go to another instance.
    while let Ok(job) = jobs.try_recv() {
        shared.dispatch(job);
    }
}

fn reason(error: &CallError) -> String {
    match error {
        CallError::Overloaded(shortage) => shortage.to_string(),
        CallError::Timeout => "instantiation outlasted the request timeout".into(),
        CallError::Guest(err) => format!("{err:#}"),
    }
}

/// The answer channels of the requests in flight on one instance, by request number. They live
/// outside the event loop so that a trap, which ends the loop, can still answer them.
#[derive(Default)]
struct Replies {
    pending: Mutex<HashMap<u64, (Deadline, ReplyTo)>>,
}

impl Replies {
    fn insert(&self, id: u64, deadline: Deadline, reply: ReplyTo) {
        self.pending.lock().unwrap().insert(id, (deadline, reply));
    }

    fn answer(&self, id: u64, result: Result<Reply, CallError>) {
        if let Some((_, reply)) = self.pending.lock().unwrap().remove(&id) {
            // The caller may have stopped waiting (its deadline passed, its client left).
            let _ = reply.send(result);
        }
    }

    /// Fails every pending request with `cause`; returns how many there were.
    fn fail_all(&self, cause: &wasmtime::Error) -> usize {
        let pending = std::mem::take(&mut *self.pending.lock().unwrap());
        let count = pending.len();
        for (deadline, reply) in pending.into_values() {
            let context = format!("its shared instance trapped: {cause:#}");
            // The trap stays in the chain, so an epoch interrupt at the request's own deadline
            // is its timeout (504), not a failure (500).
            let failure = match cause.downcast_ref::<Trap>() {
                Some(&trap) => wasmtime::Error::new(trap).context(context),
                None => wasmtime::Error::msg(context),
            };
            let _ = reply.send(Err(classify(failure, deadline)));
        }
        count
    }
}

/// The trap times of the calls in flight on one instance, by call number. The store's trap
/// time is the earliest of them plus [`STARVED_GRACE`]: a call that computes past it without
/// awaiting stops the instance.
#[derive(Default)]
struct TrapTimes {
    by_call: Mutex<HashMap<u64, Instant>>,
}

impl TrapTimes {
    fn set(&self, accessor: &Accessor<GuestState>, id: u64, at: Instant) {
        self.by_call.lock().unwrap().insert(id, at);
        self.apply(accessor);
    }

    fn remove(&self, accessor: &Accessor<GuestState>, id: u64) {
        self.by_call.lock().unwrap().remove(&id);
        self.apply(accessor);
    }

    fn apply(&self, accessor: &Accessor<GuestState>) {
        // With nothing in flight, nothing should compute for long: what still does is stopped.
        let earliest = self.by_call.lock().unwrap().values().min().copied();
        let at = earliest.unwrap_or_else(Instant::now) + STARVED_GRACE;
        accessor.with(|mut access| access.data_mut().deadline = at);
    }
}

/// How a call on a shared instance ended, for the event loop.
enum Ended {
    /// It answered (and its stream or session, if any, is over).
    Done,
    /// It trapped: the instance is unusable.
    Trapped(wasmtime::Error),
    /// Its deadline passed first; its guest task may still be pending.
    Overdue,
}

#[allow(clippy::too_many_arguments)]
/// Runs one call on the instance and answers it: under its deadline until the guest replies;
/// then, for a streamed response, until its body is over (the trap time following the body's
/// movement); for work after the response, until it is done, under a fresh request timeout;
/// for a WebSocket session, by its idle time once it is accepted.
async fn run_call(
    accessor: &Accessor<GuestState>,
    bound: &Bound,
    settings: &crate::config::Settings,
    traps: &TrapTimes,
    replies: &Replies,
    id: u64,
    call: Call,
    deadline: Deadline,
) -> Ended {
    let session = match &call {
        Call::Serve { session, .. } => Some(session.clone()),
        _ => None,
    };
    let trap_at = || match &session {
        Some(session) if session.live.load(Ordering::SeqCst) => {
            session.activity.last() + settings.websocket_idle_timeout
        }
        _ => deadline.instant(),
    };
    let mut invoke = pin!(invoke_async(accessor, bound, call));
    let result = loop {
        let until = trap_at();
        traps.set(accessor, id, until);
        tokio::select! {
            result = &mut invoke => break result,
            () = tokio::time::sleep_until(until) => {
                if trap_at() <= Instant::now() {
                    return Ended::Overdue;
                }
            }
        }
    };
    let (reply, followup) = match result {
        Ok(invoked) => invoked,
        // The request is still pending: it fails with every other one in flight.
        Err(err) => return Ended::Trapped(err),
    };
    if let Some(followup) = followup {
        // The response goes out now; the request keeps its place on the instance, under a
        // fresh request timeout, until the work after it is done.
        replies.answer(id, Ok(reply));
        traps.set(accessor, id, Instant::now() + settings.request_timeout);
        return match followup.finish(settings.request_timeout).await {
            true => Ended::Done,
            false => Ended::Overdue,
        };
    }
    let Reply::Answered(Answer::Streamed(streamed)) = &reply else {
        replies.answer(id, Ok(reply));
        return Ended::Done;
    };
    let (mut state, activity) = (streamed.state.clone(), streamed.activity.clone());
    replies.answer(id, Ok(reply));
    loop {
        let over = {
            let now = state.borrow_and_update();
            now.writer_closed || now.body_done
        };
        if over {
            return Ended::Done;
        }
        let until = activity.last() + settings.stream_idle_timeout;
        traps.set(accessor, id, until);
        tokio::select! {
            changed = state.changed() => {
                if changed.is_err() {
                    return Ended::Done;
                }
            }
            // The body ends itself when it goes idle; this only moves the trap time along.
            () = tokio::time::sleep_until(until) => {}
        }
    }
}

/// The instance's event loop: takes calls, runs them concurrently, answers each as it
/// finishes or as its deadline passes. Returns how many it served; a trap ends it with the trap.
async fn serve(
    accessor: &Accessor<GuestState>,
    bound: &Bound,
    shared: &Arc<Shared>,
    slot: &Arc<Slot>,
    jobs: &mut mpsc::UnboundedReceiver<Job>,
    replies: &Replies,
) -> wasmtime::Result<u64> {
    let settings = &shared.prepared.settings;
    let traps = TrapTimes::default();
    let mut running = FuturesUnordered::new();
    let (mut taken, mut served) = (0u64, 0u64);
    let mut accepting = true;
    traps.apply(accessor);
    loop {
        let idle = running.is_empty();
        if idle && !accepting {
            return Ok(served);
        }
        tokio::select! {
            job = jobs.recv(), if accepting => match job {
                Some(Job { call, deadline, reply }) => {
                    let id = taken;
                    taken += 1;
                    replies.insert(id, deadline, reply);
                    let traps = &traps;
                    running.push(async move {
                        let ended =
                            run_call(accessor, bound, settings, traps, replies, id, call, deadline)
                                .await;
                        (id, ended)
                    });
                }
                None => accepting = false,
            },
            Some((id, ended)) = running.next() => {
                slot.load.lock().unwrap().in_flight -= 1;
                traps.remove(accessor, id);
                match ended {
                    Ended::Done => served += 1,
                    Ended::Trapped(err) => return Err(err),
                    Ended::Overdue => {
                        replies.answer(id, Err(CallError::Timeout));
                        if accepting {
                            // Its guest task may still be pending: take nothing new, and end
                            // once the others are done.
                            accepting = false;
                            jobs.close();
                            shared.forget(slot);
                            tracing::warn!(
                                component = %shared.prepared.spec.name, instance = slot.id,
                                "a request passed its deadline on this shared instance; it \
                                 takes no new requests and ends once the others are done"
                            );
                        }
                    }
                }
                if taken >= shared.sharing.max_requests {
                    jobs.close();
                }
            },
            _ = tokio::time::sleep(settings.instance_idle_timeout), if idle => {
                // Idle: take no more; the loop ends once the queue is drained.
                jobs.close();
            },
        }
    }
}
