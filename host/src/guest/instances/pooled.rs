//! Pooled instances for sync operations: a request takes an idle instance (or starts one),
//! runs on it alone on the blocking pool, and gives it back when the call returned. An
//! instance serves at most `instance_max_requests` requests; one idle for
//! `instance_idle_timeout` ends; and when the instance budget is spent, idle ones are given up
//! for instances that have work (see `budget`).

use crate::guest::budget::Reclaim;
use crate::guest::call::{Call, CallError, Deadline, Reply};
use crate::guest::exports::Kind;
use crate::guest::instance::{self, Instance, Prepared};
use crate::guest::pool::{BlockingPool, Priority};
use crate::telemetry::metrics::{GaugeGuard, Reuse};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

/// The idle instances of one component's sync operations.
pub struct PooledInstances {
    pool: Arc<Pool>,
}

struct Pool {
    prepared: Arc<Prepared>,
    /// Most recently used last: it is the warmest, and the oldest idle ones go first.
    idle: Mutex<Vec<Idle>>,
}

/// An instance between requests.
struct Idle {
    instance: Instance,
    served: u64,
    since: Instant,
    /// Counts it among the component's idle instances.
    _idle: GaugeGuard,
}

impl PooledInstances {
    /// A pool for `prepared`'s sync handler. Must be called on the runtime: it starts the task
    /// that ends instances idle too long.
    pub fn new(prepared: Arc<Prepared>) -> Self {
        let pool = Arc::new(Pool {
            prepared,
            idle: Mutex::new(Vec::new()),
        });
        let reclaim: Weak<dyn Reclaim> = Arc::downgrade(&pool) as Weak<Pool>;
        pool.prepared.budget.register(reclaim);
        tokio::spawn(expire_idle(Arc::downgrade(&pool)));
        Self { pool }
    }

    /// Makes `call` (a sync or blocking handler's, `kind`) for `operation` on an idle instance,
    /// or a new one, on the blocking pool. The instance goes back to the pool only if the call
    /// returned.
    pub async fn handle(
        &self,
        pool: &BlockingPool,
        kind: Kind,
        operation: &str,
        call: Call,
        deadline: Deadline,
    ) -> Result<Reply, CallError> {
        let taken = self.pool.take();
        let served = taken.as_ref().map_or(0, |idle| idle.served);
        let mut slot = taken.map(|idle| idle.instance);
        let outcome = instance::run_one(
            kind,
            &self.pool.prepared,
            &mut slot,
            Reuse::Pooled,
            operation,
            call,
            deadline,
            pool,
            Priority::Request,
        )
        .await;
        // Still here when the call returned, or when it never ran (the pool was full).
        if let Some(instance) = slot {
            let served = served + u64::from(outcome.is_ok());
            if instance.has_followups() {
                // Idle again once the work after the answer is done.
                let limit = self.pool.prepared.settings.request_timeout;
                let idle = self.pool.clone();
                instance::follow_up(instance, pool, limit, move |instance| {
                    idle.give_back(instance, served)
                });
            } else {
                self.pool.give_back(instance, served);
            }
        }
        outcome
    }
}

impl Pool {
    /// Keeps `instance` for the next request, unless it has served its share.
    fn give_back(&self, instance: Instance, served: u64) {
        if served < self.prepared.settings.instance_max_requests {
            self.idle.lock().unwrap().push(Idle {
                instance,
                served,
                since: Instant::now(),
                _idle: self.prepared.figures.idle(),
            });
        }
    }

    fn take(&self) -> Option<Idle> {
        self.idle.lock().unwrap().pop()
    }
}

impl Reclaim for Pool {
    fn release_idle(&self) -> bool {
        let oldest = {
            let mut idle = self.idle.lock().unwrap();
            (!idle.is_empty()).then(|| idle.remove(0))
        };
        oldest.is_some()
    }
}

/// Ends instances idle longer than `instance_idle_timeout`, until the pool is gone.
async fn expire_idle(pool: Weak<Pool>) {
    let Some(timeout) = pool
        .upgrade()
        .map(|pool| pool.prepared.settings.instance_idle_timeout)
    else {
        return;
    };
    let mut ticks = tokio::time::interval(
        timeout
            .div_f64(4.0)
            .max(std::time::Duration::from_millis(10)),
    );
    loop {
        ticks.tick().await;
        let Some(pool) = pool.upgrade() else { return };
        let expired: Vec<Idle> = {
            let mut idle = pool.idle.lock().unwrap();
            let keep_from = idle
                .iter()
                .position(|instance| instance.since.elapsed() < timeout)
                .unwrap_or(idle.len());
            idle.drain(..keep_from).collect()
        };
        // Dropped outside the lock: freeing an instance's memory takes a moment.
        drop(expired);
    }
}
