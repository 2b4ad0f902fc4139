//! One request through the app: route (404, 405 with `Allow`), read the body (413), validate
//! the parameters, resolve the dependencies (skipping those whose parameters failed), call the
//! operation — which lists the failed parameters with its body's errors in one 422, or the host
//! answers that 422 for a guest that does not — tear the dependencies down, and render the
//! answer. Guest failures are logged here with the component, its version
//! and the operation. WebSocket operations leave for `websocket` once routed.

use super::body::{TimedBody, linger};
use super::redirect;
use super::request_id;
use super::respond::{self, Caps, HttpResponse};
use super::scope::{RequestScope, Resolution};
use super::standard;
use super::websocket;
use crate::app::{
    self, App, Operation, Protocol, RequestParts, RouteMatch, Validated, ValidationError,
};
use crate::config::Settings;
use crate::guest::{
    Answer, BodyFault, CallError, Deadline, IncomingBody, Refused, Runtime, Stalled, types,
};
use crate::telemetry::Metrics;
use crate::telemetry::metrics::FailureKind;
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_LENGTH, EXPECT, HeaderValue};
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
    mut req: Request<Incoming>,
    served: &mut Served,
) -> HttpResponse {
    if let Some(mounted) = app.mounted(req.uri().path()) {
        let (component, path) = (mounted.mount.component, mounted.path.to_owned());
        return standard::respond(&app, runtime, component, path, req, served).await;
    }
    let (op_index, route, path_params) = match app.router.at(req.method(), req.uri().path()) {
        RouteMatch::Found {
            target,
            template,
            params,
        } => (*target, template.raw.clone(), params),
        RouteMatch::MethodNotAllowed(allowed) => return method_not_allowed(&allowed),
        RouteMatch::NotFound => {
            let redirect = runtime.settings().redirect_slashes;
            return redirect
                .then(|| redirect::answer(&app.router, &req))
                .flatten()
                .unwrap_or_else(|| respond::status(StatusCode::NOT_FOUND));
        }
    };
    let op = &app.operations[op_index];
    served.operation = Some(op.id.clone());
    served.component = Some(app.components[op.component].spec.name.clone());
    let upgrade = match op.protocol {
        Protocol::WebSocket => match websocket::upgrade(&mut req) {
            Some(upgrade) => Some(upgrade),
            None => return websocket::upgrade_required(),
        },
        Protocol::Http => None,
    };

    let settings = runtime.settings();
    // The request's time starts when its head has arrived: reading the body counts.
    let deadline = Deadline::after(settings.request_timeout);
    // Its outbound calls end with it: when it is answered (or its streamed body is over), or
    // when its client leaves and this future is dropped.
    let outbound_scope = request_id::of(req.headers())
        .map(|id| runtime.request_scopes().open(id, deadline.instant()));
    let (parts, body) = req.into_parts();
    let body = TimedBody::new(body, settings.body_read_timeout);
    let streamed = op.body.as_ref().is_some_and(|body| body.streamed);
    let (bytes, stream) = if streamed {
        match streamed_body(body, &parts.headers, settings.max_body_bytes) {
            Ok(stream) => (Bytes::new(), Some(stream)),
            Err(status) => return refuse_body(status),
        }
    } else {
        let reading = read_body(body, &parts.headers, settings.max_body_bytes);
        match tokio::time::timeout_at(deadline.instant(), reading).await {
            Ok(Ok(bytes)) => (bytes, None),
            Ok(Err(status)) => return refuse_body(status),
            Err(_) => return refuse_body(StatusCode::REQUEST_TIMEOUT),
        }
    };
    if let Some(rule) = &op.body
        && app::too_deep(rule, &parts.headers, &bytes)
    {
        return respond::json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({ "detail": "There was an error parsing the body" }),
        );
    }
    let query = parts.uri.query().unwrap_or("");
    let request_parts = RequestParts {
        path_params: &path_params,
        query,
        headers: &parts.headers,
    };
    let mut params = app::validate(&op.params, &request_parts);
    // A WebSocket session has no 422 to combine errors in: its upgrade is refused with them.
    if upgrade.is_some() && !params.is_valid() {
        let errors = std::mem::take(&mut params).into_result().unwrap_err();
        return respond::json(StatusCode::UNPROCESSABLE_ENTITY, &app::detail(&errors));
    }
    let request = types::Request {
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query: query.to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
            .collect(),
        body: bytes.to_vec(),
        route,
        operation_id: op.id.clone(),
        params: std::mem::take(&mut params.values),
        invalid: Vec::new(),
        provider_errors: Vec::new(),
    };
    if let Some(upgrade) = upgrade {
        return websocket::serve(app.clone(), runtime.clone(), op_index, request, upgrade).await;
    }
    let outcome = run(
        app.clone(),
        runtime.clone(),
        op_index,
        request,
        params,
        stream,
        deadline,
    )
    .await;
    let outcome = match outcome {
        Outcome::BodyRefused(status) => return refuse_body(status),
        Outcome::Called(outcome) => outcome,
    };
    let component = &app.components[op.component].spec.name;
    let outcome = outcome.map(|answer| match answer {
        Answer::Streamed(mut streamed) => {
            streamed.body = streamed
                .body
                .labelled(component, &op.id)
                .holding(outbound_scope);
            Answer::Streamed(streamed)
        }
        other => other,
    });
    render(&app, op, outcome, settings, runtime.metrics())
}

