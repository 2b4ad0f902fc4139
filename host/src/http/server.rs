//! The HTTP server: the hyper accept loop (HTTP/1.1 and h2c), the connection and in-flight
//! limits, the access log, the app snapshot requests are served from, and a graceful shutdown
//! that drains in-flight requests.

use super::connection::{self, ShedLog};
use super::cors::Cors;
use super::docs::Docs;
use super::health;
use super::metrics;
use super::pipeline::{self, Served};
use super::request_id;
use super::respond::{self, HttpResponse};
use crate::app::App;
use crate::config::Settings;
use crate::guest::REQUEST_ID;
use crate::guest::Runtime;
use crate::telemetry::metrics::{OperationLabels, RequestLabels};
use anyhow::Result;
use arc_swap::ArcSwap;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ORIGIN};
use hyper::service::service_fn;
use hyper::{Request, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// How often an HTTP/2 connection is pinged, and how long the answer may take before the
/// connection is closed as dead.
const H2_PING_INTERVAL: std::time::Duration = std::time::Duration::from_secs(20);
const H2_PING_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);
/// Requests one HTTP/2 connection may have open at once.
const H2_MAX_STREAMS: u32 = 100;

/// Everything a request needs: the current app snapshot, the guest runtime, the limits.
pub struct Server {
    app: ArcSwap<App>,
    runtime: Arc<Runtime>,
    settings: Settings,
    in_flight: Arc<Semaphore>,
    /// Set once the server drains: readiness fails while requests are still served.
    draining: AtomicBool,
    docs: Docs,
    /// The CORS policy, when the settings allow an origin.
    cors: Option<Cors>,
}

impl Server {
    /// A server for `app`, ready to `serve`.
    pub fn new(app: App, runtime: Arc<Runtime>) -> Arc<Self> {
        let settings = runtime.settings().clone();
        Arc::new(Self {
            app: ArcSwap::from_pointee(app),
            runtime,
            in_flight: Arc::new(Semaphore::new(settings.max_in_flight)),
            draining: AtomicBool::new(false),
            docs: Docs::new(&settings),
            cors: Cors::new(&settings),
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

    /// Starts draining: `/_fastwasm/ready` answers 503 from now on, while requests are served
    /// as before until `serve`'s shutdown resolves.
    pub fn drain(&self) {
        self.draining.store(true, Ordering::Relaxed);
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
        builder
            .http2()
            .timer(TokioTimer::new())
            .keep_alive_interval(Some(H2_PING_INTERVAL))
            .keep_alive_timeout(H2_PING_TIMEOUT)
            .max_concurrent_streams(H2_MAX_STREAMS);
        let graceful = GracefulShutdown::new();
        let connections = Arc::new(Semaphore::new(self.settings.max_connections));
        let shed_log = Arc::new(ShedLog::default());
        tokio::pin!(shutdown);
        loop {
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
            let Ok(permit) = connections.clone().try_acquire_owned() else {
                shed_log.record(self.settings.max_connections);
                tokio::spawn(connection::shed(stream));
                continue;
            };
            connection::configure(&stream);
            let (server, builder, watcher) = (self.clone(), builder.clone(), graceful.watcher());
            tokio::spawn(async move {
                let _permit = permit;
                if !connection::first_byte(&stream, server.settings.header_read_timeout).await {
                    return;
                }
                let service = {
                    let server = server.clone();
                    service_fn(move |req| server.clone().handle(req, peer))
                };
                let serve = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                if let Err(err) = watcher.watch(serve.into_owned()).await {
                    tracing::debug!(%peer, "connection ended: {err}");
                }
            });
        }
        drop(listener);
        // WebSocket connections left HTTP behind: close them first, with a reason.
        for component in &self.app().components {
            component.close_websockets(1001, "the server is shutting down");
        }
        self.runtime
            .websockets_closed(self.settings.shutdown_grace)
            .await;
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
        mut req: Request<Incoming>,
        peer: SocketAddr,
    ) -> Result<HttpResponse, Infallible> {
        let draining = self.draining.load(Ordering::Relaxed);
        // Scrapes and probes come every few seconds: answered before the app, unlogged,
        // uncounted.
        if self.settings.metrics && metrics::serves(req.uri().path()) {
            let metrics = self.runtime.metrics();
            return Ok(metrics::answer(req.method(), req.headers(), metrics));
        }
        if let Some(answer) = health::answer(req.method(), req.uri().path(), draining) {
            return Ok(answer);
        }
        let started = Instant::now();
        let _in_flight = self.runtime.metrics().in_flight();
        let request_id = request_id::ensure(req.headers_mut());
        let (method, path) = (req.method().clone(), req.uri().path().to_owned());
        let mut served = Served::default();
        // Kept only for a CORS policy: without one, nothing reads it.
        let origin = self
            .cors
            .as_ref()
            .and_then(|_| req.headers().get(ORIGIN).cloned());
        let preflight = self
            .cors
            .as_ref()
            .and_then(|cors| cors.preflight(&method, req.headers()));
        // A preflight is answered from the settings alone, before any limit or route; every
        // other answer is marked for browsers on its way out.
        let cors = self.cors.as_ref().filter(|_| preflight.is_none());
        let mut response = match preflight {
            Some(answer) => answer,
            None => match self.in_flight.try_acquire() {
                // The request keeps this snapshot to the end, whatever is swapped in meanwhile.
                Ok(_in_flight) => {
                    let app = self.app();
                    match self.docs.answer(&method, &path, &app).await {
                        Some(page) => page,
                        None => pipeline::respond(app, &self.runtime, req, &mut served).await,
                    }
                }
                Err(_) => respond::status(StatusCode::SERVICE_UNAVAILABLE),
            },
        };
        if let Some(cors) = cors {
            cors.decorate(origin.as_ref(), &mut response);
        }
        let took = started.elapsed();
        tracing::info!(
            target: "access",
            %peer,
            %request_id,
            operation = %served.operation.as_deref().unwrap_or("-"),
            component = %served.component.as_deref().unwrap_or("-"),
            "{method} {path} {} {:.2?}",
            response.status().as_u16(),
            took,
        );
        // After the log line, which reads them: the names move into the labels.
        let unrouted = || "-".to_owned();
        self.runtime.metrics().request(
            &RequestLabels {
                operation: OperationLabels {
                    component: served.component.unwrap_or_else(unrouted),
                    operation: served.operation.unwrap_or_else(unrouted),
                },
                method: method.as_str().to_owned(),
                status: response.status().as_u16(),
            },
            took,
        );
        if let Ok(value) = HeaderValue::from_str(&request_id) {
            response.headers_mut().insert(REQUEST_ID, value);
        }
        Ok(response)
    }
}
