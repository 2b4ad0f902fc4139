"""Reading a path operation's signature, and its dependencies' signatures in turn, into a tree
of `Dependant`s, as FastAPI does: each argument is a path, query, header or cookie parameter
(validated by the host against the JSON Schema declared here), a part of the body, a
dependency, or the `Request`/`Response`.

Everything that FastAPI would reject, and everything fastwasm cannot serve as FastAPI would,
raises `DeclarationError` here — at build time, when componentize-py imports the app."""

from __future__ import annotations

import copy
import datetime
import decimal
import enum
import inspect
import typing
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from . import annotations as ann
from .background import BackgroundTasks
from .datastructures import UploadFile
from .encoders import jsonable_encoder
from .exceptions import DeclarationError
from .pydantic.fields import Constraints, FieldInfo, Undefined
from .pydantic.models import BaseModel, model_config
from .pydantic.networks import AnyHttpUrl, AnyUrl, EmailStr, HttpUrl
from .openapi import field_title
from .param_models import ParamModel
from .params import (
    BodyInfo,
    DependsInfo,
    File,
    HeaderInfo,
    ParamInfo,
    ParamLocation,
    PathInfo,
    QueryInfo,
    SecurityInfo,
)
from .requests import Request
from .responses import Response
from .security import SecurityBase, SecurityScopes
from .websockets import WebSocket
from .pydantic.functional_validators import MARKERS
from .pydantic.validation import UnsupportedType, Validator, compile_type, with_functions


class CallKind(enum.Enum):
    """How a callable runs: awaited or not, and with code after a `yield` or not."""

    SYNC = enum.auto()
    ASYNC = enum.auto()
    GENERATOR = enum.auto()
    ASYNC_GENERATOR = enum.auto()

    @property
    def awaits(self) -> bool:
        return self in (CallKind.ASYNC, CallKind.ASYNC_GENERATOR)

    @property
    def has_teardown(self) -> bool:
        return self in (CallKind.GENERATOR, CallKind.ASYNC_GENERATOR)


def call_kind(call: Callable[..., Any]) -> CallKind:
    target = call if inspect.isroutine(call) or inspect.isclass(call) else type(call).__call__
    if inspect.isasyncgenfunction(target):
        return CallKind.ASYNC_GENERATOR
    if inspect.isgeneratorfunction(target):
        return CallKind.GENERATOR
    if inspect.iscoroutinefunction(target):
        return CallKind.ASYNC
    return CallKind.SYNC


def where(call: Callable[..., Any]) -> str:
    """`read_item (main.py:12)`: how build errors name a function."""
    name = getattr(call, "__qualname__", None) or type(call).__qualname__
    try:
        target = inspect.unwrap(call)
        path = inspect.getsourcefile(target) or "?"
        line = inspect.getsourcelines(target)[1]
    except (OSError, TypeError):
        return f"`{name}`"
    return f"`{name}` ({path.rsplit('/', 1)[-1]}:{line})"


@dataclass
class ParamField:
    """A parameter the host validates and hands over, already coerced, under `name`."""

    #: The argument it is passed as.
    arg: str
    location: ParamLocation
    #: The name in the request: the header, query key, cookie or `{segment}`.
    wire: str
    required: bool
    schema: dict[str, Any]
    description: str | None
    #: Turns the host's JSON value into the argument's type (enum members, sets).
    convert: Callable[[Any], Any]
    info: FieldInfo
    #: The key of the value in `request.params`; unique within the operation (see `declare`).
    name: str = ""
    #: The parameter model it is a field of (see `param_models`), not an argument of its own.
    model: ParamModel | None = None
    #: For a type the host passes on as text (see `GUEST_CHECKED`), the SDK's check of it.
    validator: Validator | None = None


@dataclass
class BodyField:
    """A part of the JSON body, validated by the SDK with pydantic's errors."""

    arg: str
    #: Its key when the body holds several parts (`Body(embed=True)`).
    key: str
    validator: Validator
    info: BodyInfo


