"""Where an operation's arguments come from: `Path`, `Query`, `Header`, `Cookie` and `Body` with
their constraints, and `Depends` — used as defaults or in `Annotated[...]`, as in FastAPI."""

from __future__ import annotations

import enum
from typing import Any, Callable

from .pydantic.fields import FieldInfo, Undefined


class ParamLocation(enum.Enum):
    """Where the host reads a parameter from (the WIT `param-location`)."""

    PATH = "path"
    QUERY = "query"
    HEADER = "header"
    COOKIE = "cookie"


class ParamInfo(FieldInfo):
    """A parameter the host validates against its declared schema before the guest runs."""

    location: ParamLocation

    def __init__(
        self,
        default: Any = Undefined,
        *,
        validation_alias: str | None = None,
        serialization_alias: str | None = None,
        alias_priority: int | None = None,
        strict: bool | None = None,
        example: Any = Undefined,
        openapi_examples: dict[str, Any] | None = None,
        include_in_schema: bool = True,
        **options: Any,
    ) -> None:
        alias = options.pop("alias", None)
        if alias is None:
            # FastAPI reads and documents a parameter by its `validation_alias`.
            alias, validation_alias = validation_alias, None
        super().__init__(
            default,
            alias=alias,
            # `serialization_alias` and `alias_priority` change nothing FastAPI does with a
            # parameter; a `validation_alias` beside another `alias` fails the build.
            alias_priority=None,
            validation_alias=None if validation_alias in (None, alias) else validation_alias,
            serialization_alias=None,
            **options,
        )
        # Parameters arrive as strings: strict mode would reject every non-string one, which
        # `_param_field` checks once it knows the type.
        self.strict = bool(strict)
        #: FastAPI's deprecated `example`, written on the Parameter Object.
        self.example = example
        self.openapi_examples = openapi_examples
        self.include_in_schema = include_in_schema


class PathInfo(ParamInfo):
    location = ParamLocation.PATH


class QueryInfo(ParamInfo):
    location = ParamLocation.QUERY


class HeaderInfo(ParamInfo):
    location = ParamLocation.HEADER

    #: `user_agent` reads the `user-agent` header unless this is false.
    convert_underscores = True


class CookieInfo(ParamInfo):
    location = ParamLocation.COOKIE


class BodyInfo(FieldInfo):
    """A part of the JSON body; the guest validates it, with pydantic's errors."""

    def __init__(
        self,
        default: Any = Undefined,
        *,
        embed: bool = False,
        media_type: str = "application/json",
        example: Any = Undefined,
        openapi_examples: dict[str, Any] | None = None,
        include_in_schema: bool = True,
        **options: Any,
    ) -> None:
        super().__init__(
            default,
            example=None if example is Undefined else example,
            openapi_examples=openapi_examples,
            include_in_schema=not include_in_schema,
            **options,
        )
        self.embed = embed
        self.media_type = media_type


def Path(  # noqa: N802 - FastAPI's name
    default: Any = ...,
    *,
    default_factory: Callable[[], Any] | None = None,
    alias: str | None = None,
    alias_priority: int | None = None,
    validation_alias: str | None = None,
    serialization_alias: str | None = None,
    title: str | None = None,
    description: str | None = None,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: str | None = None,
    regex: str | None = None,
    discriminator: Any = None,
    strict: bool | None = None,
    validate_default: bool | None = None,
    union_mode: str | None = None,
    fail_fast: bool | None = None,
    multiple_of: float | None = None,
    allow_inf_nan: bool | None = None,
    max_digits: int | None = None,
    decimal_places: int | None = None,
    examples: list[Any] | None = None,
    example: Any = Undefined,
    openapi_examples: dict[str, Any] | None = None,
    deprecated: Any = None,
    include_in_schema: bool = True,
    json_schema_extra: dict[str, Any] | None = None,
) -> Any:
    """A path parameter, always required: `item_id: Annotated[int, Path(ge=1)]`."""
    return PathInfo(
        default,
        default_factory=default_factory,
        alias=alias,
        alias_priority=alias_priority,
        validation_alias=validation_alias,
        serialization_alias=serialization_alias,
        title=title,
        description=description,
        gt=gt,
        ge=ge,
        lt=lt,
        le=le,
        min_length=min_length,
        max_length=max_length,
        pattern=pattern if pattern is not None else regex,
        discriminator=discriminator,
        strict=strict,
        validate_default=validate_default,
        union_mode=union_mode,
        fail_fast=fail_fast,
        multiple_of=multiple_of,
        allow_inf_nan=allow_inf_nan,
        max_digits=max_digits,
        decimal_places=decimal_places,
        examples=examples,
        example=example,
        openapi_examples=openapi_examples,
        deprecated=deprecated,
        include_in_schema=include_in_schema,
        json_schema_extra=json_schema_extra,
    )


