"""Validating JSON-decoded values against type annotations, as pydantic does in FastAPI: the
same lax conversions (`"7"` → 7, `1` → 1.0, `"yes"` → True), the same error types, messages,
locations and inputs, so that a bad request body answers the 422 FastAPI would. Each validator
also describes itself as JSON Schema, for the operation's declaration.

`compile_type` turns an annotation into a `Validator` once, when a route is declared; requests
only run the validators."""

from __future__ import annotations

import contextvars
import copy
import dataclasses
import decimal
import enum
import inspect
import json
import re
import typing
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any, Callable

from .. import annotations as ann
from ..exceptions import DeclarationError
from ..openapi import field_title
from ..datastructures import UploadFile
from . import temporal
from .networks import AnyUrl, EmailStr, UrlValidator, email_module, email_problem
from .functional_validators import MARKERS
from .fields import Constraints, FieldInfo, Undefined

Loc = tuple[Any, ...]
Errors = list[dict[str, Any]]


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()
"""What a validator returns after appending errors."""


class UnsupportedType(TypeError):
    """An annotation the SDK cannot validate; raised when a route or model is declared."""


def add_error(
    errors: Errors,
    kind: str,
    loc: Loc,
    msg: str,
    value: Any,
    ctx: dict[str, Any] | None = None,
) -> Any:
    error: dict[str, Any] = {"type": kind, "loc": list(loc), "msg": msg, "input": value}
    if ctx is not None:
        error["ctx"] = ctx
    errors.append(error)
    return INVALID


def missing(errors: Errors, loc: Loc, container: Any) -> Any:
    """pydantic's error for an absent required field; its input is the enclosing object."""
    return add_error(errors, "missing", loc, "Field required", container)


class Validator:
    """Checks and converts one value; on failure appends errors and returns `INVALID`."""

    #: How pydantic names this type among a union's members, in error locations.
    label = "any"

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        raise NotImplementedError

    def exact(self, value: Any) -> bool:
        """Whether `value` already has this type, without conversion: a union prefers such a
        member over an earlier one that would convert (pydantic's smart mode)."""
        return False

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        """JSON Schema of the accepted values; named types go to `defs` and are referenced."""
        raise NotImplementedError


class AnyValidator(Validator):
    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        return value

    def exact(self, value: Any) -> bool:
        return True

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {}


class NoneValidator(Validator):
    label = "none"

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if value is None:
            return None
        return add_error(errors, "none_required", loc, "Input should be None", value)

    def exact(self, value: Any) -> bool:
        return value is None

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {"type": "null"}


def _bound_text(bound: float) -> str:
    """A bound as pydantic writes it in a message: `10`, not `10.0`."""
    if isinstance(bound, float) and bound.is_integer():
        return str(int(bound))
    return str(bound)


_BOUNDS = (
    ("gt", "greater_than", "greater than", lambda value, bound: value > bound),
    ("ge", "greater_than_equal", "greater than or equal to", lambda value, bound: value >= bound),
    ("lt", "less_than", "less than", lambda value, bound: value < bound),
    ("le", "less_than_equal", "less than or equal to", lambda value, bound: value <= bound),
)

_SCHEMA_KEYS = {
    "gt": "exclusiveMinimum",
    "ge": "minimum",
    "lt": "exclusiveMaximum",
    "le": "maximum",
}


class _Number(Validator):
    """Shared by `int` and `float`: bounds checked after conversion."""

    json_type = ""

    def __init__(self, constraints: Constraints) -> None:
        self.bounds = constraints.numeric

    def bound(self, value: float) -> float:
        return value

    def check(self, value: Any, given: Any, loc: Loc, errors: Errors) -> Any:
        """`value` (converted from `given`) if it is within the bounds."""
        for key, kind, words, holds in _BOUNDS:
            bound = self.bounds.get(key)
            if bound is not None and not holds(value, bound):
                return add_error(
                    errors,
                    kind,
                    loc,
                    f"Input should be {words} {_bound_text(bound)}",
                    given,
                    {key: self.bound(bound)},
                )
        return value

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": self.json_type}
        for key, bound in self.bounds.items():
            schema[_SCHEMA_KEYS[key]] = self.bound(bound)
        return schema


_INTEGER = re.compile(r"\s*[+-]?\d+(_\d+)*(\.0+)?\s*")


class IntValidator(_Number):
    label = "int"
    json_type = "integer"

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if isinstance(value, int):
            return self.check(int(value), value, loc, errors)
        if isinstance(value, float):
            if value.is_integer():
                return self.check(int(value), value, loc, errors)
            return add_error(
                errors,
                "int_from_float",
                loc,
                "Input should be a valid integer, got a number with a fractional part",
                value,
            )
        if isinstance(value, str):
            if _INTEGER.fullmatch(value):
                return self.check(int(value.split(".")[0]), value, loc, errors)
            return add_error(
                errors,
                "int_parsing",
                loc,
                "Input should be a valid integer, unable to parse string as an integer",
                value,
            )
        return add_error(errors, "int_type", loc, "Input should be a valid integer", value)

    def exact(self, value: Any) -> bool:
        return type(value) is int


class FloatValidator(_Number):
    label = "float"
    json_type = "number"

    def bound(self, value: float) -> float:
        # A `float` field states its bounds as floats: `{"gt": 0.0}`.
        return float(value)

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if isinstance(value, (bool, int, float)):
            return self.check(float(value), value, loc, errors)
        if isinstance(value, str):
            try:
                number = float(value)
            except ValueError:
                return add_error(
                    errors,
                    "float_parsing",
                    loc,
                    "Input should be a valid number, unable to parse string as a number",
                    value,
                )
            return self.check(number, value, loc, errors)
        return add_error(errors, "float_type", loc, "Input should be a valid number", value)

    def exact(self, value: Any) -> bool:
        return type(value) is float


_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


class BoolValidator(Validator):
    label = "bool"

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            text = value.lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
        # A whole number or a string is a boolean that could not be read; anything else
        # (a fraction, a list) is not one at all.
        if isinstance(value, (int, str)) or isinstance(value, float) and value.is_integer():
            return add_error(
                errors,
                "bool_parsing",
                loc,
                "Input should be a valid boolean, unable to interpret input",
                value,
            )
        return add_error(errors, "bool_type", loc, "Input should be a valid boolean", value)

    def exact(self, value: Any) -> bool:
        return type(value) is bool

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {"type": "boolean"}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


#: The `model_config` string options of the model whose fields are being compiled
#: (`str_strip_whitespace`, `str_to_lower`, `str_to_upper`): pydantic applies them to the
#: model's own string fields, not to those of the models inside it.
_STRING_OPTIONS: contextvars.ContextVar[dict[str, Any]] = contextvars.ContextVar(
    "string_options", default={}
)


