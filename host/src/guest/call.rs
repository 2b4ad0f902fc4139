//! The one way to call a guest. A [`Call`] names an export and its arguments; [`invoke_sync`]
//! runs it on a store the caller holds (on the blocking pool), [`invoke_async`] inside a store's
//! event loop, many at once — the one place where sync and async calls differ. [`within`] holds
//! guest work to the request's [`Deadline`], and [`classify`] turns what went wrong into a
//! [`CallError`] the HTTP layer answers with 503, 504 or 500.

use super::bindings::{bodies, types};
use super::budget::MemoryBudgetSpent;
use super::capabilities::GuestState;
use super::capabilities::websocket::{Connection, Session};
use super::exports::Bound;
use super::streams::{
    Activity, GuestBody, GuestVerdict, IncomingBody, StreamState, Verdict, streamed_response,
};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, watch};
use tokio::time::Instant;
use wasmtime::component::{Accessor, StreamReader};
use wasmtime::{PoolConcurrencyLimitError, Store, Trap, format_err};

/// The instant a request's guest work must be done by.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(Instant);

impl Deadline {
    /// The deadline `timeout` from now.
    pub fn after(timeout: Duration) -> Self {
        Self(Instant::now() + timeout)
    }

    /// The deadline as a tokio instant.
    pub fn instant(self) -> Instant {
        self.0
    }

    /// Whether the deadline has passed.
    pub fn passed(self) -> bool {
        Instant::now() >= self.0
    }
}

/// What a handler answered: a response, or an `http-error` it raised (FastAPI's
/// `HTTPException`).
#[derive(Debug)]
pub enum Answer {
    /// The response to send.
    Response(types::Response),
    /// A response whose body the guest is still writing.
    Streamed(StreamedAnswer),
    /// An error that becomes `{"detail": …}` with its status and headers.
    Raised(types::HttpError),
}

impl From<Result<types::Response, types::HttpError>> for Answer {
    fn from(result: Result<types::Response, types::HttpError>) -> Self {
        match result {
            Ok(response) => Answer::Response(response),
            Err(error) => Answer::Raised(error),
        }
    }
}

/// The head of a streamed response, and its body as the client reads it.
pub struct StreamedAnswer {
    /// The status.
    pub status: u16,
    /// The headers, as the guest gave them.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, chunk by chunk as the guest writes it.
    pub body: GuestBody,
    /// Follows the writer and the body: the request is over once both are done.
    pub state: watch::Receiver<StreamState>,
    /// When the body last moved.
    pub activity: Arc<Activity>,
}

impl fmt::Debug for StreamedAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamedAnswer")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

/// Work a guest goes on with after its response is sent (FastAPI's `BackgroundTasks`): the
/// request keeps its instance until the guest says the work is done.
pub struct Followup {
    /// Who does it, for the log: the component and the request id.
    label: (std::sync::Arc<str>, String),
    done: oneshot::Receiver<Verdict>,
}

impl fmt::Debug for Followup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Followup")
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl Followup {
    /// Waits, while the instance's event loop runs, until the work is done or `limit` has
    /// passed; a failure is logged. Whether it ended in time: work that did not is still
    /// pending in the instance, which must not serve again.
    pub async fn finish(self, limit: Duration) -> bool {
        let (component, request) = &self.label;
        match tokio::time::timeout(limit, self.done).await {
            Ok(Ok(Ok(()))) => true,
            Ok(Ok(Err(reason))) => {
                tracing::warn!(%component, request_id = %request, "work after the response failed: {reason}");
                true
            }
            Ok(Err(_)) => {
                tracing::warn!(%component, request_id = %request,
                    "work after the response ended without saying it was done");
                true
            }
            Err(_) => {
                tracing::warn!(%component, request_id = %request,
                    "work after the response outlasted the request timeout ({limit:?}); it stops \
                     with its instance");
                false
            }
        }
    }
}

/// Why a guest gave no answer.
#[derive(Debug)]
pub enum CallError {
    /// No capacity: the host ran short of what the request needed. 503.
    Overloaded(Shortage),
    /// The request's deadline passed while the guest ran. 504.
    Timeout,
    /// The guest trapped, panicked, hit a limit or misbehaved. 500; holds the cause for the log.
    Guest(wasmtime::Error),
}

/// What the host ran short of when it turned a request away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shortage {
    /// The sync pool and its queue were full, or no worker came free before the deadline.
    Workers,
    /// Every instance the host may run (`max_instances`) was taken.
    Instances,
    /// The memory budget (`memory_budget_bytes`) had no room for another instance.
    Memory,
}

