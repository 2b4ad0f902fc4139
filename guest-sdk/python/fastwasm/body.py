"""Reading an operation's JSON body into its arguments, with FastAPI's 422 errors: the
body is parsed as JSON when its content type says so (or says nothing), then validated
against the body arguments — one argument is the whole body; several, or one declared with
`Body(embed=True)`, are keys of a JSON object. A body without a JSON content type is validated
as the bytes it is (and fails against a model), as FastAPI's strict content type check does."""

from __future__ import annotations

import email.message
import json
from typing import Any

from .dependencies import BodyField
from .exceptions import HTTPException, RequestValidationError
from .fields import Undefined
from .encoders import jsonable_encoder
from .openapi import field_title
from .validation import (
    CompiledField,
    Errors,
    is_named_type,
    json_schema,
    missing,
    object_schema,
)


def _is_json(content_type: str) -> bool:
    message = email.message.Message()
    message["content-type"] = content_type
    if message.get_content_maintype() != "application":
        return False
    subtype = message.get_content_subtype()
    return subtype == "json" or subtype.endswith("+json")


class BodyPlan:
    """The body arguments of one operation."""

    def __init__(self, fields: list[BodyField], unique_id: str) -> None:
        self.fields = fields
        self.embed = len(fields) > 1 or fields[0].info.embed
        self.required = any(field.info.required for field in fields)
        self.media_type = fields[0].info.media_type
        #: The operation's unique id, which names an embedded body's schema, as in FastAPI.
        self.unique_id = unique_id

    def schema(self) -> dict[str, Any]:
        """The body's JSON Schema as FastAPI documents it: a named type's own schema, another
        type's titled after the argument, or the object of several parts `Body_<unique id>`."""
        if self.embed:
            parts = [
                CompiledField(field.arg, field.key, field.validator, field.info)
                for field in self.fields
            ]
            return object_schema(f"Body_{self.unique_id}", parts)
        field = self.fields[0]
        schema = json_schema(field.validator)
        if is_named_type(field.validator):
            return schema
        if not field.info.required and field.info.default_factory is None:
            schema["default"] = jsonable_encoder(field.info.default)
        field.info.documented(schema)
        if field.info.description is not None:
            schema["description"] = field.info.description
        schema["title"] = field.info.title or field_title(field.key)
        return schema

    def read(self, content_type: str | None, raw: bytes) -> dict[str, Any]:
        """Each body argument's value by key; raises `RequestValidationError` (422)."""
        body: Any = Undefined
        if raw:
            if content_type and _is_json(content_type):
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError as err:
                    raise RequestValidationError(
                        [
                            {
                                "type": "json_invalid",
                                "loc": ["body", err.pos],
                                "msg": "JSON decode error",
                                "input": {},
                                "ctx": {"error": err.msg},
                            }
                        ]
                    ) from None
                except Exception:
                    # Bytes that are not UTF-8, nesting past the recursion limit: as FastAPI.
                    raise _unparsable() from None
            else:
                body = raw
        try:
            return self._values(body)
        except RecursionError:
            raise _unparsable() from None

    def _values(self, body: Any) -> dict[str, Any]:
        errors: Errors = []
        values: dict[str, Any] = {}
        if not self.embed:
            field = self.fields[0]
            values[field.key] = self._value(field, body, ("body",), errors)
        else:
            for field in self.fields:
                part = body.get(field.key, Undefined) if isinstance(body, dict) else Undefined
                values[field.key] = self._value(field, part, ("body", field.key), errors)
        if errors:
            raise RequestValidationError(errors)
        return values

    @staticmethod
    def _value(field: BodyField, value: Any, loc: tuple[Any, ...], errors: Errors) -> Any:
        if value is Undefined:
            if field.info.required:
                return missing(errors, loc, None)
            return field.info.get_default()
        return field.validator(value, loc, errors)


def _unparsable() -> HTTPException:
    return HTTPException(status_code=400, detail="There was an error parsing the body")
