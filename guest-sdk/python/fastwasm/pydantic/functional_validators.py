"""pydantic's validators in `Annotated`: `Annotated[int, AfterValidator(check)]` runs `check`
on the validated value, `BeforeValidator` on the raw input before validation, `WrapValidator`
around it (with a `handler` that validates and raises `ValidationError`), and `PlainValidator`
instead of it. Several apply left to right, each around the ones before it; a field's
`@field_validator`s run around them all. A `ValueError` or an `AssertionError` the function
raises is pydantic's `value_error` or `assertion_error`.

A function that takes a second argument gets a `ValidationInfo`, whose `data` here is empty:
the fields validated before are given to `@field_validator` functions only."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable


@dataclasses.dataclass(frozen=True)
class AfterValidator:
    func: Callable[..., Any]
    mode = "after"


@dataclasses.dataclass(frozen=True)
class BeforeValidator:
    func: Callable[..., Any]
    mode = "before"


@dataclasses.dataclass(frozen=True)
class WrapValidator:
    func: Callable[..., Any]
    mode = "wrap"


@dataclasses.dataclass(frozen=True)
class PlainValidator:
    func: Callable[..., Any]
    mode = "plain"


#: Every marker, for `Annotated` metadata.
MARKERS = (AfterValidator, BeforeValidator, WrapValidator, PlainValidator)