/// A streamed request body and the signal that the host stopped reading it early.
type Stream = (IncomingBody, oneshot::Receiver<Refused>);

/// What a request's guest work came to: the call's outcome, or a streamed body the host
/// stopped reading (too large, or stalled), which ends the call.
enum Outcome {
    Called(Result<Answer, CallError>),
    BodyRefused(StatusCode),
}

/// The guest work of a request. When the operation has teardowns, it runs in a task of its
/// own: a client that leaves drops this future, and the task then stops waiting for the
/// handler but still tears down what was provided, as FastAPI always runs the code after
/// `yield` — after a streamed body is sent, when the body streams.
async fn run(
    app: Arc<App>,
    runtime: Arc<Runtime>,
    op_index: usize,
    request: types::Request,
    params: Validated,
    body: Option<Stream>,
    deadline: Deadline,
) -> Outcome {
    if !app.operations[op_index].tears_down {
        let op = &app.operations[op_index];
        let mut scope = RequestScope::new(&runtime, &app, &op.id, deadline);
        return call(
            &app, &runtime, op, &mut scope, request, &params, body, None, deadline,
        )
        .await;
    }
    let (answer_tx, answer) = oneshot::channel();
    let (_client, gone) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let op = &app.operations[op_index];
        let mut scope = RequestScope::new(&runtime, &app, &op.id, deadline);
        let outcome = call(
            &app,
            &runtime,
            op,
            &mut scope,
            request,
            &params,
            body,
            Some(gone),
            deadline,
        )
        .await;
        match &outcome {
            Outcome::Called(Ok(Answer::Streamed(streamed))) => {
                let mut state = streamed.state.clone();
                let _ = answer_tx.send(outcome);
                // The dependencies serve the body too: tear them down once it is sent.
                let _ = state.wait_for(|state| state.body_done).await;
                scope.teardown().await;
            }
            _ => {
                scope.teardown().await;
                let _ = answer_tx.send(outcome);
            }
        }
    });
    answer.await.unwrap_or_else(|_| {
        Outcome::Called(Err(CallError::Guest(format_err!(
            "the request's task ended without an answer"
        ))))
    })
}