@dataclass
class HostDependency:
    """`Depends("name")`: a value the host resolves before the call."""

    arg: str | None
    name: str
    use_cache: bool
    #: Converts the JSON value to the annotated type; `None` passes it as decoded.
    validator: Validator | None


@dataclass
class Dependant:
    """A callable and where each of its arguments comes from."""

    call: Callable[..., Any]
    kind: CallKind
    #: The argument of the parent that receives this value (`None` for `dependencies=[...]`).
    arg: str | None = None
    use_cache: bool = True
    params: list[ParamField] = field(default_factory=list)
    #: Models whose fields are parameters (their fields are in `params` too).
    param_models: list[ParamModel] = field(default_factory=list)
    body: list[BodyField] = field(default_factory=list)
    dependencies: list[Dependant] = field(default_factory=list)
    host_dependencies: list[HostDependency] = field(default_factory=list)
    request_arg: str | None = None
    response_arg: str | None = None
    websocket_arg: str | None = None
    #: The argument that receives the `SecurityScopes`.
    security_scopes_arg: str | None = None
    #: The argument that receives the request's `BackgroundTasks`.
    background_tasks_arg: str | None = None
    #: The OAuth2 scopes `Security(...)` requires of this dependant: its parent's, then its own.
    scopes: list[str] = field(default_factory=list)

    def walk(self) -> Iterator[Dependant]:
        """This dependant and every one below it, parents first."""
        yield self
        for dependency in self.dependencies:
            yield from dependency.walk()


def analyse(
    call: Callable[..., Any],
    *,
    path_names: frozenset[str] = frozenset(),
    extra_dependencies: list[DependsInfo] = (),  # type: ignore[assignment]
    arg: str | None = None,
    use_cache: bool = True,
    chain: tuple[Callable[..., Any], ...] = (),
    scopes: list[str] = (),  # type: ignore[assignment]
) -> Dependant:
    """The dependant of `call`, with `extra_dependencies` (a route's `dependencies=[...]`)
    run before those of its signature, as FastAPI orders them."""
    if call in chain:
        cycle = " → ".join(where(link) for link in (*chain, call))
        raise DeclarationError(f"dependency cycle: {cycle}")
    chain = (*chain, call)
    dependant = Dependant(
        call=call, kind=call_kind(call), arg=arg, use_cache=use_cache, scopes=list(scopes)
    )
    for depends in extra_dependencies:
        _add_dependency(dependant, None, depends, Any, path_names, chain)
    try:
        signature = ann.callable_signature(call)
    except NameError as err:
        raise DeclarationError(
            f"{where(call)}: an annotation names something undefined: {err}"
        ) from None
    for parameter, annotation in signature:
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            continue
        try:
            _add_argument(dependant, parameter, annotation, path_names, chain)
        except UnsupportedType as err:
            raise DeclarationError(f"{where(call)}, argument `{parameter.name}`: {err}") from None
    return dependant


