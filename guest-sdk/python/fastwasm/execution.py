"""Serving one call from the host: reading the validated parameters, the body and the host's
dependencies, solving the dependency tree as FastAPI does (each dependency once per request
unless `use_cache=False`; the code after a `yield` run after the response is made, last opened
first closed), calling the endpoint or provider, and rendering its value.

Invalid parameters end the request as FastAPI's do: a dependency whose parameters (or whose
own dependencies) failed is not called, the others still are — so an earlier or later one that
raises `HTTPException` is the answer — and then one `RequestValidationError` lists every error:
the host's skipped providers first, then each dependency's in the order FastAPI solves them
(its dependencies', then its path, query, header and cookie parameters', then its body's).

Everything is written once, as coroutines. A `def` operation's tree holds no `async def` (the
build checks it), so its coroutine never suspends and `run_sync` drives it without a loop."""

from __future__ import annotations

import contextlib
import functools
import json
import re
import sys
import traceback
import urllib.parse
from typing import Any, Awaitable, Callable, Coroutine, Mapping, Protocol, Sequence, TypeVar

from .background import BackgroundTasks
from .dependencies import LOCATION_ORDER, CallKind, Dependant, HostDependency, ParamField
from .encoders import jsonable_encoder
from .exception_handlers import (
    Handler,
    answer,
    find,
    http_exception_handler,
    log_if_server_error,
    request_validation_exception_handler,
)
from .exceptions import HTTPException, RequestValidationError, WebSocketException
from .middleware.base import Dispatch, run_middleware
from .providers import NamedProvider
from .requests import BodyReader, Request
from .responses import Response, StreamingResponse
from .params import ParamLocation
from .routing import Route
from .security import SecurityScopes
from .pydantic.validation import Errors, validate
from .websockets import Connection, Messages, WebSocket, WebSocketDisconnect, WebSocketState

T = TypeVar("T")


class HostRequest(Protocol):
    """The WIT `request` record, as the bindings pass it."""

    method: str
    path: str
    query: str
    headers: Sequence[tuple[str, bytes]]
    body: bytes
    route: str
    operation_id: str
    params: Sequence[tuple[str, str]]
    invalid: Sequence[HostInvalidParam]
    provider_errors: Sequence[str]


class HostInvalidParam(Protocol):
    """The WIT `invalid-param` record."""

    name: str
    errors: Sequence[str]


class HostDependencyValue(Protocol):
    """The WIT `dependency` record."""

    name: str
    value: str


def run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine that never suspends to its end."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("a `def` operation or provider awaited; only `async def` ones may")