/// Resolves the operation's dependencies and calls it, under `deadline`. `gone` resolves when
/// the client has left; a streamed body that outgrows the limit (or stalls) ends the call.
///
/// Failed parameters do not end the request here: the guest is called with them (and with
/// the errors of the providers they made the host skip), solves what FastAPI would, and
/// answers one 422 that lists them with its body's errors.
#[allow(clippy::too_many_arguments)]
async fn call(
    app: &App,
    runtime: &Runtime,
    op: &Operation,
    scope: &mut RequestScope<'_>,
    mut request: types::Request,
    params: &Validated,
    body: Option<Stream>,
    gone: Option<oneshot::Receiver<()>>,
    deadline: Deadline,
) -> Outcome {
    let outcome = match scope.resolve(&op.plan, &request, params).await {
        Ok(Resolution::Ready(deps, mut provider_errors)) => {
            let invalid = invalid_params(op, params);
            if !op.answers_invalid && (!invalid.is_empty() || !provider_errors.is_empty()) {
                provider_errors.extend(invalid.into_iter().flat_map(|(_, errors)| errors));
                provider_errors.truncate(app::MAX_ERRORS);
                return Outcome::Called(Ok(Answer::Raised(types::HttpError {
                    status: StatusCode::UNPROCESSABLE_ENTITY.as_u16(),
                    detail: serde_json::to_string(&provider_errors)
                        .expect("validation errors serialize"),
                    headers: Vec::new(),
                })));
            }
            request.invalid = invalid
                .into_iter()
                .map(|(name, errors)| types::InvalidParam {
                    name,
                    errors: errors.iter().map(error_text).collect(),
                })
                .collect();
            request.provider_errors = provider_errors.iter().map(error_text).collect();
            let component = &app.components[op.component];
            let (body, mut fault) = match body {
                Some((body, fault)) => (Some(body), Some(fault)),
                None => (None, None),
            };
            let call = component.handle(
                runtime.pool(),
                op.kind,
                &op.id,
                request,
                deps,
                body,
                deadline,
            );
            let refused = |refused: Refused| Outcome::BodyRefused(refusal(refused));
            let faulted = async {
                match fault.as_mut() {
                    Some(signal) => match signal.await {
                        Ok(fault) => fault,
                        Err(_) => std::future::pending().await,
                    },
                    None => std::future::pending().await,
                }
            };
            let gone = async {
                match gone {
                    Some(gone) => {
                        let _ = gone.await;
                    }
                    None => std::future::pending().await,
                }
            };
            let outcome = tokio::select! {
                biased;
                fault = faulted => return refused(fault),
                outcome = call => outcome,
                () = gone => {
                    tracing::info!(operation = %op.id,
                        "the client left before the answer; tearing down its dependencies");
                    Err(CallError::Guest(format_err!("the client left")))
                }
            };
            // A guest that answered at the end of a cut-off body answered too soon.
            if let Some(Ok(fault)) = fault.as_mut().map(|signal| signal.try_recv()) {
                return refused(fault);
            }
            outcome
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
                CallError::Overloaded(_) => {}
            }
            Err(failure.error)
        }
    };
    Outcome::Called(outcome)
}

/// The operation's own parameters that failed, with their errors, in the order FastAPI lists
/// them: path, query, header, then cookie parameters, each in declaration order.
fn invalid_params(op: &Operation, params: &Validated) -> Vec<(String, Vec<ValidationError>)> {
    let mut own: Vec<&app::ParamRule> = op.params[..op.own_params].iter().collect();
    own.sort_by_key(|param| param.location);
    own.into_iter()
        .filter_map(|param| {
            let errors = params.errors_of(&param.name)?;
            Some((param.name.clone(), errors.to_vec()))
        })
        .collect()
}

fn error_text(error: &ValidationError) -> String {
    serde_json::to_string(error).expect("a validation error serializes")
}

/// The HTTP response for an outcome; failures are logged with the component and operation.
pub fn render(
    app: &App,
    op: &Operation,
    outcome: Result<Answer, CallError>,
    settings: &Settings,
    metrics: &Metrics,
) -> HttpResponse {
    let caps = Caps {
        body_bytes: settings.max_response_bytes,
        headers: settings.max_response_headers,
    };
    match outcome {
        Ok(answer) => respond::from_answer(answer, caps)
            .unwrap_or_else(|reason| malformed(app, op.component, &op.id, &reason, metrics)),
        Err(error) => failure(app, op.component, &op.id, error, settings, metrics),
    }
}