def _add_argument(
    dependant: Dependant,
    parameter: inspect.Parameter,
    annotation: Any,
    path_names: frozenset[str],
    chain: tuple[Callable[..., Any], ...],
) -> None:
    name = parameter.name
    context = f"{where(dependant.call)}, argument `{name}`"
    inner, metadata = ann.split_annotated(annotation)
    markers = [meta for meta in metadata if isinstance(meta, (FieldInfo, DependsInfo))]
    if len(markers) > 1:
        raise DeclarationError(
            f"{context}: more than one of Query(), Path(), Body(), Depends()… in `Annotated`"
        )
    marker = markers[0] if markers else None
    default = parameter.default
    if isinstance(default, (FieldInfo, DependsInfo)):
        if marker is not None:
            raise DeclarationError(
                f"{context}: give `{default!r}` in `Annotated` or as the default, not both"
            )
        marker, default = default, inspect.Parameter.empty
    elif default is not inspect.Parameter.empty and isinstance(marker, FieldInfo):
        if not marker.required:
            raise DeclarationError(
                f"{context}: `{type(marker).__name__.removesuffix('Info')}` default value cannot "
                "be set in `Annotated`. Set the default value with `=` instead."
            )
        marker = copy.copy(marker)
        marker.default = default

    if isinstance(marker, DependsInfo):
        _add_dependency(dependant, name, marker, inner, path_names, chain)
        return
    if inspect.isclass(inner) and issubclass(inner, Request):
        dependant.request_arg = name
        return
    if inspect.isclass(inner) and issubclass(inner, WebSocket):
        dependant.websocket_arg = name
        return
    if inspect.isclass(inner) and issubclass(inner, Response):
        dependant.response_arg = name
        return
    if inspect.isclass(inner) and issubclass(inner, SecurityScopes):
        dependant.security_scopes_arg = name
        return
    if inspect.isclass(inner) and issubclass(inner, BackgroundTasks):
        dependant.background_tasks_arg = name
        return

    if marker is None:
        value = Undefined if default is inspect.Parameter.empty else default
        if name in path_names:
            marker = PathInfo(value)
        elif _is_upload(inner):
            marker = File(value)
        elif _is_scalar(inner):
            marker = QueryInfo(value)
        else:
            marker = BodyInfo(value)
    functions = [meta for meta in metadata if isinstance(meta, MARKERS)]
    if isinstance(marker, BodyInfo):
        key = marker.alias or name
        validator = compile_type(inner, marker.constraints, from_attributes=True)
        validator = with_functions(validator, functions)
        dependant.body.append(BodyField(name, key, validator, marker))
    elif isinstance(marker, ParamInfo):
        if functions:
            raise DeclarationError(
                f"{context}: `{type(functions[0]).__name__}` on a "
                f"{type(marker).__name__.removesuffix('Info').lower()} parameter is not "
                "supported: the host validates parameters before the component runs (validate "
                "the value in the operation, or in a dependency, and raise HTTPException)"
            )
        if inspect.isclass(inner) and issubclass(inner, BaseModel):
            _add_param_model(dependant, name, inner, marker, path_names, context)
            return
        dependant.params.append(_param_field(name, inner, marker, path_names, context))
    else:
        raise DeclarationError(
            f"{context}: `Field()` describes a model field; use Query(), Path(), Header(), "
            "Cookie() or Body() for an argument"
        )


def _add_param_model(
    dependant: Dependant,
    arg: str,
    model: type[BaseModel],
    marker: ParamInfo,
    path_names: frozenset[str],
    context: str,
) -> None:
    """Declares each field of `model` as a parameter of `marker`'s location."""
    if marker.location is ParamLocation.PATH:
        raise DeclarationError(
            f"{context}: a model of path parameters is not supported (FastAPI reads models "
            "from the query, headers or cookies); give each path parameter as an argument"
        )
    fields: list[ParamField] = []
    for key, info in model.model_fields.items():
        # The field as a parameter of the marker's kind, with the field's own options.
        param = copy.copy(marker)
        for option in (
            "default", "default_factory", "alias", "title", "description", "constraints",
            "examples", "deprecated", "json_schema_extra",
        ):
            setattr(param, option, getattr(info, option))
        # Titled after the field, as pydantic titles it (a plain header is titled after its
        # name on the wire).
        param.title = info.title or field_title(key)
        where_field = f"{context}, field `{key}` of `{model.__name__}`"
        field_param = _param_field(key, info.annotation, param, path_names, where_field)
        fields.append(field_param)
    validator = compile_type(model, Constraints())
    param_model = ParamModel(
        arg=arg,
        location=marker.location,
        validator=validator,
        forbid_extra=model_config(model).get("extra") == "forbid",
    )
    for (key, info), field_param in zip(model.model_fields.items(), fields):
        field_param.model = param_model
        param_model.fields.append((info.alias or key, field_param))
        dependant.params.append(field_param)
    dependant.param_models.append(param_model)


