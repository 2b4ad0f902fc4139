//! A real HTTP server on 127.0.0.1 for the outbound tests to call: it answers after a delay,
//! echoes what it was sent, sends large bodies, never answers, or holds requests until the test
//! opens its gate — and counts what happened, so that a test can see a call that was
//! cancelled. It stops when dropped.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The longest any request is held: the server never keeps a test waiting longer.
const LONGEST: Duration = Duration::from_secs(30);

/// What the upstream saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// `/hang` requests that arrived.
    pub hangs_started: AtomicUsize,
    /// `/hang` requests whose connection went away before the server answered.
    pub hangs_abandoned: AtomicUsize,
    /// Requests being answered now, and the most at once.
    pub in_flight: AtomicUsize,
    pub most_in_flight: AtomicUsize,
    /// Connections accepted.
    pub connections: AtomicUsize,
    /// `/gate` requests that arrived.
    pub gate_arrivals: AtomicUsize,
    /// Holds `/gate` requests while closed.
    pub gate: Gate,
}

/// Closed until [`Gate::open`]: the `/gate` requests wait for it.
#[derive(Debug)]
pub struct Gate(tokio::sync::watch::Sender<bool>);

impl Default for Gate {
    fn default() -> Self {
        Self(tokio::sync::watch::Sender::new(false))
    }
}

impl Gate {
    /// Lets the waiting `/gate` requests, and later ones, through.
    pub fn open(&self) {
        self.0.send_replace(true);
    }
}

/// The running upstream.
pub struct Upstream {
    pub addr: SocketAddr,
    pub seen: Arc<Seen>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Upstream {
    /// Starts listening on a free loopback port.
    pub async fn start() -> Self {
        Self::listen(None).await
    }

    /// Starts an HTTPS upstream for `localhost` (HTTP/2 or HTTP/1.1, as the client offers),
    /// with a certificate from a certificate authority made for it; returns the authority's
    /// certificate (PEM) too, for the client to trust.
    pub async fn start_tls() -> (Self, String) {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let mut authority = CertificateParams::new(Vec::<String>::new()).unwrap();
        authority.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let authority =
            CertifiedIssuer::self_signed(authority, KeyPair::generate().unwrap()).unwrap();
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &authority)
            .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap();
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.der().clone()], key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
        (Self::listen(Some(acceptor)).await, authority.pem())
    }

    async fn listen(tls: Option<tokio_rustls::TlsAcceptor>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Seen::default());
        let counters = seen.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let seen = counters.clone();
                seen.connections.fetch_add(1, Ordering::SeqCst);
                let tls = tls.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| answer(req, seen.clone()));
                    let builder = auto::Builder::new(TokioExecutor::new());
                    let _ = match tls {
                        Some(tls) => match tls.accept(stream).await {
                            Ok(stream) => {
                                builder
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await
                            }
                            Err(_) => return,
                        },
                        None => {
                            builder
                                .serve_connection(TokioIo::new(stream), service)
                                .await
                        }
                    };
                });
            }
        });
        Self { addr, seen, task }
    }

    /// `https://localhost:<port><path>`, for an upstream started with [`Upstream::start_tls`].
    pub fn https_url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.addr.port())
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

type Answer = Response<http_body_util::combinators::BoxBody<Bytes, Infallible>>;

fn whole(status: u16, content_type: &str, body: impl Into<Bytes>) -> Answer {
    Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(body.into()).boxed())
        .unwrap()
}

/// Counts a request in flight while it lives.
struct InFlight(Arc<Seen>);

impl InFlight {
    fn new(seen: &Arc<Seen>) -> Self {
        let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        seen.most_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(seen.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Counts a `/hang` that was dropped unanswered.
struct Hang(Arc<Seen>, bool);

impl Drop for Hang {
    fn drop(&mut self) {
        if !self.1 {
            self.0.hangs_abandoned.fetch_add(1, Ordering::SeqCst);
        }
    }
}

async fn answer(req: Request<Incoming>, seen: Arc<Seen>) -> Result<Answer, Infallible> {
    let _in_flight = InFlight::new(&seen);
    let query: HashMap<String, String> = req
        .uri()
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    let number = |key: &str| {
        query
            .get(key)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (request_id, guest) = (header("x-request-id"), header("x-guest"));
    Ok(match req.uri().path() {
        "/delay" => {
            let ms = number("ms");
            tokio::time::sleep(Duration::from_millis(ms).min(LONGEST)).await;
            let version = format!("{:?}", req.version());
            let body = serde_json::json!({
                "ms": ms, "request_id": request_id, "guest": guest, "version": version,
            });
            whole(200, "application/json", body.to_string())
        }
        "/echo" => {
            let method = req.method().to_string();
            let content_type = header("content-type");
            let body = req
                .into_body()
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let body = serde_json::json!({
                "method": method,
                "content_type": content_type,
                "body": String::from_utf8_lossy(&body),
                "request_id": request_id,
            });
            whole(200, "application/json", body.to_string())
        }
        "/bytes" => whole(
            200,
            "application/octet-stream",
            vec![b'x'; number("n") as usize],
        ),
        "/chunked" => {
            let (n, chunk) = (number("n") as usize, 64 * 1024);
            let chunks = (0..n.div_ceil(chunk)).map(move |i| {
                let size = chunk.min(n - i * chunk);
                Ok::<_, Infallible>(Frame::data(Bytes::from(vec![b'y'; size])))
            });
            Response::builder()
                .header("content-type", "application/octet-stream")
                .body(StreamBody::new(futures::stream::iter(chunks)).boxed())
                .unwrap()
        }
        "/hang" => {
            seen.hangs_started.fetch_add(1, Ordering::SeqCst);
            let mut hang = Hang(seen.clone(), false);
            tokio::time::sleep(LONGEST).await;
            hang.1 = true;
            whole(200, "text/plain", "too late")
        }
        "/gate" => {
            seen.gate_arrivals.fetch_add(1, Ordering::SeqCst);
            let mut open = seen.gate.0.subscribe();
            let _ = tokio::time::timeout(LONGEST, open.wait_for(|open| *open)).await;
            whole(200, "text/plain", "through")
        }
        "/status" => whole(number("code") as u16, "text/plain", "as asked"),
        _ => whole(404, "text/plain", "no such upstream path"),
    })
}
