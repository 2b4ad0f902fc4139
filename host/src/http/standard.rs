//! Requests under a standard wasi:http component's prefix: the component sees the path with
//! its prefix taken off (`/legacy/items/1` → `/items/1`, as `wasmtime serve` would give it)
//! and `x-forwarded-prefix: /legacy` to build links with; the request body is held to the same
//! size and pace limits as any other, the call to the request's deadline, and a failure is
//! logged and answered as any component's is.

use super::body::TimedBody;
use super::pipeline::{self, Served};
use super::request_id;
use super::respond::{HttpResponse, ResponseBody};
use crate::app::App;
use crate::guest::{
    BodyError, BodyFault, Deadline, OpenScope, Refused, Runtime, Stalled, StandardResponse,
};
use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::header::{HOST, HeaderName, HeaderValue};
use hyper::{Request, StatusCode, Uri};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::oneshot;
use wasmtime_wasi_http::Error as WasiHttpError;

/// Tells a mounted component where it is mounted.
const FORWARDED_PREFIX: HeaderName = HeaderName::from_static("x-forwarded-prefix");

/// What the access log and the metrics name a mounted component's requests: it has no
/// operations of its own.
pub const OPERATION: &str = "*";

/// Answers `req`, which is under the prefix of the standard component `component`, whose own
/// path for it is `path`.
pub async fn respond(
    app: &Arc<App>,
    runtime: &Arc<Runtime>,
    component: usize,
    path: String,
    req: Request<Incoming>,
    served: &mut Served,
) -> HttpResponse {
    let mounted = &app.components[component];
    let prefix = &mounted.spec.prefix;
    served.component = Some(mounted.spec.name.clone());
    served.operation = Some(OPERATION.to_owned());
    let Some(standard) = mounted.as_standard() else {
        return super::respond::status(StatusCode::INTERNAL_SERVER_ERROR);
    };
    let settings = runtime.settings();
    let deadline = Deadline::after(settings.request_timeout);
    let request_id = request_id::of(req.headers()).map(str::to_owned);
    let scope = request_id
        .as_deref()
        .map(|id| runtime.request_scopes().open(id, deadline.instant()));
    let (mut parts, body) = req.into_parts();
    let Some(uri) = own_uri(&parts.uri, &parts.headers, &path) else {
        return super::respond::status(StatusCode::BAD_REQUEST);
    };
    parts.uri = uri;
    // Only the host says where a component is mounted.
    parts.headers.remove(&FORWARDED_PREFIX);
    if let Ok(value) = HeaderValue::from_str(prefix) {
        parts.headers.insert(FORWARDED_PREFIX, value);
    }
    let body = TimedBody::new(body, settings.body_read_timeout);
    let body = match pipeline::check_declared_length(body, &parts.headers, settings.max_body_bytes)
    {
        Ok(body) => body,
        Err(status) => return pipeline::refuse_body(status),
    };
    let (fault, refused) = oneshot::channel();
    let body = LimitedBody {
        body: body.boxed(),
        limit: settings.max_body_bytes,
        read: 0,
        fault: Some(fault),
    };
    let request = Request::from_parts(parts, body);
    let call = standard.handle(request, request_id.as_deref(), deadline);
    let outcome = tokio::select! {
        biased;
        Ok(refused) = refused => return pipeline::refuse_body(pipeline::refusal(refused)),
        outcome = call => outcome,
    };
    match outcome {
        Ok(response) => {
            answer(response, scope, settings.max_response_headers).unwrap_or_else(|reason| {
                pipeline::malformed(app, component, OPERATION, &reason, runtime.metrics())
            })
        }
        Err(error) => pipeline::failure(
            app,
            component,
            OPERATION,
            error,
            settings,
            runtime.metrics(),
        ),
    }
}

/// The absolute URI the component sees: the client's scheme-less request target, its
/// authority from `Host`, and the path under the prefix.
fn own_uri(uri: &Uri, headers: &hyper::HeaderMap, path: &str) -> Option<Uri> {
    let authority = match uri.authority() {
        Some(authority) => authority.as_str().to_owned(),
        None => headers.get(HOST)?.to_str().ok()?.to_owned(),
    };
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    Uri::builder()
        .scheme(uri.scheme_str().unwrap_or("http"))
        .authority(authority)
        .path_and_query(path_and_query)
        .build()
        .ok()
}

/// The component's answer as the host sends it; `Err` says what is malformed.
fn answer(
    response: StandardResponse,
    scope: Option<OpenScope>,
    max_headers: usize,
) -> Result<HttpResponse, String> {
    if response.headers().len() > max_headers {
        return Err(format!(
            "{} headers, more than `max_response_headers` ({max_headers})",
            response.headers().len()
        ));
    }
    Ok(response.map(|body| {
        ResponseBody::Standard(StandardBody {
            body,
            _scope: scope,
        })
    }))
}

/// A request body held to `limit` bytes as the component reads it; past them, or when the
/// client stalls, it fails and `fault` says why, handing over the unread rest.
struct LimitedBody {
    body: BoxBody<Bytes, BodyError>,
    limit: u64,
    read: u64,
    fault: Option<oneshot::Sender<Refused>>,
}

impl LimitedBody {
    fn fail(
        &mut self,
        fault: BodyFault,
        error: WasiHttpError,
    ) -> Poll<Option<Result<Frame<Bytes>, WasiHttpError>>> {
        if let Some(signal) = self.fault.take() {
            let empty = http_body_util::Empty::new().map_err(|never| match never {});
            let rest = std::mem::replace(&mut self.body, empty.boxed());
            let _ = signal.send(Refused { fault, rest });
        }
        Poll::Ready(Some(Err(error)))
    }
}

impl Body for LimitedBody {
    type Data = Bytes;
    type Error = WasiHttpError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, WasiHttpError>>> {
        let this = &mut *self;
        match std::task::ready!(Pin::new(&mut this.body).poll_frame(cx)) {
            Some(Ok(frame)) => {
                this.read += frame.data_ref().map_or(0, |data| data.len() as u64);
                if this.read > this.limit {
                    return this.fail(
                        BodyFault::TooLarge,
                        WasiHttpError::HttpRequestBodySize(Some(this.read)),
                    );
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Some(Err(err)) if err.is::<Stalled>() => {
                this.fail(BodyFault::Stalled, WasiHttpError::ConnectionReadTimeout)
            }
            Some(Err(err)) => Poll::Ready(Some(Err(WasiHttpError::InternalError(Some(
                err.to_string(),
            ))))),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A standard component's response body, as it writes it; the request's outbound calls last
/// as long as it does.
pub struct StandardBody {
    body: wasmtime_wasi_http::WasiBody,
    _scope: Option<OpenScope>,
}

impl Body for StandardBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        Pin::new(&mut self.body)
            .poll_frame(cx)
            .map_err(|err| BodyError::from(err.to_string()))
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
