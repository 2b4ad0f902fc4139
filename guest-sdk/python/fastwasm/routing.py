"""Path operations and routers: `@router.get("/items/{item_id}")` and its siblings, routers
with a prefix, tags and dependencies, included into one another — FastAPI's `APIRouter`.

Each route is analysed as it is declared, so a mistake fails the build at its decorator."""

from __future__ import annotations

import copy
import dataclasses
import enum
import inspect
import json
import re
from typing import Any, Callable, Sequence, TypeVar

from . import declaration
from .annotations import type_hints
from .body import BodyPlan
from .dependencies import (
    CallKind,
    ParamField,
    analyse,
    body_fields,
    call_kind,
    declare,
    host_dependencies,
    security_requirements,
    served_kind,
    where,
)
from .encoders import jsonable_encoder
from .exceptions import DeclarationError, ResponseValidationError
from .pydantic.models import BaseModel, dump_declared
from .openapi import (
    HIDDEN,
    SUCCESS_DESCRIPTION,
    deep_update,
    document_schema,
    field_title,
    merged_responses,
    response_key,
    unique_id,
)
from .params import DependsInfo, ParamLocation, PathInfo
from .responses import JSONResponse, Response, StreamingResponse
from .security import SecurityBase
from .sse import EventSourceResponse, encode_event
from .pydantic.validation import (
    UnsupportedType,
    Validator,
    compile_type,
    json_schema,
    is_named_type,
    validate,
)

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])

_PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")


class _Default:
    """Marks `response_model` as not given: the return annotation is used, as in FastAPI."""

    def __repr__(self) -> str:
        return "Default"


DEFAULT: Any = _Default()


@dataclasses.dataclass
class RouteOptions:
    """The keyword arguments of `@app.get(...)` and its siblings that fastwasm supports; any
    other fails the build. `responses`, `deprecated`, `include_in_schema`, `openapi_extra`
    and `response_description` only change the OpenAPI document, as in FastAPI."""

    response_model: Any = DEFAULT
    status_code: int | None = None
    tags: list[str] = dataclasses.field(default_factory=list)
    dependencies: Sequence[DependsInfo] = ()
    summary: str | None = None
    description: str | None = None
    operation_id: str | None = None
    response_model_include: set[str] | None = None
    response_model_exclude: set[str] | None = None
    response_model_by_alias: bool = True
    response_model_exclude_unset: bool = False
    response_model_exclude_defaults: bool = False
    response_model_exclude_none: bool = False
    #: `DEFAULT` is FastAPI's `DefaultPlaceholder`: JSON, or JSON lines for a generator.
    response_class: Any = DEFAULT
    responses: dict[int | str, Any] | None = None
    deprecated: bool | None = None
    include_in_schema: bool = True
    openapi_extra: dict[str, Any] | None = None
    response_description: str = SUCCESS_DESCRIPTION


@dataclasses.dataclass(frozen=True)
class Documentation:
    """What an operation's options and the routers it is included through say of its OpenAPI
    document, combined as FastAPI combines them."""

    responses: dict[int | str, Any] = dataclasses.field(default_factory=dict)
    deprecated: bool = False
    include_in_schema: bool = True

    @classmethod
    def of(cls, options: RouteOptions) -> Documentation:
        return cls(dict(options.responses or {}), bool(options.deprecated), options.include_in_schema)


def _body_allowed(status: int) -> bool:
    return not (status < 200 or status in (204, 304))


class Stream(enum.Enum):
    """What a generator operation's yields become (FastAPI 0.13x+)."""

    #: `response_class=EventSourceResponse`: one server-sent event per value.
    EVENTS = enum.auto()
    #: No `response_class`: one line of JSON per value (`application/jsonl`).
    JSON_LINES = enum.auto()
    #: Another `response_class` (`StreamingResponse`): the yields are the body's chunks.
    RAW = enum.auto()


