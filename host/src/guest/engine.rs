//! The wasmtime engine every component shares: component-model async, epoch interruption for
//! deadlines, stack and memory limits, and the instance allocator.

use crate::config::{Allocator, Settings};
use anyhow::{Context, Result};
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the epoch advances. A running guest checks its deadline, and an async guest
/// yields to other tasks, once per tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Builds the engine and starts its epoch ticker.
pub fn build(settings: &Settings) -> Result<Engine> {
    let mut config = Config::new();
    config
        .wasm_component_model_async(true)
        .epoch_interruption(true)
        .max_wasm_stack(settings.max_wasm_stack_bytes)
        // Host calls (WASI, the async runtime) run on the same fiber stack as the guest.
        .async_stack_size(settings.max_wasm_stack_bytes + (1 << 20));
    if settings.allocator == Allocator::Pooling {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling(settings)));
    }
    let engine = Engine::new(&config)
        .map_err(anyhow::Error::from)
        .context("cannot configure the wasm engine")?;
    start_epoch_ticker(&engine);
    Ok(engine)
}

/// Instances the engine's pool keeps beyond the budget, for `describe` while components load
/// (they start outside the budget, one at a time per load).
const LOAD_HEADROOM: usize = 8;

fn pooling(settings: &Settings) -> PoolingAllocationConfig {
    // The instance budget bounds every instance requests start, so the pool never runs out
    // before the budget does (which answers 503, after giving up idle instances).
    let instances = u32::try_from(settings.max_instances + LOAD_HEADROOM).unwrap_or(u32::MAX);
    let memory = usize::try_from(settings.max_memory_bytes).unwrap_or(usize::MAX);
    let mut pooling = PoolingAllocationConfig::default();
    pooling
        .total_component_instances(instances)
        .total_core_instances(instances.saturating_mul(8))
        .total_memories(instances.saturating_mul(2))
        .total_tables(instances.saturating_mul(4))
        .total_stacks(instances)
        .max_core_instances_per_component(64)
        .max_memories_per_component(8)
        .max_tables_per_component(16)
        .max_memory_size(memory)
        .table_elements(100_000)
        .max_core_instance_size(16 << 20)
        .max_component_instance_size(4 << 20);
    pooling
}

/// Advances the epoch on a plain OS thread, so that a runaway guest hogging the runtime's
/// workers cannot also stop the clock that interrupts it. Stops when the engine is dropped.
fn start_epoch_ticker(engine: &Engine) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("fastwasm-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .expect("cannot start the epoch thread");
}
