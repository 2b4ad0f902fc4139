"""`jsonable_encoder`: any value a path operation returns, as plain JSON data — FastAPI's
function of the same name, for the types fastwasm apps use."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import pathlib
import uuid
from typing import Any

from .pydantic.networks import AnyUrl


def jsonable_encoder(
    obj: Any,
    *,
    include: set[str] | None = None,
    exclude: set[str] | None = None,
    by_alias: bool = True,
    exclude_unset: bool = False,
    exclude_defaults: bool = False,
    exclude_none: bool = False,
) -> Any:
    """`obj` as dicts, lists, strings, numbers, booleans and `None`. `include`, `exclude` and
    the `exclude_*` flags apply to the top-level model's fields, as in FastAPI."""
    from .pydantic.models import BaseModel

    options = dict(
        by_alias=by_alias,
        exclude_unset=exclude_unset,
        exclude_defaults=exclude_defaults,
        exclude_none=exclude_none,
    )
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json", include=include, exclude=exclude, **options)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        fields = {
            field.name: getattr(obj, field.name)
            for field in dataclasses.fields(obj)
            if (include is None or field.name in include)
            and not (exclude and field.name in exclude)
        }
        return jsonable_encoder(fields, **options)
    if isinstance(obj, enum.Enum):
        return jsonable_encoder(obj.value, **options)
    if obj is None or isinstance(obj, (str, int, float)):
        return obj
    if isinstance(obj, dict):
        return {
            jsonable_encoder(key, **options): jsonable_encoder(value, **options)
            for key, value in obj.items()
            if not (exclude_none and value is None)
            and (include is None or key in include)
            and not (exclude and key in exclude)
        }
    if isinstance(obj, (list, tuple, set, frozenset)) or _is_iterator(obj):
        return [jsonable_encoder(item, **options) for item in obj]
    if isinstance(obj, (datetime.datetime, datetime.date, datetime.time)):
        return obj.isoformat()
    if isinstance(obj, datetime.timedelta):
        return obj.total_seconds()
    if isinstance(obj, decimal.Decimal):
        # FastAPI's rule: a whole number stays an integer.
        return int(obj) if obj.as_tuple().exponent >= 0 else float(obj)  # type: ignore[operator]
    if isinstance(obj, (bytes, bytearray)):
        return bytes(obj).decode()
    if isinstance(obj, (uuid.UUID, pathlib.PurePath, AnyUrl)):
        return str(obj)
    try:
        data = dict(obj)
    except (TypeError, ValueError):
        try:
            data = vars(obj)
        except TypeError:
            raise ValueError(f"cannot encode {type(obj).__name__} as JSON: {obj!r}") from None
    return jsonable_encoder(data, **options)


def _is_iterator(obj: Any) -> bool:
    return hasattr(obj, "__next__") and hasattr(obj, "__iter__")
