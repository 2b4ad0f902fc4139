//! The one HTTP client every component's outbound requests go through: HTTP/1.1 and HTTP/2
//! (negotiated with ALPN), TLS (rustls) with the system's root certificates and any in
//! `outbound_ca_file`, connections kept and
//! reused across requests and components (a connection is keyed by its origin, so what one
//! component may reach is never decided by the pool).
//!
//! Names are resolved by [`Resolver`], which refuses a name that resolves to a loopback or
//! link-local address unless the name is `localhost`: the allow-list decides on names, and a
//! name must not smuggle a request to the host itself or to a cloud metadata service.

use crate::config::is_local_address;
use anyhow::{Context as _, bail};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use wasmtime_wasi_http::WasiBody;

/// The pooled client, shared by the whole host.
pub type Client = HyperClient<HttpsConnector<HttpConnector<Resolver>>, WasiBody>;

/// How long a kept connection may sit unused before it is closed.
const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(30);

/// Connections kept per origin while idle.
const IDLE_CONNECTIONS_PER_ORIGIN: usize = 64;

/// A client whose connections take at most `connect_timeout` to open (TCP and TLS) and whose
/// HTTPS trusts the system's roots and those in `ca_file`.
pub fn build(connect_timeout: Duration, ca_file: Option<&Path>) -> anyhow::Result<Client> {
    let mut http = HttpConnector::new_with_resolver(Resolver);
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(connect_timeout));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("cannot set up TLS for outbound requests")?
        .with_root_certificates(roots(ca_file)?)
        .with_no_client_auth();
    let connector = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .wrap_connector(http);
    Ok(HyperClient::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .timer(TokioTimer::new())
        .pool_idle_timeout(IDLE_CONNECTION_TIMEOUT)
        .pool_max_idle_per_host(IDLE_CONNECTIONS_PER_ORIGIN)
        .build(connector))
}

/// The system's root certificates, and those in `ca_file`; a `ca_file` that cannot be read or
/// holds no certificate is an error, missing system roots only a warning.
fn roots(ca_file: Option<&Path>) -> anyhow::Result<rustls::RootCertStore> {
    let mut roots = rustls::RootCertStore::empty();
    let system = rustls_native_certs::load_native_certs();
    let (added, _) = roots.add_parsable_certificates(system.certs);
    if added == 0 {
        tracing::warn!(
            "no system root certificates ({} errors); outbound HTTPS will fail certificate \
             checks unless `outbound_ca_file` names the roots (or install `ca-certificates`)",
            system.errors.len()
        );
    }
    let Some(path) = ca_file else {
        return Ok(roots);
    };
    let shown = path.display();
    let certificates = CertificateDer::pem_file_iter(path)
        .with_context(|| format!("`outbound_ca_file`: cannot read {shown}"))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("`outbound_ca_file`: {shown} is not PEM certificates"))?;
    if certificates.is_empty() {
        bail!("`outbound_ca_file`: {shown} holds no certificate");
    }
    for certificate in certificates {
        roots.add(certificate).with_context(|| {
            format!("`outbound_ca_file`: a certificate in {shown} is not usable")
        })?;
    }
    Ok(roots)
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
