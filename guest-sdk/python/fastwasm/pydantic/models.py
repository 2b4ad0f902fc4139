"""`BaseModel`: the part of pydantic's `BaseModel` request and response bodies use — fields
declared by annotations with defaults or `Field(...)`, validation with pydantic's errors,
`model_dump`, `model_validate` and `model_json_schema`."""

from __future__ import annotations

import copy
import dataclasses
import datetime
import decimal
import enum
import inspect
import json
import sys
import typing
import uuid
from typing import Any, Callable, ClassVar

from .. import annotations as ann
from ..exceptions import DeclarationError, PydanticCustomError, ValidationError
from . import temporal
from .computed import ComputedFieldInfo, computed_fields
from .fields import FieldInfo, Undefined

_FIELDS_SET = "__fastwasm_fields_set__"
#: Where a model with `extra="allow"` keeps the keys that are no field's, as pydantic does.
_EXTRA = "__pydantic_extra__"

#: The `model_config` keys the SDK honours as pydantic does; any other fails the declaration.
_CONFIG_KEYS = {
    "extra",
    "title",
    "frozen",
    "populate_by_name",
    "str_strip_whitespace",
    "str_to_lower",
    "str_to_upper",
}


def ConfigDict(**options: Any) -> dict[str, Any]:  # noqa: N802 - pydantic's name
    """pydantic's `ConfigDict`: a plain dict of model options."""
    return dict(options)


def model_config(cls: type) -> dict[str, Any]:
    """The class's `model_config`, its bases' merged under its own, as pydantic inherits it."""
    merged: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        merged.update(klass.__dict__.get("model_config") or {})
    return merged


class _ReadOnFirstUse:
    """A class attribute computed from the class on first use (`model_fields` from the
    annotations, `model_computed_fields`): by then every name an annotation mentions exists,
    even a class defined after the model."""

    def __init__(self, compute: Callable[[type], Any]) -> None:
        self.compute = compute

    def __set_name__(self, owner: type, name: str) -> None:
        self.cache = f"__fastwasm_{name}__"

    def __get__(self, instance: Any, owner: type) -> Any:
        cached = owner.__dict__.get(self.cache)
        if cached is None:
            cached = self.compute(owner)
            setattr(owner, self.cache, cached)
        return cached


def _collect_fields(cls: type[BaseModel]) -> dict[str, FieldInfo]:
    hints = ann.type_hints(cls)
    fields: dict[str, FieldInfo] = {}
    for klass in reversed(cls.__mro__):
        if not (issubclass(klass, BaseModel) and klass is not BaseModel):
            continue
        for name in inspect.get_annotations(klass):
            annotation = hints[name]
            if name.startswith("_") or typing.get_origin(annotation) is ClassVar:
                continue
            default = klass.__dict__.get(name, Undefined)
            info = copy.copy(default) if isinstance(default, FieldInfo) else FieldInfo(default)
            inner, metadata = ann.split_annotated(annotation)
            for meta in metadata:
                if isinstance(meta, FieldInfo):
                    info = info.with_fallback(meta)
            info.annotation = inner
            info.metadata = [meta for meta in metadata if not isinstance(meta, FieldInfo)]
            fields[name] = info
    return fields


class ValidationInfo:
    """What a validator given an `info` argument sees: the fields validated before this one
    (`data`) and the field's name."""

    def __init__(self, data: dict[str, Any], field_name: str | None, mode: str = "python"):
        self.data = data
        self.field_name = field_name
        self.mode = mode


class _Decorated:
    """A `field_validator` or `model_validator` function, kept on the class until the model's
    validator compiles; `__get__` leaves the function callable on the class as written."""

    def __init__(self, function: Any, mode: str, fields: tuple[str, ...] | None) -> None:
        self.instance_method = not isinstance(function, (classmethod, staticmethod))
        self.static = isinstance(function, staticmethod)
        self.function = function.__func__ if not self.instance_method else function
        self.mode = mode
        self.fields = fields

    def validates(self, field: str) -> bool:
        """Whether this is a field validator of `field` (named, or every field by `"*"`)."""
        return self.fields is not None and (field in self.fields or "*" in self.fields)

    def __get__(self, instance: Any, owner: type) -> Any:
        if self.static:
            return self.function
        if self.instance_method:
            return self.function.__get__(instance, owner) if instance is not None else self.function
        return self.function.__get__(owner, owner)

    def call(self, cls: type, *args: Any, info: ValidationInfo | None = None) -> Any:
        # pydantic passes `info` only to functions that take it (by their arity).
        bound = self.function if self.static else self.function.__get__(cls, cls)
        wanted = len(inspect.signature(bound).parameters)
        given = len(args)
        return bound(*args, info) if wanted > given else bound(*args)


