//! `/_fastwasm/metrics`: the host's metrics for Prometheus, under the prefix no app route may
//! use, so it cannot collide with one; `metrics = false` in `[server]` turns it off.

use super::health::RESERVED_PREFIX;
use super::respond::{self, HttpResponse};
use crate::telemetry::metrics::{self, Metrics};
use hyper::header::ACCEPT;
use hyper::{HeaderMap, Method, StatusCode};

/// Whether `path` is where the metrics are served: `/metrics` within the reserved prefix.
pub fn serves(path: &str) -> bool {
    path.strip_prefix(RESERVED_PREFIX) == Some("/metrics")
}

/// The scrape, for a GET (or HEAD) of the metrics path: OpenMetrics when the scraper's `Accept` asks
/// for it (Prometheus does, when it may), Prometheus's text format otherwise.
pub fn answer(method: &Method, headers: &HeaderMap, metrics: &Metrics) -> HttpResponse {
    if method != Method::GET && method != Method::HEAD {
        return respond::status(StatusCode::METHOD_NOT_ALLOWED);
    }
    let openmetrics = headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|accept| accept.contains("application/openmetrics-text"));
    let content_type = if openmetrics {
        metrics::OPENMETRICS_CONTENT_TYPE
    } else {
        metrics::CONTENT_TYPE
    };
    respond::whole(metrics.render(openmetrics), content_type)
}
