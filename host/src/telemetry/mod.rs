//! What the host tells its operator: log lines (human or JSON, off the request path) and
//! metrics (Prometheus). A leaf every layer records into; it imports none of them.

pub mod logging;
pub mod metrics;

pub use metrics::Metrics;