class StrValidator(Validator):
    label = "str"

    def __init__(self, constraints: Constraints) -> None:
        options = _STRING_OPTIONS.get()
        self.strip = bool(options.get("str_strip_whitespace"))
        self.lower = bool(options.get("str_to_lower"))
        self.upper = bool(options.get("str_to_upper"))
        self.min_length = constraints.min_length
        self.max_length = constraints.max_length
        self.pattern = constraints.pattern
        self.regex = re.compile(constraints.pattern) if constraints.pattern is not None else None

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if isinstance(value, (bytes, bytearray)):
            # A body that is not JSON arrives as bytes, which pydantic reads as UTF-8 text.
            try:
                value = bytes(value).decode()
            except UnicodeDecodeError:
                return add_error(
                    errors,
                    "string_unicode",
                    loc,
                    "Input should be a valid string, unable to parse raw data as a unicode string",
                    value,
                )
        if not isinstance(value, str):
            return add_error(errors, "string_type", loc, "Input should be a valid string", value)
        # pydantic's order: strip, change case, then the constraints.
        # An error names the value as given.
        text = value
        if self.strip:
            text = text.strip()
        if self.lower:
            text = text.lower()
        elif self.upper:
            text = text.upper()
        if self.min_length is not None and len(text) < self.min_length:
            return add_error(
                errors,
                "string_too_short",
                loc,
                f"String should have at least {_plural(self.min_length, 'character')}",
                value,
                {"min_length": self.min_length},
            )
        if self.max_length is not None and len(text) > self.max_length:
            return add_error(
                errors,
                "string_too_long",
                loc,
                f"String should have at most {_plural(self.max_length, 'character')}",
                value,
                {"max_length": self.max_length},
            )
        if self.regex is not None and not self.regex.search(text):
            return add_error(
                errors,
                "string_pattern_mismatch",
                loc,
                f"String should match pattern '{self.pattern}'",
                value,
                {"pattern": self.pattern},
            )
        return text

    def exact(self, value: Any) -> bool:
        return type(value) is str

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.min_length is not None:
            schema["minLength"] = self.min_length
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        if self.pattern is not None:
            schema["pattern"] = self.pattern
        return schema


#: How pydantic documents binary data in FastAPI's document (a file, or `bytes`).
_BINARY_SCHEMA = {"type": "string", "contentMediaType": "application/octet-stream"}



class EmailValidator(Validator):
    """`EmailStr`: a string, then an address `email-validator` accepts (see `networks`)."""

    label = "str"

    def __init__(self) -> None:
        self.module = email_module()
        if self.module is None:
            raise UnsupportedType(
                "`EmailStr` needs the `email-validator` package: list `email-validator` (or "
                "`pydantic[email]`, or `fastapi[standard]`) in the app's requirements.txt"
            )

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if not isinstance(value, str):
            return add_error(errors, "string_type", loc, "Input should be a valid string", value)
        address, reason = email_problem(self.module, value)
        if reason is not None:
            return add_error(
                errors,
                "value_error",
                loc,
                f"value is not a valid email address: {reason}",
                value,
                {"reason": reason},
            )
        return address

    def exact(self, value: Any) -> bool:
        return False

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {"type": "string", "format": "email"}

class BytesValidator(Validator):
    label = "bytes"

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        if isinstance(value, str):
            return value.encode()
        return add_error(errors, "bytes_type", loc, "Input should be a valid bytes", value)

    def exact(self, value: Any) -> bool:
        return type(value) is bytes

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return dict(_BINARY_SCHEMA)


class UploadFileValidator(Validator):
    """FastAPI's `UploadFile` type: only a file of a multipart form is one."""

    label = "function-plain[_validate()]"

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if isinstance(value, UploadFile):
            return value
        return add_error(
            errors,
            "value_error",
            loc,
            f"Value error, Expected UploadFile, received: {type(value)}",
            value,
            {"error": {}},
        )

    def exact(self, value: Any) -> bool:
        return isinstance(value, UploadFile)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return dict(_BINARY_SCHEMA)


class TemporalValidator(Validator):
    """`datetime`, `date`, `time` and `timedelta`, read as pydantic reads them (`temporal`)."""

    #: Per type: how `temporal` validates it, and its JSON Schema `format`.
    KINDS: dict[type, tuple[Callable[..., Any], str]] = {
        datetime: (temporal.validate_datetime, "date-time"),
        date: (temporal.validate_date, "date"),
        time: (temporal.validate_time, "time"),
        timedelta: (temporal.validate_timedelta, "duration"),
    }

    def __init__(self, cls: type, constraints: Constraints) -> None:
        self.cls = cls
        self.label = cls.__name__
        self.validate, self.format = self.KINDS[cls]
        try:
            self.limits = temporal.bounds(self.label, constraints.numeric)
        except ValueError as err:
            raise UnsupportedType(str(err)) from None

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        try:
            return self.validate(value, self.limits)
        except temporal.Invalid as err:
            return add_error(errors, err.kind, loc, err.msg, err.input, err.ctx)

    def exact(self, value: Any) -> bool:
        return type(value) is self.cls

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        # pydantic documents no bounds of these.
        return {"format": self.format, "type": "string"}


_DECIMAL_MESSAGES = {
    "decimal_type": "Decimal input should be an integer, float, string or Decimal object",
    "decimal_parsing": "Input should be a valid decimal",
}


def _decimal_of(value: Any) -> decimal.Decimal | str:
    """`value` as pydantic reads a `Decimal`, or the type of its error."""
    if type(value) is decimal.Decimal:
        return value
    if isinstance(value, float):
        value = str(value)  # pydantic reads a float as written: 0.1 is Decimal("0.1")
    elif type(value) is tuple and len(value) == 3:
        try:
            return decimal.Decimal(value)  # (sign, digits, exponent)
        except (ArithmeticError, TypeError, ValueError):
            return "decimal_type"
    elif isinstance(value, bool) or not isinstance(value, (str, int, decimal.Decimal)):
        return "decimal_type"
    try:
        # A string is stripped, and may have `_` between digits, as `Decimal` takes it.
        return decimal.Decimal(value)
    except decimal.DecimalException:
        return "decimal_parsing"
    except TypeError:
        return "decimal_type"


