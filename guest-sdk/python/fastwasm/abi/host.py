"""What the host offers beyond WASI: a sleep that does not hold a thread, and logs tagged
with the component and operation."""

from __future__ import annotations

from typing import Any, TypeVar

try:
    # The WIT bindings componentize-py generates. They are imported with the app at build
    # time: a component cannot import a module it did not load then.
    from wit_world.imports import host as _host
    from wit_world.imports import timers as _timers
    from wit_world.imports import types as _types
except ImportError:  # Outside a component (tests, type checkers): calls fail, imports work.
    _host = _timers = _types = None

T = TypeVar("T")

_LEVELS = ("trace", "debug", "info", "warn", "error")


def _bindings() -> None:
    if _host is None:
        raise RuntimeError("fastwasm.sleep and fastwasm.log work inside a component only")


async def sleep(delay: float, result: T = None) -> T:  # type: ignore[assignment]
    """Waits `delay` seconds and returns `result`, like `asyncio.sleep`, without blocking the
    host: other requests run meanwhile. For `async def` code; a `def` operation that calls
    `time.sleep` holds its thread of the host's blocking pool for the whole wait, as a `def`
    endpoint holds a thread of FastAPI's pool."""
    _bindings()
    await _timers.sleep(max(0, round(delay * 1000)))
    return result


def log(message: Any, level: str = "info") -> None:
    """Writes a record to the host's log at `level` (`trace`, `debug`, `info`, `warn` or
    `error`). `print` also reaches the log, as the guest's stdout."""
    _bindings()
    name = "warn" if level == "warning" else level
    if name not in _LEVELS:
        raise ValueError(f"log level must be one of {', '.join(_LEVELS)}, not {level!r}")
    _host.log(_types.LogLevel[name.upper()], str(message))
