//! `fastwasm:app/outbound` and `async-outbound`: whole-body requests for the SDKs' clients,
//! sent through [`Outbound::send`] like every `wasi:http` request.

use super::{CANCELLED, Outbound, describe};
use crate::guest::bindings::{async_outbound, outbound};
use crate::guest::capabilities::GuestState;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{CONNECTION, CONTENT_LENGTH, HOST, HeaderName, HeaderValue, TRANSFER_ENCODING};
use outbound::{ErrorKind, OutboundError, OutboundRequest, OutboundResponse};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Accessor, HasSelf};
use wasmtime_wasi_http::Error;

type Answer = Result<OutboundResponse, OutboundError>;

impl outbound::Host for GuestState {
    async fn send(&mut self, request: OutboundRequest) -> wasmtime::Result<Answer> {
        let (outbound, serving) = (
            self.http_hooks.outbound().clone(),
            self.http_hooks.serving.clone(),
        );
        Ok(send(outbound, serving, request).await)
    }
}

impl async_outbound::Host for GuestState {}

impl<T: Send> async_outbound::HostWithStore<T> for HasSelf<GuestState> {
    async fn send(
        accessor: &Accessor<T, Self>,
        request: OutboundRequest,
    ) -> wasmtime::Result<Answer> {
        let (outbound, serving) = accessor.with(|mut access| {
            let hooks = &access.get().http_hooks;
            (hooks.outbound().clone(), hooks.serving.clone())
        });
        Ok(send(outbound, serving, request).await)
    }
}

/// Sends one whole request and reads its whole response.
async fn send(
    outbound: Arc<Outbound>,
    serving: Option<Arc<str>>,
    request: OutboundRequest,
) -> Answer {
    let OutboundRequest {
        method,
        url,
        headers,
        body,
        timeout_ms,
        request_id,
    } = request;
    let failed = |kind: ErrorKind, why: String| OutboundError {
        kind,
        message: format!("{method} {url}: {why}"),
    };
    let timeout = timeout_ms.map(Duration::from_millis);
    let request_id = request_id.map(Arc::<str>::from).or(serving);
    let http_request = match to_http(&method, &url, &headers, body) {
        Ok(http_request) => http_request,
        Err(why) => return Err(failed(ErrorKind::InvalidRequest, why)),
    };
    let exchange = async {
        let response = outbound
            .send(http_request, None, request_id.as_deref())
            .await?;
        let (parts, body) = response.into_parts();
        let body = body.collect().await?.to_bytes();
        Ok::<_, Error>((parts, body))
    };
    let outcome = match timeout {
        Some(timeout) => match tokio::time::timeout(timeout, exchange).await {
            Ok(outcome) => outcome,
            Err(_) => {
                return Err(failed(
                    ErrorKind::Timeout,
                    format!("no whole response within the call's timeout ({timeout:?})"),
                ));
            }
        },
        None => exchange.await,
    };
    match outcome {
        Ok((parts, body)) => Ok(OutboundResponse {
            status: parts.status.as_u16(),
            headers: parts
                .headers
                .iter()
                .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
                .collect(),
            body: body.to_vec(),
        }),
        Err(err) => Err(failed(kind(&err), describe(&err))),
    }
}

/// The guest's request as the client sends it; `Err` says what is malformed.
fn to_http(
    method: &str,
    url: &str,
    headers: &[(String, Vec<u8>)],
    body: Vec<u8>,
) -> Result<http::Request<wasmtime_wasi_http::WasiBody>, String> {
    let method = http::Method::from_bytes(method.as_bytes())
        .map_err(|_| format!("`{method}` is not an HTTP method"))?;
    let uri: http::Uri = url.parse().map_err(|err| format!("not a URL: {err}"))?;
    if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
        return Err("not an absolute http or https URL".into());
    }
    let mut builder = http::Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a header name"))?;
        // Framing and the connection are the client's business.
        if [CONNECTION, CONTENT_LENGTH, HOST, TRANSFER_ENCODING].contains(&name) {
            continue;
        }
        let value = HeaderValue::from_bytes(value)
            .map_err(|_| format!("the value of `{name}` is not a header value"))?;
        builder = builder.header(name, value);
    }
    let body = Full::new(Bytes::from(body))
        .map_err(|never| match never {})
        .boxed_unsync();
    builder.body(body).map_err(|err| err.to_string())
}

/// The SDK-facing kind of an outbound failure.
fn kind(err: &Error) -> ErrorKind {
    match err {
        Error::HttpRequestDenied | Error::DestinationIpProhibited => ErrorKind::Denied,
        Error::HttpRequestUriInvalid | Error::HttpRequestMethodInvalid => ErrorKind::InvalidRequest,
        Error::ConnectionTimeout
        | Error::HttpResponseTimeout
        | Error::ConnectionReadTimeout
        | Error::ConnectionLimitReached => ErrorKind::Timeout,
        Error::HttpResponseBodySize(_) => ErrorKind::TooLarge,
        Error::InternalError(Some(message)) if message == CANCELLED => ErrorKind::Cancelled,
        Error::ConnectionRefused
        | Error::Connect(_)
        | Error::Tls(_)
        | Error::DnsError { .. }
        | Error::DnsTimeout
        | Error::DestinationNotFound
        | Error::DestinationUnavailable
        | Error::TlsProtocolError
        | Error::TlsCertificateError
        | Error::TlsAlertReceived { .. } => ErrorKind::Connect,
        _ => ErrorKind::Protocol,
    }
}
