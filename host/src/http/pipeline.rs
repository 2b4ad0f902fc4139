//! One request through the app: route (404, 405 with `Allow`), read the body (413), validate
//! the parameters (422), resolve the dependencies, call the operation, tear the dependencies
//! down, and render the answer. Guest failures are logged here with the component, its version
//! and the operation.

use super::respond::{self, HttpResponse};
use super::scope::{RequestScope, Resolution};
use crate::app::{self, App, Operation, RequestParts, RouteMatch};
use crate::guest::{Answer, CallError, Deadline, Runtime, types};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_LENGTH, HeaderValue};
use hyper::{Request, StatusCode};
use std::sync::Arc;
use tokio::sync::oneshot;
use wasmtime::format_err;

/// What a request resolved to, for the access log.
#[derive(Debug, Default)]
pub struct Served {
    /// The operation it was routed to.
    pub operation: Option<String>,
    /// The component serving it.
    pub component: Option<String>,
}

/// Serves one request against the snapshot `app`.
pub async fn respond(
    app: Arc<App>,
    runtime: &Arc<Runtime>,
    req: Request<Incoming>,
    served: &mut Served,
) -> HttpResponse {
    let (parts, body) = req.into_parts();
    let (op_index, template, path_params) = match app.router.at(&parts.method, parts.uri.path()) {
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

    let settings = runtime.settings();
    let body = match read_body(body, &parts.headers, settings.max_body_bytes).await {
        Ok(body) => body,
        Err(status) => return respond::status(status),
    };
    let query = parts.uri.query().unwrap_or("");
    let request_parts = RequestParts {
        path_params: &path_params,
        query,
        headers: &parts.headers,
    };
    let params = match app::validate(&op.params, &request_parts) {
        Ok(params) => params,
        Err(errors) => {
            return respond::json(StatusCode::UNPROCESSABLE_ENTITY, &app::detail(&errors));
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
    let outcome = run(app.clone(), runtime.clone(), op_index, request).await;
    render(&app, op, outcome, settings.request_timeout)
}

/// The guest work of a request. When the operation has teardowns, it runs in a task of its
/// own: a client that leaves drops this future, and the task then stops waiting for the
/// handler but still tears down what was provided, as FastAPI always runs the code after
/// `yield`.
async fn run(
    app: Arc<App>,
    runtime: Arc<Runtime>,
    op_index: usize,
    request: types::Request,
) -> Result<Answer, CallError> {
    if !app.operations[op_index].tears_down {
        return resolve_and_call(&app, &runtime, op_index, request, None).await;
    }
    let (_client, gone) = oneshot::channel::<()>();
    let work = tokio::spawn(async move {
        resolve_and_call(&app, &runtime, op_index, request, Some(gone)).await
    });
    work.await.unwrap_or_else(|panic| {
        Err(CallError::Guest(format_err!(
            "the request panicked: {panic}"
        )))
    })
}

/// Resolves the operation's dependencies, calls it, and runs the teardowns, all under one
/// deadline (teardowns get their own). `gone` resolves when the client has left.
async fn resolve_and_call(
    app: &App,
    runtime: &Runtime,
    op_index: usize,
    request: types::Request,
    gone: Option<oneshot::Receiver<()>>,
) -> Result<Answer, CallError> {
    let op = &app.operations[op_index];
    let deadline = Deadline::after(runtime.settings().request_timeout);
    let mut scope = RequestScope::new(runtime, app, &op.id, deadline);
    let outcome = match scope.resolve(&op.plan, &request).await {
        Ok(Resolution::Ready(deps)) => {
            let component = &app.components[op.component];
            let call = component.handle(runtime.pool(), op.kind, &op.id, request, deps, deadline);
            match gone {
                Some(gone) => tokio::select! {
                    outcome = call => outcome,
                    _ = gone => {
                        tracing::info!(operation = %op.id,
                            "the client left before the answer; tearing down its dependencies");
                        Err(CallError::Guest(format_err!("the client left")))
                    }
                },
                None => call.await,
            }
        }
        // A provider ended the request (a 401, say): its error is the response.
        Ok(Resolution::Rejected(error)) => Ok(Answer::Raised(error)),
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
    app: &App,
    op: &Operation,
    outcome: Result<Answer, CallError>,
    timeout: std::time::Duration,
) -> HttpResponse {
    let component = &app.components[op.component];
    let (name, version) = (&component.spec.name, component.version());
    match outcome {
        Ok(answer) => respond::from_answer(answer).unwrap_or_else(|reason| {
            tracing::error!(component = %name, %version, operation = %op.id,
                "malformed response from the guest: {reason}");
            respond::status(StatusCode::INTERNAL_SERVER_ERROR)
        }),
        Err(CallError::Overloaded) => {
            tracing::warn!(operation = %op.id,
                "no capacity (sync pool and queue, or instance budget, full); answering 503");
            respond::status(StatusCode::SERVICE_UNAVAILABLE)
        }
        Err(CallError::Timeout) => {
            tracing::warn!(component = %name, %version, operation = %op.id,
                "timed out after {timeout:?}");
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
