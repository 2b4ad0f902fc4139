"""`FastWasm` (also importable as `FastAPI`): the app — a router that also exports named
providers, and the table of operations the host calls by id."""

from __future__ import annotations

import json
import re
from typing import Any, Callable, Sequence, TypeVar

from . import app_options, declaration, openapi
from .exception_handlers import Handler, check_handler
from .dependencies import where
from .exceptions import DeclarationError
from .pydantic.fields import caller
from .lifespan import NO_SHUTDOWN, Lifespan, check_event
from .middleware.base import Dispatch, is_dispatch
from .params import DependsInfo
from .providers import NamedProvider
from .routing import APIRouter, Route

Provided = TypeVar("Provided", bound=Callable[..., Any])


class FastWasm(APIRouter):
    """A fastwasm app: declare path operations on it as on FastAPI's app.

    ```python
    app = FastWasm()

    @app.get("/items/{item_id}")
    async def read_item(item_id: int, q: str | None = None):
        return {"item_id": item_id, "q": q}
    ```

    `title`, `summary`, `description`, `version`, `terms_of_service`, `contact`,
    `license_info`, `openapi_tags`, `servers` and `openapi_external_docs` go into the
    document, under the manifest's `title`, `version` and `description`. `lifespan` and
    `on_startup` run once per instance, on its first call (see `lifespan`).
    """

    def __init__(
        self,
        *,
        title: str | None = None,
        summary: str | None = None,
        description: str = "",
        version: str | None = None,
        terms_of_service: str | None = None,
        contact: dict[str, Any] | None = None,
        license_info: dict[str, Any] | None = None,
        openapi_tags: list[dict[str, Any]] | None = None,
        servers: list[dict[str, Any]] | None = None,
        openapi_external_docs: dict[str, Any] | None = None,
        dependencies: Sequence[DependsInfo] | None = None,
        responses: dict[int | str, Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        exception_handlers: dict[Any, Handler] | None = None,
        lifespan: Callable[[Any], Any] | None = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        **options: Any,
    ) -> None:
        app_options.check(options)
        if on_shutdown:
            raise DeclarationError(
                f"{caller()}: `FastAPI(on_shutdown=...)` is not supported: {NO_SHUTDOWN}"
            )
        super().__init__(
            dependencies=dependencies,
            responses=responses,
            deprecated=deprecated,
            include_in_schema=include_in_schema,
        )
        self.title = title or "FastAPI"
        self.summary = summary
        self.description = description
        self.version = version or "0.1.0"
        self.terms_of_service = terms_of_service
        self.contact = contact
        self.license_info = license_info
        self.openapi_tags = openapi_tags
        self.servers = servers or []
        self.openapi_external_docs = openapi_external_docs
        #: What the document says of the app (see `openapi.app_fragment`): only what was
        #: given, so that the manifest's name stands for an untitled app.
        self._openapi = _jsonable_fields(
            openapi.app_fragment(
                {
                    "title": title,
                    "summary": summary,
                    "description": description,
                    "version": version,
                    "termsOfService": terms_of_service,
                    "contact": contact,
                    "license": license_info,
                },
                tags=openapi_tags,
                servers=servers,
                external_docs=openapi_external_docs,
            )
        )
        self.providers: dict[str, NamedProvider] = {}
        self._operations: dict[str, Route] | None = None
        #: The HTTP middleware, outermost first (see `middleware.base`).
        self.http_middleware: list[Dispatch] = []
        #: Each exception class the app handles, and its handler (see `exception_handlers`).
        self.exception_handlers: dict[type[Exception], Handler] = {}
        for key, handler in (exception_handlers or {}).items():
            self.add_exception_handler(key, handler)
        #: Each instance's start-up, run on its first call.
        self.lifespan = Lifespan(lifespan, list(on_startup or []))

    def _add(self, *args: Any, **kwargs: Any) -> None:
        super()._add(*args, **kwargs)
        self._operations = None

    def add_exception_handler(
        self, exc_class_or_status_code: type[Exception] | int, handler: Handler
    ) -> None:
        """Answers an exception of this class (or a subclass) that an operation or one of its
        dependencies raises with `handler(request, exc)`, as FastAPI's app does."""
        key = check_handler(exc_class_or_status_code, handler)
        self.exception_handlers[key] = handler

    def exception_handler(
        self, exc_class_or_status_code: type[Exception] | int
    ) -> Callable[[Provided], Provided]:
        """`@app.exception_handler(SomeError)`: see `add_exception_handler`."""

        def decorator(handler: Provided) -> Provided:
            self.add_exception_handler(exc_class_or_status_code, handler)
            return handler

        return decorator

    def add_middleware(self, middleware_class: type, *args: Any, **options: Any) -> None:
        """FastAPI's `add_middleware`: a `BaseHTTPMiddleware` subclass wraps the component's
        HTTP operations (see `middleware.base`); other (ASGI) middleware fails the build. For
        `CORSMiddleware` the error gives the host's settings that answer the same, for every
        component of the app."""
        from .middleware.base import BaseHTTPMiddleware
        from .middleware.cors import CORSMiddleware, server_table

        if isinstance(middleware_class, type) and issubclass(middleware_class, BaseHTTPMiddleware):
            self._add_http_middleware(middleware_class(None, *args, **options).dispatch_func)
            return
        if middleware_class is CORSMiddleware:
            try:
                table = server_table(options)
            except TypeError as err:
                raise DeclarationError(f"{caller()}: {err}") from None
            raise DeclarationError(
                f"{caller()}: CORS is answered by the host, for every component: instead of "
                f"`add_middleware(CORSMiddleware, ...)`, put this in fastwasm.toml (or give "
                f"the same as `fastwasm serve --cors-...` flags):\n\n{table}\n"
            )
        name = getattr(middleware_class, "__name__", repr(middleware_class))
        raise DeclarationError(
            f"{caller()}: `add_middleware({name})`: ASGI middleware cannot run in a component; "
            f"a `BaseHTTPMiddleware` subclass (`fastwasm.middleware.base`) or "
            f"`@app.middleware(\"http\")` can (CORS is the host's: its `cors_*` settings)"
        )

    def _add_http_middleware(self, dispatch: Dispatch) -> None:
        if not is_dispatch(dispatch):
            raise DeclarationError(
                f"{where(dispatch)}: an HTTP middleware is `async def`: Starlette awaits it"
            )
        # The last added runs first, as Starlette stacks them.
        self.http_middleware.insert(0, dispatch)
        self._operations = None

    def on_event(self, event_type: str) -> Callable[[Provided], Provided]:
        """`@app.on_event("startup")` runs the function when an instance starts up (see
        `lifespan`); a `"shutdown"` one fails the build, naming the function."""

        def decorator(call: Provided) -> Provided:
            check_event(event_type, call)
            self.lifespan.add_startup(call)
            return call

        return decorator

    def middleware(self, middleware_type: str) -> Callable[[Provided], Provided]:
        """`@app.middleware("http")`: the decorated `async def function(request, call_next)`
        wraps every HTTP operation of the component (see `middleware.base`)."""

        def decorator(call: Provided) -> Provided:
            if middleware_type != "http":
                raise DeclarationError(
                    f"{where(call)}: `@app.middleware({middleware_type!r})`: the middleware "
                    f"type is \"http\""
                )
            self._add_http_middleware(call)
            return call

        return decorator

    def provider(
        self, name: str, *, description: str | None = None
    ) -> Callable[[Provided], Provided]:
        """Exports the decorated function as the dependency provider `name`, for operations of
        any component to use with `Depends("name")`. The function is returned unchanged, so
        this component's own operations may also use it with `Depends(function)`."""

        def decorator(call: Provided) -> Provided:
            if name in self.providers:
                raise DeclarationError(
                    f"{where(call)}: the provider `{name}` is already declared by "
                    f"{where(self.providers[name].call)}"
                )
            self.providers[name] = NamedProvider(name, call, description)
            return call

        return decorator

    @property
    def operations(self) -> dict[str, Route]:
        """The routes by operation id. An id given twice (the same function under two paths or
        methods) falls back to FastAPI's unique form, `read_item_items__item_id__get`."""
        if self._operations is None:
            operations: dict[str, Route] = {}
            for route in self.routes:
                if route.operation_id in operations:
                    route.operation_id = (
                        re.sub(r"\W", "_", f"{route.endpoint.__name__}{route.path}")
                        + f"_{route.method.lower()}"
                    )
                if route.operation_id in operations:
                    raise DeclarationError(
                        f"{where(route.endpoint)}: the operation id `{route.operation_id}` "
                        "is used twice"
                    )
                operations[route.operation_id] = route
                route.behind_middleware = bool(self.http_middleware)
            self._operations = operations
        return self._operations

    def describe(self) -> declaration.AppInfo:
        return declaration.AppInfo(
            operations=[route.declaration() for route in self.operations.values()],
            providers=[provider.declaration() for provider in self.providers.values()],
            openapi=self._openapi,
        )


def _jsonable_fields(fragment: dict[str, Any] | None) -> str | None:
    """`fragment` as JSON text, or the build's error naming the `FastAPI(...)` call."""
    if fragment is None:
        return None
    try:
        return json.dumps(fragment)
    except (TypeError, ValueError) as err:
        raise DeclarationError(
            f"{caller()}: the app's OpenAPI fields (`openapi_tags`, `servers`, `contact`, "
            f"`license_info`, `openapi_external_docs`) must be JSON values: {err}"
        ) from None


FastAPI = FastWasm
