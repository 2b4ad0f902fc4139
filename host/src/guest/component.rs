//! A component ready to serve: compiled, linked and described, with the instances its requests
//! use. Immutable once loaded; a reload that finds a component's bytes and manifest entry
//! unchanged keeps it, warm instances included.

use super::bindings::types;
use super::call::{Answer, Call, CallError, Deadline, Reply};
use super::exports::{Kind, Role};
use super::instance::{self, Instance, Prepared};
use super::instances::{PooledInstances, SharedInstances};
use super::pool::{BlockingPool, Priority};
use crate::config::{ComponentSpec, Isolation};
use std::sync::Arc;

/// One loaded component.
pub struct Component {
    /// The manifest entry it was loaded from.
    pub spec: ComponentSpec,
    /// SHA-256 of the `.wasm`: the version the logs show.
    pub digest: String,
    /// What `describe` returned.
    pub info: types::AppInfo,
    prepared: Arc<Prepared>,
    /// The instances its async operations share, unless it asks for `isolation = "request"`.
    shared: Option<SharedInstances>,
    /// The idle instances its sync operations reuse, unless it asks for `isolation = "request"`.
    pooled: Option<PooledInstances>,
}

impl Component {
    pub(super) fn new(
        spec: ComponentSpec,
        digest: String,
        info: types::AppInfo,
        prepared: Arc<Prepared>,
    ) -> Self {
        // Must run on the runtime: pools start their expiry tasks.
        let reuse = spec.isolation == Isolation::Instance;
        let exports = &prepared.exports;
        let shared = (reuse && exports.has(Role::Handler, Kind::Async))
            .then(|| SharedInstances::new(prepared.clone()));
        let pooled = (reuse && exports.has(Role::Handler, Kind::Sync))
            .then(|| PooledInstances::new(prepared.clone()));
        Self {
            spec,
            digest,
            info,
            prepared,
            shared,
            pooled,
        }
    }

    /// The first 12 hex digits of the digest, for log lines.
    pub fn version(&self) -> &str {
        &self.digest[..12]
    }

    /// Whether the component exports what serves `role` with `kind`.
    pub fn exports(&self, role: Role, kind: Kind) -> bool {
        self.prepared.exports.has(role, kind)
    }

    /// Calls operation `operation` of `kind` under `deadline`: async ones on a shared instance,
    /// sync ones on a pooled one on the blocking pool, each on a fresh instance under
    /// `isolation = "request"`.
    pub async fn handle(
        &self,
        pool: &BlockingPool,
        kind: Kind,
        operation: &str,
        request: types::Request,
        deps: Vec<types::Dependency>,
        deadline: Deadline,
    ) -> Result<Answer, CallError> {
        match (kind, &self.shared, &self.pooled) {
            (Kind::Async, Some(shared), _) => shared.handle(request, deps, deadline).await,
            (Kind::Sync, _, Some(pooled)) => {
                pooled
                    .handle(pool, operation, request, deps, deadline)
                    .await
            }
            _ => {
                let call = Call::Handle { request, deps };
                self.run_one(
                    pool,
                    kind,
                    &mut None,
                    operation,
                    call,
                    deadline,
                    Priority::Request,
                )
                .await?
                .into_answer()
                .map_err(CallError::Guest)
            }
        }
    }

    /// Runs `calls` on the request's own instance of this component in `slot` (see
    /// [`instance::run`]): how providers and their teardowns are called.
    #[allow(clippy::too_many_arguments)]
    pub async fn run(
        &self,
        pool: &BlockingPool,
        kind: Kind,
        slot: &mut Option<Instance>,
        operation: &str,
        calls: Vec<Call>,
        deadline: Deadline,
        priority: Priority,
    ) -> Vec<Result<Reply, CallError>> {
        let prepared = &self.prepared;
        instance::run(
            kind, prepared, slot, operation, calls, deadline, pool, priority,
        )
        .await
    }

    /// [`Component::run`] for a single call.
    #[allow(clippy::too_many_arguments)]
    pub async fn run_one(
        &self,
        pool: &BlockingPool,
        kind: Kind,
        slot: &mut Option<Instance>,
        operation: &str,
        call: Call,
        deadline: Deadline,
        priority: Priority,
    ) -> Result<Reply, CallError> {
        let prepared = &self.prepared;
        instance::run_one(
            kind, prepared, slot, operation, call, deadline, pool, priority,
        )
        .await
    }
}