class DecimalValidator(Validator):
    """`Decimal`: from a string, an integer or a float (as written); only finite ones."""

    label = "decimal"

    def __init__(self, constraints: Constraints) -> None:
        self.bounds: dict[str, decimal.Decimal] = {}
        for key, bound in constraints.numeric.items():
            found = _decimal_of(bound)
            if isinstance(found, str):
                raise UnsupportedType(f"'{key}' must be coercible to a Decimal instance")
            self.bounds[key] = found
        self.max_digits = constraints.max_digits
        self.decimal_places = constraints.decimal_places

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        found = _decimal_of(value)
        if isinstance(found, str):
            return add_error(errors, found, loc, _DECIMAL_MESSAGES[found], value)
        if not found.is_finite():
            return add_error(errors, "finite_number", loc, "Input should be a finite number", value)
        problem = self._digits_problem(found)
        if problem is not None:
            kind, words, key, limit = problem
            plural = "" if limit == 1 else "s"
            message = f"Decimal input should have no more than {limit} {words.format(plural)}"
            return add_error(errors, kind, loc, message, value, {key: limit})
        for key, kind, words, holds in reversed(_BOUNDS):  # pydantic's order: le, lt, ge, gt
            bound = self.bounds.get(key)
            if bound is not None and not holds(found, bound):
                return add_error(
                    errors, kind, loc, f"Input should be {words} {bound}", value, {key: bound}
                )
        return found

    def _digits_problem(self, found: decimal.Decimal) -> tuple[str, str, str, int] | None:
        """The first of `max_digits` and `decimal_places` that `found` breaks. As pydantic-core
        counts them, a limit is broken only when the number as written and its normalised
        form (`12.3400` is `12.34`, `-0.00` is `-0`) both break it."""
        if self.max_digits is None and self.decimal_places is None:
            return None
        written, normal = _digit_counts(found), _digit_counts(found.normalize())
        exceeds = lambda count, limit: all(count(c) > limit for c in (written, normal))  # noqa: E731
        if self.max_digits is not None and exceeds(lambda c: c[0], self.max_digits):
            return "decimal_max_digits", "digit{} in total", "max_digits", self.max_digits
        if self.decimal_places is None:
            return None
        if exceeds(lambda c: c[1], self.decimal_places):
            return "decimal_max_places", "decimal place{}", "decimal_places", self.decimal_places
        if self.max_digits is not None:
            whole = max(self.max_digits - self.decimal_places, 0)
            if exceeds(lambda c: max(c[0] - c[1], 0), whole):
                return "decimal_whole_digits", "digit{} before the decimal point", "whole_digits", whole
        return None

    def exact(self, value: Any) -> bool:
        return type(value) is decimal.Decimal

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        # A number (with the bounds, as floats) or a string; what pydantic serializes (the
        # schema of a response) is the string alone.
        if _SERIALIZATION.get():
            return {"type": "string"}
        number: dict[str, Any] = {"type": "number"}
        for key, bound in self.bounds.items():
            number[_SCHEMA_KEYS[key]] = float(bound)
        return {"anyOf": [number, {"type": "string"}]}


def _digit_counts(number: decimal.Decimal) -> tuple[int, int]:
    """A finite decimal's digits in all and after the point: `1E+3` has four and none,
    `0.001` three and three."""
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    if exponent >= 0:
        return len(digits) + exponent, 0
    return max(len(digits), -exponent), -exponent


_UUID_SIMPLE = re.compile(r"[0-9a-fA-F]{32}")
_UUID_HYPHENATED = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")


def _parse_uuid(text: str) -> uuid.UUID | None:
    """The forms the Rust crate `uuid` (pydantic's) reads: 32 hex digits, or 36 with hyphens,
    bare, braced or after `urn:uuid:`."""
    if len(text) == 32 and _UUID_SIMPLE.fullmatch(text):
        return uuid.UUID(text)
    if len(text) == 38 and text[0] == "{" and text[-1] == "}":
        text = text[1:-1]
    elif len(text) == 45:
        text = text.removeprefix("urn:uuid:")
    return uuid.UUID(text) if _UUID_HYPHENATED.fullmatch(text) else None


def _uuid_problem(text: str) -> str:
    """Why `uuid` 1.23.4 rejects `text`: its error message, positions counted in bytes."""
    size = len(text.encode())
    if size == 0 or size > 45:
        return f"invalid length: found {size}"
    # 36 bytes are read as hyphenated, braces or not; otherwise braces or `urn:uuid:` go.
    body, offset, simple = text, 0, False
    if size != 36 and len(text) > 1 and text[0] == "{" and text[-1] == "}":
        body, offset = text[1:-1], 1
    elif size != 36 and text.startswith("urn:uuid:"):
        body, offset = text[9:], 9
    elif size != 36:
        simple = True
    hyphens = []
    index = offset
    for character in body:
        # The crate judges a character by its lowest byte (`char as u8`): `İ` (U+0130) passes
        # as a `0`, `ĭ` (U+012D) as a hyphen.
        byte = chr(ord(character) & 0xFF)
        if byte == "-":
            hyphens.append(index - offset)
        elif byte not in "0123456789abcdefABCDEF":
            return f"invalid character: found `{character}` at {index}"
        index += len(character.encode())
    if simple and not hyphens:
        return f"invalid length: found {size}"
    if len(hyphens) != 4:
        return f"invalid group count: expected 5, found {len(hyphens) + 1}"
    starts = (0, 9, 14, 19, 24)
    for group, (hyphen, start, expected) in enumerate(zip(hyphens, starts, (8, 4, 4, 4))):
        if hyphen != starts[group + 1] - 1:
            return (
                f"invalid group length in group {group}: expected {expected}, "
                f"found {hyphen - start}"
            )
    # The crate measures the last group on the whole input, braces or prefix included.
    return f"invalid group length in group 4: expected 12, found {size - 24}"


def _read_uuid(value: str | bytes) -> uuid.UUID | str:
    """The UUID of a string, or of bytes (its text, else its 16 bytes); else why not."""
    if isinstance(value, str):
        found = _parse_uuid(value)
        return _uuid_problem(value) if found is None else found
    try:
        found = _parse_uuid(value.decode())
    except UnicodeDecodeError:
        found = None
    if found is None and len(value) == 16:
        found = uuid.UUID(bytes=value)
    return f"invalid length: expected 16 bytes, found {len(value)}" if found is None else found


class UuidValidator(Validator):
    """`UUID`: a UUID, a string of one, or 16 bytes (or bytes of such a string)."""

    label = "uuid"

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if isinstance(value, uuid.UUID):
            return value
        if not isinstance(value, (str, bytes)):
            message = "UUID input should be a string, bytes or UUID object"
            return add_error(errors, "uuid_type", loc, message, value)
        found = _read_uuid(value)
        if isinstance(found, str):
            message = f"Input should be a valid UUID, {found}"
            return add_error(errors, "uuid_parsing", loc, message, value, {"error": found})
        return found

    def exact(self, value: Any) -> bool:
        return isinstance(value, uuid.UUID)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {"format": "uuid", "type": "string"}


