"""Work that runs after the response is sent, as Starlette's `BackgroundTask` and FastAPI's
`BackgroundTasks` run it: in the order it was added, `async def` functions awaited and `def`
ones called, the first failure ending the rest (its traceback goes to the log; the client
already has its answer).

The host sends the response first and keeps the request's instance until the work is done, for
at most the request timeout. An operation or dependency that takes `BackgroundTasks` is served
through the async export even when it is a `def` (on an instance of its own on the blocking
pool, as a `def` with `async def` dependencies is), so that its tasks can run after the answer.
In an `async def` operation a `def` task runs on the shared instance's event loop, between the
awaits of the other requests there, rather than in a thread pool: keep such tasks short, or
make them `async def`."""

from __future__ import annotations

import inspect
from typing import Any, Callable


class BackgroundTask:
    """One function and its arguments, called after the response."""

    def __init__(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.is_async = inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
            getattr(func, "__call__", None)
        )

    async def __call__(self) -> None:
        result = self.func(*self.args, **self.kwargs)
        if self.is_async or inspect.isawaitable(result):
            await result


class BackgroundTasks(BackgroundTask):
    """The tasks of one request: every argument of this type in the operation and its
    dependencies gets the same object, as in FastAPI."""

    def __init__(self, tasks: list[BackgroundTask] | None = None) -> None:
        self.tasks = list(tasks or [])

    def add_task(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        self.tasks.append(BackgroundTask(func, *args, **kwargs))

    async def __call__(self) -> None:
        for task in self.tasks:
            await task()
