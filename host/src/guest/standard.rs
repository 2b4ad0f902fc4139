//! Standard wasi:http components — a 0.2 `proxy` or a 0.3 `service`, built for `wasmtime
//! serve`, Spin or any other host — run unchanged: each request gets a fresh instance (the
//! `proxy` world's own contract) in a store with the same grants, memory cap, instance budget,
//! outbound policy and deadline as any other component's, and is answered by the component's
//! `incoming-handler` or `handler` through wasmtime-wasi-http.

use super::call::{CallError, Deadline, classify};
use super::capabilities::GuestState;
use super::exports::Binding;
use super::instance::{Instance, Prepared};
use crate::config::World;
use crate::telemetry::metrics::Reuse;
use anyhow::{Result, anyhow};
use bytes::Bytes;
use hyper::body::Body;
use std::sync::Arc;
use wasmtime::Store;
use wasmtime::component::{Instance as Raw, InstancePre};
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::{Proxy, ProxyIndices};
use wasmtime_wasi_http::p3::bindings::{Service, ServiceIndices};
use wasmtime_wasi_http::{WasiBody, WasiHttpView};

/// Where a standard component's handler is, found once when it is linked.
pub enum StandardExports {
    Proxy(ProxyIndices),
    Service(ServiceIndices),
}

/// A standard component's handler in one instance.
pub enum StandardBound {
    Proxy(Proxy),
    Service(Service),
}

impl StandardExports {
    /// The handler of `world` in `pre`, or what is missing.
    pub fn new(pre: &InstancePre<GuestState>, world: World) -> Result<Self> {
        let missing = |export: &str| {
            anyhow!(
                "the manifest says `world = \"{}\"`, but the component does not export \
                 `{export}`",
                world.as_str()
            )
        };
        match world {
            World::Proxy => ProxyIndices::new(pre)
                .map(Self::Proxy)
                .map_err(|_| missing("wasi:http/incoming-handler@0.2")),
            World::Service => ServiceIndices::new(pre)
                .map(Self::Service)
                .map_err(|_| missing("wasi:http/handler@0.3")),
            World::Fastwasm => Err(anyhow!("a `fastwasm:app` component is not a standard one")),
        }
    }
}

/// The standard world `pre` was built for, if it was built for one.
pub fn standard_world(pre: &InstancePre<GuestState>) -> Option<World> {
    [World::Proxy, World::Service]
        .into_iter()
        .find(|&world| StandardExports::new(pre, world).is_ok())
}

impl Binding for StandardExports {
    type Bound = StandardBound;

    fn bind(
        &self,
        store: &mut Store<GuestState>,
        instance: &Raw,
    ) -> wasmtime::Result<StandardBound> {
        Ok(match self {
            Self::Proxy(indices) => StandardBound::Proxy(indices.load(&mut *store, instance)?),
            Self::Service(indices) => StandardBound::Service(indices.load(&mut *store, instance)?),
        })
    }
}

/// A loaded standard component.
pub struct Standard {
    prepared: Arc<Prepared<StandardExports>>,
}

/// The answer of a standard component: its head, and a body it may still be writing.
pub type StandardResponse = http::Response<WasiBody>;

impl Standard {
    pub(super) fn new(prepared: Arc<Prepared<StandardExports>>) -> Self {
        Self { prepared }
    }

    /// Answers `request` (its URI absolute, its path the component's own) on a fresh instance
    /// that serves the request `request_id` names; the instance lives while it writes the body,
    /// until `deadline`.
    pub async fn handle<B>(
        &self,
        request: http::Request<B>,
        request_id: Option<&str>,
        deadline: Deadline,
    ) -> Result<StandardResponse, CallError>
    where
        B: Body<Data = Bytes> + Send + 'static,
        B::Error: Into<wasmtime_wasi_http::Error>,
    {
        let mut instance = self
            .prepared
            .instantiate("*", deadline, Reuse::Request)
            .await?;
        instance.store.data_mut().set_serving(request_id);
        let (sender, answered) = tokio::sync::oneshot::channel();
        let ran = match &instance.bound {
            StandardBound::Proxy(_) => tokio::spawn(proxy(instance, request, sender)),
            StandardBound::Service(_) => tokio::spawn(service(instance, request, sender)),
        };
        match tokio::time::timeout_at(deadline.instant(), answered).await {
            Ok(Ok(answer)) => answer,
            // The guest returned, or failed, without an answer: what it failed with says why.
            Ok(Err(_)) => Err(match ran.await {
                Ok(Err(error)) => classify(error, deadline),
                Ok(Ok(())) => CallError::Guest(wasmtime::format_err!(
                    "the component returned without setting a response"
                )),
                Err(join) => CallError::Guest(wasmtime::format_err!("the call panicked: {join}")),
            }),
            Err(_) => Err(CallError::Timeout),
        }
    }
}

type Answered = tokio::sync::oneshot::Sender<Result<StandardResponse, CallError>>;

/// A wasi:http error code the component answered with instead of a response: a guest failure.
fn answered_error(code: impl std::fmt::Debug) -> CallError {
    CallError::Guest(wasmtime::format_err!(
        "the component answered the error `{code:?}`"
    ))
}

/// Runs a 0.2 `incoming-handler`: it sets the response through its out-parameter and may
/// write the body after.
async fn proxy<B>(
    mut instance: Instance<StandardBound>,
    request: http::Request<B>,
    answered: Answered,
) -> wasmtime::Result<()>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    let StandardBound::Proxy(proxy) = &instance.bound else {
        unreachable!("dispatched on the binding");
    };
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let http = instance.store.data_mut();
    let request = http.http().new_incoming_request(Scheme::Http, request)?;
    let out = http.http().new_response_outparam(sender)?;
    // The answer goes out as soon as the guest sets it, while the call goes on.
    tokio::spawn(async move {
        let answer = match receiver.await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(code)) => Err(answered_error(code)),
            Err(_) => return,
        };
        let _ = answered.send(answer);
    });
    proxy
        .wasi_http_incoming_handler()
        .call_handle(&mut instance.store, request, out)
        .await
}

/// Runs a 0.3 `handler`: it returns the response, and its event loop goes on while the body
/// is written.
async fn service<B>(
    mut instance: Instance<StandardBound>,
    request: http::Request<B>,
    answered: Answered,
) -> wasmtime::Result<()>
where
    B: Body<Data = Bytes> + Send + 'static,
    B::Error: Into<wasmtime_wasi_http::Error>,
{
    let StandardBound::Service(service) = &instance.bound else {
        unreachable!("dispatched on the binding");
    };
    instance
        .store
        .run_concurrent(async move |accessor| -> wasmtime::Result<()> {
            let (parts, body) = request.into_parts();
            let headers = accessor.with(|mut store| {
                wasmtime_wasi_http::FieldMap::new_immutable(
                    store.data_mut().http().hooks,
                    parts.headers,
                )
            });
            let uri = parts.uri.into_parts();
            let (request, sent) = wasmtime_wasi_http::p3::Request::new(
                parts.method,
                uri.scheme,
                uri.authority,
                uri.path_and_query,
                headers,
                None,
                body,
            );
            let answer = match service.handle(accessor, request).await? {
                Ok(response) => {
                    Ok(accessor.with(|mut store| response.into_http(&mut store, sent))?)
                }
                Err(code) => Err(answered_error(code)),
            };
            let _ = answered.send(answer);
            // The body may still be being written by the guest's own tasks.
            std::future::poll_fn(|cx| accessor.poll_no_interesting_tasks(cx)).await;
            Ok(())
        })
        .await?
}
