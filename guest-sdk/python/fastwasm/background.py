"""`BackgroundTasks`, importable so that an app using it fails the build with the reason rather
than an `ImportError`: fastwasm does not run work after the response yet. A component's call
ends with its answer (a `def` operation's instance goes back to the pool, an instance per
request is dropped), so tasks added to it would never run, or would hold the instance past the
request's deadline; the host has no hook to call back after the response."""

from __future__ import annotations

#: Why an operation or dependency cannot take `BackgroundTasks`.
NOT_SUPPORTED = (
    "`BackgroundTasks` is not supported yet: a component's call ends with its answer, so work "
    "after the response would not run; do the work before returning, or hand it to another "
    "service (outbound HTTP, a key-value store queue)"
)


class BackgroundTasks:
    """FastAPI's `BackgroundTasks`: declaring an argument of this type fails the build."""