def expected_text(values: list[Any]) -> str:
    """`'a', 'b' or 'c'`, as pydantic lists the values an enum or literal allows."""
    quoted = [repr(value) for value in values]
    if len(quoted) == 1:
        return quoted[0]
    return f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def _json_type(values: list[Any]) -> dict[str, Any]:
    """`{"type": "string"}` when every value is a string (likewise integers, numbers)."""
    for json_type, python_types in (
        ("string", (str,)),
        ("integer", (int,)),
        ("number", (int, float)),
    ):
        if all(isinstance(value, python_types) and not isinstance(value, bool) for value in values):
            return {"type": json_type}
    return {}


class EnumValidator(Validator):
    def __init__(self, cls: type[enum.Enum]) -> None:
        self.cls = cls
        self.label = cls.__name__
        self.values = [member.value for member in cls]
        self.expected = expected_text(self.values)
        # An enum of ints (or floats, or strings) reads its input as that type first, so
        # that `"1"` is `Level.LOW` as in pydantic.
        self.coerce: Validator | None = None
        for kind, validator in (
            (str, StrValidator(Constraints())),
            (int, IntValidator(Constraints())),
            (float, FloatValidator(Constraints())),
        ):
            if all(type(value) is kind for value in self.values):
                self.coerce = validator

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if isinstance(value, self.cls):
            return value
        candidate = value
        if self.coerce is not None:
            candidate = self.coerce(value, loc, [])
        for member in self.cls:
            if member.value == candidate and type(member.value) is type(candidate):
                return member
        return add_error(
            errors,
            "enum",
            loc,
            f"Input should be {self.expected}",
            value,
            {"expected": self.expected},
        )

    def exact(self, value: Any) -> bool:
        return isinstance(value, self.cls)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        defs[self.cls.__name__] = {
            "enum": self.values,
            "title": self.cls.__name__,
            **_json_type(self.values),
        }
        return {"$ref": f"#/$defs/{self.cls.__name__}"}


class LiteralValidator(Validator):
    def __init__(self, values: tuple[Any, ...]) -> None:
        self.values = list(values)
        self.expected = expected_text(self.values)
        self.label = f"literal[{','.join(repr(value) for value in self.values)}]"

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        for allowed in self.values:
            if self._matches(allowed, value):
                return allowed
        return add_error(
            errors,
            "literal_error",
            loc,
            f"Input should be {self.expected}",
            value,
            {"expected": self.expected},
        )

    @staticmethod
    def _matches(allowed: Any, value: Any) -> bool:
        """Numbers match across int, float and bool (`1.0` is `1`); strings only strings."""
        return allowed == value and isinstance(allowed, str) == isinstance(value, str)

    def exact(self, value: Any) -> bool:
        return any(allowed == value and type(allowed) is type(value) for allowed in self.values)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        if len(self.values) == 1:
            return {"const": self.values[0], **_json_type(self.values)}
        return {"enum": self.values, **_json_type(self.values)}


def any_of(schemas: list[dict[str, Any]]) -> dict[str, Any]:
    """pydantic's `anyOf` of alternatives: one that is only an `anyOf` itself (a `Decimal`'s
    number or string, an inner union) is spread out, and each alternative appears once."""
    members: list[dict[str, Any]] = []
    for schema in schemas:
        for member in schema["anyOf"] if list(schema) == ["anyOf"] else [schema]:
            if member not in members:
                members.append(member)
    return {"anyOf": members}


class NullableValidator(Validator):
    """`X | None`: `None`, or a valid `X` (errors are `X`'s, untagged)."""

    def __init__(self, inner: Validator) -> None:
        self.inner = inner
        self.label = f"nullable[{inner.label}]"

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if value is None:
            return None
        return self.inner(value, loc, errors)

    def exact(self, value: Any) -> bool:
        return value is None or self.inner.exact(value)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return any_of([self.inner.schema(defs), {"type": "null"}])


class UnionValidator(Validator):
    """pydantic's smart union: a member the value already is wins; otherwise the first member
    that converts it; otherwise every member's errors, tagged with the member's label."""

    def __init__(self, members: list[Validator]) -> None:
        self.members = members
        self.label = " | ".join(member.label for member in members)

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        for member in self.members:
            if member.exact(value):
                attempt: Errors = []
                result = member(value, loc, attempt)
                if not attempt:
                    return result
        failures: Errors = []
        for member in self.members:
            attempt = []
            result = member(value, (*loc, member.label), attempt)
            if not attempt:
                return result
            failures.extend(attempt)
        errors.extend(failures)
        return INVALID

    def exact(self, value: Any) -> bool:
        return any(member.exact(value) for member in self.members)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return any_of([member.schema(defs) for member in self.members])


class SequenceValidator(Validator):
    """`list[X]`, `set[X]` and `tuple[X, ...]`: items validated in turn, then the length."""

    def __init__(self, kind: type, item: Validator, constraints: Constraints) -> None:
        self.kind = kind
        self.item = item
        self.min_length = constraints.min_length
        self.max_length = constraints.max_length
        self.name = kind.__name__
        self.label = (
            f"{self.name}[{item.label}]" if kind is not tuple else f"tuple[{item.label}, ...]"
        )

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if not isinstance(value, (list, tuple, set, frozenset)):
            article = "a valid list" if self.kind is list else f"a valid {self.name}"
            return add_error(errors, f"{self.name}_type", loc, f"Input should be {article}", value)
        count = len(errors)
        items = [self.item(item, (*loc, index), errors) for index, item in enumerate(value)]
        if len(errors) > count:
            return INVALID
        result = self.kind(items)
        field_type = self.name.capitalize()
        if self.min_length is not None and len(result) < self.min_length:
            return add_error(
                errors,
                "too_short",
                loc,
                f"{field_type} should have at least {_plural(self.min_length, 'item')} "
                f"after validation, not {len(result)}",
                value,
                {
                    "field_type": field_type,
                    "min_length": self.min_length,
                    "actual_length": len(result),
                },
            )
        if self.max_length is not None and len(result) > self.max_length:
            return add_error(
                errors,
                "too_long",
                loc,
                f"{field_type} should have at most {_plural(self.max_length, 'item')} "
                f"after validation, not {len(result)}",
                value,
                {
                    "field_type": field_type,
                    "max_length": self.max_length,
                    "actual_length": len(result),
                },
            )
        return result

    def exact(self, value: Any) -> bool:
        return type(value) is self.kind

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = {"items": self.item.schema(defs), "type": "array"}
        if self.kind is set:
            schema["uniqueItems"] = True
        if self.min_length is not None:
            schema["minItems"] = self.min_length
        if self.max_length is not None:
            schema["maxItems"] = self.max_length
        return schema