_MODES = ("after", "before", "wrap", "plain")


def field_validator(*fields: str, mode: str = "after", check_fields: bool | None = None) -> Any:
    """pydantic's `@field_validator("a", "b", mode=...)` over a classmethod."""
    if mode not in _MODES:
        raise TypeError(f"field_validator: mode must be one of {_MODES}, not {mode!r}")
    if not fields or not all(isinstance(name, str) for name in fields):
        raise TypeError("field_validator: name the fields it validates")
    return lambda function: _Decorated(function, mode, fields)


def model_validator(*, mode: str) -> Any:
    """pydantic's `@model_validator(mode="before"|"after"|"wrap")`."""
    if mode not in ("after", "before", "wrap"):
        raise TypeError(f"model_validator: mode must be 'before', 'after' or 'wrap', not {mode!r}")
    return lambda function: _Decorated(function, mode, None)


def decorated(cls: type) -> list[_Decorated]:
    """The class's field and model validators, base classes' first."""
    found: dict[str, _Decorated] = {}
    for klass in reversed(cls.__mro__):
        for name, value in klass.__dict__.items():
            if isinstance(value, _Decorated):
                found[name] = value
    return list(found.values())


#: The exceptions a validator may raise to fail validation, with pydantic's error type and
#: the words its message starts with.
_RAISED = (
    (AssertionError, "assertion_error", "Assertion failed"),
    (ValueError, "value_error", "Value error"),
)


def raised_error(err: Exception, loc: Any, value: Any) -> dict[str, Any] | None:
    """pydantic's error for a validator's `ValueError` or `AssertionError` (a
    `PydanticCustomError` as it says); None for others."""
    if isinstance(err, PydanticCustomError):
        error = {"type": err.type, "loc": list(loc), "msg": err.message(), "input": value}
        if err.context is not None:
            error["ctx"] = err.context
        return error
    for raised, kind, words in _RAISED:
        if isinstance(err, raised):
            return {
                "type": kind,
                "loc": list(loc),
                "msg": f"{words}, {err}",
                "input": value,
                "ctx": {"error": err},
            }
    return None


def _validator(cls: type, from_attributes: bool) -> Any:
    from .validation import compile_type

    return compile_type(cls, from_attributes=from_attributes)


