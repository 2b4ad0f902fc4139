"""`@app.exception_handler(SomeError)`, as Starlette runs it: an exception an operation or
one of its dependencies raises (after their teardowns ran) is answered by the handler of its
class or nearest base class, `handler(request, exc)`, sync or async, returning a `Response`. A
handler for `Exception` answers what would otherwise be a 500, and the traceback is still
logged, as Starlette's server error middleware does.

A handler for `RequestValidationError` answers every 422 of the component's operations, as
FastAPI's does (`request_validation_exception_handler` is FastAPI's default answer, to fall back
on). Handlers for `HTTPException` or a status code are refused at build time: the host answers
404 and 405 before the component runs, so such a handler would see only some of the answers it
is meant to change."""

from __future__ import annotations

import inspect
import traceback
from typing import Any, Callable

from .dependencies import where
from .encoders import jsonable_encoder
from .exceptions import DeclarationError, HTTPException, RequestValidationError
from .requests import Request
from .responses import JSONResponse, Response

Handler = Callable[[Request, Exception], Any]

#: What goes to the host to answer unless a handler takes exactly that class: a handler of
#: `Exception` does not turn them into 500s.
_HOST_ANSWERED = (HTTPException, RequestValidationError)


def check_handler(key: Any, handler: Handler) -> type[Exception]:
    """The exception class `key` names, when a component can handle it."""
    if isinstance(key, int):
        raise DeclarationError(
            f"{where(handler)}: a handler for status {key} is not supported: the host answers "
            f"404, 405 and 413 before the component runs, so it would see only some of them"
        )
    if not (isinstance(key, type) and issubclass(key, Exception)):
        raise DeclarationError(f"{where(handler)}: `exception_handler` takes an exception class")
    if key is HTTPException:
        raise DeclarationError(
            f"{where(handler)}: a handler for `{key.__name__}` is not supported: the host "
            f"answers 404 and 405 before the component runs, so it would see only some of "
            f"them; raise an exception of your own and handle that"
        )
    return key


async def http_exception_handler(request: Request, exc: HTTPException) -> Response:
    """FastAPI's default answer to an `HTTPException`: its status and headers, and its detail
    as JSON where the status allows a body. The host makes the same answer from the WIT
    `http-error`; the SDK makes it where a middleware must see it as a response."""
    headers = getattr(exc, "headers", None)
    if exc.status_code < 200 or exc.status_code in (204, 205, 304):
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)


async def request_validation_exception_handler(
    request: Request, exc: RequestValidationError
) -> JSONResponse:
    """FastAPI's default answer to invalid input: 422 with the error list."""
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(exc.errors())})


def find(handlers: dict[type[Exception], Handler], exc: Exception) -> Handler | None:
    """The handler of `exc`'s class or its nearest base, Starlette's lookup. `HTTPException`
    and `RequestValidationError` go to the host, whatever handles `Exception`."""
    if isinstance(exc, _HOST_ANSWERED) and type(exc) not in handlers:
        return None
    for cls in type(exc).__mro__:
        if cls in handlers:
            return handlers[cls]
    return None


async def answer(handler: Handler, request: Request, exc: Exception) -> Response:
    """The handler's response to `exc`."""
    result = handler(request, exc)
    if inspect.isawaitable(result):
        result = await result
    if not isinstance(result, Response):
        raise TypeError(
            f"the exception handler {where(handler)} returned {type(result).__name__}, "
            f"not a Response"
        )
    return result


def log_if_server_error(handlers: dict[type[Exception], Handler], exc: Exception) -> None:
    """Logs the traceback of an exception only the `Exception` handler answers: an error in
    the app, as Starlette's server error middleware logs it after its handler answered."""
    if not any(cls in handlers for cls in type(exc).__mro__ if cls is not Exception):
        traceback.print_exception(exc)