class _Scope:
    """What one call reads its arguments from, and the values solved so far."""

    def __init__(
        self,
        req: HostRequest,
        deps: Sequence[HostDependencyValue],
        fields: list[ParamField],
        body_stream: BodyReader | None = None,
        state: Mapping[str, Any] | None = None,
    ) -> None:
        self.req = req
        #: What the instance's lifespan yielded, copied into `request.state`.
        self.state = state
        self.body_stream = body_stream
        #: The connection of a WebSocket operation.
        self.websocket: WebSocket | None = None
        self.params = {name: json.loads(value) for name, value in req.params}
        #: The errors of each parameter the host found invalid.
        self.invalid: dict[str, Errors] = {
            param.name: [json.loads(text) for text in param.errors] for param in req.invalid
        }
        #: Errors found so far, in FastAPI's order: the skipped providers' come first.
        self.errors: Errors = [json.loads(text) for text in req.provider_errors]
        self._check_in_guest(fields)
        self.deps = {dep.name: dep.value for dep in deps}
        self.body: dict[str, Any] = {}
        #: The errors of each body part that failed, by key.
        self.body_errors: dict[str, Errors] = {}
        self.cache: dict[Any, Any] = {}
        self._request: Request | None = None
        #: The `response: Response` argument's object, if something asked for it.
        self.sub_response: Response | None = None
        #: The request's `BackgroundTasks`, if something asked for them.
        self.background: BackgroundTasks | None = None

    def _check_in_guest(self, fields: list[ParamField]) -> None:
        """Validates the parameters the host passed on as text (see `GUEST_CHECKED`): a bad
        one joins the host's invalid ones, so its error comes in FastAPI's order."""
        for field in fields:
            if field.validator is None or field.name not in self.params:
                continue
            loc = (field.location.value, field.wire)
            value, errors = validate(field.validator, self.params[field.name], loc)
            if errors:
                self.invalid[field.name] = errors
                del self.params[field.name]
            else:
                self.params[field.name] = value

    def param(self, field: ParamField) -> Any:
        value = self.params.get(field.name)
        if value is None:
            return field.info.get_default()
        return field.convert(value)

    def dependency(self, dependency: HostDependency) -> Any:
        text = self.deps.get(dependency.name)
        if text is None:
            raise RuntimeError(f"the host did not provide the dependency `{dependency.name}`")
        value = json.loads(text)
        if dependency.validator is None:
            return value
        converted, errors = validate(dependency.validator, value)
        if errors:
            raise RuntimeError(
                f"the dependency `{dependency.name}` does not fit its annotation: "
                f"{jsonable_encoder(errors)}"
            )
        return converted

    def headers(self) -> list[tuple[str, str]]:
        return [(name, value.decode("latin-1")) for name, value in self.req.headers]

    def received(self, location: ParamLocation) -> list[tuple[str, str]]:
        """The names and values the request sent in `location`, in order."""
        if location is ParamLocation.QUERY:
            return urllib.parse.parse_qsl(self.req.query, keep_blank_values=True)
        if location is ParamLocation.HEADER:
            return self.headers()
        if location is ParamLocation.COOKIE:
            return list(self.request.cookies.items())
        return list(self.path_params().items())

    def path_params(self) -> dict[str, str]:
        """The path's segments by the template's names, as Starlette's `path_params` has them:
        the text sent (percent-decoded), valid or not."""
        found = _path_pattern(self.req.route).search(self.req.path)
        if found is None:
            return {}
        return {name: urllib.parse.unquote(text) for name, text in found.groupdict().items()}

    @property
    def request(self) -> Request:
        if self._request is None:
            req = self.req
            self._request = Request(
                method=req.method,
                path=req.path,
                query=req.query,
                headers=self.headers(),
                body=bytes(req.body),
                path_params=self.path_params(),
                stream=self.body_stream,
                state=self.state,
            )
        return self._request

    def background_tasks(self) -> BackgroundTasks:
        if self.background is None:
            self.background = BackgroundTasks()
        return self.background

    def response(self) -> Response:
        if self.sub_response is None:
            # As FastAPI's: no status until one is set, then it replaces the route's.
            self.sub_response = Response()
            self.sub_response.status_code = None
        return self.sub_response


@functools.lru_cache(maxsize=256)
def _path_pattern(template: str) -> re.Pattern[str]:
    """What finds `template`'s segments at the end of a path (a component's `prefix` comes
    before it): `{name}` is one segment, `{name:path}` the rest of the path."""
    pattern = ""
    for literal, name, converter in _TEMPLATE_PART.findall(template):
        pattern += re.escape(literal)
        if name:
            pattern += f"(?P<{name}>.*)" if converter == "path" else f"(?P<{name}>[^/]*)"
    return re.compile(pattern + "$")


_TEMPLATE_PART = re.compile(r"([^{]*)(?:\{(\w+)(?::(\w+))?\})?")


def _read_params(dependant: Dependant, scope: _Scope, arguments: dict[str, Any]) -> bool:
    """Puts `dependant`'s parameters (and its parameter models) into `arguments`; `False`, with
    their errors added to `scope.errors` in FastAPI's order, when any failed."""
    params_failed = False
    for param in dependant.params:
        if param.name in scope.invalid:
            params_failed = True
        elif param.model is None:
            arguments[param.arg] = scope.param(param)
    # What each model was given matters only for its errors.
    inputs = [
        model.input(scope.received(model.location))
        if params_failed or model.forbid_extra
        else {}
        for model in dependant.param_models
    ]
    extras = [model.extras(data) for model, data in zip(dependant.param_models, inputs)]
    if params_failed or any(extras):
        for location in LOCATION_ORDER:
            for param in dependant.params:
                if param.location is not location:
                    continue
                for error in scope.invalid.get(param.name, ()):
                    if param.model is not None and error["type"] == "missing":
                        # A model's missing field names what the model was given, as in FastAPI.
                        data = inputs[dependant.param_models.index(param.model)]
                        error = {**error, "input": data}
                    scope.errors.append(error)
            # A model's unknown names after its fields' errors, as pydantic lists them.
            for model, model_extras in zip(dependant.param_models, extras):
                if model.location is location:
                    scope.errors.extend(model_extras)
        return False
    complete = True
    for model in dependant.param_models:
        value, errors = model.build(scope.params)
        if errors:
            scope.errors.extend(errors)
            complete = False
        else:
            arguments[model.arg] = value
    return complete


