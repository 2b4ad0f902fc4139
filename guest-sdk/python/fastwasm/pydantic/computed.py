"""pydantic's `@computed_field`: a property (or `functools.cached_property`) of a model that is
serialized with its fields — in `model_dump`, responses and `repr`, after the fields and the
extras — and documented in the schema of what the model serializes (a response's), read-only
and required, never in the schema of what it validates (a request's)."""

from __future__ import annotations

import functools
import typing
from typing import Any, Callable

from ..exceptions import DeclarationError
from .fields import caller, documented


class ComputedFieldInfo:
    """What `computed_field` records: the property, its return type and documentation."""

    def __init__(
        self,
        wrapped_property: Any,
        return_type: Any,
        alias: str | None,
        title: str | None,
        description: str | None,
        deprecated: Any,
        examples: list[Any] | None,
        json_schema_extra: dict[str, Any] | None,
        repr: bool,
    ) -> None:
        self.wrapped_property = wrapped_property
        self._return_type = return_type
        self.alias = alias
        self.title = title
        self.description = description
        self.deprecated = deprecated
        self.examples = examples
        self.json_schema_extra = json_schema_extra
        self.repr = repr

    @property
    def return_type(self) -> Any:
        """The given `return_type`, or the getter's return annotation, resolved on first use
        (by then a class it names, defined after the model, exists)."""
        if self._return_type is _FROM_ANNOTATION:
            getter = _getter(self.wrapped_property)
            self._return_type = typing.get_type_hints(getter, include_extras=True)["return"]
        return self._return_type

    def documented(self, schema: dict[str, Any]) -> None:
        """Adds what the field documents to its value's schema, as pydantic writes it."""
        if self.description is not None:
            schema["description"] = self.description
        documented(schema, self.deprecated, self.examples, self.json_schema_extra)
        schema["readOnly"] = True


class _ComputedField:
    """The class attribute `@computed_field` leaves: the property it wraps, for instances."""

    def __init__(self, info: ComputedFieldInfo) -> None:
        self.info = info
        self.__doc__ = getattr(info.wrapped_property, "__doc__", None)

    def __set_name__(self, owner: type, name: str) -> None:
        set_name = getattr(self.info.wrapped_property, "__set_name__", None)
        if set_name is not None:
            set_name(owner, name)

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:
            return self
        return self.info.wrapped_property.__get__(instance, owner)

    def __set__(self, instance: Any, value: Any) -> None:
        setter = getattr(self.info.wrapped_property, "__set__", None)
        if setter is None or getattr(self.info.wrapped_property, "fset", True) is None:
            raise AttributeError("a computed field without a setter cannot be assigned")
        setter(instance, value)


_FROM_ANNOTATION: Any = object()

#: pydantic's keywords of `computed_field` that the SDK does not carry out.
_REFUSED = ("alias_priority", "exclude_if", "field_title_generator")


def computed_field(
    func: Any = None,
    /,
    *,
    alias: str | None = None,
    title: str | None = None,
    description: str | None = None,
    deprecated: Any = None,
    examples: list[Any] | None = None,
    json_schema_extra: dict[str, Any] | Callable[..., Any] | None = None,
    repr: bool = True,
    return_type: Any = _FROM_ANNOTATION,
    **refused: Any,
) -> Any:
    """`@computed_field` over `@property` (or `@cached_property`, or a plain method, which
    becomes a property), with or without pydantic's keywords."""
    given = sorted(key for key, value in refused.items() if value is not None)
    unknown = [key for key in given if key not in _REFUSED]
    if unknown:
        raise TypeError(f"computed_field() got an unexpected keyword argument {unknown[0]!r}")
    if given:
        raise DeclarationError(f"{caller()}: `computed_field({given[0]}=...)` is not supported")
    if callable(json_schema_extra):
        raise DeclarationError(
            f"{caller()}: a callable `json_schema_extra` of a computed field is not supported"
        )

    def decorate(function: Any) -> _ComputedField:
        wrapped = function
        if not isinstance(wrapped, (property, functools.cached_property)):
            wrapped = property(wrapped)
        getter = _getter(wrapped)
        if return_type is _FROM_ANNOTATION and "return" not in getattr(
            getter, "__annotations__", {}
        ):
            raise DeclarationError(
                f"{caller()}: the computed field `{getter.__name__}` needs a return annotation "
                "(or `return_type=`), which pydantic serializes and documents it by"
            )
        info = ComputedFieldInfo(
            wrapped,
            return_type,
            alias,
            title,
            description or getter.__doc__,
            deprecated,
            examples,
            json_schema_extra,
            repr,
        )
        return _ComputedField(info)

    return decorate if func is None else decorate(func)


def _getter(wrapped: Any) -> Callable[..., Any]:
    return wrapped.fget if isinstance(wrapped, property) else wrapped.func


def computed_fields(cls: type) -> dict[str, ComputedFieldInfo]:
    """The class's computed fields by name, its bases' first, as `model_computed_fields`."""
    found: dict[str, ComputedFieldInfo] = {}
    for klass in reversed(cls.__mro__):
        for name, value in klass.__dict__.items():
            if isinstance(value, _ComputedField):
                found[name] = value.info
    return found