/// 500 for an answer the host cannot send, logged and counted.
pub fn malformed(
    app: &App,
    component: usize,
    operation: &str,
    reason: &str,
    metrics: &Metrics,
) -> HttpResponse {
    let component = &app.components[component];
    let (name, version) = (&component.spec.name, component.version());
    tracing::error!(component = %name, %version, %operation,
        "malformed response from the guest: {reason}");
    metrics.failure(name, operation, FailureKind::Malformed);
    respond::status(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The answer to a call of `operation` of `component` that failed, logged and counted: 503,
/// 504 or 500.
pub fn failure(
    app: &App,
    component: usize,
    operation: &str,
    error: CallError,
    settings: &Settings,
    metrics: &Metrics,
) -> HttpResponse {
    let timeout = settings.request_timeout;
    let component = &app.components[component];
    let (name, version) = (&component.spec.name, component.version());
    let failed = |kind| metrics.failure(name, operation, kind);
    match error {
        CallError::Overloaded(shortage) => {
            tracing::warn!(%operation, "answering 503: {shortage}");
            failed(FailureKind::Overloaded);
            respond::status(StatusCode::SERVICE_UNAVAILABLE)
        }
        CallError::Timeout => {
            tracing::warn!(component = %name, %version, %operation,
                "timed out after {timeout:?}");
            failed(FailureKind::Timeout);
            respond::status(StatusCode::GATEWAY_TIMEOUT)
        }
        CallError::Guest(err) => {
            failed(FailureKind::Trap);
            // One line with the cause for operators; the wasm backtrace at debug level.
            tracing::error!(component = %name, %version, %operation,
                "guest failed: {}", err.root_cause());
            tracing::debug!(component = %name, %operation, "guest failure report: {err:?}");
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

/// The status for a request body the host stopped reading; the rest of a body too large is
/// still read off the connection while the answer goes out.
pub fn refusal(refused: Refused) -> StatusCode {
    match refused.fault {
        BodyFault::TooLarge => {
            linger(refused.rest);
            StatusCode::PAYLOAD_TOO_LARGE
        }
        // A stalled client sends nothing more to wait for.
        BodyFault::Stalled => StatusCode::REQUEST_TIMEOUT,
    }
}

/// The answer to a body the host stopped reading: 413 or 408 close the connection, whose
/// unread rest would otherwise be taken for the next request; 400 when the client broke off.
pub fn refuse_body(status: StatusCode) -> HttpResponse {
    let mut response = respond::status(status);
    if status != StatusCode::BAD_REQUEST {
        response
            .headers_mut()
            .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// 413 before reading a body whose declared length is past `limit`; else the body, to read.
/// A client may be sending that body already: it is drained while the 413 is sent, unless
/// the client waits for `100 Continue`, which reading would send it.
pub fn check_declared_length(
    body: TimedBody,
    headers: &hyper::HeaderMap,
    limit: u64,
) -> Result<TimedBody, StatusCode> {
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_none_or(|length| length <= limit) {
        return Ok(body);
    }
    let waits = headers
        .get(EXPECT)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    if !waits {
        linger(body);
    }
    Err(StatusCode::PAYLOAD_TOO_LARGE)
}

/// Reads the body up to `limit` bytes: 413 past it (before reading, when Content-Length says
/// so), 408 when the client stalls, 400 when it breaks off.
async fn read_body(
    body: TimedBody,
    headers: &hyper::HeaderMap,
    limit: u64,
) -> Result<Bytes, StatusCode> {
    let mut body = check_declared_length(body, headers, limit)?;
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut pieces: Vec<Bytes> = Vec::new();
    let mut read = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(err) if err.is::<Stalled>() => return Err(StatusCode::REQUEST_TIMEOUT),
            Err(_) => return Err(StatusCode::BAD_REQUEST),
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        read += data.len();
        if read > limit {
            linger(body);
            return Err(StatusCode::PAYLOAD_TOO_LARGE);
        }
        pieces.push(data);
    }
    // Most bodies come in one piece: it is the body, uncopied.
    Ok(match pieces.len() {
        1 => pieces.swap_remove(0),
        _ => pieces.concat().into(),
    })
}

/// The body as a stream for the guest, held to `limit` as it flows.
fn streamed_body(
    body: TimedBody,
    headers: &hyper::HeaderMap,
    limit: u64,
) -> Result<Stream, StatusCode> {
    let body = check_declared_length(body, headers, limit)?;
    let (fault, signal) = oneshot::channel();
    Ok((IncomingBody::new(body.boxed(), limit, fault), signal))
}
