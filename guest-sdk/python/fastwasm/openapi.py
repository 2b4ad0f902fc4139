"""What an operation tells the host for its OpenAPI document beyond what routing and validation
need: schemas written as FastAPI's document writes them, and the operation's `openapi` fragment,
the facts the host cannot derive (FastAPI's `operationId`, extra `responses`, `deprecated`,
`openapi_extra`).

The host builds the document from the declarations by fixed rules (a titled object schema moves
into `components/schemas`, so do `$defs`; a `422` wherever a request is validated); what is
written here is what makes the result equal FastAPI's `app.openapi()` for the same code."""

from __future__ import annotations

import copy
import http.client
import re
from typing import Any

#: FastAPI's default `response_description`, which the host writes itself.
SUCCESS_DESCRIPTION = "Successful Response"

#: The fragment key by which the host leaves an operation out (`include_in_schema=False`).
HIDDEN = "x-fastwasm-hidden"

#: How FastAPI describes a response range, or `default`, given without a description.
_RANGE_DESCRIPTIONS = {
    "1XX": "Information",
    "2XX": "Success",
    "3XX": "Redirection",
    "4XX": "Client Error",
    "5XX": "Server Error",
    "DEFAULT": "Default Response",
}

#: JSON Schema keywords whose value is one schema, a list of schemas, or schemas by name.
_SUBSCHEMA = ("items", "additionalProperties", "not", "if", "then", "else", "contains")
_SUBSCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_SUBSCHEMA_MAPS = ("properties", "$defs", "patternProperties", "dependentSchemas")

#: The keywords FastAPI's `components` state as floats: its OpenAPI model types them `float`.
_FLOAT_KEYWORDS = ("multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum")


def unique_id(name: str, path: str, method: str) -> str:
    """FastAPI's `generate_unique_id`: `read_item_items__item_id__get`."""
    return re.sub(r"\W", "_", name + path) + "_" + method.lower()


def field_title(name: str) -> str:
    """The title pydantic gives a field from its name (or alias): `item_id` → `Item Id`."""
    return name.title().replace("_", " ")


def app_fragment(
    info: dict[str, Any],
    *,
    tags: list[dict[str, Any]] | None,
    servers: list[dict[str, Any]] | None,
    external_docs: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """What the app says of itself in the document, as `get_openapi` writes it: the `info`
    fields given (`title`, `summary`, `description`, `version`, `termsOfService`, `contact`,
    `license`), `tags`, `servers` and `externalDocs`, each left out when empty, nulls dropped.
    The host puts the manifest's `title`, `version` and `description` over these."""
    fragment: dict[str, Any] = {}
    info = {key: value for key, value in info.items() if value}
    for key, value in (
        ("info", info),
        ("servers", servers),
        ("tags", tags),
        ("externalDocs", external_docs),
    ):
        if value:
            fragment[key] = without_nulls(value)
    return fragment or None


def without_nulls(value: Any) -> Any:
    """`value` without the object keys whose value is null, at any depth: FastAPI writes its
    document with `exclude_none`, which drops pydantic's `"default": null` (and any null in a
    default) everywhere."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value


def _is_component(schema: dict[str, Any]) -> bool:
    """Whether the host moves `schema` into `components/schemas`: a titled object."""
    return "title" in schema and (schema.get("type") == "object" or "properties" in schema)


def _with_float_bounds(schema: Any) -> Any:
    """`schema` with its numeric bounds as floats, in it and every schema below it."""
    if not isinstance(schema, dict):
        return schema
    result = dict(schema)
    for key in _FLOAT_KEYWORDS:
        bound = result.get(key)
        if isinstance(bound, (int, float)) and not isinstance(bound, bool):
            result[key] = float(bound)
    for key in _SUBSCHEMA:
        if key in result:
            result[key] = _with_float_bounds(result[key])
    for key in _SUBSCHEMA_LISTS:
        if isinstance(result.get(key), list):
            result[key] = [_with_float_bounds(item) for item in result[key]]
    for key in _SUBSCHEMA_MAPS:
        if isinstance(result.get(key), dict):
            result[key] = {name: _with_float_bounds(item) for name, item in result[key].items()}
    return result


def document_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A body or response schema as FastAPI's document has it once the host has placed it:
    without nulls, and with float bounds in the parts that go into `components` (its `$defs`,
    and itself when it is a titled object), as FastAPI's OpenAPI model writes them there; a
    schema left inline in `paths` keeps them as pydantic wrote them."""
    schema = without_nulls(schema)
    if _is_component(schema):
        return _with_float_bounds(schema)
    if isinstance(schema.get("$defs"), dict):
        schema = {
            **schema,
            "$defs": {name: _with_float_bounds(item) for name, item in schema["$defs"].items()},
        }
    return schema


def deep_update(main: dict[str, Any], update: dict[str, Any]) -> None:
    """FastAPI's `deep_dict_update`: objects merge key by key, lists concatenate, anything else
    replaces."""
    for key, value in update.items():
        if isinstance(main.get(key), dict) and isinstance(value, dict):
            deep_update(main[key], value)
        elif isinstance(main.get(key), list) and isinstance(value, list):
            main[key] = main[key] + value
        else:
            main[key] = value


def response_key(status: int | str) -> str:
    """A `responses` key as FastAPI writes it: `404`, `4XX`, `default`."""
    key = str(status).upper()
    return "default" if key == "DEFAULT" else key


def response_description(status: int | str) -> str:
    """FastAPI's description of an extra response given without one."""
    key = str(status).upper()
    if key in _RANGE_DESCRIPTIONS:
        return _RANGE_DESCRIPTIONS[key]
    try:
        return http.client.responses.get(int(key)) or "Additional Response"
    except ValueError:
        return "Additional Response"


def merged_responses(
    known: dict[str, dict[str, Any]], extra: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """`known` (the operation's own response entries) with the `extra` ones merged over them
    as FastAPI merges a route's `responses=`: deeply, and each with a description."""
    responses = copy.deepcopy(known)
    for key, given in extra.items():
        entry = responses.setdefault(key, {})
        description = given.get("description") or entry.get("description")
        deep_update(entry, copy.deepcopy(given))
        entry["description"] = description or response_description(key)
    return responses
