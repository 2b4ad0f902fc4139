//! The host-wide instance budget (`max_instances`): every instance, of every component and
//! kind, holds one permit while it lives. When none is left, idle pooled instances are given
//! up first; only when nothing idle remains is the request turned away (503). The engine's
//! instance pool is sized from the same number, so wasmtime never runs out before the budget
//! does.

use std::sync::{Arc, Mutex, Weak};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Something that holds idle instances it can give up.
pub trait Reclaim: Send + Sync {
    /// Drops one idle instance; `false` when there was none.
    fn release_idle(&self) -> bool;
}

/// The permits for every instance alive at once.
pub struct Budget {
    permits: Arc<Semaphore>,
    idle_holders: Mutex<Vec<Weak<dyn Reclaim>>>,
}

/// One instance's share of the budget, returned when the instance is dropped.
#[derive(Debug)]
pub struct Permit {
    _held: OwnedSemaphorePermit,
}

impl Budget {
    /// A budget of `instances`.
    pub fn new(instances: usize) -> Arc<Self> {
        Arc::new(Self {
            permits: Arc::new(Semaphore::new(instances)),
            idle_holders: Mutex::new(Vec::new()),
        })
    }

    /// Registers a holder of idle instances, asked to give one up when the budget is spent.
    pub fn register(&self, holder: Weak<dyn Reclaim>) {
        self.idle_holders.lock().unwrap().push(holder);
    }

    /// A permit for one more instance, if the budget has or can free one.
    pub fn acquire(&self) -> Option<Permit> {
        loop {
            if let Ok(permit) = self.permits.clone().try_acquire_owned() {
                return Some(Permit { _held: permit });
            }
            if !self.release_one_idle() {
                return None;
            }
        }
    }

    fn release_one_idle(&self) -> bool {
        let holders: Vec<Arc<dyn Reclaim>> = {
            let mut holders = self.idle_holders.lock().unwrap();
            holders.retain(|holder| holder.strong_count() > 0);
            holders.iter().filter_map(Weak::upgrade).collect()
        };
        holders.iter().any(|holder| holder.release_idle())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Idle(AtomicUsize, Mutex<Vec<Permit>>);

    impl Reclaim for Idle {
        fn release_idle(&self) -> bool {
            self.0.fetch_add(1, Ordering::SeqCst);
            self.1.lock().unwrap().pop().is_some()
        }
    }

    #[test]
    fn a_spent_budget_frees_idle_instances_before_refusing() {
        let budget = Budget::new(2);
        let idle = Arc::new(Idle(AtomicUsize::new(0), Mutex::new(Vec::new())));
        budget.register(Arc::downgrade(&idle) as Weak<dyn Reclaim>);
        let busy = budget.acquire().unwrap();
        idle.1.lock().unwrap().push(budget.acquire().unwrap());
        // The idle instance's permit is reclaimed for the new one.
        let third = budget.acquire().unwrap();
        assert_eq!(idle.0.load(Ordering::SeqCst), 1);
        // Nothing idle is left: refused.
        assert!(budget.acquire().is_none());
        drop((busy, third));
        assert!(budget.acquire().is_some());
    }
}
