//! A plain hyper server answering `{"message":"Hello World"}` on every path: what fastwasm's
//! HTTP stack costs without wasm. `GET /delay?ms=M` answers `{"ms":M}` after M milliseconds
//! instead: the upstream of the outbound benchmark, which must never be its bottleneck.
//! Usage: `hello-baseline [ADDR]` (default 127.0.0.1:0).

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use std::convert::Infallible;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:0".into());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    loop {
        let (stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let service = service_fn(|req: hyper::Request<hyper::body::Incoming>| async move {
                let body = match delay(&req) {
                    Some(ms) => {
                        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
                        Bytes::from(format!(r#"{{"ms":{ms}}}"#))
                    }
                    None => Bytes::from_static(br#"{"message":"Hello World"}"#),
                };
                let mut response = Response::new(Full::new(body));
                response
                    .headers_mut()
                    .insert("content-type", "application/json".parse().unwrap());
                Ok::<_, Infallible>(response)
            });
            let _ = auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// The `ms` of a `/delay?ms=M` request, at most a minute.
fn delay(req: &hyper::Request<hyper::body::Incoming>) -> Option<u64> {
    if req.uri().path() != "/delay" {
        return None;
    }
    let query = req.uri().query().unwrap_or("");
    let ms = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("ms="))
        .and_then(|ms| ms.parse::<u64>().ok())
        .unwrap_or(0);
    Some(ms.min(60_000))
}
