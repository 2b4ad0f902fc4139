"""Start-up per instance: FastAPI's `lifespan`, `on_startup` and `@app.on_event("startup")`.

A FastAPI process starts up once before it serves; a component runs as many instances as the
host starts, each from the snapshot taken at build time (where module-level code already ran).
So each instance starts up on its first call, before it serves it: the `lifespan` context is
entered (the state it yields is copied into every `request.state`), or else the start-up
handlers run in order. Calls that arrive while it starts wait for it; a start-up that raises
fails that call (a 500, with the traceback in the log) and is tried again by the next one.

An instance is not told when the host retires it, so what comes after the lifespan's `yield`
does not run, and shutdown handlers fail the build. In an instance that serves `def`
operations start-up code must not await host I/O: there is no event loop to wait on."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any, Callable, Mapping

from .dependencies import where
from .exceptions import DeclarationError

#: Why shutdown code cannot be honoured.
NO_SHUTDOWN = (
    "an instance is not told when the host retires it, so shutdown code would never run; "
    "release what a request holds in a `yield` dependency instead"
)


class Lifespan:
    """The start-up of one app, run once per instance."""

    def __init__(self, lifespan: Callable[[Any], Any] | None, on_startup: list[Callable[[], Any]]):
        self._lifespan = lifespan
        self._on_startup = list(on_startup)
        #: What the lifespan yielded: each request's `request.state` starts as a copy of it.
        self.state: dict[str, Any] = {}
        self._started = False
        self._lock: asyncio.Lock | None = None
        #: The entered lifespan context, kept alive with the instance.
        self._context: Any = None

    def add_startup(self, call: Callable[[], Any]) -> None:
        self._on_startup.append(call)

    async def ensure_started(self, app: Any) -> None:
        """Starts this instance up, once; concurrent first calls wait for the one that does."""
        if self._started:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if not self._started:
                await self._start(app)
                self._started = True

    async def _start(self, app: Any) -> None:
        if self._lifespan is None:
            # As in FastAPI, start-up handlers run only when there is no lifespan.
            for call in self._on_startup:
                result = call()
                if inspect.isawaitable(result):
                    await result
            return
        context = self._lifespan(app)
        if hasattr(context, "__aenter__"):
            state = await context.__aenter__()
        elif hasattr(context, "__enter__"):
            state = context.__enter__()
        else:
            raise TypeError(
                f"the lifespan {where(self._lifespan)} returned {type(context).__name__}, not "
                f"a context manager: decorate it with `@contextlib.asynccontextmanager`"
            )
        self._context = context
        if state is not None:
            if not isinstance(state, Mapping):
                raise TypeError(
                    f"the lifespan {where(self._lifespan)} yielded {type(state).__name__}: "
                    f"yield a dict (its keys become `request.state` attributes) or nothing"
                )
            self.state = dict(state)


def check_event(event_type: str, call: Callable[..., Any]) -> None:
    """Fails the build for an event handler that cannot run."""
    if event_type == "shutdown":
        raise DeclarationError(
            f"{where(call)}: `@app.on_event('shutdown')` is not supported: {NO_SHUTDOWN}"
        )
    if event_type != "startup":
        raise DeclarationError(
            f"{where(call)}: `@app.on_event({event_type!r})`: the events are 'startup' and "
            f"'shutdown'"
        )
