"""`FieldInfo`: what `Field(...)`, `Query(...)`, `Body(...)` and their siblings record about one
value — its default, its wire name, and the constraints pydantic would check."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Callable


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
    ) -> None:
        if default is not Undefined and default is not ... and default_factory is not None:
            raise TypeError("cannot set both `default` and `default_factory`")
        # `Field(...)` is pydantic's spelling of "required".
        self.default = Undefined if default is ... else default
        self.default_factory = default_factory
        self.alias = alias
        self.title = title
        self.description = description
        self.constraints = Constraints(gt, ge, lt, le, min_length, max_length, pattern)

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
    title: str | None = None,
    description: str | None = None,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    pattern: str | None = None,
) -> Any:
    """A model field with a default, an alias and constraints, as pydantic's `Field`."""
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
    )
