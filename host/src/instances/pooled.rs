//! Pooled instances for sync operations: a request takes an idle instance (or starts one),
//! runs on it alone, and gives it back when the call returned normally. An instance serves at
//! most `instance_max_requests` requests; one idle for `instance_idle_timeout` is dropped.

use crate::bindings::{handler, types};
use crate::capabilities::GuestState;
use crate::executor::{Answer, Deadline, Live, instantiate};
use crate::manifest::ComponentSpec;
use crate::settings::Settings;
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;
use wasmtime::component::InstancePre;
use wasmtime::{Engine, Result, Store};

/// The idle instances of one component's sync operations.
pub struct PooledInstances {
    pool: Arc<Pool>,
}

struct Pool {
    engine: Engine,
    settings: Settings,
    spec: ComponentSpec,
    pre: InstancePre<GuestState>,
    indices: handler::GuestIndices,
    /// Most recently used last: it is the warmest, and the oldest idle ones expire first.
    idle: Mutex<Vec<Idle>>,
}

/// An instance between requests.
struct Idle {
    store: Store<GuestState>,
    guest: handler::Guest,
    served: u64,
    since: Instant,
}

impl PooledInstances {
    /// A pool for a component whose sync handler is `indices`. Must be called on the runtime:
    /// it starts the task that drops instances idle too long.
    pub fn new(
        engine: Engine,
        settings: Settings,
        spec: ComponentSpec,
        pre: InstancePre<GuestState>,
        indices: handler::GuestIndices,
    ) -> Self {
        let pool = Arc::new(Pool {
            engine,
            settings,
            spec,
            pre,
            indices,
            idle: Mutex::new(Vec::new()),
        });
        tokio::spawn(expire_idle(Arc::downgrade(&pool)));
        Self { pool }
    }

    /// Calls the sync handler for `operation` on an idle instance, or a new one. Runs on a
    /// blocking-pool thread; the instance goes back to the pool only if the call returned.
    pub async fn call(
        &self,
        operation: &str,
        req: &types::Request,
        deps: &[types::Dependency],
        deadline: Deadline,
    ) -> Result<Answer> {
        let pool = &self.pool;
        let mut instance = match pool.take() {
            Some(idle) => idle,
            None => pool.start(deadline).await?,
        };
        let state = instance.store.data_mut();
        state.deadline = deadline.instant();
        state.tag().set_operation(operation);
        // Dropped here if the deadline passes mid-call: a timed-out instance is never reused.
        let answer = instance
            .guest
            .call_handle(&mut instance.store, req, deps)
            .await?;
        instance.served += 1;
        if instance.served < pool.settings.instance_max_requests {
            instance.since = Instant::now();
            pool.idle.lock().unwrap().push(instance);
        }
        Ok(answer)
    }
}

impl Pool {
    fn take(&self) -> Option<Idle> {
        self.idle.lock().unwrap().pop()
    }

    async fn start(&self, deadline: Deadline) -> Result<Idle> {
        let Live {
            mut store,
            instance,
        } = instantiate(
            &self.engine,
            &self.spec,
            &self.settings,
            &self.pre,
            "*",
            deadline,
        )
        .await?;
        let guest = self.indices.load(&mut store, &instance)?;
        Ok(Idle {
            store,
            guest,
            served: 0,
            since: Instant::now(),
        })
    }
}

/// Drops instances idle longer than `instance_idle_timeout`, until the pool is gone.
async fn expire_idle(pool: Weak<Pool>) {
    let Some(timeout) = pool
        .upgrade()
        .map(|pool| pool.settings.instance_idle_timeout)
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
