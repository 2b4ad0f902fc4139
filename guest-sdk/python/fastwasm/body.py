"""Reading an operation's body into its arguments, with FastAPI's 422 errors.

A JSON body is parsed when its content type says so (or says nothing), then validated against
the body arguments — one argument is the whole body; several, or one declared with
`Body(embed=True)`, are keys of a JSON object. A body without a JSON content type is validated
as the bytes it is (and fails against a model), as FastAPI's strict content type check does.

An operation with a `Form()` or `File()` argument reads its body as a form instead (see
`forms`): each argument is the field of its name — all of a list's, the last of another's; an
empty text or an empty file counts as absent — unless the one argument is a model, which then
reads every field of the form."""

from __future__ import annotations

import email.message
import json
from typing import Any

from .dependencies import BodyField
from .exceptions import HTTPException, RequestValidationError
from .datastructures import FormData, UploadFile
from .pydantic.fields import Undefined
from .encoders import jsonable_encoder
from .forms import read_form
from .openapi import field_title
from .params import FileInfo, FormInfo
from .pydantic.validation import (
    BytesValidator,
    CompiledField,
    Errors,
    ModelValidator,
    NullableValidator,
    SequenceValidator,
    UnionValidator,
    Validator,
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
        forms = [field for field in fields if isinstance(field.info, FormInfo)]
        #: Whether the body is read as a form (FastAPI reads it so when any part is a form's).
        self.form = bool(forms)
        self.embed = (
            len(fields) > 1
            or fields[0].info.embed
            or (self.form and not isinstance(fields[0].validator, ModelValidator))
        )
        self.required = any(field.info.required for field in fields)
        if any(isinstance(field.info, FileInfo) for field in fields):
            self.media_type = "multipart/form-data"
        else:
            self.media_type = (forms or fields)[0].info.media_type
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
        schema = json_schema(field.validator, for_document=True)
        if is_named_type(field.validator):
            return schema
        if not field.info.required and field.info.default_factory is None:
            schema["default"] = jsonable_encoder(field.info.default)
        field.info.documented(schema)
        if field.info.description is not None:
            schema["description"] = field.info.description
        schema["title"] = field.info.title or field_title(field.key)
        return schema

    def read(
        self, content_type: str | None, raw: bytes
    ) -> tuple[Any, dict[str, Any], dict[str, Errors]]:
        """What the body parsed to (`None` when empty), each valid body argument's value by
        key, and each invalid one's errors by key. Raises `RequestValidationError` (422) for
        JSON that does not parse, `HTTPException` (400) for a body that cannot be parsed
        otherwise."""
        if self.form:
            form = read_form(content_type, raw)
            return (form, *self._form_values(form))
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
                        ],
                        body=err.doc,
                    ) from None
                except Exception:
                    # Bytes that are not UTF-8, nesting past the recursion limit: as FastAPI.
                    raise _unparsable() from None
            else:
                body = raw
        try:
            return (None if body is Undefined else body, *self._values(body))
        except RecursionError:
            raise _unparsable() from None

    def _values(self, body: Any) -> tuple[dict[str, Any], dict[str, Errors]]:
        checked = _Parts()
        if not self.embed:
            field = self.fields[0]
            checked.check(field, body, ("body",))
        else:
            for field in self.fields:
                part = body.get(field.key, Undefined) if isinstance(body, dict) else Undefined
                checked.check(field, part, ("body", field.key))
        return checked.values, checked.errors

    def _form_values(self, form: FormData) -> tuple[dict[str, Any], dict[str, Errors]]:
        checked = _Parts()
        if not self.embed:
            # One model reads the whole form: its fields as named, and the rest as extras.
            field = self.fields[0]
            assert isinstance(field.validator, ModelValidator)
            parts = field.validator.fields
            data = {part.key: _form_field(form, part.key, part.validator) for part in parts}
            data = {key: value for key, value in data.items() if value is not Undefined}
            known = {part.key for part in parts}
            extras: dict[str, list[Any]] = {}
            for key, value in form.multi_items():
                if key not in known:
                    extras.setdefault(key, []).append(value)
            data.update({key: vs[0] if len(vs) == 1 else vs for key, vs in extras.items()})
            checked.check(field, data, ("body",))
        else:
            for field in self.fields:
                part = _form_field(form, field.key, field.validator)
                checked.check(field, part, ("body", field.key))
        return checked.values, checked.errors


class _Parts:
    """The body arguments validated so far: values of the valid ones, errors of the others."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.errors: dict[str, Errors] = {}

    def check(self, field: BodyField, value: Any, loc: tuple[Any, ...]) -> None:
        errors: Errors = []
        if value is Undefined:
            if field.info.required:
                missing(errors, loc, None)
            else:
                self.values[field.key] = field.info.get_default()
                return
        else:
            value = field.validator(value, loc, errors)
        if errors:
            self.errors[field.key] = errors
        else:
            self.values[field.key] = value


def _form_field(form: FormData, key: str, validator: Validator) -> Any:
    """The value of field `key` in `form` as FastAPI hands it to validation: `Undefined` when
    absent or empty; a file's bytes when the field is `bytes`."""
    sequence = _sequence(validator)
    if sequence is not None:
        value: Any = [item for item in form.getlist(key) if not _is_empty_file(item)]
        if not value:
            return Undefined
        if _is_bytes(sequence.item):
            value = [_file_bytes(item) for item in value]
        return value
    value = form.get(key)
    if value is None or value == "" or _is_empty_file(value):
        return Undefined
    return _file_bytes(value) if _is_bytes(validator) else value


def _is_empty_file(value: Any) -> bool:
    # What a browser sends for a file input left empty.
    return isinstance(value, UploadFile) and value.filename == "" and value.size == 0


def _file_bytes(value: Any) -> Any:
    if not isinstance(value, UploadFile):
        return value
    position = value.file.tell()
    content = value.file.read()
    value.file.seek(position)
    return content


def _unwrapped(validator: Validator) -> list[Validator]:
    if isinstance(validator, NullableValidator):
        return _unwrapped(validator.inner)
    if isinstance(validator, UnionValidator):
        return [inner for member in validator.members for inner in _unwrapped(member)]
    return [validator]


def _sequence(validator: Validator) -> SequenceValidator | None:
    """The list (set, tuple) `validator` accepts, as it is or among a union's members."""
    return next((m for m in _unwrapped(validator) if isinstance(m, SequenceValidator)), None)


def _is_bytes(validator: Validator) -> bool:
    return any(isinstance(member, BytesValidator) for member in _unwrapped(validator))


def _unparsable() -> HTTPException:
    return HTTPException(status_code=400, detail="There was an error parsing the body")
