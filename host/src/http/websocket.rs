//! WebSocket operations over HTTP/1.1: the upgrade request is checked, validated and its
//! dependencies resolved like any other; then the guest is called with the connection, and
//! the HTTP side waits for its decision — `101 Switching Protocols` once it accepts, or the
//! answer it gave by returning first (its `http-error`, or 403 as Starlette answers a socket
//! closed before it was accepted). The session then runs on until the guest returns, and its
//! dependencies are torn down after.

use super::pipeline::render;
use super::respond::{self, HttpResponse, ResponseBody};
use super::scope::{RequestScope, Resolution};
use crate::app::{App, Validated};
use crate::guest::{
    Accepted, Answer, CallError, Deadline, Runtime, Session, WebSocketLimits, types,
};
use hyper::body::Incoming;
use hyper::header::{
    CONNECTION, HeaderMap, HeaderName, HeaderValue, SEC_WEBSOCKET_ACCEPT, SEC_WEBSOCKET_KEY,
    SEC_WEBSOCKET_PROTOCOL, SEC_WEBSOCKET_VERSION, UPGRADE,
};
use hyper::upgrade::OnUpgrade;
use hyper::{Request, Response, StatusCode};
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

/// What the handshake needs from the upgrade request.
pub struct Upgrade {
    on_upgrade: OnUpgrade,
    accept_key: String,
}

/// Checks that `req` asks for a WebSocket (RFC 6455 §4.2.1) and takes its connection's upgrade;
/// `None` when it does not (answer [`upgrade_required`]).
pub fn upgrade(req: &mut Request<Incoming>) -> Option<Upgrade> {
    let headers = req.headers();
    let has_token = |name, token| has_token(headers, name, token);
    let key = headers
        .get(SEC_WEBSOCKET_KEY)
        .map(|key| key.as_bytes().to_vec());
    let asks = has_token(UPGRADE, "websocket")
        && has_token(CONNECTION, "upgrade")
        && headers
            .get(SEC_WEBSOCKET_VERSION)
            .is_some_and(|v| v == "13");
    let key = key.filter(|_| asks)?;
    Some(Upgrade {
        on_upgrade: hyper::upgrade::on(req),
        accept_key: derive_accept_key(&key),
    })
}

/// Whether `req` asks to become a WebSocket (`Upgrade: websocket`), well formed or not.
pub fn asks_for_websocket<B>(req: &Request<B>) -> bool {
    has_token(req.headers(), UPGRADE, "websocket")
}

/// Whether a comma-separated header `name` lists `token`, in any case.
fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers.get_all(name).iter().any(|value| {
        value.to_str().is_ok_and(|v| {
            v.split(',')
                .any(|part| part.trim().eq_ignore_ascii_case(token))
        })
    })
}

/// 426 with `Upgrade: websocket`: the answer to a plain request on a WebSocket route.
pub fn upgrade_required() -> HttpResponse {
    let mut refusal = respond::status(StatusCode::UPGRADE_REQUIRED);
    let headers = refusal.headers_mut();
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
    refusal
}

/// Runs the operation for the validated upgrade `request` and answers the handshake.
pub async fn serve(
    app: Arc<App>,
    runtime: Arc<Runtime>,
    op_index: usize,
    request: types::Request,
    upgrade: Upgrade,
) -> HttpResponse {
    let settings = runtime.settings();
    let limits = WebSocketLimits {
        max_message_bytes: settings.websocket_max_message_bytes,
        idle_timeout: settings.websocket_idle_timeout,
        messages_per_second: settings.websocket_messages_per_second,
    };
    let component = &app.components[app.operations[op_index].component];
    let (session, accepted) = Session::new(
        upgrade.on_upgrade,
        limits,
        component.websocket_closer(),
        runtime.websocket_token(),
    );
    let (ended_tx, ended) = oneshot::channel();
    let task = {
        let (app, runtime) = (app.clone(), runtime.clone());
        async move {
            let op = &app.operations[op_index];
            let deadline = Deadline::after(runtime.settings().request_timeout);
            let mut scope = RequestScope::new(&runtime, &app, &op.id, deadline);
            let outcome = match scope
                .resolve(&op.plan, &request, &Validated::default())
                .await
            {
                Ok(Resolution::Ready(deps, _)) => {
                    let component = &app.components[op.component];
                    component
                        .serve_websocket(request, deps, session, deadline)
                        .await
                }
                Ok(Resolution::Rejected(error)) => Ok(Err(error)),
                Err(failure) => Err(failure.error),
            };
            scope.teardown().await;
            let _ = ended_tx.send(outcome);
        }
    };
    tokio::spawn(task);
    let op = &app.operations[op_index];
    tokio::select! {
        Ok(Accepted { subprotocol }) = accepted => switching_protocols(&upgrade.accept_key, subprotocol),
        ended = ended => {
            let outcome = match ended {
                // Returned without accepting: refused, as Starlette refuses a socket closed
                // before `accept`.
                Ok(Ok(Ok(()))) => Ok(Answer::Raised(types::HttpError {
                    status: StatusCode::FORBIDDEN.as_u16(),
                    detail: "\"Forbidden\"".into(),
                    headers: Vec::new(),
                })),
                Ok(Ok(Err(error))) => Ok(Answer::Raised(error)),
                Ok(Err(error)) => Err(error),
                Err(_) => Err(CallError::Guest(wasmtime::format_err!(
                    "the WebSocket task ended without an answer"
                ))),
            };
            render(&app, op, outcome, settings, runtime.metrics())
        }
    }
}

/// The `101` that completes the handshake.
fn switching_protocols(accept_key: &str, subprotocol: Option<String>) -> HttpResponse {
    let mut response = Response::new(ResponseBody::empty());
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(UPGRADE, HeaderValue::from_static("websocket"));
    headers.insert(CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(accept) = HeaderValue::from_str(accept_key) {
        headers.insert(SEC_WEBSOCKET_ACCEPT, accept);
    }
    if let Some(protocol) = subprotocol.and_then(|p| HeaderValue::from_str(&p).ok()) {
        headers.insert(SEC_WEBSOCKET_PROTOCOL, protocol);
    }
    response
}
