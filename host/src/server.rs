//! The HTTP server: hyper accept loop (HTTP/1.1 and h2c), connection and in-flight limits,
//! body limit, routing, validation, the call, the access log, and a graceful shutdown that
//! drains in-flight requests.

use crate::app::{App, Operation};
use crate::bindings::types;
use crate::executor::{Answer, CallError, Deadline, Executor};
use crate::loader::LoadedComponent;
use crate::respond::{self, HttpResponse};
use crate::router::RouteMatch;
use crate::scope::{RequestScope, Resolution};
use crate::settings::Settings;
use crate::validate::{self, RequestParts};
use anyhow::{Context, Result};
use arc_swap::ArcSwap;
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_LENGTH, HeaderValue};
use hyper::service::service_fn;
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Everything a request needs: the current app snapshot, the executor, the limits.
pub struct Server {
    app: ArcSwap<App>,
    executor: Executor,
    settings: Settings,
    in_flight: Arc<Semaphore>,
}

/// What a request resolved to, for the access log.
#[derive(Default)]
struct Served {
    operation: Option<String>,
    component: Option<String>,
}

impl Server {
    /// A server for `app`, ready to `serve`.
    pub fn new(app: App, executor: Executor, settings: Settings) -> Arc<Self> {
        Arc::new(Self {
            app: ArcSwap::from_pointee(app),
            executor,
            in_flight: Arc::new(Semaphore::new(settings.max_in_flight)),
            settings,
        })
    }

    /// The app snapshot new requests are routed with.
    pub fn app(&self) -> Arc<App> {
        self.app.load_full()
    }

    /// Routes new requests to `app`; requests in flight finish on the snapshot they hold.
    pub fn swap(&self, app: App) {
        self.app.store(Arc::new(app));
    }