async def _solve(
    dependant: Dependant, scope: _Scope, stack: contextlib.AsyncExitStack
) -> dict[str, Any] | None:
    """The arguments of `dependant.call`, its dependencies called (or taken from the cache);
    `None` when something it needs failed, its errors added to `scope.errors`."""
    arguments: dict[str, Any] = {}
    complete = True
    for dependency in dependant.dependencies:
        # FastAPI solves a dependency's own dependencies before looking at the cache, so that a
        # `use_cache=False` one below a cached one still runs.
        sub_arguments = await _solve(dependency, scope, stack)
        if sub_arguments is None:
            complete = False
            continue
        if dependency.use_cache and dependency.call in scope.cache:
            value = scope.cache[dependency.call]
        else:
            value = await _invoke(dependency, sub_arguments, stack)
            scope.cache.setdefault(dependency.call, value)
        if dependency.arg is not None:
            arguments[dependency.arg] = value
    if not _read_params(dependant, scope, arguments):
        complete = False
    for part in dependant.body:
        failed = scope.body_errors.get(part.key)
        if failed is not None:
            scope.errors.extend(failed)
            complete = False
        else:
            arguments[part.arg] = scope.body[part.key]
    for host_dependency in dependant.host_dependencies:
        if host_dependency.name not in scope.deps and scope.errors:
            # The host skipped its provider, whose parameters failed: their errors are listed.
            complete = False
            continue
        value = scope.dependency(host_dependency)
        if host_dependency.arg is not None:
            arguments[host_dependency.arg] = value
    if not complete:
        return None
    if dependant.request_arg is not None:
        arguments[dependant.request_arg] = scope.request
    if dependant.response_arg is not None:
        arguments[dependant.response_arg] = scope.response()
    if dependant.websocket_arg is not None:
        arguments[dependant.websocket_arg] = scope.websocket
    if dependant.security_scopes_arg is not None:
        arguments[dependant.security_scopes_arg] = SecurityScopes(list(dependant.scopes))
    if dependant.background_tasks_arg is not None:
        arguments[dependant.background_tasks_arg] = scope.background_tasks()
    return arguments


async def _invoke(
    dependant: Dependant, arguments: dict[str, Any], stack: contextlib.AsyncExitStack
) -> Any:
    call = dependant.call
    if dependant.kind is CallKind.ASYNC_GENERATOR:
        return await stack.enter_async_context(contextlib.asynccontextmanager(call)(**arguments))
    if dependant.kind is CallKind.GENERATOR:
        return stack.enter_context(contextlib.contextmanager(call)(**arguments))
    if dependant.kind is CallKind.ASYNC:
        return await call(**arguments)
    return call(**arguments)


#: Closes a streamed response's dependencies, once its body is written.
Finish = Callable[[], Awaitable[Any]]


async def run_operation(
    route: Route,
    req: HostRequest,
    deps: Sequence[HostDependencyValue],
    body_stream: BodyReader | None = None,
    handlers: dict[type[Exception], Handler] | None = None,
    state: Mapping[str, Any] | None = None,
    middleware: list[Dispatch] | None = None,
) -> tuple[Response, Finish | None]:
    """Serves a request to `route`, through the app's HTTP `middleware` when it has some. An
    exception one of the app's exception `handlers` takes is answered by it, once the
    dependencies are torn down; otherwise `HTTPException` and `RequestValidationError` are
    raised for the host to answer, and any other exception is a bug in the app (500, logged).

    A streamed response comes with what closes its dependencies: they serve its body too, so
    the code after their `yield` runs once the body is written."""
    scope = _Scope(req, deps, route.params, body_stream, state)
    handlers = handlers or {}
    if not middleware:
        return await _run_route(route, scope, handlers)
    # As in Starlette: the handlers of the exception middleware inside the user's, and the
    # `Exception` one of the server error middleware outside them.
    inner_handlers = {cls: handler for cls, handler in handlers.items() if cls is not Exception}
    finish: Finish | None = None

    async def endpoint(request: Request) -> Response:
        nonlocal finish
        try:
            response, finish = await _run_route(route, scope, inner_handlers)
        except HTTPException as exc:
            return await http_exception_handler(request, exc)
        except RequestValidationError as exc:
            return await request_validation_exception_handler(request, exc)
        return response

    try:
        response = await run_middleware(middleware, scope.request, endpoint)
    except Exception as exc:
        if finish is not None:
            await finish()
        handler = handlers.get(Exception)
        if handler is None:
            raise MiddlewareError("an exception left the HTTP middleware") from exc
        traceback.print_exception(exc)
        return await answer(handler, scope.request, exc), None
    if finish is not None and not isinstance(response, StreamingResponse):
        # The middleware read the body, or replaced the response: its dependencies are done.
        await finish()
        finish = None
    return response, finish


