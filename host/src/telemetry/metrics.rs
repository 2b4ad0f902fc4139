//! The host's metrics, in Prometheus's text format: what an operator running replicas reads
//! first — requests by operation and status, their latency, what is in flight, guest failures
//! by kind, reloads and the process's memory.
//!
//! One `Metrics` per process, shared by every layer that records into it (an `Arc`); each
//! figure is a lock-free atomic once its label set exists. Rendered on each scrape.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric, LabelValueEncoder,
};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use std::fmt::Write;
use std::time::Duration;

/// The `Content-Type` of a scrape: Prometheus's text format 0.0.4.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;
/// The `Content-Type` of a scrape in OpenMetrics, for a scraper that asks for it.
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// A request, by what served it and how it was answered.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    #[prometheus(flatten)]
    pub operation: OperationLabels,
    pub method: String,
    pub status: u16,
}

/// An operation, for its latency: `-` for a request no operation took (a 404, the docs, a
/// CORS preflight).
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    pub component: String,
    pub operation: String,
}

/// What ended a guest call other than with an answer.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum FailureKind {
    /// A trap, a panic, a failed call: 500.
    Trap,
    /// Past the request's deadline: 504.
    Timeout,
    /// No instance, worker or memory to serve it: 503.
    Overloaded,
    /// An answer the host could not send (a bad status, too many headers, too large): 500.
    Malformed,
}

impl FailureKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Trap => "trap",
            Self::Timeout => "timeout",
            Self::Overloaded => "overloaded",
            Self::Malformed => "malformed",
        }
    }
}

// Label values in lower case, as Prometheus's own are.
impl EncodeLabelValue for FailureKind {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
        encoder.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    component: String,
    operation: String,
    kind: FailureKind,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

/// Every figure the host keeps.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<OperationLabels, Histogram>,
    in_flight: Gauge,
    failures: Family<FailureLabels, Counter>,
    reloads: Family<OutcomeLabels, Counter>,
}

/// Latency buckets from 0.5 ms to about 16 s, doubling: a Rust hello and a slow upstream both
/// land inside them.
fn seconds_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Every figure at zero, registered under `fastwasm_`, with the process's memory.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<OperationLabels, Histogram>::new_with_constructor(
            seconds_histogram as fn() -> Histogram,
        );
        let in_flight = Gauge::default();
        let failures = Family::<FailureLabels, Counter>::default();
        let reloads = Family::<OutcomeLabels, Counter>::default();
        let host = registry.sub_registry_with_prefix("fastwasm");
        host.register(
            "http_requests",
            "Requests answered, by component, operation, method and status",
            requests.clone(),
        );
        host.register_with_unit(
            "http_request_duration",
            "Time from a request's head to its answer's head, by operation",
            Unit::Seconds,
            latency.clone(),
        );
        host.register(
            "http_requests_in_flight",
            "Requests being served now",
            in_flight.clone(),
        );
        host.register(
            "guest_failures",
            "Guest calls that ended without an answer, by component, operation and kind",
            failures.clone(),
        );
        host.register(
            "reloads",
            "Reloads of the app, by outcome (applied, or failed and still serving the previous version)",
            reloads.clone(),
        );
        registry.register_collector(Box::new(ProcessMemory));
        Self {
            registry,
            requests,
            latency,
            in_flight,
            failures,
            reloads,
        }
    }

    /// The scrape, in Prometheus's text format, or OpenMetrics when `openmetrics`.
    pub fn render(&self, openmetrics: bool) -> String {
        let mut text = String::with_capacity(16 * 1024);
        let written = if openmetrics {
            prometheus_client::encoding::text::encode(&mut text, &self.registry)
        } else {
            prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
        };
        written.expect("writing to a String does not fail");
        text
    }

    /// One answered request; `latency` is recorded for routed ones only.
    pub fn request(&self, labels: &RequestLabels, latency: Duration) {
        self.requests.get_or_create(labels).inc();
        if labels.operation.operation != "-" {
            self.latency
                .get_or_create(&labels.operation)
                .observe(latency.as_secs_f64());
        }
    }

    /// Counts a request as in flight until the guard drops.
    pub fn in_flight(&self) -> GaugeGuard {
        GaugeGuard::raise(self.in_flight.clone())
    }

    /// A guest call of `operation` that ended as `kind`.
    pub fn failure(&self, component: &str, operation: &str, kind: FailureKind) {
        self.failures
            .get_or_create(&FailureLabels {
                component: component.to_owned(),
                operation: operation.to_owned(),
                kind,
            })
            .inc();
    }

    /// A reload that was applied, or that failed.
    pub fn reload(&self, applied: bool) {
        let outcome = if applied { "applied" } else { "failed" };
        self.reloads.get_or_create(&OutcomeLabels { outcome }).inc();
    }
}

/// A gauge raised while this lives.
#[must_use = "the gauge goes down when this drops"]
#[derive(Debug)]
pub struct GaugeGuard(Gauge);

impl GaugeGuard {
    fn raise(gauge: Gauge) -> Self {
        gauge.inc();
        Self(gauge)
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// The process's resident memory, read from `/proc` on each scrape: the standard
/// `process_resident_memory_bytes`, which dashboards already chart.
#[derive(Debug)]
struct ProcessMemory;

impl Collector for ProcessMemory {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let Some(bytes) = resident_bytes() else {
            return Ok(());
        };
        let gauge = ConstGauge::new(i64::try_from(bytes).unwrap_or(i64::MAX));
        let metric = encoder.encode_descriptor(
            "process_resident_memory_bytes",
            "Resident memory size in bytes",
            None,
            gauge.metric_type(),
        )?;
        gauge.encode(metric)
    }
}

/// Resident pages × page size, from `/proc/self/statm` (Linux; `None` elsewhere).
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrape_has_every_family_and_the_figures_recorded() {
        let metrics = Metrics::new();
        let labels = RequestLabels {
            operation: OperationLabels {
                component: "api".into(),
                operation: "read_item".into(),
            },
            method: "GET".into(),
            status: 200,
        };
        metrics.request(&labels, Duration::from_millis(3));
        metrics.request(&labels, Duration::from_millis(3));
        let _flying = metrics.in_flight();
        metrics.failure("api", "read_item", FailureKind::Timeout);
        let text = metrics.render(false);
        for line in [
            "fastwasm_http_requests_total{component=\"api\",operation=\"read_item\",method=\"GET\",status=\"200\"} 2",
            "fastwasm_http_request_duration_seconds_count{component=\"api\",operation=\"read_item\"} 2",
            "fastwasm_http_requests_in_flight 1",
            "fastwasm_guest_failures_total{component=\"api\",operation=\"read_item\",kind=\"timeout\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "no `{line}` in:\n{text}");
        }
        assert!(
            text.contains("# TYPE process_resident_memory_bytes gauge"),
            "{text}"
        );
        assert!(metrics.render(true).ends_with("# EOF\n"));
    }
}