class DictValidator(Validator):
    def __init__(self, key: Validator, value: Validator) -> None:
        self.key = key
        self.value = value
        self.label = f"dict[{key.label},{value.label}]"

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if not isinstance(value, dict):
            return add_error(errors, "dict_type", loc, "Input should be a valid dictionary", value)
        count = len(errors)
        result = {}
        for key, item in value.items():
            checked_key = self.key(key, (*loc, key, "[key]"), errors)
            result[checked_key] = self.value(item, (*loc, key), errors)
        return INVALID if len(errors) > count else result

    def exact(self, value: Any) -> bool:
        return type(value) is dict

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        # pydantic states that any value is allowed (`true`) rather than leave it implied.
        return {"additionalProperties": self.value.schema(defs) or True, "type": "object"}


@dataclasses.dataclass
class CompiledField:
    """One field of a model, dataclass or TypedDict, with its validator."""

    name: str
    #: The key in the input (the alias, when there is one).
    key: str
    validator: Validator
    info: FieldInfo
    #: The default as written, when `info` holds it converted: pydantic's schema states a
    #: float field's default `1` as `1`, though the field's value is `1.0`.
    written_default: Any = Undefined
    #: A `plain` field validator replaces the field's validation, so pydantic's schema says
    #: nothing of its type.
    plain: bool = False

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        schema = {} if self.plain else _value_schema(self.validator, defs)
        if not self.info.required and self.info.default_factory is None:
            from .models import json_value

            default = self.info.default
            schema["default"] = json_value(
                default if self.written_default is Undefined else self.written_default
            )
        self.info.documented(schema)
        if self.info.description is not None:
            schema["description"] = self.info.description
        if self.plain:
            schema["title"] = self.info.title or field_title(self.key)
            return schema
        return _titled(schema, self.validator, self.key, self.info.title)


def _value_schema(validator: Validator, defs: dict[str, Any]) -> dict[str, Any]:
    """The schema of a field's value: a reference to a named type stands alone."""
    schema = validator.schema(defs)
    return {"$ref": schema["$ref"]} if "$ref" in schema else schema


def _titled(
    schema: dict[str, Any], validator: Validator, key: str, title: str | None
) -> dict[str, Any]:
    """pydantic titles a field after its key unless its type is named: the reference to a
    model or an enum (even as `X | None`) carries no title."""
    if title or not refers_to_named_type(validator):
        schema["title"] = title or field_title(key)
    return schema


def is_named_type(validator: Validator) -> bool:
    """Whether `validator` is of a named type (a model, a dataclass, a TypedDict, an enum),
    which a schema refers to by `$ref`."""
    return isinstance(validator, (_Structured, EnumValidator))


def refers_to_named_type(validator: Validator) -> bool:
    """Whether `validator`'s schema refers to a named type, as it is or as `X | None`."""
    if isinstance(validator, NullableValidator):
        validator = validator.inner
    return is_named_type(validator)


def object_schema(title: str, fields: list[CompiledField]) -> dict[str, Any]:
    """A self-contained JSON Schema of an object with `fields` (an operation's embedded body)."""
    defs: dict[str, Any] = {}
    schema = _object_schema(title, fields, defs)
    return {**schema, "$defs": defs} if defs else schema


def _object_schema(
    title: str, fields: list[CompiledField], defs: dict[str, Any], description: str | None = None
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "properties": {field.key: field.schema(defs) for field in fields},
        "title": title,
        "type": "object",
    }
    if description:
        schema["description"] = description
    required = [field.key for field in fields if field.info.required]
    if required:
        schema["required"] = required
    return dict(sorted(schema.items()))


_SIMPLE_OBJECTS = (str, bytes, int, float, bool, list, tuple, set, frozenset, dict, type(None))


class _Structured(Validator):
    """A named type with fields. Its fields compile on first use, so that a model may refer to
    itself or to a class defined after it."""

    def __init__(self, cls: type, from_attributes: bool) -> None:
        self.cls = cls
        self.label = cls.__name__
        self.from_attributes = from_attributes
        self._fields: list[CompiledField] | None = None

    def compile_fields(self) -> list[CompiledField]:
        raise NotImplementedError

    @property
    def fields(self) -> list[CompiledField]:
        if self._fields is None:
            self._fields = self.compile_fields()
        return self._fields

    def read_fields(
        self, value: Any, loc: Loc, errors: Errors, lookup: Callable[[str], Any]
    ) -> tuple[dict[str, Any], set[str]] | Any:
        """Each field's value from `lookup(key)` (`Undefined` when absent); the names given."""
        count = len(errors)
        values: dict[str, Any] = {}
        given: set[str] = set()
        for field in self.fields:
            raw = lookup(field.key)
            if raw is Undefined:
                if field.info.required:
                    missing(errors, (*loc, field.key), value)
                else:
                    values[field.name] = field.info.get_default()
                continue
            given.add(field.name)
            values[field.name] = field.validator(raw, (*loc, field.key), errors)
        if len(errors) > count:
            return INVALID
        return values, given

    def lookup_in(self, value: Any) -> Callable[[str], Any] | None:
        """How to read fields from `value`: a dict by key or, in attribute mode, any object
        that is not a plain value (an ORM row, another model)."""
        if isinstance(value, dict):
            return lambda key: value.get(key, Undefined)
        if self.from_attributes and not isinstance(value, _SIMPLE_OBJECTS):
            return lambda key: getattr(value, key, Undefined)
        return None

    def exact(self, value: Any) -> bool:
        return isinstance(value, self.cls)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        name = self.cls.__name__
        if name not in defs:
            defs[name] = {}  # A placeholder, so that a recursive reference stops here.
            defs[name] = _object_schema(name, self.fields, defs, self.description())
        return {"$ref": f"#/$defs/{name}"}

    def description(self) -> str | None:
        """The class docstring, as pydantic describes a type by it; FastAPI cuts it at `\f`.
        A dataclass without one has a generated `Name(field: type, …)`, which pydantic skips."""
        doc = self.cls.__dict__.get("__doc__")
        if not doc or (dataclasses.is_dataclass(self.cls) and doc.startswith(f"{self.label}(")):
            return None
        return inspect.cleandoc(doc).split("\f")[0] or None


