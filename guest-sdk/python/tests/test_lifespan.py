"""Start-up per instance: the lifespan and start-up handlers run once, on the first call."""

from contextlib import asynccontextmanager

import pytest

from fastwasm import FastAPI, Request
from fastwasm.exceptions import DeclarationError

from support import serve


def test_the_lifespan_runs_once_and_its_state_reaches_each_request():
    starts = []

    @asynccontextmanager
    async def lifespan(app):
        starts.append(app.title)
        yield {"limit": 3}

    app = FastAPI(title="shop", lifespan=lifespan)

    @app.get("/")
    async def read(request: Request):
        request.state.limit += 1
        return {"limit": request.state.limit}

    assert serve(app, "GET", "/").body == b'{"limit":4}'
    assert serve(app, "GET", "/").body == b'{"limit":4}'
    assert starts == ["shop"]


def test_start_up_handlers_run_in_order_and_a_failed_start_is_tried_again():
    ran = []

    def connect():
        ran.append("connect")
        if len(ran) == 1:
            raise RuntimeError("not ready")

    app = FastAPI(on_startup=[connect])

    @app.on_event("startup")
    async def warm():
        ran.append("warm")

    @app.get("/")
    def read():
        return ran

    failed = serve(app, "GET", "/")
    assert isinstance(failed, RuntimeError)
    assert serve(app, "GET", "/").body == b'["connect","connect","warm"]'
    assert serve(app, "GET", "/").body == b'["connect","connect","warm"]'


def test_a_lifespan_replaces_the_start_up_handlers_as_in_fastapi():
    ran = []

    @asynccontextmanager
    async def lifespan(app):
        ran.append("lifespan")
        yield

    app = FastAPI(lifespan=lifespan, on_startup=[lambda: ran.append("startup")])

    @app.get("/")
    def read():
        return ran

    assert serve(app, "GET", "/").body == b'["lifespan"]'


def test_shutdown_code_fails_the_declaration():
    with pytest.raises(DeclarationError, match="not told when the host retires it"):
        FastAPI(on_shutdown=[print])
    app = FastAPI()
    with pytest.raises(DeclarationError, match="on_event\\('shutdown'\\)"):

        @app.on_event("shutdown")
        def close():
            pass
