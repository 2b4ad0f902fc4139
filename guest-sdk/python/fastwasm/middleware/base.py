"""HTTP middleware, as Starlette's `BaseHTTPMiddleware` runs it: `@app.middleware("http")`
functions and `app.add_middleware(SomeBaseHTTPMiddleware)` classes wrap every HTTP operation
of the component, the last added outermost. Each gets the `Request` and `call_next`; awaiting
`call_next(request)` runs the next one, and at the end the operation, and gives back its
response — with the answers of `HTTPException` and invalid input already made, as Starlette's
exception middleware (inside the user's) makes them — to return, change or replace.

As in Starlette, an exception the operation does not handle comes out of `call_next`, and one
that leaves the outermost middleware is a 500 (or the answer of the app's `Exception` handler,
which sits outside the middleware); the middleware's request has no `path_params` until
`call_next` routes it. Requests the host answers itself (404, 405, 413, the redirect to a slashed
path, CORS preflights) do not reach a component, so its middleware does not see them."""

from __future__ import annotations

import inspect
from typing import Any, Awaitable, Callable

from ..background import BackgroundTask, BackgroundTasks
from ..requests import Request
from ..responses import Response

CallNext = Callable[[Request], Awaitable[Response]]
Dispatch = Callable[[Request, CallNext], Awaitable[Response]]


class BaseHTTPMiddleware:
    """Starlette's base class (`from starlette.middleware.base import BaseHTTPMiddleware`):
    subclass it with `async def dispatch(self, request, call_next)`, or give `dispatch=`, and
    add it with `app.add_middleware(...)`."""

    def __init__(self, app: Any = None, dispatch: Dispatch | None = None) -> None:
        self.app = app
        self.dispatch_func: Dispatch = self.dispatch if dispatch is None else dispatch

    async def dispatch(self, request: Request, call_next: CallNext) -> Response:
        raise NotImplementedError()  # pragma: no cover


def is_dispatch(function: Any) -> bool:
    """Whether `function` can be awaited as a middleware: Starlette awaits what it returns."""
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
        getattr(function, "__call__", None)
    )


async def run_middleware(
    middleware: list[Dispatch], request: Request, endpoint: CallNext
) -> Response:
    """The response of `middleware` (outermost first) around `endpoint` for `request`."""
    routed = request.path_params
    request.path_params = {}

    async def call(index: int, request: Request) -> Response:
        if index == len(middleware):
            request.path_params = routed
            return await endpoint(request)
        inner: Response | None = None

        async def call_next(request: Request) -> Response:
            nonlocal inner
            inner = await call(index + 1, request)
            return inner

        response = await middleware[index](request, call_next)
        if not isinstance(response, Response):
            raise TypeError(
                f"the middleware {_name(middleware[index])} returned "
                f"{type(response).__name__}, not a Response"
            )
        if inner is not None and inner is not response:
            _carry_background(inner, response)
        return response

    return await call(0, request)


def _carry_background(inner: Response, outer: Response) -> None:
    """Keeps the tasks of a response the middleware replaced: Starlette runs them once that
    response's body was read, before the replacement's own."""
    if inner.background is None:
        return
    tasks: list[BackgroundTask] = [inner.background]
    if outer.background is not None:
        tasks.append(outer.background)
    outer.background = BackgroundTasks(tasks)


def _name(dispatch: Dispatch) -> str:
    function = getattr(dispatch, "__func__", dispatch)
    return f"`{getattr(function, '__qualname__', repr(function))}`"