def _add_dependency(
    dependant: Dependant,
    arg: str | None,
    depends: DependsInfo,
    annotation: Any,
    path_names: frozenset[str],
    chain: tuple[Callable[..., Any], ...],
) -> None:
    target = depends.dependency
    if target is None:
        target = annotation
        if not callable(target) or target is Any:
            raise DeclarationError(
                f"{where(dependant.call)}, argument `{arg}`: `Depends()` needs a class "
                "annotation to call"
            )
    if isinstance(target, str):
        validator = None
        if annotation not in (Any, inspect.Parameter.empty):
            validator = compile_type(annotation, from_attributes=True)
        dependant.host_dependencies.append(
            HostDependency(arg, target, depends.use_cache, validator)
        )
        return
    if not callable(target):
        raise DeclarationError(
            f"{where(dependant.call)}: `Depends({target!r})` needs a callable or a name"
        )
    scopes = list(dependant.scopes)
    if isinstance(depends, SecurityInfo):
        _extend_unique(scopes, depends.scopes)
    dependant.dependencies.append(
        analyse(
            target,
            path_names=path_names,
            arg=arg,
            use_cache=depends.use_cache,
            chain=chain,
            scopes=scopes,
        )
    )


def _extend_unique(scopes: list[str], more: list[str]) -> None:
    """Appends the scopes of `more` that `scopes` lacks, in order, as FastAPI merges them."""
    for scope in more:
        if scope not in scopes:
            scopes.append(scope)


#: Parameter types (alone or as a list's items) whose text the SDK parses and checks as
#: pydantic does, rather than the host.
GUEST_CHECKED = (
    datetime.datetime,
    datetime.date,
    datetime.time,
    datetime.timedelta,
    decimal.Decimal,
    bytes,
    EmailStr,
    AnyUrl,
    AnyHttpUrl,
    HttpUrl,
)

_SCALARS = (str, int, float, bool, uuid.UUID, *GUEST_CHECKED)


def _is_upload(annotation: Any) -> bool:
    """Whether an argument without a marker is a file of the form, as FastAPI reads an
    `UploadFile` (or a list of them, or either or `None`)."""
    annotation, _ = ann.strip_optional(annotation)
    if typing.get_origin(annotation) in (list, set, tuple):
        annotation = (typing.get_args(annotation) or (None,))[0]
    return annotation is UploadFile


def _is_scalar(annotation: Any) -> bool:
    """Whether FastAPI reads an argument without a marker as a query parameter (scalars) rather
    than the body (models, dataclasses, dicts, lists…)."""
    annotation, _ = ann.strip_optional(annotation)
    if ann.is_union(annotation):
        return all(_is_scalar(member) for member in typing.get_args(annotation))
    return (
        annotation in (*_SCALARS, Any, inspect.Parameter.empty, ann.NoneType)
        or ann.is_enum_class(annotation)
        or typing.get_origin(annotation) is typing.Literal
    )