impl std::fmt::Display for Shortage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Shortage::Workers => {
                f.write_str("the sync pool and its queue are full (`sync_workers`, `sync_queue`)")
            }
            Shortage::Instances => f.write_str("the instance budget (`max_instances`) is spent"),
            Shortage::Memory => MemoryBudgetSpent.fmt(f),
        }
    }
}

impl CallError {
    /// The same failure for another call it affected (the cause itself cannot be cloned).
    pub fn duplicate(&self) -> CallError {
        match self {
            CallError::Overloaded(shortage) => CallError::Overloaded(*shortage),
            CallError::Timeout => CallError::Timeout,
            CallError::Guest(err) => CallError::Guest(format_err!("{}", err.root_cause())),
        }
    }
}

/// One call of a guest export.
pub enum Call {
    /// `metadata.describe`.
    Describe,
    /// `handler.handle` / `async-handler.handle`.
    Handle {
        /// The validated request.
        request: types::Request,
        /// The resolved dependencies.
        deps: Vec<types::Dependency>,
        /// The body as it arrives, for an async operation that declared a streamed body.
        body: Option<IncomingBody>,
    },
    /// `websocket-handler.serve`: one WebSocket connection, for as long as it is open.
    Serve {
        /// The validated upgrade request.
        request: types::Request,
        /// The resolved dependencies.
        deps: Vec<types::Dependency>,
        /// The connection the guest gets a handle to.
        session: Arc<Session>,
    },
    /// `provider.provide` / `async-provider.provide`.
    Provide {
        /// The dependency to compute.
        name: String,
        /// The validated request.
        request: types::Request,
        /// The values it depends on.
        deps: Vec<types::Dependency>,
    },
    /// `provider.teardown` / `async-provider.teardown`.
    Teardown {
        /// The dependency to clean up after.
        name: String,
        /// The value it provided.
        value: String,
    },
}

impl Call {
    /// The `x-request-id` of the request the call serves.
    pub fn request_id(&self) -> Option<&str> {
        let request = match self {
            Call::Handle { request, .. }
            | Call::Serve { request, .. }
            | Call::Provide { request, .. } => request,
            Call::Describe | Call::Teardown { .. } => return None,
        };
        request
            .headers
            .iter()
            .find(|(name, _)| name == "x-request-id")
            .and_then(|(_, value)| std::str::from_utf8(value).ok())
    }
}

/// What a call returned.
#[derive(Debug)]
pub enum Reply {
    /// What `describe` declared.
    Described(types::AppInfo),
    /// A handler's answer.
    Answered(Answer),
    /// A provider's value as JSON text, or the error that ends the request.
    Provided(Result<String, types::HttpError>),
    /// A teardown finished.
    TornDown,
    /// A WebSocket session ended; an error refuses the upgrade if it came before `accept`.
    Served(Result<(), types::HttpError>),
}

impl Reply {
    /// The handler's answer; any other reply is the host asking the wrong question.
    pub fn into_answer(self) -> wasmtime::Result<Answer> {
        match self {
            Reply::Answered(answer) => Ok(answer),
            other => Err(format_err!("expected a handler's answer, got {other:?}")),
        }
    }
}

/// Runs `call` on `store`, on the current thread, to its end: the caller is on the blocking
/// pool (or loading a component), never on a runtime worker serving other requests.
pub async fn invoke_sync(
    store: &mut Store<GuestState>,
    bound: &Bound,
    call: Call,
) -> wasmtime::Result<Reply> {
    Ok(match call {
        Call::Describe => Reply::Described(bound.metadata.call_describe(&mut *store).await?),
        Call::Handle {
            request,
            deps,
            body: None,
        } => Reply::Answered(
            bound
                .handler()?
                .call_handle(&mut *store, &request, &deps)
                .await?
                .into(),
        ),
        Call::Handle { body: Some(_), .. } | Call::Serve { .. } => {
            return Err(format_err!("a sync export cannot stream"));
        }
        Call::Provide {
            name,
            request,
            deps,
        } => Reply::Provided(
            bound
                .provider()?
                .call_provide(&mut *store, &name, &request, &deps)
                .await?,
        ),
        Call::Teardown { name, value } => {
            bound
                .provider()?
                .call_teardown(&mut *store, &name, &value)
                .await?;
            Reply::TornDown
        }
    })
}