def Query(  # noqa: N802
    default: Any = Undefined,
    *,
    default_factory: Callable[[], Any] | None = None,
    alias: str | None = None,
    alias_priority: int | None = None,
    validation_alias: str | None = None,
    serialization_alias: str | None = None,
    title: str | None = None,
    description: str | None = None,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: str | None = None,
    regex: str | None = None,
    discriminator: Any = None,
    strict: bool | None = None,
    validate_default: bool | None = None,
    union_mode: str | None = None,
    fail_fast: bool | None = None,
    multiple_of: float | None = None,
    allow_inf_nan: bool | None = None,
    max_digits: int | None = None,
    decimal_places: int | None = None,
    examples: list[Any] | None = None,
    example: Any = Undefined,
    openapi_examples: dict[str, Any] | None = None,
    deprecated: Any = None,
    include_in_schema: bool = True,
    json_schema_extra: dict[str, Any] | None = None,
) -> Any:
    """A query parameter: `q: Annotated[str | None, Query(max_length=50)] = None`."""
    return QueryInfo(
        default,
        default_factory=default_factory,
        alias=alias,
        alias_priority=alias_priority,
        validation_alias=validation_alias,
        serialization_alias=serialization_alias,
        title=title,
        description=description,
        gt=gt,
        ge=ge,
        lt=lt,
        le=le,
        min_length=min_length,
        max_length=max_length,
        pattern=pattern if pattern is not None else regex,
        discriminator=discriminator,
        strict=strict,
        validate_default=validate_default,
        union_mode=union_mode,
        fail_fast=fail_fast,
        multiple_of=multiple_of,
        allow_inf_nan=allow_inf_nan,
        max_digits=max_digits,
        decimal_places=decimal_places,
        examples=examples,
        example=example,
        openapi_examples=openapi_examples,
        deprecated=deprecated,
        include_in_schema=include_in_schema,
        json_schema_extra=json_schema_extra,
    )


def Header(  # noqa: N802
    default: Any = Undefined,
    *,
    default_factory: Callable[[], Any] | None = None,
    convert_underscores: bool = True,
    alias: str | None = None,
    alias_priority: int | None = None,
    validation_alias: str | None = None,
    serialization_alias: str | None = None,
    title: str | None = None,
    description: str | None = None,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: str | None = None,
    regex: str | None = None,
    discriminator: Any = None,
    strict: bool | None = None,
    validate_default: bool | None = None,
    union_mode: str | None = None,
    fail_fast: bool | None = None,
    multiple_of: float | None = None,
    allow_inf_nan: bool | None = None,
    max_digits: int | None = None,
    decimal_places: int | None = None,
    examples: list[Any] | None = None,
    example: Any = Undefined,
    openapi_examples: dict[str, Any] | None = None,
    deprecated: Any = None,
    include_in_schema: bool = True,
    json_schema_extra: dict[str, Any] | None = None,
) -> Any:
    """A header: `user_agent: Annotated[str | None, Header()] = None` reads `User-Agent`."""
    info = HeaderInfo(
        default,
        default_factory=default_factory,
        alias=alias,
        alias_priority=alias_priority,
        validation_alias=validation_alias,
        serialization_alias=serialization_alias,
        title=title,
        description=description,
        gt=gt,
        ge=ge,
        lt=lt,
        le=le,
        min_length=min_length,
        max_length=max_length,
        pattern=pattern if pattern is not None else regex,
        discriminator=discriminator,
        strict=strict,
        validate_default=validate_default,
        union_mode=union_mode,
        fail_fast=fail_fast,
        multiple_of=multiple_of,
        allow_inf_nan=allow_inf_nan,
        max_digits=max_digits,
        decimal_places=decimal_places,
        examples=examples,
        example=example,
        openapi_examples=openapi_examples,
        deprecated=deprecated,
        include_in_schema=include_in_schema,
        json_schema_extra=json_schema_extra,
    )
    info.convert_underscores = convert_underscores
    return info


