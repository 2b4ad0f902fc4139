//! Log output: human-readable lines on stderr, filtered by `RUST_LOG` (default `info`).
//!
//! Lines go through a bounded queue to a writer thread, so a stderr that is not read (a full
//! pipe, a stopped terminal) never blocks a request: past the queue, lines are dropped and
//! counted, and the count is logged once stderr keeps up again.

use std::io::IsTerminal;
use std::thread;
use std::time::Duration;
use tracing_appender::non_blocking::{ErrorCounter, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;

/// How many lines may wait for stderr before new ones are dropped.
const QUEUED_LINES: usize = 16 * 1024;
/// How often the dropped-line count is checked and reported.
const DROP_REPORT_EVERY: Duration = Duration::from_secs(5);

/// Keeps the writer thread alive; dropping it writes out the lines still queued.
#[must_use = "dropping the guard stops log output"]
pub struct Logging {
    _writer: Option<WorkerGuard>,
}

/// Installs the global subscriber; later calls install nothing and return an empty guard.
pub fn init() -> Logging {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,cranelift_codegen=warn,wasmtime=warn"));
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("fastwasm-log")
        .finish(std::io::stderr());
    let dropped = writer.error_counter();
    let installed = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init()
        .is_ok();
    if !installed {
        return Logging { _writer: None };
    }
    report_dropped_lines(dropped);
    Logging {
        _writer: Some(guard),
    }
}

/// Logs, every few seconds, how many lines were dropped since the last report.
fn report_dropped_lines(counter: ErrorCounter) {
    let spawned = thread::Builder::new()
        .name("fastwasm-log-drops".into())
        .spawn(move || {
            let mut reported = 0;
            loop {
                thread::sleep(DROP_REPORT_EVERY);
                let dropped = counter.dropped_lines();
                if dropped > reported {
                    tracing::warn!(
                        "{} log lines were dropped because stderr was not keeping up",
                        dropped - reported
                    );
                    reported = dropped;
                }
            }
        });
    if let Err(err) = spawned {
        tracing::warn!("dropped log lines will not be reported: {err}");
    }
}