class ModelValidator(_Structured):
    def compile_fields(self) -> list[CompiledField]:
        token = _STRING_OPTIONS.set(self.config())
        try:
            fields = [
                compile_field(name, info.annotation, info)
                for name, info in self.cls.model_fields.items()
            ]
        finally:
            _STRING_OPTIONS.reset(token)
        for field in fields:
            field.plain = any(
                check.mode == "plain" and check.validates(field.name) for check in self.checks()
            )
        return fields

    def checks(self) -> list[Any]:
        from .models import decorated

        found = self.__dict__.get("_checks")
        if found is None:
            found = self.__dict__["_checks"] = decorated(self.cls)
        return found

    def _handler(
        self, proceed: Callable[[Any], Any], loc: Loc, errors: Errors
    ) -> Callable[[Any], Any]:
        return _wrap_handler(proceed, self.cls.__name__, loc, errors)

    def _run(self, check: Any, args: tuple[Any, ...], info: Any, loc: Loc, raw: Any, errors: Errors) -> Any:
        return _run_validator(lambda: check.call(self.cls, *args, info=info), loc, raw, errors)

    def read_fields(
        self, value: Any, loc: Loc, errors: Errors, lookup: Callable[[str], Any]
    ) -> tuple[dict[str, Any], set[str]] | Any:
        from .models import ValidationInfo

        checks = [check for check in self.checks() if check.fields is not None]
        if not checks:
            return super().read_fields(value, loc, errors, lookup)
        count = len(errors)
        values: dict[str, Any] = {}
        given: set[str] = set()
        for field in self.fields:
            raw = lookup(field.key)
            where = (*loc, field.key)
            if raw is Undefined:
                if field.info.required:
                    missing(errors, where, value)
                else:
                    values[field.name] = field.info.get_default()
                continue
            given.add(field.name)
            mine = [check for check in checks if check.validates(field.name)]
            info = ValidationInfo(dict(values), field.name)
            result = self._field_value(field, mine, raw, where, errors, info)
            if result is not INVALID:
                values[field.name] = result
        if len(errors) > count:
            return INVALID
        return values, given

    def _field_value(
        self, field: CompiledField, checks: list[Any], raw: Any, loc: Loc, errors: Errors, info: Any
    ) -> Any:
        # pydantic's order: the last `before`/`wrap`/`plain` validator runs first, each around
        # the ones declared before it; `after` ones run in declaration order.
        def inner(value: Any, index: int) -> Any:
            if index < 0:
                return field.validator(value, loc, errors)
            check = checks[index]
            if check.mode == "before":
                value = self._run(check, (value,), info, loc, value, errors)
                return INVALID if value is INVALID else inner(value, index - 1)
            if check.mode == "plain":
                return self._run(check, (value,), info, loc, value, errors)
            if check.mode == "wrap":
                handler = self._handler(lambda item: inner(item, index - 1), loc, errors)
                return self._run(check, (value, handler), info, loc, value, errors)
            value = inner(value, index - 1)
            if value is INVALID:
                return INVALID
            return self._run(check, (value,), info, loc, value, errors)

        return inner(raw, len(checks) - 1)

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        model_checks = [check for check in self.checks() if check.fields is None]
        if not model_checks:
            return self._construct(value, loc, errors)

        def inner(item: Any, index: int) -> Any:
            if index < 0:
                return self._construct(item, loc, errors)
            check = model_checks[index]
            if check.mode == "before":
                item = self._run(check, (item,), None, loc, item, errors)
                return INVALID if item is INVALID else inner(item, index - 1)
            if check.mode == "wrap":
                handler = self._handler(lambda given: inner(given, index - 1), loc, errors)
                return self._run(check, (item, handler), None, loc, item, errors)
            model = inner(item, index - 1)
            if model is INVALID:
                return INVALID
            if check.instance_method:
                # `def check(self)`: called on the instance, as pydantic does.
                try:
                    return check.function(model)
                except (ValueError, AssertionError) as err:
                    from .models import raised_error

                    errors.append(raised_error(err, loc, value))
                    return INVALID
            return self._run(check, (model,), None, loc, model, errors)

        return inner(value, len(model_checks) - 1)

    def config(self) -> dict[str, Any]:
        from .models import model_config

        return model_config(self.cls)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        name = self.cls.__name__
        created = name not in defs
        reference = super().schema(defs)
        if created and _SERIALIZATION.get():
            self._add_computed(defs[name], defs)
        config = self.config()
        if config.get("title"):
            defs[name]["title"] = config["title"]
        if config.get("extra") in ("forbid", "allow"):
            additional = config["extra"] == "allow"
            defs[name] = dict(sorted({**defs[name], "additionalProperties": additional}.items()))
        return reference

    def _add_computed(self, schema: dict[str, Any], defs: dict[str, Any]) -> None:
        """The computed fields, after the fields: read-only, and required, as pydantic
        documents what a model serializes."""
        computed = self.cls.model_computed_fields
        if not computed:
            return
        properties, required = schema["properties"], schema.setdefault("required", [])
        for name, info in computed.items():
            try:
                validator = compile_type(info.return_type)
            except UnsupportedType as err:
                raise DeclarationError(
                    f"{self.cls.__name__}.{name}: computed field: {err}"
                ) from None
            key = info.alias or name
            field_schema = _titled(_value_schema(validator, defs), validator, key, info.title)
            info.documented(field_schema)
            properties[key] = field_schema
            required.append(key)
        ordered = dict(sorted(schema.items()))
        schema.clear()
        schema.update(ordered)

    def _construct(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if isinstance(value, self.cls):
            return value
        if isinstance(value, dict) and self.config().get("extra") == "forbid":
            # pydantic reports the unknown keys after the fields' own errors.
            keys = {field.key for field in self.fields}
            if self.config().get("populate_by_name"):
                # A name is read (so not extra) only when its alias is absent.
                keys |= {field.name for field in self.fields if field.key not in value}
            count = len(errors)
            result = self._construct_fields(value, loc, errors)
            for key, item in value.items():
                if key not in keys:
                    add_error(errors, "extra_forbidden", (*loc, key), "Extra inputs are not permitted", item)
            return INVALID if len(errors) > count else result
        result = self._construct_fields(value, loc, errors)
        if result is not INVALID and isinstance(value, dict) and self.config().get("extra") == "allow":
            keys = {field.key for field in self.fields} | {field.name for field in self.fields}
            result._allow_extra({key: item for key, item in value.items() if key not in keys})
        return result

    def _construct_fields(self, value: Any, loc: Loc, errors: Errors) -> Any:
        lookup = self.lookup_in(value)
        if lookup is not None and self.config().get("populate_by_name"):
            # pydantic reads an aliased field by its alias first, then by its name.
            names = {field.key: field.name for field in self.fields}
            by_key = lookup

            def lookup(key: str) -> Any:
                found = by_key(key)
                return by_key(names[key]) if found is Undefined else found

        if lookup is None:
            if self.from_attributes:
                return add_error(
                    errors,
                    "model_attributes_type",
                    loc,
                    "Input should be a valid dictionary or object to extract fields from",
                    value,
                )
            return add_error(
                errors,
                "model_type",
                loc,
                f"Input should be a valid dictionary or instance of {self.cls.__name__}",
                value,
                {"class_name": self.cls.__name__},
            )
        read = self.read_fields(value, loc, errors, lookup)
        if read is INVALID:
            return INVALID
        values, given = read
        return self.cls.model_construct(_fields_set=given, **values)


class DataclassValidator(_Structured):
    def compile_fields(self) -> list[CompiledField]:
        hints = ann.type_hints(self.cls)
        compiled = []
        for field in dataclasses.fields(self.cls):
            if not field.init:
                continue
            if field.default is not dataclasses.MISSING:
                info = FieldInfo(field.default)
            elif field.default_factory is not dataclasses.MISSING:
                info = FieldInfo(default_factory=field.default_factory)
            else:
                info = FieldInfo()
            compiled.append(compile_field(field.name, hints[field.name], info))
        return compiled

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if isinstance(value, self.cls):
            return value
        if not isinstance(value, dict):
            return add_error(
                errors,
                "dataclass_type",
                loc,
                f"Input should be a dictionary or an instance of {self.cls.__name__}",
                value,
                {"class_name": self.cls.__name__},
            )
        read = self.read_fields(value, loc, errors, lambda key: value.get(key, Undefined))
        if read is INVALID:
            return INVALID
        return self.cls(**read[0])


class TypedDictValidator(_Structured):
    def compile_fields(self) -> list[CompiledField]:
        required_keys = self.cls.__required_keys__
        compiled = []
        for name, annotation in ann.type_hints(self.cls).items():
            # An absent optional key stays absent: its "default" is `Undefined`, dropped below.
            info = (
                FieldInfo()
                if name in required_keys
                else FieldInfo(default_factory=lambda: Undefined)
            )
            compiled.append(compile_field(name, _strip_required(annotation), info))
        return compiled

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if not isinstance(value, dict):
            return add_error(errors, "dict_type", loc, "Input should be a valid dictionary", value)
        read = self.read_fields(value, loc, errors, lambda key: value.get(key, Undefined))
        if read is INVALID:
            return INVALID
        return {name: item for name, item in read[0].items() if item is not Undefined}

    def exact(self, value: Any) -> bool:
        return False


def _strip_required(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Required, typing.NotRequired):
        return typing.get_args(annotation)[0]
    return annotation


def compile_field(name: str, annotation: Any, info: FieldInfo) -> CompiledField:
    """A field of a structured type: `Annotated[int, CompiledField(gt=0)]` metadata included."""
    inner, metadata = ann.split_annotated(annotation)
    for meta in metadata:
        if isinstance(meta, FieldInfo):
            info = info.with_fallback(meta)
    validator = with_functions(
        compile_type(inner, info.constraints, from_attributes=True), metadata + info.metadata
    )
    written_default = Undefined
    if _is_float(validator) and type(info.default) is int:
        # pydantic writes a float field's default `1` as `1.0`, as it would a given value.
        written_default = info.default
        info = copy.copy(info)
        info.default = float(info.default)
    return CompiledField(name, info.alias or name, validator, info, written_default)


def _is_float(validator: Validator) -> bool:
    if isinstance(validator, NullableValidator):
        validator = validator.inner
    return isinstance(validator, FloatValidator)


_compiled: dict[tuple[type, bool], _Structured] = {}


def compile_type(
    annotation: Any, constraints: Constraints = Constraints(), *, from_attributes: bool = True
) -> Validator:
    """The validator of `annotation`. `from_attributes` reads model fields from any object, as
    FastAPI validates bodies and responses (`model_validate` does not).

    Raises `UnsupportedType` for an annotation the SDK cannot validate."""
    annotation, metadata = ann.split_annotated(annotation)
    for meta in metadata:
        if isinstance(meta, FieldInfo):
            constraints = meta.constraints.merged(constraints)
    validator = _compile(annotation, constraints, from_attributes)
    _check_constraints(annotation, validator, constraints)
    return with_functions(validator, metadata)


def with_functions(validator: Validator, metadata: list[Any]) -> Validator:
    """`validator` inside the `AfterValidator`, `BeforeValidator`, … of `Annotated` metadata,
    each around the ones before it."""
    for meta in metadata:
        if isinstance(meta, MARKERS):
            validator = FunctionValidator(validator, meta.mode, meta.func)
    return validator


class FunctionValidator(Validator):
    """A function of `Annotated[...]` metadata around the validation of the type before it
    (see `functional_validators`)."""

    def __init__(self, inner: Validator, mode: str, function: Callable[..., Any]) -> None:
        self.inner = inner
        self.mode = mode
        self.function = function
        name = getattr(function, "__name__", "function")
        self.label = (
            f"function-plain[{name}()]"
            if mode == "plain"
            else f"function-{mode}[{name}(), {inner.label}]"
        )

    def __call__(self, value: Any, loc: Loc, errors: Errors) -> Any:
        if self.mode == "before":
            value = self._run((value,), loc, value, errors)
            return INVALID if value is INVALID else self.inner(value, loc, errors)
        if self.mode == "plain":
            return self._run((value,), loc, value, errors)
        if self.mode == "wrap":
            return self._run((value, self._handler(loc, errors)), loc, value, errors)
        checked = self.inner(value, loc, errors)
        if checked is INVALID:
            return INVALID
        return self._run((checked,), loc, checked, errors)

    def _handler(self, loc: Loc, errors: Errors) -> Callable[[Any], Any]:
        return _wrap_handler(
            lambda value: self.inner(value, loc, errors), self.inner.label, loc, errors
        )

    def _run(self, args: tuple[Any, ...], loc: Loc, value: Any, errors: Errors) -> Any:
        from .models import ValidationInfo

        try:
            wanted = len(inspect.signature(self.function).parameters)
        except (TypeError, ValueError):
            wanted = len(args)
        given = args + (ValidationInfo({}, None),) if wanted > len(args) else args
        return _run_validator(lambda: self.function(*given), loc, value, errors)

    def exact(self, value: Any) -> bool:
        return self.mode != "plain" and self.inner.exact(value)

    def schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        # A plain function replaces the validation: pydantic's schema says nothing of a type.
        return {} if self.mode == "plain" else self.inner.schema(defs)


def _compile(annotation: Any, constraints: Constraints, from_attributes: bool) -> Validator:
    if annotation in (Any, object, inspect.Parameter.empty):
        return AnyValidator()
    if annotation is None or annotation is ann.NoneType:
        return NoneValidator()
    if annotation is bool:
        return BoolValidator()
    if annotation is int:
        return IntValidator(constraints)
    if annotation is float:
        return FloatValidator(constraints)
    if annotation is str:
        return StrValidator(constraints)
    if annotation is bytes:
        return BytesValidator()
    if annotation is EmailStr:
        return EmailValidator()
    if isinstance(annotation, type) and issubclass(annotation, AnyUrl):
        return UrlValidator(annotation)
    if isinstance(annotation, type) and annotation in TemporalValidator.KINDS:
        return TemporalValidator(annotation, constraints)
    if annotation is decimal.Decimal:
        return DecimalValidator(constraints)
    if annotation is uuid.UUID:
        return UuidValidator()
    if annotation is UploadFile:
        return UploadFileValidator()
    if ann.is_enum_class(annotation):
        return EnumValidator(annotation)
    if isinstance(annotation, type) and (
        ann.is_model_class(annotation)
        or ann.is_dataclass_class(annotation)
        or ann.is_typed_dict(annotation)
    ):
        key = (annotation, from_attributes)
        if key not in _compiled:
            if ann.is_model_class(annotation):
                _compiled[key] = ModelValidator(annotation, from_attributes)
            elif ann.is_dataclass_class(annotation):
                _compiled[key] = DataclassValidator(annotation, from_attributes)
            else:
                _compiled[key] = TypedDictValidator(annotation, from_attributes)
        return _compiled[key]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return LiteralValidator(args)
    if ann.is_union(annotation):
        inner, nullable = ann.strip_optional(annotation)
        if nullable:
            return NullableValidator(
                compile_type(inner, constraints, from_attributes=from_attributes)
            )
        return UnionValidator(
            [compile_type(member, constraints, from_attributes=from_attributes) for member in args]
        )
    if annotation in (list, set, tuple) or origin in (list, set, tuple, frozenset):
        kind = origin or annotation
        if kind is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            raise UnsupportedType(
                f"`{ann.describe(annotation)}`: only `tuple[X, ...]` tuples are supported"
            )
        item = compile_type(args[0], from_attributes=from_attributes) if args else AnyValidator()
        return SequenceValidator(kind, item, constraints)
    if annotation is dict or origin is dict:
        key, value = (
            (compile_type(arg, from_attributes=from_attributes) for arg in args)
            if args
            else (AnyValidator(), AnyValidator())
        )
        return DictValidator(key, value)
    if isinstance(annotation, (str, typing.ForwardRef)):
        raise UnsupportedType(f"the annotation `{annotation}` is a name that could not be resolved")
    raise UnsupportedType(
        f"`{ann.describe(annotation)}` is not a type fastwasm can validate; use str, int, float, "
        "bool, datetime, date, time, timedelta, Decimal, UUID, an Enum, a Literal, list, set, "
        "dict, a BaseModel, a dataclass or a TypedDict"
    )


def _check_constraints(annotation: Any, validator: Validator, constraints: Constraints) -> None:
    """Constraints that cannot apply to the type fail when declared, as pydantic's do."""
    target = validator.inner if isinstance(validator, NullableValidator) else validator
    if isinstance(target, UnionValidator):
        return
    allowed: set[str] = set()
    if isinstance(target, DecimalValidator):
        allowed = {"gt", "ge", "lt", "le", "max_digits", "decimal_places"}
    elif isinstance(target, (_Number, TemporalValidator)):
        allowed = {"gt", "ge", "lt", "le"}
    elif isinstance(target, StrValidator):
        allowed = {"min_length", "max_length", "pattern"}
    elif isinstance(target, SequenceValidator):
        allowed = {"min_length", "max_length"}
    given = {name for name, value in vars(constraints).items() if value is not None}
    if given - allowed:
        names = ", ".join(f"`{name}`" for name in sorted(given - allowed))
        raise UnsupportedType(f"{names} cannot constrain `{ann.describe(annotation)}`")


#: Whether the schema being written is of what pydantic serializes (`mode="serialization"`,
#: a response's) rather than of what it validates (a request's).
_SERIALIZATION: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "schema_serialization", default=False
)