def Cookie(  # noqa: N802
    default: Any = Undefined,
    *,
    default_factory: Callable[[], Any] | None = None,
    alias: str | None = None,
    alias_priority: int | None = None,
    validation_alias: str | None = None,
    serialization_alias: str | None = None,
    title: str | None = None,
    description: str | None = None,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: str | None = None,
    regex: str | None = None,
    discriminator: Any = None,
    strict: bool | None = None,
    validate_default: bool | None = None,
    union_mode: str | None = None,
    fail_fast: bool | None = None,
    multiple_of: float | None = None,
    allow_inf_nan: bool | None = None,
    max_digits: int | None = None,
    decimal_places: int | None = None,
    examples: list[Any] | None = None,
    example: Any = Undefined,
    openapi_examples: dict[str, Any] | None = None,
    deprecated: Any = None,
    include_in_schema: bool = True,
    json_schema_extra: dict[str, Any] | None = None,
) -> Any:
    """A cookie: `session_id: Annotated[str | None, Cookie()] = None`."""
    return CookieInfo(
        default,
        default_factory=default_factory,
        alias=alias,
        alias_priority=alias_priority,
        validation_alias=validation_alias,
        serialization_alias=serialization_alias,
        title=title,
        description=description,
        gt=gt,
        ge=ge,
        lt=lt,
        le=le,
        min_length=min_length,
        max_length=max_length,
        pattern=pattern if pattern is not None else regex,
        discriminator=discriminator,
        strict=strict,
        validate_default=validate_default,
        union_mode=union_mode,
        fail_fast=fail_fast,
        multiple_of=multiple_of,
        allow_inf_nan=allow_inf_nan,
        max_digits=max_digits,
        decimal_places=decimal_places,
        examples=examples,
        example=example,
        openapi_examples=openapi_examples,
        deprecated=deprecated,
        include_in_schema=include_in_schema,
        json_schema_extra=json_schema_extra,
    )


def Body(  # noqa: N802
    default: Any = Undefined,
    *,
    default_factory: Callable[[], Any] | None = None,
    embed: bool = False,
    media_type: str = "application/json",
    alias: str | None = None,
    alias_priority: int | None = None,
    validation_alias: str | None = None,
    serialization_alias: str | None = None,
    title: str | None = None,
    description: str | None = None,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: str | None = None,
    regex: str | None = None,
    discriminator: Any = None,
    strict: bool | None = None,
    validate_default: bool | None = None,
    union_mode: str | None = None,
    fail_fast: bool | None = None,
    multiple_of: float | None = None,
    allow_inf_nan: bool | None = None,
    max_digits: int | None = None,
    decimal_places: int | None = None,
    examples: list[Any] | None = None,
    example: Any = Undefined,
    openapi_examples: dict[str, Any] | None = None,
    deprecated: Any = None,
    include_in_schema: bool = True,
    json_schema_extra: dict[str, Any] | None = None,
) -> Any:
    """A body value: `importance: Annotated[int, Body(gt=0)]`, or `item: Annotated[Item,
    Body(embed=True)]` to read `{"item": {...}}`."""
    return BodyInfo(
        default,
        default_factory=default_factory,
        embed=embed,
        media_type=media_type,
        alias=alias,
        alias_priority=alias_priority,
        validation_alias=validation_alias,
        serialization_alias=serialization_alias,
        title=title,
        description=description,
        gt=gt,
        ge=ge,
        lt=lt,
        le=le,
        min_length=min_length,
        max_length=max_length,
        pattern=pattern if pattern is not None else regex,
        discriminator=discriminator,
        strict=strict,
        validate_default=validate_default,
        union_mode=union_mode,
        fail_fast=fail_fast,
        multiple_of=multiple_of,
        allow_inf_nan=allow_inf_nan,
        max_digits=max_digits,
        decimal_places=decimal_places,
        examples=examples,
        example=example,
        openapi_examples=openapi_examples,
        deprecated=deprecated,
        include_in_schema=include_in_schema,
        json_schema_extra=json_schema_extra,
    )


