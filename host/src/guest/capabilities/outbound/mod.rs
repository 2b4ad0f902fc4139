//! Outbound HTTP: what a component sends to other services, through `wasi:http` (0.2's
//! `outgoing-handler` and 0.3's `client`, from wasmtime-wasi-http) or through the SDKs'
//! `fastwasm:app/outbound` interface. Both end in [`Outbound::send`], the one place that
//! decides: the origin must be in the component's `allowed_outbound_hosts` (denied by
//! default), the component may have `outbound_max_in_flight` calls at once, the incoming
//! request's id is forwarded, and the call is held to the outbound timeouts, the response size
//! limit and the deadline of the request that made it — and is cancelled when that request ends.

mod body;
mod client;
mod interface;
mod scopes;
mod wasi_http;

pub use client::Client;
pub use scopes::{OpenScope, RequestScopes};
pub use wasi_http::HttpHooks;

use crate::config::{AllowedOutbound, Settings, default_port};
use crate::telemetry::Metrics;
use body::GuardedBody;
use http_body_util::BodyExt;
use hyper::header::{CONTENT_LENGTH, HeaderName, HeaderValue};
use scopes::RequestScope;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

/// What a call that its request outlived fails with.
pub const CANCELLED: &str = "cancelled: the request that made this call ended";

/// The header that carries a request's id, in and out.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the host's outbound side shares: the pooled client and the requests in flight.
#[derive(Clone)]
pub struct OutboundHost {
    client: Client,
    scopes: Arc<RequestScopes>,
}

impl OutboundHost {
    /// A client under the outbound settings.
    pub fn new(settings: &Settings) -> anyhow::Result<Self> {
        let ca_file = settings.outbound_ca_file.as_deref();
        Ok(Self {
            client: client::build(settings.outbound_connect_timeout, ca_file)?,
            scopes: Arc::new(RequestScopes::default()),
        })
    }

    /// The requests in flight, for the HTTP side to register each one.
    pub fn scopes(&self) -> &Arc<RequestScopes> {
        &self.scopes
    }
}

/// The timeouts and sizes an outbound call is held to.
#[derive(Debug, Clone, Copy)]
struct Limits {
    first_byte: Duration,
    between_bytes: Duration,
    max_response_bytes: u64,
    /// Bounds a call no request scope covers.
    request_timeout: Duration,
}

/// One component's outbound side: its allow-list and its calls in flight.
pub struct Outbound {
    component: Arc<str>,
    allowed: AllowedOutbound,
    limits: Limits,
    in_flight: Arc<Semaphore>,
    host: OutboundHost,
    metrics: Arc<Metrics>,
}

impl Outbound {
    /// The outbound side of `component`, which may reach what `allowed` lists; its calls are
    /// counted in `metrics`.
    pub fn new(
        component: &str,
        allowed: AllowedOutbound,
        settings: &Settings,
        host: OutboundHost,
        metrics: Arc<Metrics>,
    ) -> Arc<Self> {
        Arc::new(Self {
            component: component.into(),
            allowed,
            limits: Limits {
                first_byte: settings.outbound_first_byte_timeout,
                between_bytes: settings.outbound_between_bytes_timeout,
                max_response_bytes: settings.outbound_max_response_bytes,
                request_timeout: settings.request_timeout,
            },
            in_flight: Arc::new(Semaphore::new(settings.outbound_max_in_flight)),
            host,
            metrics,
        })
    }

    /// The scope of the request `id` names, or one that only bounds the call by the request
    /// timeout when no request in flight has that id.
    fn scope(&self, id: Option<&str>) -> RequestScope {
        id.and_then(|id| self.host.scopes.find(id))
            .unwrap_or_else(|| RequestScope {
                id: id.unwrap_or("").into(),
                deadline: Instant::now() + self.limits.request_timeout,
                ended: CancellationToken::new(),
            })
    }

