//! Guest stdout and stderr, written to the host log line by line and tagged with the component
//! and operation, so `println!` in a handler shows up where operators look.

use super::GuestTag;
use super::log::{Level, MAX_LINE};
use bytes::Bytes;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

#[derive(Debug, Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

/// The stdout or stderr of one guest instance.
#[derive(Debug, Clone)]
pub struct GuestLog {
    tag: GuestTag,
    stream: Stream,
}

impl GuestLog {
    pub fn stdout(tag: GuestTag) -> Self {
        Self {
            tag,
            stream: Stream::Stdout,
        }
    }

    pub fn stderr(tag: GuestTag) -> Self {
        Self {
            tag,
            stream: Stream::Stderr,
        }
    }

    fn writer(&self) -> LineWriter {
        LineWriter {
            log: self.clone(),
            pending: Vec::new(),
            cut: 0,
        }
    }
}

impl IsTerminal for GuestLog {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for GuestLog {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.writer())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.writer())
    }
}

/// Buffers a partial line until its newline (or the end of the instance) arrives. A line
/// longer than a log line may be keeps only its start; the rest is counted, not stored.
struct LineWriter {
    log: GuestLog,
    pending: Vec<u8>,
    /// Bytes of the pending line past `MAX_LINE`, dropped.
    cut: usize,
}

impl LineWriter {
    fn write_bytes(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        loop {
            let newline = rest.iter().position(|b| *b == b'\n');
            let part = &rest[..newline.unwrap_or(rest.len())];
            let room = MAX_LINE - self.pending.len();
            self.pending
                .extend_from_slice(&part[..part.len().min(room)]);
            self.cut += part.len().saturating_sub(room);
            match newline {
                Some(at) => {
                    self.flush_line();
                    rest = &rest[at + 1..];
                }
                None => return,
            }
        }
    }

    fn flush_line(&mut self) {
        let line = std::mem::take(&mut self.pending);
        let cut = std::mem::take(&mut self.cut);
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches('\r');
        if text.trim().is_empty() && cut == 0 {
            return;
        }
        match self.log.stream {
            Stream::Stdout => self.log.tag.log(Level::Info, false, text, cut),
            Stream::Stderr => self.log.tag.log(Level::Warn, true, text, cut),
        }
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            self.flush_line();
        }
    }
}

impl OutputStream for LineWriter {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.write_bytes(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(MAX_LINE)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for LineWriter {
    async fn ready(&mut self) {}
}

impl AsyncWrite for LineWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write_bytes(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
