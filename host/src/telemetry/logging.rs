//! Log output on stderr, filtered by `RUST_LOG` (default `info`): human-readable lines, or
//! one JSON object per line (`--log-format json`) for a log pipeline to index.
//!
//! Lines go through a bounded queue to a writer thread, so a stderr that is not read (a full
//! pipe, a stopped terminal) never blocks a request, and formatting is all a request pays:
//! past the queue, lines are dropped and counted, and the count is logged once stderr keeps up
//! again.

use serde_json::{Map, Value};
use std::fmt;
use std::io::IsTerminal;
use std::thread;
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_appender::non_blocking::{ErrorCounter, NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// How many lines may wait for stderr before new ones are dropped.
const QUEUED_LINES: usize = 16 * 1024;
/// How often the dropped-line count is checked and reported.
const DROP_REPORT_EVERY: Duration = Duration::from_secs(5);

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `2026-12-07T13:06:43.123456Z  INFO access: GET /items/1 200 1.2ms peer=…`.
    #[default]
    Human,
    /// `{"time":"…","level":"INFO","target":"access","request_id":"…","component":"…",
    /// "operation":"…","message":"GET /items/1 200 1.2ms","peer":"…"}`.
    Json,
}

/// Keeps the writer thread alive; dropping it writes out the lines still queued.
#[must_use = "dropping the guard stops log output"]
pub struct Logging {
    _writer: Option<WorkerGuard>,
}

/// Installs the global subscriber; later calls install nothing and return an empty guard.
pub fn init(format: LogFormat) -> Logging {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,cranelift_codegen=warn,wasmtime=warn"));
    let (writer, guard) = NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(QUEUED_LINES)
        .thread_name("fastwasm-log")
        .finish(std::io::stderr());
    let dropped = writer.error_counter();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    let installed = match format {
        LogFormat::Human => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.event_format(JsonLines).try_init(),
    }
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

/// The fields every JSON line puts first, when the event has them, in this order.
const LEADING_FIELDS: [&str; 4] = ["request_id", "component", "operation", "message"];

/// One JSON object per event: `time` (RFC 3339, UTC), `level`, `target`, then the event's
/// `request_id`, `component`, `operation` and `message`, then its other fields.
struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut time = String::new();
        SystemTime.format_time(&mut Writer::new(&mut time))?;
        let metadata = event.metadata();
        let mut fields = JsonFields(Map::new());
        event.record(&mut fields);
        let mut line = Map::new();
        line.insert("time".into(), time.into());
        line.insert("level".into(), metadata.level().as_str().into());
        line.insert("target".into(), metadata.target().into());
        for key in LEADING_FIELDS {
            if let Some(value) = fields.0.remove(key) {
                line.insert(key.into(), value);
            }
        }
        line.append(&mut fields.0);
        writeln!(writer, "{}", Value::Object(line))
    }
}

/// An event's fields as JSON values: numbers and booleans as such, the rest as text.
struct JsonFields(Map<String, Value>);

impl Visit for JsonFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), format!("{value:?}").into());
    }
}