class FormInfo(BodyInfo):
    """A field of a form body (`application/x-www-form-urlencoded` or `multipart/form-data`):
    read from the form by its name, never as the whole body (unless it is a model)."""

    @classmethod
    def of(cls, body: BodyInfo) -> FormInfo:
        form = cls.__new__(cls)
        form.__dict__.update(vars(body))
        return form


class FileInfo(FormInfo):
    """A file of a `multipart/form-data` body: its bytes, or the `UploadFile`."""


def Form(  # noqa: N802
    default: Any = Undefined,
    *,
    media_type: str = "application/x-www-form-urlencoded",
    **keywords: Any,
) -> Any:
    """A form field: `username: Annotated[str, Form()]`. Takes `Body`'s keywords."""
    return FormInfo.of(Body(default, media_type=media_type, **keywords))


def File(  # noqa: N802
    default: Any = Undefined,
    *,
    media_type: str = "multipart/form-data",
    **keywords: Any,
) -> Any:
    """A file of a multipart form: `file: Annotated[bytes, File()]` for its bytes, or an
    `UploadFile` argument (which needs no marker) for its name, type and content. Takes
    `Body`'s keywords."""
    return FileInfo.of(Body(default, media_type=media_type, **keywords))


class DependsInfo:
    """`Depends(callable)`: a value computed per request by a function of this component (its
    own parameters become the operation's), or `Depends("name")`: a named dependency the host
    resolves from a provider of any component."""

    def __init__(self, dependency: Callable[..., Any] | str | None, use_cache: bool) -> None:
        self.dependency = dependency
        self.use_cache = use_cache

    def __repr__(self) -> str:
        target = (
            self.dependency
            if isinstance(self.dependency, str)
            else getattr(self.dependency, "__name__", self.dependency)
        )
        cache = "" if self.use_cache else ", use_cache=False"
        return f"Depends({target!r}{cache})"


def Depends(  # noqa: N802
    dependency: Callable[..., Any] | str | None = None, *, use_cache: bool = True
) -> Any:
    """A dependency, computed once per request unless `use_cache=False`:

    - `Depends(get_db)`: `get_db` runs in this component (`def`, `async def`, or a generator
      whose code after `yield` runs after the response is made);
    - `Depends("current-user")`: the host provides it, from a provider of any component;
    - `Depends()`: the parameter's annotated class is the dependency.
    """
    return DependsInfo(dependency, use_cache)


class SecurityInfo(DependsInfo):
    """`Security(callable, scopes=[...])`: `Depends` that also requires OAuth2 `scopes`, for
    the OpenAPI document and the `SecurityScopes` of the dependencies below it."""

    def __init__(
        self,
        dependency: Callable[..., Any] | None,
        use_cache: bool,
        scopes: list[str] | tuple[str, ...] | None,
    ) -> None:
        super().__init__(dependency, use_cache)
        self.scopes = list(scopes or [])

    def __repr__(self) -> str:
        return super().__repr__().replace("Depends(", "Security(", 1)[:-1] + (
            f", scopes={self.scopes!r})" if self.scopes else ")"
        )


def Security(  # noqa: N802
    dependency: Callable[..., Any] | None = None,
    *,
    scopes: list[str] | tuple[str, ...] | None = None,
    use_cache: bool = True,
) -> Any:
    """A dependency that requires OAuth2 `scopes`, as FastAPI's `Security`: `Depends` whose
    scopes the OpenAPI document lists on the security scheme below it, and that a
    `SecurityScopes` argument of a dependency below it receives."""
    return SecurityInfo(dependency, use_cache, scopes)
