"""Reading type annotations: `Annotated` metadata, optional values, containers and literals,
spelled with `typing` or with the builtin generics and `X | None`."""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from typing import Any, Callable

NoneType = type(None)


def split_annotated(annotation: Any) -> tuple[Any, list[Any]]:
    """`Annotated[int, Query()]` → (`int`, [Query()]); other annotations have no metadata."""
    if typing.get_origin(annotation) is typing.Annotated:
        return annotation.__origin__, list(annotation.__metadata__)
    return annotation, []


def is_union(annotation: Any) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def strip_optional(annotation: Any) -> tuple[Any, bool]:
    """`X | None` → (`X`, True); a union of several others keeps them as a union."""
    if not is_union(annotation):
        return annotation, annotation is NoneType
    members = [member for member in typing.get_args(annotation) if member is not NoneType]
    nullable = len(members) < len(typing.get_args(annotation))
    if not nullable:
        return annotation, False
    if len(members) == 1:
        return members[0], True
    return typing.Union[tuple(members)], True


def is_model_class(annotation: Any) -> bool:
    from .pydantic.models import BaseModel

    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def is_dataclass_class(annotation: Any) -> bool:
    return isinstance(annotation, type) and dataclasses.is_dataclass(annotation)


def is_typed_dict(annotation: Any) -> bool:
    # `typing_extensions.TypedDict` (which pydantic asks for before Python 3.12) is not
    # `typing`'s, but has the same shape.
    return typing.is_typeddict(annotation) or (
        isinstance(annotation, type)
        and issubclass(annotation, dict)
        and hasattr(annotation, "__required_keys__")
    )


def is_enum_class(annotation: Any) -> bool:
    import enum

    return isinstance(annotation, type) and issubclass(annotation, enum.Enum)


def type_hints(obj: Any) -> dict[str, Any]:
    """The evaluated annotations of a function or class, `Annotated` metadata kept."""
    return typing.get_type_hints(obj, include_extras=True)


def callable_signature(call: Callable[..., Any]) -> list[tuple[inspect.Parameter, Any]]:
    """The parameters of a function, a class (its `__init__`) or a callable instance, each with
    its evaluated annotation (`inspect.Parameter.empty` when there is none)."""
    signature = inspect.signature(call)
    if inspect.isclass(call):
        hints = {**_class_field_hints(call), **_safe_hints(call.__init__)}
    elif inspect.isroutine(call):
        hints = type_hints(call)
    else:
        hints = type_hints(type(call).__call__)
    return [
        (parameter, hints.get(parameter.name, parameter.annotation))
        for parameter in signature.parameters.values()
    ]


def _class_field_hints(cls: type) -> dict[str, Any]:
    try:
        return type_hints(cls)
    except Exception:  # noqa: BLE001 - a class may annotate names that are not its parameters
        return {}


def _safe_hints(function: Any) -> dict[str, Any]:
    if function is object.__init__:
        return {}
    return type_hints(function)


def describe(annotation: Any) -> str:
    """An annotation as a person writes it: `int`, `list[str]`, `Item | None`."""
    if annotation is NoneType:
        return "None"
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return annotation.__name__
    return repr(annotation).replace("typing.", "")