class MiddlewareError(RuntimeError):
    """What left the app's HTTP middleware: a 500, whatever it was (an `HTTPException` too),
    as Starlette's server error middleware answers it."""


async def _run_route(
    route: Route, scope: _Scope, handlers: dict[type[Exception], Handler]
) -> tuple[Response, Finish | None]:
    stack = contextlib.AsyncExitStack()
    await stack.__aenter__()
    req = scope.req
    try:
        parsed = None
        if route.body is not None:
            content_type = next(
                (value.decode("latin-1") for name, value in req.headers if name == "content-type"),
                None,
            )
            # A body that does not parse is the answer before anything runs, as in FastAPI;
            # one that does not validate joins the other errors.
            parsed, scope.body, scope.body_errors = route.body.read(content_type, bytes(req.body))
        arguments = await _solve(route.dependant, scope, stack)
        if arguments is None or scope.errors:
            raise RequestValidationError(scope.errors, body=parsed)
        if route.stream is not None:
            response: Response = route.render_stream(
                route.dependant.call(**arguments), scope.sub_response
            )
        else:
            result = await _invoke(route.dependant, arguments, stack)
            response = route.render(result, scope.sub_response)
        if scope.background is not None and response.background is None:
            # As FastAPI: the tasks go with the response, unless it brought its own.
            response.background = scope.background
    except BaseException as exc:
        await stack.__aexit__(*sys.exc_info())
        handler = find(handlers, exc) if handlers and isinstance(exc, Exception) else None
        if handler is None:
            raise
        log_if_server_error(handlers, exc)
        return await answer(handler, scope.request, exc), None
    if isinstance(response, StreamingResponse):
        return response, stack.aclose
    await stack.aclose()
    return response, None


async def run_websocket(
    route: Route,
    req: HostRequest,
    deps: Sequence[HostDependencyValue],
    connection: Connection,
    messages: Messages,
) -> None:
    """Serves one WebSocket connection with `route`'s endpoint. A closed connection
    (`WebSocketDisconnect`) ends it quietly, `WebSocketException` closes it with its code; any
    other error before `accept` is raised for the host to answer the upgrade request with,
    and after it is logged and closes the connection with 1011, as uvicorn does."""
    scope = _Scope(req, deps, route.params)
    websocket = WebSocket(
        connection, messages, req.path, req.query, scope.headers(), scope.path_params()
    )
    scope.websocket = websocket
    try:
        async with contextlib.AsyncExitStack() as stack:
            arguments = await _solve(route.dependant, scope, stack)
            if arguments is None:
                # The host answers a WebSocket upgrade with invalid parameters itself.
                raise RequestValidationError(scope.errors)
            await _invoke(route.dependant, arguments, stack)
    except WebSocketDisconnect:
        return
    except WebSocketException as exc:
        await websocket.close(exc.code, exc.reason)
        return
    except Exception:
        if websocket.application_state is WebSocketState.CONNECTING:
            raise
        traceback.print_exc()
        if websocket.application_state is WebSocketState.CONNECTED:
            await websocket.close(1011, "Internal Server Error")


class ProviderCalls:
    """The values this instance provided that still have code to run after the response: the
    host calls `teardown` with the same name and value on the same instance."""

    def __init__(self) -> None:
        self._open: dict[tuple[str, str], list[contextlib.AsyncExitStack]] = {}

    async def provide(
        self,
        provider: NamedProvider,
        req: HostRequest,
        deps: Sequence[HostDependencyValue],
        state: Mapping[str, Any] | None = None,
    ) -> str:
        """The provider's value as JSON text; its teardown kept for `teardown`."""
        scope = _Scope(req, deps, [], state=state)
        stack = contextlib.AsyncExitStack()
        try:
            arguments = await _solve(provider.dependant, scope, stack)
            if arguments is None:
                # The host calls a provider only once its parameters passed.
                raise RequestValidationError(scope.errors)
            value = await _invoke(provider.dependant, arguments, stack)
            text = json.dumps(jsonable_encoder(value), ensure_ascii=False, separators=(",", ":"))
        except BaseException:
            await stack.__aexit__(*sys.exc_info())
            raise
        if provider.has_teardown:
            self._open.setdefault((provider.name, text), []).append(stack)
        return text

    async def teardown(self, name: str, value: str) -> None:
        """Runs the code after `yield` of the provider that gave `value`."""
        stacks = self._open.get((name, value))
        if stacks:
            await stacks.pop().aclose()
