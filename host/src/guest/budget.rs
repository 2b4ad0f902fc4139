//! The host-wide budgets guests share.
//!
//! - Instances (`max_instances`): every instance, of every component and kind, holds one
//!   permit while it lives. When none is left, idle pooled instances are given up first; only
//!   when nothing idle remains is the request turned away (503). The engine's instance pool is
//!   sized from the same number, so wasmtime never runs out before the budget does.
//! - Linear memory (`memory_budget_bytes`, and `max_memory_bytes` for one instance, all its
//!   memories together): each store's [`MemoryLimits`] counts what its memories take. An
//!   instance that cannot start within the budget is turned away (503); one that cannot grow
//!   within it traps (500), as it does past its own limit.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use wasmtime::ResourceLimiter;

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

/// The linear memory every instance together may take.
#[derive(Debug)]
pub struct MemoryBudget {
    limit: u64,
    taken: AtomicU64,
}

impl MemoryBudget {
    /// A budget of `limit` bytes.
    pub fn new(limit: u64) -> Arc<Self> {
        Arc::new(Self {
            limit,
            taken: AtomicU64::new(0),
        })
    }

    /// Takes `bytes` if they fit.
    fn take(&self, bytes: u64) -> bool {
        self.taken
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |taken| {
                taken
                    .checked_add(bytes)
                    .filter(|total| *total <= self.limit)
            })
            .is_ok()
    }

    fn give_back(&self, bytes: u64) {
        self.taken.fetch_sub(bytes, Ordering::AcqRel);
    }
}

/// An instance could not start within the memory budget: overload, answered 503.
#[derive(Debug)]
pub struct MemoryBudgetSpent;

impl std::fmt::Display for MemoryBudgetSpent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the host's memory budget for instances (`memory_budget_bytes`) is spent")
    }
}

impl std::error::Error for MemoryBudgetSpent {}

/// Largest table an instance may grow (the pooling allocator's own limit).
const MAX_TABLE_ELEMENTS: usize = 100_000;

/// The resource limits of one store: its memories together within `max_memory_bytes`, and
/// within the host's budget.
#[derive(Debug)]
pub struct MemoryLimits {
    budget: Arc<MemoryBudget>,
    max_bytes: u64,
    /// What this store's memories take now, and what it took from the budget.
    held: u64,
}

impl MemoryLimits {
    /// Limits for one store under `budget`.
    pub fn new(budget: Arc<MemoryBudget>, max_bytes: u64) -> Self {
        Self {
            budget,
            max_bytes,
            held: 0,
        }
    }
}

impl ResourceLimiter for MemoryLimits {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let more = (desired - current) as u64;
        let starting = current == 0;
        if self.held + more > self.max_bytes {
            return Err(wasmtime::format_err!(
                "the instance's memories would take {} bytes, more than `max_memory_bytes` ({})",
                self.held + more,
                self.max_bytes
            ));
        }
        if !self.budget.take(more) {
            // Before the instance runs, it is the host that is full: 503, not the guest's fault.
            return Err(if starting {
                wasmtime::Error::new(MemoryBudgetSpent)
            } else {
                wasmtime::format_err!("{MemoryBudgetSpent}")
            });
        }
        self.held += more;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > MAX_TABLE_ELEMENTS {
            return Err(wasmtime::format_err!(
                "a table would hold {desired} elements, more than {MAX_TABLE_ELEMENTS}"
            ));
        }
        Ok(true)
    }
}

impl Drop for MemoryLimits {
    fn drop(&mut self) {
        self.budget.give_back(self.held);
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
    fn memories_take_from_the_budget_and_give_back_when_dropped() {
        let budget = MemoryBudget::new(100);
        let mut first = MemoryLimits::new(budget.clone(), 80);
        assert!(first.memory_growing(0, 60, None).unwrap());
        // Past the instance's own limit: a trap.
        assert!(first.memory_growing(60, 90, None).is_err());
        let mut second = MemoryLimits::new(budget.clone(), 80);
        // Starting past the host's budget is overload.
        let err = second.memory_growing(0, 50, None).unwrap_err();
        assert!(err.downcast_ref::<MemoryBudgetSpent>().is_some());
        drop(first);
        assert!(second.memory_growing(0, 50, None).unwrap());
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