def json_schema(
    validator: Validator, *, for_document: bool = False, mode: str = "validation"
) -> dict[str, Any]:
    """A self-contained JSON Schema: a named type inline at the top, the types it refers to
    under `$defs`, as pydantic's `model_json_schema` writes it, of what it validates or (`mode=
    "serialization"`) of what it serializes. `for_document`: a named type titled otherwise than
    its name (`ConfigDict(title=...)`) stays a reference, since the host files a titled schema
    under its title and FastAPI's document files it under its name."""
    defs: dict[str, Any] = {}
    token = _SERIALIZATION.set(mode == "serialization")
    try:
        schema = validator.schema(defs)
    finally:
        _SERIALIZATION.reset(token)
    name = schema.get("$ref", "").removeprefix("#/$defs/")
    # A recursive type stays a reference: its definition refers to itself.
    inline = name and f'"#/$defs/{name}"' not in json.dumps(defs)
    if inline and for_document:
        inline = defs[name].get("title", name) == name
    if inline:
        schema = defs.pop(name)
    return {**schema, "$defs": defs} if defs else schema


def validate(validator: Validator, value: Any, loc: Loc = ()) -> tuple[Any, Errors]:
    """Runs `validator`: the converted value and the errors (none on success)."""
    errors: Errors = []
    result = validator(value, loc, errors)
    return result, errors


