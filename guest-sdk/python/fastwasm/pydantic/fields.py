"""`FieldInfo`: what `Field(...)`, `Query(...)`, `Body(...)` and their siblings record about one
value — its default, its wire name, and the constraints pydantic would check."""

from __future__ import annotations

import copy
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable

from ..exceptions import DeclarationError


class _Undefined:
    """The absence of a default (pydantic's `PydanticUndefined`): the value is required."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "Undefined"

    def __bool__(self) -> bool:
        return False


Undefined: Any = _Undefined()


@dataclass(frozen=True)
class Constraints:
    """pydantic's common constraints. Numeric bounds apply to numbers, lengths to strings and
    lists, `pattern` to strings (searched, not anchored, as pydantic does)."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    #: A `Decimal`'s digits in all, and after the point (pydantic counts them normalised).
    max_digits: int | None = None
    decimal_places: int | None = None

    def __bool__(self) -> bool:
        return any(value is not None for value in vars(self).values())

    def merged(self, other: Constraints) -> Constraints:
        """These constraints with `other`'s set ones on top."""
        return Constraints(
            **{
                name: theirs if theirs is not None else mine
                for (name, mine), theirs in zip(vars(self).items(), vars(other).values())
            }
        )

    @property
    def numeric(self) -> dict[str, float]:
        return {
            name: value
            for name, value in (("gt", self.gt), ("ge", self.ge), ("lt", self.lt), ("le", self.le))
            if value is not None
        }


class FieldInfo:
    """One field of a model, or one parameter of an operation (the `params` subclasses)."""

    #: The field's type, once its model has read its annotations.
    annotation: Any = None

    def __init__(
        self,
        default: Any = Undefined,
        *,
        default_factory: Callable[[], Any] | None = None,
        alias: str | None = None,
        title: str | None = None,
        description: str | None = None,
        gt: float | None = None,
        ge: float | None = None,
        lt: float | None = None,
        le: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        examples: list[Any] | None = None,
        deprecated: Any = None,
        json_schema_extra: dict[str, Any] | Callable[..., None] | None = None,
        **options: Any,
    ) -> None:
        if default is not Undefined and default is not ... and default_factory is not None:
            raise TypeError("cannot set both `default` and `default_factory`")
        # `Field(...)` is pydantic's spelling of "required".
        self.default = Undefined if default is ... else default
        self.default_factory = default_factory
        self.alias = alias
        self.title = title
        self.description = description
        self.constraints = Constraints(
            gt,
            ge,
            lt,
            le,
            min_length,
            max_length,
            pattern,
            max_digits=options.pop("max_digits", None),
            decimal_places=options.pop("decimal_places", None),
        )
        self.examples = examples
        # pydantic takes a message or a `warnings.deprecated` too; the document says `true`.
        self.deprecated = bool(deprecated) if deprecated is not None else None
        self.declared_at = caller()
        if callable(json_schema_extra):
            self._unmatched("json_schema_extra", "a callable one is not supported; pass a dict")
        self.json_schema_extra = json_schema_extra
        #: A model field's other `Annotated[...]` metadata (`AfterValidator(...)`, …), as
        #: pydantic keeps it.
        self.metadata: list[Any] = []
        for name, value in options.items():
            reason = _UNMATCHED.get(name)
            if reason is not None and value not in (None, False):
                self._unmatched(name, reason)

    def _unmatched(self, keyword: str, reason: str) -> None:
        raise DeclarationError(
            f"{self.declared_at}: `{type(self).__name__.removesuffix('Info')}({keyword}=...)` "
            f"is not supported: {reason}"
        )

    def documented(self, schema: dict[str, Any]) -> dict[str, Any]:
        return documented(schema, self.deprecated, self.examples, self.json_schema_extra)

    @property
    def required(self) -> bool:
        return self.default is Undefined and self.default_factory is None

    def with_fallback(self, other: FieldInfo) -> FieldInfo:
        """This field's settings, with what it leaves unset taken from `other` (a field's
        `= Field(...)` over the `Field(...)` in its `Annotated[...]`)."""
        merged = copy.copy(self)
        if self.required:
            merged.default, merged.default_factory = other.default, other.default_factory
        merged.alias = self.alias or other.alias
        merged.title = self.title or other.title
        merged.description = self.description or other.description
        merged.constraints = other.constraints.merged(self.constraints)
        for name in ("examples", "deprecated", "json_schema_extra"):
            if getattr(self, name) is None:
                setattr(merged, name, getattr(other, name))
        return merged

    def get_default(self) -> Any:
        """A fresh default: pydantic copies mutable defaults, so instances never share one."""
        if self.default_factory is not None:
            return self.default_factory()
        return copy.deepcopy(self.default)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(default={self.default!r})"