def _param_field(
    arg: str, annotation: Any, info: ParamInfo, path_names: frozenset[str], context: str
) -> ParamField:
    location = info.location
    if arg in path_names and location is not ParamLocation.PATH:
        raise DeclarationError(
            f"{context}: `{{{arg}}}` is in the path, so it is a path parameter, not a "
            f"{location.value} one"
        )
    if location is ParamLocation.PATH:
        if arg not in path_names:
            raise DeclarationError(f"{context}: `Path()` but the path has no `{{{arg}}}`")
        if not info.required:
            raise DeclarationError(
                f"{context}: a path parameter is always required; it cannot have a default"
            )
    inner, nullable = ann.strip_optional(annotation)
    origin = typing.get_origin(inner)
    sequence = (
        origin if origin in (list, set, tuple) else inner if inner in (list, set, tuple) else None
    )
    element = (typing.get_args(inner) or (Any,))[0] if sequence is not None else inner
    validator: Validator | None = None
    if sequence is not None and location is ParamLocation.PATH:
        raise DeclarationError(f"{context}: a path parameter cannot be a list")
    if element in GUEST_CHECKED:
        # pydantic's parsing of these (dates, durations, decimals) is the SDK's, so the host
        # only reads the text and the SDK validates it, with pydantic's errors.
        try:
            validator = compile_type(inner, info.constraints)
        except UnsupportedType as exc:
            raise DeclarationError(f"{context}: {exc}") from None
        schema, convert = validator.schema({}), _identity
    elif sequence is not None:
        lengths = Constraints(
            min_length=info.constraints.min_length, max_length=info.constraints.max_length
        )
        if lengths != info.constraints:
            raise DeclarationError(
                f"{context}: only `min_length` and `max_length` can constrain a list parameter"
            )
        args = typing.get_args(inner)
        if sequence is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            raise DeclarationError(f"{context}: only `tuple[X, ...]` tuples can be parameters")
        item_schema, convert_item = _scalar_schema(element, Constraints(), context)
        schema: dict[str, Any] = {"type": "array", "items": item_schema}
        # The host checks the list's length as pydantic does, after its items.
        if lengths.min_length is not None:
            schema["minItems"] = lengths.min_length
        if lengths.max_length is not None:
            schema["maxItems"] = lengths.max_length

        def convert(values: list[Any]) -> Any:
            return sequence(convert_item(value) for value in values)  # type: ignore[misc]

    else:
        schema, convert = _scalar_schema(inner, info.constraints, context)
    if info.strict and inner is not str:
        raise DeclarationError(
            f"{context}: `strict=True` on a `{ann.describe(inner)}` parameter is not supported "
            "(FastAPI rejects every value of it: parameters arrive as strings)"
        )
    if info.alias:
        wire = info.alias
    elif isinstance(info, HeaderInfo) and info.convert_underscores:
        wire = arg.replace("_", "-")
    else:
        wire = arg
    schema = _as_pydantic_writes_it(schema, info, nullable=nullable, wire=wire)
    if validator is not None:
        schema[GUEST_CHECKED_MARKER] = True
    return ParamField(
        arg=arg,
        location=location,
        wire=wire,
        required=info.required,
        schema=schema,
        description=info.description,
        convert=convert,
        info=info,
        validator=validator,
    )


def _as_pydantic_writes_it(
    schema: dict[str, Any], info: ParamInfo, *, nullable: bool, wire: str
) -> dict[str, Any]:
    """A parameter's value schema as FastAPI documents it: `X | None` as `anyOf` with the
    constraints inside X, then the description, the default (a null one left out, as FastAPI's
    document drops nulls) and the title, from the name on the wire (`X-Token`)."""
    if nullable:
        # pydantic flattens a union in a union (`Decimal | None`: number, string or null).
        members = schema["anyOf"] if list(schema) == ["anyOf"] else [schema]
        schema = {"anyOf": [*members, {"type": "null"}]}
    info.documented(schema)
    if info.description is not None:
        schema["description"] = info.description
    if info.default not in (Undefined, None):
        schema["default"] = jsonable_encoder(info.default)
    schema["title"] = info.title or field_title(wire)
    # What the Parameter Object carries beside its schema, and whether it is listed at all:
    # the host moves these out of the schema when it writes the document.
    beside: dict[str, Any] = {}
    if info.example is not Undefined:
        beside["example"] = jsonable_encoder(info.example)
    if info.openapi_examples is not None:
        beside["examples"] = jsonable_encoder(info.openapi_examples)
    if info.deprecated:
        beside["deprecated"] = True
    if beside:
        schema[PARAMETER_MARKER] = beside
    if not info.include_in_schema:
        schema[HIDDEN_MARKER] = True
    return schema


#: Keys of a parameter's schema that the host reads and leaves out of the document: the
#: Parameter Object's own fields, a parameter hidden from the document, and a `Literal`'s
#: values (checked as pydantic's `literal_error`, not `enum`).
PARAMETER_MARKER = "x-fastwasm-parameter"
HIDDEN_MARKER = "x-fastwasm-hidden"
LITERAL_MARKER = "x-fastwasm-literal"
#: Marks a parameter the host hands over as text, unchecked: the SDK validates it.
GUEST_CHECKED_MARKER = "x-fastwasm-guest-checked"


