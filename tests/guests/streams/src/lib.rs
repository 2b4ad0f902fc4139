//! Streamed bodies, server-sent events and WebSockets, for the host's streaming tests.

use fastwasm_guest::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Bytes `/download` has written so far, for the backpressure test.
static WRITTEN: AtomicU64 = AtomicU64::new(0);

const CHUNK: usize = 64 * 1024;

#[fastwasm_guest::app]
mod api {
    use super::*;

    /// `mib` MiB of `x`, written 64 KiB at a time while the client reads.
    #[get("/download")]
    async fn download(mib: Query<u64>) -> Streaming {
        let total = mib.0 << 20;
        Streaming::new("application/octet-stream", move |mut body| async move {
            let mut sent = 0;
            while sent < total {
                let size = CHUNK.min((total - sent) as usize);
                if body.write(vec![b'x'; size]).await.is_err() {
                    println!("download: the client left after {sent} bytes");
                    return;
                }
                sent += size as u64;
                WRITTEN.store(sent, Ordering::SeqCst);
            }
        })
    }

    /// How many bytes the download has written.
    #[get("/written")]
    async fn written() -> String {
        WRITTEN.load(Ordering::SeqCst).to_string()
    }

    /// `n` server-sent events, `ms` apart.
    #[get("/events")]
    async fn events(n: Query<u32>, #[param(default = 100)] ms: Query<u64>) -> Sse {
        let (n, ms) = (n.0, ms.0);
        Sse::new(move |mut events| async move {
            for i in 0..n {
                let event = Event::json(&serde_json::json!({ "tick": i })).id(i.to_string());
                if events.send(event).await.is_err() {
                    return;
                }
                if i + 1 < n {
                    sleep(Duration::from_millis(ms)).await;
                }
            }
        })
    }

    /// Reads an upload as it arrives: how many bytes came, in how many chunks.
    #[post("/upload")]
    async fn upload(mut body: BodyStream) -> Json<serde_json::Value> {
        let (mut bytes, mut chunks) = (0usize, 0usize);
        while let Some(chunk) = body.chunk(CHUNK).await {
            bytes += chunk.len();
            chunks += 1;
        }
        Json(serde_json::json!({ "bytes": bytes, "chunks": chunks }))
    }

    /// Writes one chunk, then traps.
    #[get("/trap-midway")]
    async fn trap_midway() -> Streaming {
        Streaming::new("text/plain", |mut body| async move {
            let _ = body.write("the first part\n").await;
            sleep(Duration::from_millis(50)).await;
            panic!("the stream broke on purpose");
        })
    }

    /// Echoes every message back, text and binary, until the client closes.
    #[websocket("/ws/echo")]
    async fn echo(ws: WebSocket) -> Result<(), Closed> {
        ws.accept().await?;
        loop {
            let message = match ws.receive().await {
                Ok(message) => message,
                Err(closed) => {
                    println!("echo closed {} {}", closed.code, closed.reason);
                    return Err(closed);
                }
            };
            ws.send(message).await?;
        }
    }

    /// Who is visiting, from the `x-visitor` header; its teardown runs when the session ends.
    #[provider("visitor", teardown = visitor_left)]
    fn visitor(#[param(alias = "x-visitor")] name: Header<String>) -> Result<String, HttpError> {
        Ok(name.0)
    }

    fn visitor_left(name: String) {
        println!("visitor {name} left");
    }

    /// Greets the visitor its dependency names, then echoes until the client closes.
    #[websocket("/ws/greet")]
    async fn greet(visitor: Dep<String>, ws: WebSocket) -> Result<(), Closed> {
        ws.accept().await?;
        ws.send_text(format!("hello {}", visitor.0)).await?;
        loop {
            let message = ws.receive().await?;
            ws.send(message).await?;
        }
    }

    /// Sends how many messages came so far on this connection, after each one; closes with
    /// 4000 on "bye".
    #[websocket("/ws/count")]
    async fn count(ws: WebSocket) -> Result<(), Closed> {
        ws.accept().await?;
        let mut n = 0;
        loop {
            let text = ws.receive_text().await?;
            n += 1;
            if text == "bye" {
                ws.close(4000, "bye to you too").await;
                return Ok(());
            }
            ws.send_text(format!("{n}: {text}")).await?;
        }
    }

    /// Refuses the upgrade without the right token, before accepting.
    #[websocket("/ws/guarded")]
    async fn guarded(token: Query<Option<String>>, ws: WebSocket) -> Result<(), HttpError> {
        if token.0.as_deref() != Some("secret") {
            return Err(HttpError::new(
                StatusCode::UNAUTHORIZED,
                "Not authenticated",
            ));
        }
        let _ = ws.accept().await;
        let _ = ws.send_text("welcome").await;
        Ok(())
    }

    /// Returns without accepting: 403.
    #[websocket("/ws/never")]
    async fn never(_ws: WebSocket) {}
}
