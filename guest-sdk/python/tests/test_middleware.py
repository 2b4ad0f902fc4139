"""HTTP middleware: stacked as Starlette stacks it, the `Exception` handler outside it and the
others inside, and refused at build time where Starlette would fail at run time."""

import pytest

from fastwasm import FastAPI, HTTPException, Request
from fastwasm.exceptions import DeclarationError
from fastwasm.execution import MiddlewareError
from fastwasm.middleware.base import BaseHTTPMiddleware
from fastwasm.responses import PlainTextResponse

from support import serve


class Handled(Exception):
    pass


def make_app(seen: list[str]) -> FastAPI:
    app = FastAPI()

    @app.exception_handler(Handled)
    async def handled(request: Request, exc: Handled):
        seen.append("handled")
        return PlainTextResponse("handled", status_code=418)

    @app.middleware("http")
    async def inner(request: Request, call_next):
        seen.append("inner")
        response = await call_next(request)
        response.headers["x-inner"] = "1"
        return response

    class Outer(BaseHTTPMiddleware):
        async def dispatch(self, request, call_next):
            seen.append(f"outer {request.path_params}")
            return await call_next(request)

    app.add_middleware(Outer)

    @app.get("/items/{item_id}")
    def read(item_id: int):
        seen.append("operation")
        return {"item_id": item_id}

    @app.get("/handled")
    async def raise_handled():
        raise Handled()

    @app.get("/http")
    async def raise_http():
        raise HTTPException(status_code=400, detail="no", headers={"x-why": "because"})

    @app.get("/broken")
    async def broken():
        raise KeyError("broken")

    return app


def test_the_last_added_runs_first_and_sees_no_path_params_before_call_next():
    seen: list[str] = []
    app = make_app(seen)
    response = serve(app, "GET", "/items/{item_id}", params={"item_id": 3})
    assert (response.status_code, response.body) == (200, b'{"item_id":3}')
    assert response.headers["x-inner"] == "1"
    assert seen == ["outer {}", "inner", "operation"]


def test_a_def_operation_behind_middleware_is_served_blocking():
    app = make_app([])
    assert app.operations["read"].kind == "blocking"
    assert app.operations["raise_handled"].kind == "async"
    plain = FastAPI()

    @plain.get("/")
    def read():
        return {}

    assert plain.operations["read"].kind == "sync"


def test_answers_of_the_operation_come_back_through_the_middleware():
    seen: list[str] = []
    app = make_app(seen)
    response = serve(app, "GET", "/handled")
    assert (response.status_code, response.body, response.headers["x-inner"]) == (
        418,
        b"handled",
        "1",
    )
    response = serve(app, "GET", "/http")
    assert (response.status_code, response.body) == (400, b'{"detail":"no"}')
    assert (response.headers["x-why"], response.headers["x-inner"]) == ("because", "1")


def test_what_leaves_the_middleware_is_a_server_error_unless_exception_is_handled():
    app = make_app([])
    error = serve(app, "GET", "/broken")
    assert isinstance(error, MiddlewareError)
    assert isinstance(error.__cause__, KeyError)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception):
        return PlainTextResponse(f"caught {type(exc).__name__}", status_code=500)

    response = serve(app, "GET", "/broken")
    assert (response.status_code, response.body) == (500, b"caught KeyError")
    assert "x-inner" not in response.headers, "the handler answers outside the middleware"


def test_middleware_that_cannot_run_fails_the_build():
    app = FastAPI()
    with pytest.raises(DeclarationError, match="is `async def`"):

        @app.middleware("http")
        def not_async(request, call_next):
            return call_next(request)

    with pytest.raises(DeclarationError, match='the middleware type is "http"'):

        @app.middleware("websocket")
        async def other(request, call_next):
            return await call_next(request)

    class Asgi:
        def __init__(self, app):
            self.app = app

    with pytest.raises(DeclarationError, match="ASGI middleware cannot run in a component"):
        app.add_middleware(Asgi)