def _scalar_schema(
    annotation: Any, constraints: Constraints, context: str
) -> tuple[dict[str, Any], Callable[[Any], Any]]:
    """The JSON Schema the host validates one value against, and the conversion of the value it
    passes on to the argument's type."""
    schema: dict[str, Any]
    allowed: set[str] = set()
    if annotation is bool:
        schema, convert = {"type": "boolean"}, bool
    elif annotation is int:
        schema, convert, allowed = {"type": "integer"}, int, {"gt", "ge", "lt", "le"}
    elif annotation is float:
        schema, convert, allowed = {"type": "number"}, float, {"gt", "ge", "lt", "le"}
    elif annotation is str:
        schema, convert, allowed = {"type": "string"}, str, {"min_length", "max_length", "pattern"}
    elif annotation is uuid.UUID:
        # The host checks the format, with pydantic's `uuid_parsing` diagnoses.
        schema, convert = {"type": "string", "format": "uuid"}, uuid.UUID
    elif annotation in (Any, inspect.Parameter.empty):
        schema, convert = {}, _identity
    elif ann.is_enum_class(annotation):
        values = [member.value for member in annotation]
        json_types = {_json_type(value) for value in values}
        if len(json_types) != 1 or None in json_types:
            raise DeclarationError(
                f"{context}: the values of enum `{annotation.__name__}` must all be strings, "
                "or all integers"
            )
        schema, convert = {"type": json_types.pop(), "enum": values}, annotation
    elif typing.get_origin(annotation) is typing.Literal:
        values = list(typing.get_args(annotation))
        json_types = {_json_type(value) for value in values}
        if None in json_types:
            raise DeclarationError(
                f"{context}: the values of a `Literal` parameter must be strings or integers"
            )
        # pydantic compares a request's string with each value as it is: an integer value
        # never matches, as under FastAPI.
        schema = {"enum": values, LITERAL_MARKER: True}
        if len(json_types) == 1:
            schema["type"] = json_types.pop()
        convert = _identity
    else:
        raise DeclarationError(
            f"{context}: `{ann.describe(annotation)}` cannot be a path, query, header or cookie "
            "parameter; use str, int, float, bool, UUID, datetime, date, time, timedelta, "
            "Decimal, bytes, an Enum, a Literal, or a list of them"
        )
    given = {name for name, value in vars(constraints).items() if value is not None}
    if given - allowed:
        names = ", ".join(f"`{name}`" for name in sorted(given - allowed))
        raise DeclarationError(f"{context}: {names} cannot constrain `{ann.describe(annotation)}`")
    keys = {"gt": "exclusiveMinimum", "ge": "minimum", "lt": "exclusiveMaximum", "le": "maximum"}
    for name, bound in constraints.numeric.items():
        # As given, as pydantic's schema writes it; the host states a float parameter's bound
        # as a float in its errors (`{"ge": 1.0}`), as pydantic does.
        schema[keys[name]] = bound
    if constraints.min_length is not None:
        schema["minLength"] = constraints.min_length
    if constraints.max_length is not None:
        schema["maxLength"] = constraints.max_length
    if constraints.pattern is not None:
        schema["pattern"] = constraints.pattern
    return schema, convert


def _json_type(value: Any) -> str | None:
    if isinstance(value, str):
        return "string"
    if isinstance(value, int) and not isinstance(value, bool):
        return "integer"
    return None


def _identity(value: Any) -> Any:
    return value


#: The order FastAPI lists a callable's parameters (and their errors) in.
LOCATION_ORDER = (
    ParamLocation.PATH,
    ParamLocation.QUERY,
    ParamLocation.HEADER,
    ParamLocation.COOKIE,
)


