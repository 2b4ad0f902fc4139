"""Background tasks: collected as FastAPI collects them, one object per request shared by the
operation and its dependencies, handed over with the response, and run in order, the first
failure ending the rest."""

import asyncio
from typing import Annotated

import pytest

from fastwasm import BackgroundTasks, Depends, FastAPI
from fastwasm.background import BackgroundTask
from fastwasm.responses import JSONResponse

from support import serve


def make_app(ran: list[str]) -> FastAPI:
    app = FastAPI()

    def from_dependency(tasks: BackgroundTasks, q: str | None = None) -> str | None:
        tasks.add_task(ran.append, f"dependency {q}")
        return q

    @app.post("/async")
    async def async_op(tasks: BackgroundTasks, q: Annotated[str | None, Depends(from_dependency)]):
        async def later(text: str, *, suffix: str) -> None:
            ran.append(text + suffix)

        tasks.add_task(later, "async", suffix="!")
        return {"q": q}

    @app.post("/def")
    def def_op(tasks: BackgroundTasks):
        tasks.add_task(ran.append, "def")
        return {}

    @app.post("/own")
    def own_op(tasks: BackgroundTasks):
        tasks.add_task(ran.append, "added")
        return JSONResponse({}, background=BackgroundTask(ran.append, "its own"))

    @app.post("/none")
    async def none_op():
        return {}

    return app


def test_tasks_go_with_the_response_and_run_in_the_order_added():
    ran: list[str] = []
    app = make_app(ran)
    response = serve(app, "POST", "/async", params={"q": "x"})
    assert response.body == b'{"q":"x"}'
    assert ran == [], "nothing runs before the response is sent"
    asyncio.run(response.background())
    assert ran == ["dependency x", "async!"]


def test_a_def_operation_with_tasks_is_served_blocking():
    app = make_app([])
    kinds = {op.path: op.kind for op in app.describe().operations}
    assert kinds == {"/async": "async", "/def": "blocking", "/own": "blocking", "/none": "async"}


def test_a_response_with_its_own_background_keeps_it():
    ran: list[str] = []
    response = serve(make_app(ran), "POST", "/own")
    asyncio.run(response.background())
    assert ran == ["its own"]


def test_no_tasks_no_background():
    assert serve(make_app([]), "POST", "/none").background is None


def test_the_first_failure_ends_the_rest():
    ran: list[str] = []
    tasks = BackgroundTasks()
    tasks.add_task(ran.append, "first")
    tasks.add_task(lambda: 1 / 0)
    tasks.add_task(ran.append, "never")
    with pytest.raises(ZeroDivisionError):
        asyncio.run(tasks())
    assert ran == ["first"]