class Route:
    """One path operation (or WebSocket operation): an endpoint, its method and full path, and
    everything its signature and its dependencies' declare."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        method: str,
        options: RouteOptions,
        tags: list[str],
        dependencies: list[DependsInfo],
        websocket: bool = False,
        documentation: Documentation | None = None,
    ) -> None:
        if not path.startswith("/"):
            raise DeclarationError(f"{where(endpoint)}: the path `{path}` must start with `/`")
        self.path = path
        self.endpoint = endpoint
        self.method = method.upper()
        self.options = options
        self.tags = tags
        self.dependencies = dependencies
        self.websocket = websocket
        documentation = documentation or Documentation.of(options)
        #: Extra responses for the document: the route's own over its routers', as FastAPI
        #: merges them (a status given twice is replaced whole, not merged).
        self.responses = documentation.responses
        self.deprecated = documentation.deprecated
        self.include_in_schema = documentation.include_in_schema
        self.operation_id = options.operation_id or endpoint.__name__
        #: FastAPI's `operationId` and the name of an embedded body's schema.
        self.unique_id = options.operation_id or unique_id(endpoint.__name__, path, method)
        self.status_code = options.status_code or 200
        kind = call_kind(endpoint)
        if kind is CallKind.GENERATOR:
            raise DeclarationError(
                f"{where(endpoint)}: a `def` generator operation would stream from the blocking "
                "pool, which cannot stream; make it an `async def` generator"
            )
        if websocket and kind is not CallKind.ASYNC:
            raise DeclarationError(f"{where(endpoint)}: a WebSocket operation is `async def`")
        self.stream = self._stream_mode(kind)
        path_names = frozenset(_PATH_PARAM.findall(path))
        self.dependant = analyse(endpoint, path_names=path_names, extra_dependencies=dependencies)
        self._served = served_kind(self.dependant)
        #: Whether the app's HTTP middleware wraps it (see `FastWasm.operations`).
        self.behind_middleware = False
        self.params = _with_template_params(declare(self.dependant), path_names)
        fields = body_fields(self.dependant)
        if websocket and fields:
            raise DeclarationError(f"{where(endpoint)}: a WebSocket operation has no body")
        self.body = BodyPlan(fields, self.unique_id) if fields else None
        # An `async def` operation that reads the `Request` itself gets its body as it
        # arrives: `request.stream()` yields it chunk by chunk, `request.body()` reads it all.
        self.streams_body = (
            self.is_async
            and not websocket
            and self.body is None
            and any(
                dependant.request_arg and not isinstance(dependant.call, SecurityBase)
                for dependant in self.dependant.walk()
            )
        )
        self.host_dependencies = host_dependencies(self.dependant)
        self.response_validator = self._response_validator()

    def _stream_mode(self, kind: CallKind) -> Stream | None:
        if kind is not CallKind.ASYNC_GENERATOR:
            return None
        response_class = self.options.response_class
        if response_class is DEFAULT:
            return Stream.JSON_LINES
        if inspect.isclass(response_class) and issubclass(response_class, EventSourceResponse):
            return Stream.EVENTS
        return Stream.RAW

    @property
    def response_class(self) -> type[Response]:
        response_class = self.options.response_class
        return JSONResponse if response_class is DEFAULT else response_class

    @property
    def is_async(self) -> bool:
        return self.dependant.kind.awaits

    @property
    def kind(self) -> str:
        if self.websocket:
            return "websocket"
        if self._served == "sync" and self.behind_middleware:
            # Middleware is `async def` and may await: the `def` body goes to the blocking
            # pool on an instance of its own, as under `async def` dependencies.
            return "blocking"
        return self._served

    def _response_validator(self) -> Validator | None:
        if self.websocket or self.stream is not None:
            return None
        model = self.options.response_model
        if model is DEFAULT:
            model = type_hints(self.endpoint).get("return")
            if inspect.isclass(model) and issubclass(model, Response):
                return None
        if model is None or model is type(None):
            return None
        try:
            return compile_type(model, from_attributes=True)
        except UnsupportedType as err:
            raise DeclarationError(f"{where(self.endpoint)}: response model: {err}") from None

    def declaration(self) -> declaration.Operation:
        doc = self.options.description or inspect.cleandoc(self.endpoint.__doc__ or "")
        # FastAPI cuts a docstring at `\f`, to keep the rest out of the documentation.
        description = doc.split("\f")[0].strip() or None
        return declaration.Operation(
            id=self.operation_id,
            method=self.method,
            path=self.path,
            summary=self.options.summary or self.endpoint.__name__.replace("_", " ").title(),
            description=description,
            tags=list(self.tags),
            kind=self.kind,
            params=[declare_param(param) for param in self.params],
            body=self._body_spec(),
            status_code=self.status_code,
            response_schema=(
                None
                if self.response_validator is None
                else json.dumps(self._response_schema(self.response_validator))
            ),
            dependencies=[
                declaration.DependencyUse(dependency.name, dependency.use_cache)
                for dependency in self.host_dependencies
            ],
            openapi=json.dumps(self.openapi_fragment()),
        )

    def _response_schema(self, validator: Validator) -> dict[str, Any]:
        """The schema of what the operation answers, as FastAPI documents its response field,
        `Response_<unique id>`: titled after it unless it refers to a named type."""
        schema = json_schema(validator, for_document=True, mode="serialization")
        if not is_named_type(validator):
            schema["title"] = field_title(f"Response_{self.unique_id}")
        return document_schema(schema)

    def openapi_fragment(self) -> dict[str, Any]:
        """What the document says of this operation that the host cannot derive from the rest
        of the declaration, as FastAPI's `get_openapi_path` writes it."""
        if not self.include_in_schema:
            return {HIDDEN: True}
        fragment: dict[str, Any] = {"operationId": self.unique_id}
        if self.deprecated:
            fragment["deprecated"] = True
        # The success entry the host writes, to merge the route's own responses over as
        # FastAPI does. Its content is known here only when no response schema is declared
        # (the host refers to a declared one from `components`).
        status = str(self.status_code)
        own: dict[str, Any] = {"description": SUCCESS_DESCRIPTION}
        if _body_allowed(self.status_code) and self.response_validator is None:
            own["content"] = {"application/json": {"schema": {}}}
        known = {status: {**own, "description": self.options.response_description}}
        responses = merged_responses(known, self._extra_responses())
        if responses[status] == own:
            del responses[status]
        if responses:
            fragment["responses"] = responses
        schemes, requirements = security_requirements(self.dependant)
        if schemes:
            fragment["securitySchemes"] = schemes
        if requirements:
            fragment["security"] = requirements
        if self.options.openapi_extra:
            deep_update(fragment, copy.deepcopy(self.options.openapi_extra))
        return fragment

    def _extra_responses(self) -> dict[str, dict[str, Any]]:
        """`responses=` by key, a `model` in one rendered as its content's schema."""
        media_type = self.response_class.media_type or "application/json"
        extra: dict[str, dict[str, Any]] = {}
        for status, given in self.responses.items():
            if not isinstance(given, dict):
                raise DeclarationError(
                    f"{where(self.endpoint)}: the response `{status}` must be a dict, "
                    f"got {given!r}"
                )
            entry = copy.deepcopy(given)
            model = entry.pop("model", None)
            if model is not None:
                try:
                    validator = compile_type(model, from_attributes=True)
                except UnsupportedType as err:
                    raise DeclarationError(
                        f"{where(self.endpoint)}: response `{status}` model: {err}"
                    ) from None
                content = entry.setdefault("content", {}).setdefault(media_type, {})
                schema = json_schema(validator, for_document=True, mode="serialization")
                if not is_named_type(validator):
                    schema["title"] = field_title(f"Response_{status}_{self.unique_id}")
                deep_update(content.setdefault("schema", {}), document_schema(schema))
            extra[response_key(status)] = entry
        return extra

    def _body_spec(self) -> declaration.BodySpec | None:
        if self.body is not None:
            return declaration.BodySpec(
                media_type=self.body.media_type,
                required=self.body.required,
                schema=json.dumps(document_schema(self.body.schema())),
            )
        if self.streams_body:
            return declaration.BodySpec(
                media_type="application/octet-stream", required=False, schema="{}", streamed=True
            )
        return None

    def _status(self, sub_response: Response | None) -> int:
        if sub_response is not None and sub_response.status_code:
            return sub_response.status_code
        return self.status_code

    def render_stream(self, generator: Any, sub_response: Response | None) -> StreamingResponse:
        """The streamed response for what a generator operation yields, as FastAPI makes it."""
        status = self._status(sub_response)
        if self.stream is Stream.EVENTS:

            async def events() -> Any:
                async for item in generator:
                    yield encode_event(item)

            response: StreamingResponse = StreamingResponse(
                events(), status_code=status, media_type="text/event-stream"
            )
            response.headers["cache-control"] = "no-cache"
            # For Nginx proxies not to buffer server-sent events.
            response.headers["x-accel-buffering"] = "no"
        elif self.stream is Stream.JSON_LINES:

            async def lines() -> Any:
                async for item in generator:
                    yield json.dumps(jsonable_encoder(item)).encode("utf-8") + b"\n"

            response = StreamingResponse(
                lines(), status_code=status, media_type="application/jsonl"
            )
        else:
            response = self.response_class(content=generator, status_code=status)
        if sub_response is not None:
            response.headers.raw.extend(sub_response.headers.raw)
        return response

    def render(self, result: Any, sub_response: Response | None) -> Response:
        """The response for what the endpoint returned: a `Response` as it is, anything else
        serialised through the response model into the route's response class."""
        if isinstance(result, Response):
            return result
        status = self._status(sub_response)
        response = self.response_class(self.serialize(result), status_code=status)
        if not _body_allowed(status):
            response.body = b""
        if sub_response is not None:
            response.headers.raw.extend(sub_response.headers.raw)
        return response

    def serialize(self, result: Any) -> Any:
        options = self.options
        dump = dict(
            by_alias=options.response_model_by_alias,
            exclude_unset=options.response_model_exclude_unset,
            exclude_defaults=options.response_model_exclude_defaults,
            exclude_none=options.response_model_exclude_none,
        )
        if self.response_validator is not None:
            # As FastAPI does: dump models first (honouring exclude_unset), then validate the
            # data against the response model, which drops the fields it does not declare.
            value, errors = validate(self.response_validator, _prepare(result, dump), ("response",))
            if errors:
                raise ResponseValidationError(self.operation_id, jsonable_encoder(errors))
            result = value
        return jsonable_encoder(
            result,
            include=options.response_model_include,
            exclude=options.response_model_exclude,
            **dump,
        )


