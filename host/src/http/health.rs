//! Health endpoints for load balancers and orchestrators, under a prefix no app route may use:
//! `/_fastwasm/live` answers 200 while the process serves at all; `/_fastwasm/ready` answers
//! 200 while it takes new work and 503 once it drains (after SIGTERM, for `drain_delay`), so a
//! load balancer stops sending before connections close.

use super::respond::{self, HttpResponse};
pub use crate::app::RESERVED_PREFIX;
use hyper::{Method, StatusCode};
use serde_json::json;

/// The answer to a request for the host's own paths, `None` for any other path.
pub fn answer(method: &Method, path: &str, draining: bool) -> Option<HttpResponse> {
    let rest = path.strip_prefix(RESERVED_PREFIX)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    if method != Method::GET && method != Method::HEAD {
        return Some(respond::status(StatusCode::METHOD_NOT_ALLOWED));
    }
    Some(match rest {
        "/live" => respond::json(StatusCode::OK, &json!({ "status": "live" })),
        "/ready" if draining => respond::json(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({ "status": "draining" }),
        ),
        "/ready" => respond::json(StatusCode::OK, &json!({ "status": "ready" })),
        _ => respond::status(StatusCode::NOT_FOUND),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_reserved_prefix_is_answered() {
        assert!(answer(&Method::GET, "/_fastwasmish", false).is_none());
        assert!(answer(&Method::GET, "/items", false).is_none());
        let status = |path, draining| answer(&Method::GET, path, draining).unwrap().status();
        assert_eq!(status("/_fastwasm/live", true), StatusCode::OK);
        assert_eq!(status("/_fastwasm/ready", false), StatusCode::OK);
        assert_eq!(
            status("/_fastwasm/ready", true),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(status("/_fastwasm/other", false), StatusCode::NOT_FOUND);
        let post = answer(&Method::POST, "/_fastwasm/ready", false).unwrap();
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}