    /// Sends `request` for the request `request_id` names, under the component's allow-list
    /// and the outbound limits (`options` may shorten the timeouts, not lengthen them).
    pub async fn send(
        self: Arc<Self>,
        mut request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        request_id: Option<&str>,
    ) -> Result<http::Response<WasiBody>, Error> {
        let scope = self.scope(request_id);
        // A call no request names (raw `wasi:http` on a shared instance) logs `-`.
        let logged_id = if scope.id.is_empty() { "-" } else { &scope.id };
        let uri = request.uri().clone();
        let url = uri.to_string();
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
            return Err(Error::HttpRequestUriInvalid);
        };
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or_else(|| default_port(scheme));
        if !self.allowed.allows(scheme, &host, port) {
            tracing::warn!(
                component = %self.component, request_id = %logged_id,
                "outbound request to {url} denied: its origin is not in `allowed_outbound_hosts`"
            );
            self.metrics
                .outbound(&self.component, "denied", Duration::ZERO);
            return Err(Error::HttpRequestDenied);
        }
        if !scope.id.is_empty()
            && let Ok(value) = HeaderValue::from_str(&scope.id)
        {
            request.headers_mut().insert(REQUEST_ID, value);
        }
        let first_byte = shortest(
            self.limits.first_byte,
            options.and_then(|o| o.first_byte_timeout),
        );
        let between_bytes = shortest(
            self.limits.between_bytes,
            options.and_then(|o| o.between_bytes_timeout),
        );
        let started = std::time::Instant::now();
        let outcome = self
            .exchange(request, &scope, first_byte, between_bytes)
            .await;
        let took = started.elapsed();
        match &outcome {
            Ok(response) => {
                let status = response.status();
                self.metrics
                    .outbound(&self.component, status.as_str(), took);
                tracing::debug!(
                    component = %self.component, request_id = %logged_id,
                    "outbound {url} answered {status} in {took:.2?}"
                );
            }
            Err(err) => {
                self.metrics.outbound(&self.component, failure(err), took);
                tracing::warn!(
                    component = %self.component, request_id = %logged_id,
                    "outbound request to {url} failed after {took:.2?}: {}", describe(err)
                );
            }
        }
        outcome
    }

    /// Takes a place among the component's calls, sends, and waits for the response's head.
    async fn exchange(
        &self,
        request: http::Request<WasiBody>,
        scope: &RequestScope,
        first_byte: Duration,
        between_bytes: Duration,
    ) -> Result<http::Response<WasiBody>, Error> {
        let cancelled = || Error::InternalError(Some(CANCELLED.into()));
        let place = tokio::select! {
            place = self.in_flight.clone().acquire_owned() => place.map_err(|_| cancelled())?,
            () = tokio::time::sleep_until(scope.deadline) => return Err(Error::ConnectionLimitReached),
            () = scope.ended.cancelled() => return Err(cancelled()),
        };
        let head_by = scope.deadline.min(Instant::now() + first_byte);
        let response = tokio::select! {
            response = self.host.client.request(request) => response.map_err(client_error)?,
            () = tokio::time::sleep_until(head_by) => return Err(Error::HttpResponseTimeout),
            () = scope.ended.cancelled() => return Err(cancelled()),
        };
        let limit = self.limits.max_response_bytes;
        let declared = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<u64>().ok());
        if declared.is_some_and(|length| length > limit) {
            return Err(Error::HttpResponseBodySize(declared));
        }
        Ok(response
            .map(|body| GuardedBody::new(body, limit, between_bytes, scope, place).boxed_unsync()))
    }
}

fn shortest(limit: Duration, asked: Option<Duration>) -> Duration {
    asked.map_or(limit, |asked| asked.min(limit))
}

/// The client's failure as the `wasi:http` error the guest sees.
fn client_error(err: hyper_util::client::legacy::Error) -> Error {
    use std::error::Error as _;
    if err.is_connect() {
        let mut source = err.source();
        while let Some(cause) = source {
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                return match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => Error::ConnectionRefused,
                    std::io::ErrorKind::TimedOut => Error::ConnectionTimeout,
                    std::io::ErrorKind::PermissionDenied => Error::DestinationIpProhibited,
                    _ if io.to_string().contains("failed to lookup")
                        || io.to_string().contains("Name or service") =>
                    {
                        Error::DnsError {
                            rcode: Some(io.to_string()),
                            info_code: None,
                        }
                    }
                    _ => Error::Connect(std::io::Error::new(io.kind(), io.to_string())),
                };
            }
            if cause.to_string().contains("timed out") {
                return Error::ConnectionTimeout;
            }
            source = cause.source();
        }
        return Error::ConnectionRefused;
    }
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(hyper) = cause.downcast_ref::<hyper::Error>()
            && hyper.is_incomplete_message()
        {
            return Error::HttpResponseIncomplete;
        }
        source = cause.source();
    }
    Error::InternalError(Some(format!("{err:#}")))
}

/// An outbound failure in one word, for the metrics.
fn failure(err: &Error) -> &'static str {
    match err {
        Error::HttpRequestDenied | Error::DestinationIpProhibited => "denied",
        Error::ConnectionRefused => "refused",
        Error::ConnectionTimeout
        | Error::HttpResponseTimeout
        | Error::ConnectionReadTimeout
        | Error::ConnectionLimitReached => "timeout",
        Error::InternalError(Some(message)) if message == CANCELLED => "cancelled",
        _ => "error",
    }
}

/// An outbound failure in words, for the log and for the SDKs' errors.
pub fn describe(err: &Error) -> String {
    match err {
        Error::HttpRequestDenied => {
            "denied: the origin is not in the component's `allowed_outbound_hosts`".into()
        }
        Error::DestinationIpProhibited => format!("denied: the name {}", client::LOCAL_ADDRESS_REFUSED),
        Error::ConnectionRefused => "the connection was refused".into(),
        Error::ConnectionTimeout => "connecting timed out (`outbound_connect_timeout`)".into(),
        Error::HttpResponseTimeout => "no response in time (`outbound_first_byte_timeout`, or the request's deadline)".into(),
        Error::ConnectionReadTimeout => "the response body paused too long (`outbound_between_bytes_timeout`)".into(),
        Error::HttpResponseBodySize(Some(size)) => format!(
            "the response body is larger than `outbound_max_response_bytes` ({size} bytes or more)"
        ),
        Error::ConnectionLimitReached => "no place among the component's outbound calls in flight (`outbound_max_in_flight`) before the deadline".into(),
        Error::HttpRequestUriInvalid => "the URL is not an absolute http or https URL".into(),
        Error::HttpResponseIncomplete => "the connection ended before the response was complete".into(),
        Error::InternalError(Some(message)) => message.clone(),
        other => other.to_string(),
    }
}