/// Runs `call` inside the event loop of the store `accessor` belongs to: other calls on the
/// same instance progress while it waits. A handler that goes on working after its response
/// gives the [`Followup`] to wait for.
pub async fn invoke_async(
    accessor: &Accessor<GuestState>,
    bound: &Bound,
    call: Call,
) -> wasmtime::Result<(Reply, Option<Followup>)> {
    let request_id = call.request_id().unwrap_or("-").to_owned();
    let mut followup = None;
    let reply = match call {
        Call::Describe => return Err(format_err!("`describe` is not an async export")),
        Call::Handle {
            request,
            deps,
            body,
        } => {
            let body = match body {
                Some(body) => Some(accessor.with(|mut store| StreamReader::new(&mut store, body))?),
                None => None,
            };
            let reply = bound
                .async_handler()?
                .call_handle(accessor, request, deps, body)
                .await?;
            Reply::Answered(match reply {
                Ok(bodies::Reply::Whole(response)) => Answer::Response(response),
                Ok(bodies::Reply::Streamed(streamed)) => {
                    Answer::Streamed(stream_to_client(accessor, streamed)?)
                }
                Ok(bodies::Reply::Followed(followed)) => {
                    let bodies::FollowedResponse { response, done } = followed;
                    followup = Some(accessor.with(|mut store| {
                        let (consumer, done_rx) = GuestVerdict::new();
                        done.pipe(&mut store, consumer)?;
                        let component = store.data_mut().tag().component.clone();
                        wasmtime::Result::<_>::Ok(Followup {
                            label: (component, request_id),
                            done: done_rx,
                        })
                    })?);
                    Answer::Response(response)
                }
                Err(error) => Answer::Raised(error),
            })
        }
        Call::Serve {
            request,
            deps,
            session,
        } => {
            let connection =
                accessor.with(|mut access| access.get().table().push(Connection(session)))?;
            let served = bound
                .websocket_handler()?
                .call_serve(accessor, request, deps, connection)
                .await?;
            Reply::Served(served)
        }
        Call::Provide {
            name,
            request,
            deps,
        } => Reply::Provided(
            bound
                .async_provider()?
                .call_provide(accessor, name, request, deps)
                .await?,
        ),
        Call::Teardown { name, value } => {
            bound
                .async_provider()?
                .call_teardown(accessor, name, value)
                .await?;
            Reply::TornDown
        }
    };
    Ok((reply, followup))
}

/// Pipes a streamed response's body, which the guest writes in its store, to a body the client
/// reads.
fn stream_to_client(
    accessor: &Accessor<GuestState>,
    streamed: bodies::StreamedResponse,
) -> wasmtime::Result<StreamedAnswer> {
    let bodies::StreamedResponse {
        status,
        headers,
        body,
        end,
    } = streamed;
    accessor.with(|mut store| {
        let idle_timeout = store.data_mut().stream_idle_timeout;
        let activity = Activity::new();
        let (writer, verdict, client_body, state) =
            streamed_response(activity.clone(), idle_timeout);
        body.pipe(&mut store, writer)?;
        end.pipe(&mut store, verdict)?;
        Ok(StreamedAnswer {
            status,
            headers,
            body: client_body,
            state,
            activity,
        })
    })
}

/// Runs guest work until `deadline`: the deadline passing is a timeout, anything else that
/// fails is classified.
pub async fn within<T>(
    deadline: Deadline,
    work: impl Future<Output = wasmtime::Result<T>>,
) -> Result<T, CallError> {
    match tokio::time::timeout_at(deadline.instant(), work).await {
        Ok(result) => result.map_err(|err| classify(err, deadline)),
        Err(_) => Err(CallError::Timeout),
    }
}

/// A guest error as a call error: the epoch interrupt at the deadline is a timeout, wasmtime's
/// instance pool or the memory budget running out at instantiation is overload, anything else
/// is the guest's failure.
pub fn classify(err: wasmtime::Error, deadline: Deadline) -> CallError {
    if err.downcast_ref::<PoolConcurrencyLimitError>().is_some() {
        return CallError::Overloaded(Shortage::Instances);
    }
    if err.downcast_ref::<MemoryBudgetSpent>().is_some() {
        return CallError::Overloaded(Shortage::Memory);
    }
    let interrupted = matches!(err.downcast_ref::<Trap>(), Some(Trap::Interrupt));
    if interrupted && deadline.passed() {
        CallError::Timeout
    } else {
        CallError::Guest(err)
    }
}
