//! The bounded blocking pool that sync exports run on: `sync_workers` threads, up to
//! `sync_queue` calls waiting for one, and 503 past both — FastAPI runs `def` endpoints the
//! same way, in a thread pool of 40.
//!
//! Admission comes before the work is handed over: a caller holding something it must not lose
//! (a request's provider instance, whose teardowns are still due) learns that the pool is full
//! while it still holds it.

use super::call::{CallError, Deadline, Shortage};
use crate::telemetry::metrics::{GaugeGuard, PoolFigures};
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime::format_err;

/// Whether work may be turned away when the pool is busy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Priority {
    /// A request's own work: 503 when workers and queue are full.
    Request,
    /// Work that must run once a request began it — a teardown, a component's `describe`: it
    /// waits for a worker however long the queue is, until its deadline.
    Always,
}

/// The sync workers and their queue; clones share them.
#[derive(Clone)]
pub struct BlockingPool {
    /// One permit per worker.
    workers: Arc<Semaphore>,
    /// Workers plus queue: request work beyond this is turned away at once.
    admission: Arc<Semaphore>,
    /// Busy workers and waiting calls, for the metrics.
    figures: PoolFigures,
}

/// A worker reserved for one piece of work.
#[must_use = "a pass holds a worker until its work runs"]
pub struct Pass {
    _admitted: Option<OwnedSemaphorePermit>,
    _worker: OwnedSemaphorePermit,
    _busy: GaugeGuard,
}

impl BlockingPool {
    /// A pool of `workers` threads with `queue` places to wait, counted in `figures`.
    pub fn new(workers: usize, queue: usize, figures: PoolFigures) -> Self {
        Self {
            workers: Arc::new(Semaphore::new(workers)),
            admission: Arc::new(Semaphore::new(workers + queue)),
            figures,
        }
    }

    /// Waits for a free worker until `deadline`: `Overloaded` when the queue is full (for
    /// request work) or the wait outlasts the deadline.
    pub async fn admit(&self, deadline: Deadline, priority: Priority) -> Result<Pass, CallError> {
        let admitted = match priority {
            Priority::Request => Some(
                self.admission
                    .clone()
                    .try_acquire_owned()
                    .map_err(|_| CallError::Overloaded(Shortage::Workers))?,
            ),
            Priority::Always => None,
        };
        let worker = match self.workers.clone().try_acquire_owned() {
            Ok(worker) => worker,
            Err(_) => {
                let _queued = self.figures.queued();
                let waiting = self.workers.clone().acquire_owned();
                match tokio::time::timeout_at(deadline.instant(), waiting).await {
                    Ok(Ok(worker)) => worker,
                    _ => return Err(CallError::Overloaded(Shortage::Workers)),
                }
            }
        };
        Ok(Pass {
            _admitted: admitted,
            _worker: worker,
            _busy: self.figures.busy(),
        })
    }
}

impl Pass {
    /// Runs `work` on a blocking-pool thread and gives back what it returned. The guest runs
    /// on that thread, not on a runtime worker: a `fn` that blocks holds only its own thread,
    /// as a `def` endpoint does in FastAPI's thread pool.
    pub async fn run<F, Fut, T>(self, work: F) -> Result<T, CallError>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = T>,
        T: Send + 'static,
    {
        let runtime = tokio::runtime::Handle::current();
        let task = tokio::task::spawn_blocking(move || {
            let _pass = self;
            runtime.block_on(work())
        });
        task.await
            .map_err(|join| CallError::Guest(format_err!("the call panicked: {join}")))
    }
}