def _wrap_handler(
    proceed: Callable[[Any], Any], title: str, loc: Loc, errors: Errors
) -> Callable[[Any], Any]:
    """A `wrap` validator's `handler`: runs the validation it wraps, and when that fails raises
    pydantic's `ValidationError` titled `title` with the errors it added (located from the
    wrapped value, as pydantic locates them), taking them back out of `errors`."""

    def handler(value: Any) -> Any:
        from ..exceptions import ValidationError

        count = len(errors)
        result = proceed(value)
        if result is INVALID:
            raised = [{**error, "loc": error["loc"][len(loc):]} for error in errors[count:]]
            del errors[count:]
            raise ValidationError(title, raised)
        return result

    return handler


def _run_validator(call: Callable[[], Any], loc: Loc, raw: Any, errors: Errors) -> Any:
    """A validator function's result; a `ValidationError` it raises has its errors located
    under `loc`, a `ValueError` or `AssertionError` becomes pydantic's error for `raw` (any
    other exception goes through, as in pydantic)."""
    from ..exceptions import ValidationError
    from .models import raised_error

    try:
        return call()
    except ValidationError as err:
        for error in err.errors():
            errors.append({**error, "loc": [*loc, *error["loc"]]})
        return INVALID
    except (ValueError, AssertionError) as err:
        errors.append(raised_error(err, loc, raw))
        return INVALID