class BaseModel:
    """A class whose annotated attributes are its fields, validated on construction:

    ```python
    class Item(BaseModel):
        name: str
        price: float = Field(gt=0)
        tags: list[str] = []
    ```
    """

    model_fields: ClassVar[dict[str, FieldInfo]] = _ReadOnFirstUse(_collect_fields)  # type: ignore[assignment]
    model_computed_fields: ClassVar[dict[str, ComputedFieldInfo]] = _ReadOnFirstUse(computed_fields)  # type: ignore[assignment]
    model_config: ClassVar[dict[str, Any]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # The frame running the `class` statement: pydantic's surface the SDK lacks fails the
        # build there, with the file and line in the message.
        caller = sys._getframe(1)
        where = f"{caller.f_code.co_filename}:{caller.f_lineno}"

        def fail(reason: str) -> None:
            raise DeclarationError(f"{where}: {reason}")

        annotated = inspect.get_annotations(cls)
        for check in decorated(cls):
            for name in check.fields or ():
                if name != "*" and name not in annotated and not any(
                    name in inspect.get_annotations(base) for base in cls.__mro__[1:]
                ):
                    fail(f"{cls.__name__}: a field_validator names {name!r}, which is no field")
        config = cls.__dict__.get("model_config")
        if config is not None:
            unknown = set(config) - _CONFIG_KEYS
            if unknown:
                fail(
                    f"{cls.__name__}: fastwasm's BaseModel supports only "
                    f"{sorted(_CONFIG_KEYS)} in `model_config`, not {sorted(unknown)}"
                )
            if config.get("extra", "ignore") not in ("ignore", "forbid", "allow"):
                fail(
                    f"{cls.__name__}: model_config extra={config['extra']!r} is not one of "
                    "'ignore', 'forbid' and 'allow'"
                )

    def __init__(self, **data: Any) -> None:
        validated = type(self).model_validate(data)
        object.__setattr__(self, "__dict__", validated.__dict__)

    @classmethod
    def model_construct(cls, _fields_set: set[str] | None = None, **values: Any) -> Any:
        """An instance from already valid values, without validation; absent fields get
        their defaults."""
        instance = cls.__new__(cls)
        for name, info in cls.model_fields.items():
            value = values[name] if name in values else info.get_default()
            object.__setattr__(instance, name, value)
        given = set(values) if _fields_set is None else set(_fields_set)
        object.__setattr__(instance, _FIELDS_SET, given)
        return instance

    @classmethod
    def model_validate(cls, obj: Any) -> Any:
        from .validation import validate

        value, errors = validate(_validator(cls, from_attributes=False), obj)
        if errors:
            raise ValidationError(cls.__name__, errors)
        return value

    @classmethod
    def model_validate_json(cls, data: str | bytes) -> Any:
        try:
            obj = json.loads(data)
        except json.JSONDecodeError as err:
            error = {
                "type": "json_invalid",
                "loc": [],
                "msg": f"Invalid JSON: {err.msg}",
                "input": data,
                "ctx": {"error": err.msg},
            }
            raise ValidationError(cls.__name__, [error]) from None
        return cls.model_validate(obj)

    @classmethod
    def model_json_schema(cls, mode: str = "validation") -> dict[str, Any]:
        from .validation import json_schema

        return json_schema(_validator(cls, from_attributes=False), mode=mode)

    @property
    def model_fields_set(self) -> set[str]:
        """The fields given when the instance was made or assigned since."""
        return self.__dict__[_FIELDS_SET]

    @property
    def model_extra(self) -> dict[str, Any] | None:
        """With `extra="allow"`, the keys given that are no field's; otherwise `None`."""
        if model_config(type(self)).get("extra") != "allow":
            return None
        return self.__dict__.setdefault(_EXTRA, {})

    def _allow_extra(self, extra: dict[str, Any]) -> None:
        """Keeps `extra` (keys that are no field's) on an `extra="allow"` instance."""
        kept = self.__dict__.setdefault(_EXTRA, {})
        for name, value in extra.items():
            kept[name] = value
            object.__setattr__(self, name, value)
            self.model_fields_set.add(name)

    def model_dump(
        self,
        *,
        mode: str = "python",
        include: set[str] | None = None,
        exclude: set[str] | None = None,
        by_alias: bool = False,
        exclude_unset: bool = False,
        exclude_defaults: bool = False,
        exclude_none: bool = False,
    ) -> dict[str, Any]:
        """The fields as a dict, then the extras and the computed fields; `mode="json"` gives
        only JSON values (enums by value)."""
        options = dict(
            mode=mode,
            by_alias=by_alias,
            exclude_unset=exclude_unset,
            exclude_defaults=exclude_defaults,
            exclude_none=exclude_none,
        )
        return self._dump_fields(options, include, exclude)

    def _dump_fields(
        self,
        options: dict[str, Any],
        include: set[str] | None = None,
        exclude: set[str] | None = None,
    ) -> dict[str, Any]:
        """`model_dump` with its `options`; without the computed fields when `computed` is
        false among them (what a response model validates again)."""
        by_alias = options.get("by_alias", False)
        exclude_none = options.get("exclude_none", False)
        shown = lambda name: (include is None or name in include) and not (  # noqa: E731
            exclude and name in exclude
        )
        result: dict[str, Any] = {}
        for name, info in type(self).model_fields.items():
            if not shown(name):
                continue
            if options.get("exclude_unset") and name not in self.model_fields_set:
                continue
            value = getattr(self, name)
            if exclude_none and value is None:
                continue
            if options.get("exclude_defaults") and not info.required and value == info.get_default():
                continue
            key = info.alias if by_alias and info.alias else name
            result[key] = _dump(value, options)
        for name, value in (self.model_extra or {}).items():
            if not shown(name) or (exclude_none and value is None):
                continue
            result[name] = _dump(value, options)
        if options.get("computed", True):
            for name, computed in type(self).model_computed_fields.items():
                if not shown(name):
                    continue
                value = getattr(self, name)
                if exclude_none and value is None:
                    continue
                key = computed.alias if by_alias and computed.alias else name
                result[key] = _dump(value, options)
        return result

    def model_dump_json(self, **options: Any) -> str:
        """`model_dump(mode="json")` as compact JSON text."""
        return json.dumps(
            self.model_dump(mode="json", **options), ensure_ascii=False, separators=(",", ":")
        )

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        duplicate = copy.deepcopy(self) if deep else copy.copy(self)
        duplicate.__dict__[_FIELDS_SET] = set(self.model_fields_set)
        for name, value in (update or {}).items():
            setattr(duplicate, name, value)
        return duplicate

    def __setattr__(self, name: str, value: Any) -> None:
        if name in type(self).model_computed_fields:
            object.__setattr__(self, name, value)  # Its property's setter, if it has one.
            return
        if name not in type(self).model_fields:
            if self.model_extra is not None:
                self._allow_extra({name: value})
                return
            raise ValueError(f'"{type(self).__name__}" object has no field "{name}"')
        if model_config(type(self)).get("frozen"):
            error = {"type": "frozen_instance", "loc": [name], "msg": "Instance is frozen", "input": value}
            raise ValidationError(type(self).__name__, [error])
        object.__setattr__(self, name, value)
        self.model_fields_set.add(name)

    def __iter__(self) -> typing.Iterator[tuple[str, Any]]:
        for name in type(self).model_fields:
            yield name, getattr(self, name)
        yield from (self.model_extra or {}).items()

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return dict(self) == dict(other)  # type: ignore[call-overload]

    def __hash__(self) -> int:
        # pydantic hashes a frozen model by its fields; others are unhashable.
        if not model_config(type(self)).get("frozen"):
            raise TypeError(f"unhashable type: '{type(self).__name__}'")
        return hash((type(self), *(_hashable(value) for _, value in self)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._fields_text(', ')})"

    def __str__(self) -> str:
        return self._fields_text(" ")

    def _fields_text(self, separator: str) -> str:
        shown = [*self, *((name, getattr(self, name)) for name in _repr_computed(type(self)))]
        return separator.join(f"{name}={value!r}" for name, value in shown)


def _repr_computed(cls: type[BaseModel]) -> list[str]:
    return [name for name, info in cls.model_computed_fields.items() if info.repr]


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def json_value(value: Any) -> Any:
    """`value` as `model_dump(mode="json")` writes it, as pydantic writes a default in a schema."""
    return _dump(value, {"mode": "json"})


def dump_declared(model: BaseModel, **options: Any) -> dict[str, Any]:
    """`model.model_dump(**options)` without computed fields, at any depth: what FastAPI's
    response model validates again, which the computed ones would be unknown keys of."""
    return model._dump_fields({**options, "computed": False})


def _dump(value: Any, options: dict[str, Any]) -> Any:
    if isinstance(value, BaseModel):
        return value._dump_fields(options)
    if isinstance(value, dict):
        return {_dump(key, options): _dump(item, options) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_dump(item, options) for item in value]
        return items if options.get("mode") == "json" else type(value)(items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _dump(getattr(value, field.name), options)
            for field in dataclasses.fields(value)
        }
    if options.get("mode") == "json":
        if isinstance(value, enum.Enum):
            return _dump(value.value, options)
        # pydantic's own JSON of these, unlike FastAPI's `jsonable_encoder` (which writes a
        # timedelta as seconds and a Decimal as a float).
        if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
            return temporal.iso_format(value)
        if isinstance(value, (decimal.Decimal, uuid.UUID)):
            return str(value)
        from ..encoders import jsonable_encoder

        return jsonable_encoder(value)
    return value
