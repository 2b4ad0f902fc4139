//! The one HTTP client every component's outbound requests go through: HTTP/1.1 and HTTP/2
//! (negotiated with ALPN), TLS with the system's root certificates, connections kept and
//! reused across requests and components (a connection is keyed by its origin, so what one
//! component may reach is never decided by the pool).
//!
//! Names are resolved by [`Resolver`], which refuses a name that resolves to a loopback or
//! link-local address unless the name is `localhost`: the allow-list decides on names, and a
//! name must not smuggle a request to the host itself or to a cloud metadata service.

use crate::config::is_local_address;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use wasmtime_wasi_http::WasiBody;

/// The pooled client, shared by the whole host.
pub type Client = HyperClient<HttpsConnector<HttpConnector<Resolver>>, WasiBody>;

/// How long a kept connection may sit unused before it is closed.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// Connections kept per origin while idle.
const IDLE_CONNECTIONS_PER_ORIGIN: usize = 64;

/// A client whose connections take at most `connect_timeout` to open (TCP and TLS).
pub fn build(connect_timeout: Duration) -> Client {
    let mut http = HttpConnector::new_with_resolver(Resolver);
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(connect_timeout));
    let tls = match HttpsConnectorBuilder::new().with_native_roots() {
        Ok(builder) => builder,
        Err(err) => {
            tracing::warn!(
                "no system root certificates ({err}); outbound HTTPS requests will fail \
                 certificate checks (install the `ca-certificates` package)"
            );
            let empty = rustls::ClientConfig::builder()
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            HttpsConnectorBuilder::new().with_tls_config(empty)
        }
    };
    let connector = tls
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    HyperClient::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .pool_idle_timeout(IDLE_CONNECTION_TIMEOUT)
        .pool_max_idle_per_host(IDLE_CONNECTIONS_PER_ORIGIN)
        .build(connector)
}

/// Name resolution with the system resolver, refusing names that lead to local addresses.
#[derive(Debug, Clone, Copy)]
pub struct Resolver;

/// What the refusal of a local address looks like to the connector.
pub const LOCAL_ADDRESS_REFUSED: &str = "resolves to a loopback or link-local address";

impl tower_service::Service<Name> for Resolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Self::Response>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let localhost = host == "localhost" || host.ends_with(".localhost");
            let allowed: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|addr| is_local_address(addr.ip()) == localhost)
                .collect();
            if allowed.is_empty() && !addrs.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    format!(
                        "`{host}` {LOCAL_ADDRESS_REFUSED}; name the address itself in `allowed_outbound_hosts`"
                    ),
                ));
            }
            Ok(allowed.into_iter())
        })
    }
}