def Field(  # noqa: N802 - pydantic's name
    default: Any = Undefined,
    *,
    default_factory: Callable[[], Any] | None = None,
    alias: str | None = None,
    alias_priority: int | None = None,
    validation_alias: str | None = None,
    serialization_alias: str | None = None,
    title: str | None = None,
    field_title_generator: Callable[..., str] | None = None,
    description: str | None = None,
    examples: list[Any] | None = None,
    exclude: bool | None = None,
    exclude_if: Callable[[Any], bool] | None = None,
    discriminator: Any = None,
    deprecated: Any = None,
    json_schema_extra: dict[str, Any] | Callable[..., None] | None = None,
    frozen: bool | None = None,
    validate_default: bool | None = None,
    repr: bool = True,  # noqa: A002 - pydantic's name
    init: bool | None = None,
    init_var: bool | None = None,
    kw_only: bool | None = None,
    pattern: str | None = None,
    strict: bool | None = None,
    coerce_numbers_to_str: bool | None = None,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    multiple_of: float | None = None,
    allow_inf_nan: bool | None = None,
    max_digits: int | None = None,
    decimal_places: int | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    union_mode: str | None = None,
    fail_fast: bool | None = None,
    **extra: Any,
) -> Any:
    """A model field with a default, an alias, constraints and documentation, as pydantic's
    `Field`. Keywords whose behaviour fastwasm does not reproduce fail the build, naming the
    file and line (see "Not supported" in the SDK README)."""
    if extra:
        # pydantic's deprecated spelling: unknown keywords join `json_schema_extra`.
        if callable(json_schema_extra):
            json_schema_extra = None
        json_schema_extra = {**(json_schema_extra or {}), **extra}
    return FieldInfo(
        default,
        default_factory=default_factory,
        alias=alias,
        title=title,
        description=description,
        gt=gt,
        ge=ge,
        lt=lt,
        le=le,
        min_length=min_length,
        max_length=max_length,
        pattern=pattern,
        examples=examples,
        deprecated=deprecated,
        json_schema_extra=json_schema_extra,
        validation_alias=_other_alias(validation_alias, alias),
        serialization_alias=_other_alias(serialization_alias, alias),
        field_title_generator=field_title_generator,
        exclude=exclude,
        exclude_if=exclude_if,
        discriminator=discriminator,
        frozen=frozen,
        validate_default=validate_default,
        init=init,
        init_var=init_var,
        kw_only=kw_only,
        strict=strict,
        coerce_numbers_to_str=coerce_numbers_to_str,
        multiple_of=multiple_of,
        allow_inf_nan=allow_inf_nan,
        max_digits=max_digits,
        decimal_places=decimal_places,
        union_mode=union_mode,
        fail_fast=fail_fast,
    )


def _other_alias(given: str | None, alias: str | None) -> str | None:
    """An alias for one direction only, unless it is the alias itself (then it changes nothing)."""
    return None if given is None or given == alias else given


#: Keywords accepted for FastAPI's and pydantic's signatures whose behaviour fastwasm does not
#: reproduce: set (to anything but None or False) they fail the build with this reason.
_UNMATCHED = {
    "validation_alias": "an alias for validation only; use `alias`, which is both",
    "serialization_alias": "an alias for serialization only; use `alias`, which is both",
    "field_title_generator": "titles come from `title` or the name",
    "exclude": "fastwasm's `model_dump` does not leave fields out",
    "exclude_if": "fastwasm's `model_dump` does not leave fields out",
    "discriminator": "discriminated unions are not supported",
    "frozen": "fastwasm's models do not freeze fields",
    "validate_default": "defaults are not validated",
    "init": "dataclass-only",
    "init_var": "dataclass-only",
    "kw_only": "dataclass-only",
    "strict": "strict mode is not supported",
    "coerce_numbers_to_str": "not supported",
    "multiple_of": "the `multiple_of` constraint is not checked",
    "allow_inf_nan": "not supported",
    "union_mode": "not supported",
    "fail_fast": "not supported",
    "alias_priority": "not supported",
    "include_in_schema": "only parameters can be left out of the document",
    "openapi_examples": "only parameters have OpenAPI examples",
    "example": "use `examples`",
}


def documented(
    schema: dict[str, Any],
    deprecated: Any,
    examples: list[Any] | None,
    json_schema_extra: dict[str, Any] | None,
) -> dict[str, Any]:
    """`schema` with the documentation-only keywords of a field as pydantic writes them:
    `deprecated` and `examples` after the type, then `json_schema_extra`'s keys."""
    if deprecated:
        schema["deprecated"] = True
    if examples is not None:
        schema["examples"] = list(examples)
    if json_schema_extra:
        schema.update(json_schema_extra)
    return schema


def caller() -> str:
    """`file:line` of the code that called `Field(...)`/`Query(...)`, for build errors."""
    frame = sys._getframe(1)
    # The SDK's own frames, in `fastwasm/` and its subpackages, are skipped.
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package):
        frame = frame.f_back
    if frame is None:
        return "<unknown>"
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"
