//! A component ready to serve: compiled, linked and described, with the instances its requests
//! use — or, for a standard wasi:http component, the handler that answers under its prefix. Immutable once loaded; a reload that finds a component's bytes and manifest entry
//! unchanged keeps it, warm instances included.

use super::bindings::types;
use super::call::{Answer, Call, CallError, Deadline, Reply};
use super::capabilities::websocket::Session;
use super::exports::{Kind, Role};
use super::instance::{self, Instance, Prepared};
use super::instances::{PooledInstances, SharedInstances, Sharing};
use super::pool::{BlockingPool, Priority};
use super::standard::Standard;
use super::streams::IncomingBody;
use crate::config::{ComponentSpec, Isolation};
use crate::telemetry::metrics::Reuse;
use std::sync::Arc;
use tokio::sync::watch;
use wasmtime::format_err;

/// One loaded component.
pub struct Component {
    /// The manifest entry it was loaded from.
    pub spec: ComponentSpec,
    /// SHA-256 of the `.wasm`: the version the logs show.
    pub digest: String,
    /// What `describe` returned (nothing, for a standard component).
    pub info: types::AppInfo,
    serves: Serves,
    /// Asks its WebSocket sessions to close, with a code and a reason.
    websocket_closer: watch::Sender<Option<(u16, String)>>,
}

/// What a component's requests run on.
enum Serves {
    /// The path operations and providers it declared.
    Operations(Operations),
    /// Everything under its prefix, through the standard wasi:http handler.
    Standard(Standard),
}

/// A `fastwasm:app` component's instances.
struct Operations {
    prepared: Arc<Prepared>,
    /// The instances its async operations and WebSocket sessions run on: shared, or one per
    /// request under `isolation = "request"`.
    shared: SharedInstances,
    /// The idle instances its sync and blocking operations reuse, unless it asks for
    /// `isolation = "request"`.
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
        let sharing = if reuse {
            Sharing {
                concurrency: prepared.settings.instance_concurrency,
                max_requests: prepared.settings.instance_max_requests,
                reuse: Reuse::Shared,
            }
        } else {
            Sharing {
                concurrency: 1,
                max_requests: 1,
                reuse: Reuse::Request,
            }
        };
        let shared = SharedInstances::new(prepared.clone(), sharing);
        let blocks = info.operations.iter().any(|op| {
            matches!(
                op.kind,
                types::OperationKind::Sync | types::OperationKind::Blocking
            )
        });
        let pooled = (reuse && blocks).then(|| PooledInstances::new(prepared.clone()));
        let serves = Serves::Operations(Operations {
            prepared,
            shared,
            pooled,
        });
        Self::serving(spec, digest, info, serves)
    }

    /// A standard wasi:http component, which declares nothing.
    pub(super) fn standard(spec: ComponentSpec, digest: String, standard: Standard) -> Self {
        let info = types::AppInfo {
            operations: Vec::new(),
            providers: Vec::new(),
            openapi: None,
        };
        Self::serving(spec, digest, info, Serves::Standard(standard))
    }

    fn serving(spec: ComponentSpec, digest: String, info: types::AppInfo, serves: Serves) -> Self {
        Self {
            spec,
            digest,
            info,
            serves,
            websocket_closer: watch::channel(None).0,
        }
    }

    /// The handler of a standard wasi:http component.
    pub fn as_standard(&self) -> Option<&Standard> {
        match &self.serves {
            Serves::Standard(standard) => Some(standard),
            Serves::Operations(_) => None,
        }
    }

    /// Its operations' instances; a standard component has none, and the app routes nothing to
    /// it but what comes under its prefix.
    fn operations(&self) -> Result<&Operations, CallError> {
        match &self.serves {
            Serves::Operations(operations) => Ok(operations),
            Serves::Standard(_) => Err(CallError::Guest(format_err!(
                "component `{}` is a `{}` component: it has no operations",
                self.spec.name,
                self.spec.world.as_str()
            ))),
        }
    }

    /// The first 12 hex digits of the digest, for log lines.
    pub fn version(&self) -> &str {
        &self.digest[..12]
    }

    /// Whether the component exports what serves `role` with `kind`.
    pub fn exports(&self, role: Role, kind: Kind) -> bool {
        self.operations()
            .is_ok_and(|operations| operations.prepared.exports.has(role, kind))
    }

    /// Calls operation `operation` of `kind` under `deadline`: async ones on a shared instance
    /// (one of its own under `isolation = "request"`), sync and blocking ones on a pooled
    /// instance (or a fresh one) on the blocking pool. `body` is the request body as it
    /// arrives, for an async operation that declared a streamed body.
    #[allow(clippy::too_many_arguments)]
    pub async fn handle(
        &self,
        pool: &BlockingPool,
        kind: Kind,
        operation: &str,
        request: types::Request,
        deps: Vec<types::Dependency>,
        body: Option<IncomingBody>,
        deadline: Deadline,
    ) -> Result<Answer, CallError> {
        let call = Call::Handle {
            request,
            deps,
            body,
        };
        let operations = self.operations()?;
        let reply = match (kind, &operations.pooled) {
            (Kind::Async, _) => operations.shared.call(call, deadline).await?,
            (Kind::Sync | Kind::Blocking, Some(pooled)) => {
                pooled.handle(pool, kind, operation, call, deadline).await?
            }
            (Kind::Sync | Kind::Blocking, None) => {
                let (priority, mut slot) = (Priority::Request, None);
                let reply = self
                    .run_one(pool, kind, &mut slot, operation, call, deadline, priority)
                    .await;
                // A fresh instance per request: dropped, once the work after its answer is done.
                if let Some(instance) = slot.filter(Instance::has_followups) {
                    let limit = operations.prepared.settings.request_timeout;
                    instance::follow_up(instance, pool, limit, drop);
                }
                reply?
            }
        };
        reply.into_answer().map_err(CallError::Guest)
    }

    /// Serves one WebSocket connection on a shared instance, until the guest returns.
    pub async fn serve_websocket(
        &self,
        request: types::Request,
        deps: Vec<types::Dependency>,
        session: Arc<Session>,
        deadline: Deadline,
    ) -> Result<Result<(), types::HttpError>, CallError> {
        let call = Call::Serve {
            request,
            deps,
            session,
        };
        match self.operations()?.shared.call(call, deadline).await? {
            Reply::Served(served) => Ok(served),
            other => Err(CallError::Guest(format_err!(
                "expected a WebSocket session's end, got {other:?}"
            ))),
        }
    }

    /// What tells this component's WebSocket sessions to close.
    pub fn websocket_closer(&self) -> watch::Receiver<Option<(u16, String)>> {
        self.websocket_closer.subscribe()
    }

    /// Closes every WebSocket session of this component with `code` and `reason` (on shutdown,
    /// and when a reload replaces it).
    pub fn close_websockets(&self, code: u16, reason: &str) {
        self.websocket_closer
            .send_replace(Some((code, reason.to_owned())));
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
        let prepared = match self.operations() {
            Ok(operations) => &operations.prepared,
            Err(error) => return calls.iter().map(|_| Err(error.duplicate())).collect(),
        };
        let reuse = Reuse::Request;
        instance::run(
            kind, prepared, slot, reuse, operation, calls, deadline, pool, priority,
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
        let prepared = &self.operations()?.prepared;
        let reuse = Reuse::Request;
        instance::run_one(
            kind, prepared, slot, reuse, operation, call, deadline, pool, priority,
        )
        .await
    }
}
