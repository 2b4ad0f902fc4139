//! The host's metrics, in Prometheus's text format: what an operator running replicas reads
//! first — requests by operation and status, their latency, what is in flight, guest failures
//! by kind, the sync pool's queue, instances and what starting them costs, outbound calls,
//! reloads and the process's memory.
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

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ComponentLabels {
    component: String,
}

/// What an instance is kept for: the three ways a request finds one, and loading.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Reuse {
    /// Many requests at once, for async operations.
    Shared,
    /// One request at a time, idle between them, for sync operations.
    Pooled,
    /// One request's own: `isolation = "request"`, a request's providers.
    Request,
    /// Asked to `describe` itself while its component loads.
    Load,
}

impl EncodeLabelValue for Reuse {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> std::fmt::Result {
        encoder.write_str(match self {
            Self::Shared => "shared",
            Self::Pooled => "pooled",
            Self::Request => "request",
            Self::Load => "load",
        })
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct InstanceLabels {
    component: String,
    reuse: Reuse,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutboundLabels {
    component: String,
    /// The response's status, or what failed (`denied`, `refused`, `timeout`, `cancelled`,
    /// `error`).
    outcome: String,
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
    sync_workers: Gauge,
    sync_busy: Gauge,
    sync_queued: Gauge,
    instances: Family<InstanceLabels, Gauge>,
    instances_starting: Family<ComponentLabels, Gauge>,
    instances_idle: Family<ComponentLabels, Gauge>,
    instantiation: Family<ComponentLabels, Histogram>,
    outbound: Family<OutboundLabels, Counter>,
    outbound_latency: Family<ComponentLabels, Histogram>,
}

/// Latency buckets from 0.5 ms to about 16 s, doubling: a Rust hello and a slow upstream both
/// land inside them.
fn seconds_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// Instantiation buckets from 10 µs to about 1.3 s, doubling: a Rust component starts in tens
/// of microseconds, a Python one in milliseconds.
fn instantiation_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.00001, 2.0, 18))
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
        let (sync_workers, sync_busy, sync_queued) =
            (Gauge::default(), Gauge::default(), Gauge::default());
        let instances = Family::<InstanceLabels, Gauge>::default();
        let instances_starting = Family::<ComponentLabels, Gauge>::default();
        let instances_idle = Family::<ComponentLabels, Gauge>::default();
        let instantiation = Family::<ComponentLabels, Histogram>::new_with_constructor(
            instantiation_histogram as fn() -> Histogram,
        );
        let outbound = Family::<OutboundLabels, Counter>::default();
        let outbound_latency = Family::<ComponentLabels, Histogram>::new_with_constructor(
            seconds_histogram as fn() -> Histogram,
        );
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
        host.register(
            "sync_workers",
            "Threads of the blocking pool sync operations run on (`sync_workers`)",
            sync_workers.clone(),
        );
        host.register(
            "sync_workers_busy",
            "Sync pool threads running a guest now",
            sync_busy.clone(),
        );
        host.register(
            "sync_queue_depth",
            "Sync calls waiting for a free thread of the pool",
            sync_queued.clone(),
        );
        host.register(
            "instances",
            "Instances alive, by component and what they are kept for (shared, pooled, request, load)",
            instances.clone(),
        );
        host.register(
            "instances_starting",
            "Instances being instantiated now, by component",
            instances_starting.clone(),
        );
        host.register(
            "instances_idle",
            "Pooled instances waiting for a sync request, by component",
            instances_idle.clone(),
        );
        host.register_with_unit(
            "instantiation_duration",
            "Time to instantiate a component (store, context, instance), by component",
            Unit::Seconds,
            instantiation.clone(),
        );
        host.register(
            "outbound_requests",
            "Outbound HTTP calls, by component and the response's status or what failed",
            outbound.clone(),
        );
        host.register_with_unit(
            "outbound_request_duration",
            "Time from an outbound call to its response's head, by component",
            Unit::Seconds,
            outbound_latency.clone(),
        );
        registry.register_collector(Box::new(ProcessMemory));
        Self {
            registry,
            requests,
            latency,
            in_flight,
            failures,
            reloads,
            sync_workers,
            sync_busy,
            sync_queued,
            instances,
            instances_starting,
            instances_idle,
            instantiation,
            outbound,
            outbound_latency,
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

    /// The blocking pool's figures, for a pool of `workers` threads.
    pub fn sync_pool(&self, workers: usize) -> PoolFigures {
        self.sync_workers
            .set(i64::try_from(workers).unwrap_or(i64::MAX));
        PoolFigures {
            busy: self.sync_busy.clone(),
            queued: self.sync_queued.clone(),
        }
    }

    /// The figures of `component`'s instances, looked up once when it loads.
    pub fn instances(&self, component: &str) -> InstanceFigures {
        let labels = ComponentLabels {
            component: component.to_owned(),
        };
        let alive = |reuse| {
            self.instances
                .get_or_create(&InstanceLabels {
                    component: component.to_owned(),
                    reuse,
                })
                .clone()
        };
        InstanceFigures {
            shared: alive(Reuse::Shared),
            pooled: alive(Reuse::Pooled),
            request: alive(Reuse::Request),
            load: alive(Reuse::Load),
            starting: self.instances_starting.get_or_create(&labels).clone(),
            idle: self.instances_idle.get_or_create(&labels).clone(),
            instantiation: self.instantiation.get_or_create(&labels).clone(),
        }
    }

    /// An outbound call of `component` that got an answer (its status) or failed (`outcome`
    /// says how), after `latency`.
    pub fn outbound(&self, component: &str, outcome: &str, latency: Duration) {
        self.outbound
            .get_or_create(&OutboundLabels {
                component: component.to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        self.outbound_latency
            .get_or_create(&ComponentLabels {
                component: component.to_owned(),
            })
            .observe(latency.as_secs_f64());
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

/// The blocking pool's gauges.
#[derive(Clone, Debug, Default)]
pub struct PoolFigures {
    busy: Gauge,
    queued: Gauge,
}

impl PoolFigures {
    /// Counts a thread as busy while the guard lives.
    pub fn busy(&self) -> GaugeGuard {
        GaugeGuard::raise(self.busy.clone())
    }

    /// Counts a call as waiting for a thread while the guard lives.
    pub fn queued(&self) -> GaugeGuard {
        GaugeGuard::raise(self.queued.clone())
    }
}

/// One component's instance figures: clones of the gauges its label sets hold, so that
/// starting an instance costs no lookup.
#[derive(Clone, Debug)]
pub struct InstanceFigures {
    shared: Gauge,
    pooled: Gauge,
    request: Gauge,
    load: Gauge,
    starting: Gauge,
    idle: Gauge,
    instantiation: Histogram,
}

impl InstanceFigures {
    /// Counts an instance kept for `reuse` while the guard lives.
    pub fn alive(&self, reuse: Reuse) -> GaugeGuard {
        GaugeGuard::raise(
            match reuse {
                Reuse::Shared => &self.shared,
                Reuse::Pooled => &self.pooled,
                Reuse::Request => &self.request,
                Reuse::Load => &self.load,
            }
            .clone(),
        )
    }

    /// Counts an instantiation in progress while the guard lives.
    pub fn starting(&self) -> GaugeGuard {
        GaugeGuard::raise(self.starting.clone())
    }

    /// Counts a pooled instance as idle while the guard lives.
    pub fn idle(&self) -> GaugeGuard {
        GaugeGuard::raise(self.idle.clone())
    }

    /// An instance that started in `took`.
    pub fn started(&self, took: Duration) {
        self.instantiation.observe(took.as_secs_f64());
    }
}

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