def _prepare(result: Any, dump: dict[str, bool]) -> Any:
    if isinstance(result, BaseModel):
        return dump_declared(
            result,
            by_alias=True,
            exclude_unset=dump["exclude_unset"],
            exclude_defaults=dump["exclude_defaults"],
            exclude_none=dump["exclude_none"],
        )
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {field.name: getattr(result, field.name) for field in dataclasses.fields(result)}
    if isinstance(result, (list, tuple, set, frozenset)):
        return [_prepare(item, dump) for item in result]
    if isinstance(result, dict):
        return {key: _prepare(value, dump) for key, value in result.items()}
    return result


def _with_template_params(params: list[ParamField], path_names: frozenset[str]) -> list[ParamField]:
    """The host requires a declaration for every `{segment}`: one no argument reads is declared
    as a string, which FastAPI would not check either."""
    read = {param.wire for param in params if param.location is ParamLocation.PATH}
    unread = [
        ParamField(
            arg=name,
            location=ParamLocation.PATH,
            wire=name,
            required=True,
            schema={"type": "string", "title": field_title(name)},
            description=None,
            convert=str,
            info=PathInfo(),
            name=name,
        )
        for name in sorted(path_names - read)
    ]
    return unread + params


def declare_param(param: ParamField) -> declaration.Param:
    return declaration.Param(
        name=param.name,
        alias=param.wire if param.wire != param.name else None,
        location=param.location.value,
        required=param.required,
        schema=json.dumps(param.schema),
        description=param.description,
    )