    /// Accepts connections until `shutdown` resolves, then lets in-flight requests finish
    /// for up to `shutdown_grace`.
    pub async fn serve(
        self: Arc<Self>,
        listener: TcpListener,
        shutdown: impl Future<Output = ()>,
    ) -> Result<()> {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.settings.header_read_timeout)
            .keep_alive(true);
        builder.http2().timer(TokioTimer::new());
        let graceful = GracefulShutdown::new();
        let connections = Arc::new(Semaphore::new(self.settings.max_connections));
        tokio::pin!(shutdown);
        loop {
            let permit = tokio::select! {
                permit = connections.clone().acquire_owned() => permit.context("connection limit closed")?,
                () = &mut shutdown => break,
            };
            let (stream, peer) = tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!("accept failed: {err}");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            // Responses are written whole; Nagle would only delay them.
            let _ = stream.set_nodelay(true);
            let server = self.clone();
            let service = service_fn(move |req| server.clone().handle(req, peer));
            let connection = builder
                .serve_connection(TokioIo::new(stream), service)
                .into_owned();
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                if let Err(err) = connection.await {
                    tracing::debug!(%peer, "connection ended: {err}");
                }
                drop(permit);
            });
        }
        drop(listener);
        tracing::info!(
            "shutting down: waiting up to {:?} for in-flight requests",
            self.settings.shutdown_grace
        );
        tokio::select! {
            () = graceful.shutdown() => tracing::info!("all connections drained"),
            () = tokio::time::sleep(self.settings.shutdown_grace) => {
                tracing::warn!("shutdown grace period over; closing the remaining connections")
            }
        }
        Ok(())
    }

    async fn handle(
        self: Arc<Self>,
        req: Request<Incoming>,
        peer: SocketAddr,
    ) -> Result<HttpResponse, Infallible> {
        let started = Instant::now();
        let (method, path) = (req.method().clone(), req.uri().path().to_owned());
        let mut served = Served::default();
        let response = self.respond(req, &mut served).await;
        tracing::info!(
            target: "access",
            %peer,
            operation = %served.operation.as_deref().unwrap_or("-"),
            component = %served.component.as_deref().unwrap_or("-"),
            "{method} {path} {} {:.2?}",
            response.status().as_u16(),
            started.elapsed(),
        );
        Ok(response)
    }

    async fn respond(&self, req: Request<Incoming>, served: &mut Served) -> HttpResponse {
        let Ok(_in_flight) = self.in_flight.try_acquire() else {
            return respond::status(StatusCode::SERVICE_UNAVAILABLE);
        };
        // The request keeps this snapshot to the end, whatever is swapped in meanwhile.
        let app = self.app.load_full();
        let (parts, body) = req.into_parts();
        let (op_index, template, path_params) = match app.router.at(&parts.method, parts.uri.path())
        {
            RouteMatch::Found {
                target,
                template,
                params,
            } => (*target, template, params),
            RouteMatch::MethodNotAllowed(allowed) => return method_not_allowed(&allowed),
            RouteMatch::NotFound => return respond::status(StatusCode::NOT_FOUND),
        };
        let op = &app.operations[op_index];
        let component = &app.components[op.component];
        served.operation = Some(op.id.clone());
        served.component = Some(component.spec.name.clone());

        let body = match read_body(body, &parts.headers, self.settings.max_body_bytes).await {
            Ok(body) => body,
            Err(status) => return respond::status(status),
        };
        let query = parts.uri.query().unwrap_or("");
        let request_parts = RequestParts {
            path_params: &path_params,
            query,
            headers: &parts.headers,
        };
        let params = match validate::params(&op.params, &request_parts) {
            Ok(params) => params,
            Err(errors) => {
                return respond::json(StatusCode::UNPROCESSABLE_ENTITY, &validate::detail(&errors));
            }
        };
        let request = types::Request {
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: query.to_owned(),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
                .collect(),
            body: body.to_vec(),
            route: template.raw.clone(),
            operation_id: op.id.clone(),
            params,
        };
        let outcome = self.run(&app, op, request).await;
        self.render(op, component, outcome)
    }

    /// Resolves the operation's dependencies, calls it, and runs the teardowns, all under one
    /// deadline (teardowns get their own).
    async fn run(
        &self,
        app: &App,
        op: &Operation,
        request: types::Request,
    ) -> Result<Answer, CallError> {
        let deadline = Deadline::after(self.settings.request_timeout);
        let mut scope = RequestScope::new(&self.executor, app, &op.id, deadline);
        let outcome = match scope.resolve(&op.plan, &request).await {
            Ok(Resolution::Ready(deps)) => {
                let component = app.components[op.component].clone();
                let call = self
                    .executor
                    .call(component, op.kind, &op.id, request, deps, deadline);
                call.await
            }
            // A provider ended the request (a 401, say): its error is the response.
            Ok(Resolution::Rejected(error)) => Ok(Err(error)),
            Err(failure) => {
                let (dependency, provider) = (&failure.dependency, &failure.component);
                match &failure.error {
                    CallError::Guest(err) => tracing::error!(component = %provider, %dependency,
                        operation = %op.id, "provider failed: {}", err.root_cause()),
                    CallError::Timeout => tracing::warn!(component = %provider, %dependency,
                        operation = %op.id, "provider timed out"),
                    CallError::Overloaded => {}
                }
                Err(failure.error)
            }
        };
        // Teardowns run after the handler, also when it or a provider failed.
        scope.teardown().await;
        outcome
    }

    /// The HTTP response for an outcome; failures are logged with the component and operation.
    fn render(
        &self,
        op: &Operation,
        component: &LoadedComponent,
        outcome: Result<Answer, CallError>,
    ) -> HttpResponse {
        let (name, version) = (&component.spec.name, component.version());
        match outcome {
            Ok(answer) => respond::from_answer(answer).unwrap_or_else(|reason| {
                tracing::error!(component = %name, %version, operation = %op.id,
                    "malformed response from the guest: {reason}");
                respond::status(StatusCode::INTERNAL_SERVER_ERROR)
            }),
            Err(CallError::Overloaded) => {
                tracing::warn!(operation = %op.id, "sync pool and queue full; answering 503");
                respond::status(StatusCode::SERVICE_UNAVAILABLE)
            }
            Err(CallError::Timeout) => {
                tracing::warn!(component = %name, %version, operation = %op.id,
                    "timed out after {:?}", self.settings.request_timeout);
                respond::status(StatusCode::GATEWAY_TIMEOUT)
            }
            Err(CallError::Guest(err)) => {
                // One line with the cause for operators; the wasm backtrace at debug level.
                tracing::error!(component = %name, %version, operation = %op.id,
                    "guest failed: {}", err.root_cause());
                tracing::debug!(component = %name, operation = %op.id, "guest failure report: {err:?}");
                respond::status(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

/// 405 with the methods the path does allow.
fn method_not_allowed(allowed: &[hyper::Method]) -> HttpResponse {
    let mut response = respond::status(StatusCode::METHOD_NOT_ALLOWED);
    let allow = allowed
        .iter()
        .map(|m| m.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(allow) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(ALLOW, allow);
    }
    response
}

/// Reads the body up to `limit` bytes: 413 past it (before reading, when Content-Length says
/// so), 400 when the client breaks off.
async fn read_body(
    body: Incoming,
    headers: &hyper::HeaderMap,
    limit: u64,
) -> Result<Bytes, StatusCode> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => {
            Err(StatusCode::PAYLOAD_TOO_LARGE)
        }
        Err(_) => Err(StatusCode::BAD_REQUEST),
    }
}