def declare(root: Dependant) -> list[ParamField]:
    """Every parameter of the tree, in the order FastAPI reports their errors — each
    dependency's before its dependant's, and within one callable path, query, header, cookie —
    each under a name unique in the operation. A query, header or cookie parameter read by two
    callables is declared twice, so that a bad value gets both errors, as in FastAPI; a path
    parameter is declared once, as the host matches it to its `{segment}` by name."""
    declared: list[ParamField] = []
    taken: set[str] = set()
    segments: dict[str, ParamField] = {}

    def visit(dependant: Dependant) -> None:
        for dependency in dependant.dependencies:
            visit(dependency)
        for location in LOCATION_ORDER:
            for param in dependant.params:
                if param.location is not location:
                    continue
                first = segments.get(param.wire) if location is ParamLocation.PATH else None
                if first is None:
                    param.name = _unique(param.arg, taken)
                    declared.append(param)
                    if location is ParamLocation.PATH:
                        segments[param.wire] = param
                elif _validated(first.schema) != _validated(param.schema):
                    raise DeclarationError(
                        f"{where(dependant.call)}: the path parameter `{param.wire}` is declared "
                        f"with another type or constraints than elsewhere in the operation"
                    )
                else:
                    param.name = first.name

    visit(root)
    return declared


def _validated(schema: dict[str, Any]) -> dict[str, Any]:
    """What of a parameter's schema the host validates against: not its documentation."""
    documentation = ("title", "description", "examples", "deprecated", PARAMETER_MARKER)
    return {key: value for key, value in schema.items() if key not in documentation}


def _unique(name: str, taken: set[str]) -> str:
    candidate, count = name, 1
    while candidate in taken:
        count += 1
        candidate = f"{name}~{count}"
    taken.add(candidate)
    return candidate


def security_requirements(root: Dependant) -> tuple[dict[str, dict[str, Any]], list[dict[str, list[str]]]]:
    """The security schemes the tree uses, by name, and the operation's requirements, as
    FastAPI's document states them: every dependency below the operation that is a
    `SecurityBase`, in the order it is met (parents first), one requirement per scheme name
    with the scopes of the `Security(...)` uses above each use of it."""
    schemes: dict[str, dict[str, Any]] = {}
    requirements: dict[str, list[str]] = {}
    for dependant in root.walk():
        if dependant is root or not isinstance(dependant.call, SecurityBase):
            continue
        scheme = dependant.call
        schemes[scheme.scheme_name] = jsonable_encoder(scheme.openapi_scheme())
        scopes = requirements.setdefault(scheme.scheme_name, [])
        _extend_unique(scopes, dependant.scopes)
    return schemes, [{name: scopes} for name, scopes in requirements.items()]


def host_dependencies(root: Dependant) -> list[HostDependency]:
    """The named dependencies the host must resolve for the tree, each once."""
    seen: dict[str, HostDependency] = {}
    for dependant in root.walk():
        for dependency in dependant.host_dependencies:
            seen.setdefault(dependency.name, dependency)
    return list(seen.values())


def body_fields(root: Dependant) -> list[BodyField]:
    """The parts of the body the tree reads, each key once."""
    seen: dict[str, BodyField] = {}
    for dependant in root.walk():
        for body in dependant.body:
            seen.setdefault(body.key, body)
    return list(seen.values())


def served_kind(root: Dependant) -> str:
    """How the host serves the tree of a `def` or `async def` operation or provider: `async`
    when its function awaits; `blocking` when it is a `def` below which an `async def`
    dependency awaits (FastAPI runs the dependency on its event loop and the `def` in its
    thread pool: the host awaits the whole tree on an instance of its own on the blocking
    pool); `blocking` too when it takes `BackgroundTasks`, which run after the answer that
    a sync export's return would end the call with; `sync` otherwise."""
    if root.kind.awaits:
        return "async"
    if any(
        dependant.kind.awaits or dependant.background_tasks_arg is not None
        for dependant in root.walk()
    ):
        return "blocking"
    return "sync"