def _check_prefix(prefix: str) -> None:
    if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
        raise DeclarationError(f"the prefix `{prefix}` must start with `/` and not end with `/`")


class APIRouter:
    """A group of path operations with a common prefix, tags and dependencies, included into
    the app (or another router) with `include_router`."""

    def __init__(
        self,
        *,
        prefix: str = "",
        tags: list[str] | None = None,
        dependencies: Sequence[DependsInfo] | None = None,
        responses: dict[int | str, Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """`responses`, `deprecated` and `include_in_schema` apply to the OpenAPI document of
        every operation of the router, as in `RouteOptions`."""
        _check_prefix(prefix)
        self.prefix = prefix
        self.tags = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.responses = dict(responses or {})
        self.deprecated = bool(deprecated)
        self.include_in_schema = include_in_schema
        self.routes: list[Route] = []

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Sequence[str] = ("GET",),
        **options: Any,
    ) -> None:
        supported = {option.name for option in dataclasses.fields(RouteOptions)}
        if unknown := sorted(set(options) - supported):
            raise DeclarationError(
                f"{where(endpoint)}: fastwasm does not support "
                f"{', '.join(f'`{name}=`' for name in unknown)}; a route takes "
                f"{', '.join(f'`{name}=`' for name in sorted(supported))}"
            )
        route_options = RouteOptions(**options)
        for method in methods:
            self._add(
                path,
                endpoint,
                method,
                route_options,
                route_options.tags,
                list(route_options.dependencies),
                Documentation.of(route_options),
            )

    def _add(
        self,
        path: str,
        endpoint: Callable[..., Any],
        method: str,
        options: RouteOptions,
        tags: list[str],
        dependencies: list[DependsInfo],
        documentation: Documentation,
        websocket: bool = False,
    ) -> None:
        self.routes.append(
            Route(
                self.prefix + path,
                endpoint,
                method,
                options,
                [*self.tags, *tags],
                [*self.dependencies, *dependencies],
                websocket=websocket,
                documentation=Documentation(
                    responses={**self.responses, **documentation.responses},
                    deprecated=self.deprecated or documentation.deprecated,
                    include_in_schema=self.include_in_schema and documentation.include_in_schema,
                ),
            )
        )

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[DependsInfo] | None = None,
    ) -> None:
        options = RouteOptions(operation_id=name, dependencies=list(dependencies or []))
        self._add(
            path,
            endpoint,
            "GET",
            options,
            [],
            list(options.dependencies),
            Documentation.of(options),
            websocket=True,
        )

    def websocket(
        self,
        path: str,
        name: str | None = None,
        *,
        dependencies: Sequence[DependsInfo] | None = None,
    ) -> Callable[[Endpoint], Endpoint]:
        """A WebSocket operation: `@app.websocket("/ws") async def ws(websocket: WebSocket)`."""

        def decorator(endpoint: Endpoint) -> Endpoint:
            self.add_api_websocket_route(path, endpoint, name, dependencies=dependencies)
            return endpoint

        return decorator

    def api_route(
        self, path: str, *, methods: Sequence[str] = ("GET",), **options: Any
    ) -> Callable[[Endpoint], Endpoint]:
        def decorator(endpoint: Endpoint) -> Endpoint:
            self.add_api_route(path, endpoint, methods=methods, **options)
            return endpoint

        return decorator

    def get(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["GET"], **options)

    def post(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["POST"], **options)

    def put(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["PUT"], **options)

    def patch(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["PATCH"], **options)

    def delete(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["DELETE"], **options)

    def head(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["HEAD"], **options)

    def options(self, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
        return self.api_route(path, methods=["OPTIONS"], **options)

    def include_router(
        self,
        router: APIRouter,
        *,
        prefix: str = "",
        tags: list[str] | None = None,
        dependencies: Sequence[DependsInfo] | None = None,
        responses: dict[int | str, Any] | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
    ) -> None:
        """Adds `router`'s operations under `prefix`, with `tags` and `dependencies` before
        their own; `responses`, `deprecated` and `include_in_schema` apply to their OpenAPI
        document as FastAPI applies them (an operation's own responses win)."""
        _check_prefix(prefix)
        for route in router.routes:
            self._add(
                prefix + route.path,
                route.endpoint,
                route.method,
                route.options,
                [*(tags or []), *route.tags],
                [*(dependencies or []), *route.dependencies],
                Documentation(
                    responses={**(responses or {}), **route.responses},
                    deprecated=route.deprecated or bool(deprecated),
                    include_in_schema=route.include_in_schema and include_in_schema,
                ),
                websocket=route.websocket,
            )
