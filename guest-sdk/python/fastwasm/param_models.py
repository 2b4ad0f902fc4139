"""Parameter models, FastAPI's `Annotated[FilterParams, Query()]` (also `Header()`,
`Cookie()`): each field of the model is a parameter of that location, declared to the host and
validated by it as any other; the guest then builds the model from the fields that came, so
its defaults, validators and `model_config` apply. With `extra="forbid"`, a query key (header,
cookie) that names no field is an `extra_forbidden` error, listed after the fields' own, as
pydantic lists them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .params import ParamLocation
from .pydantic.validation import Errors, Validator

if TYPE_CHECKING:
    from .dependencies import ParamField


@dataclass
class ParamModel:
    """A model whose fields are parameters of one location."""

    #: The argument that receives the model.
    arg: str
    location: ParamLocation
    #: Validates the model from a dict of its fields' values, by key.
    validator: Validator
    forbid_extra: bool
    #: Each field's key in that dict (its alias or name) and the parameter declared for it.
    fields: list[tuple[str, ParamField]] = field(default_factory=list)

    def input(self, received: list[tuple[str, str]]) -> dict[str, Any]:
        """What FastAPI validates the model from, from the names and values `received`: each
        field's value by its key (a list field's every value, another's last), then each other
        name's value (its values, when it came more than once)."""
        grouped: dict[str, list[str]] = {}
        for name, value in received:
            grouped.setdefault(name, []).append(value)
        data: dict[str, Any] = {}
        known: set[str] = set()
        for key, param in self.fields:
            values = grouped.get(param.wire)
            if values:
                data[key] = values if param.schema.get("type") == "array" else values[-1]
            known.update((key, param.wire, param.arg))
        for name, values in grouped.items():
            if name not in known:
                data[name] = values[0] if len(values) == 1 else values
        return data

    def extras(self, data: dict[str, Any]) -> Errors:
        """The `extra_forbidden` errors of the names in `data` (see `input`) that are no
        field's."""
        if not self.forbid_extra:
            return []
        keys = {key for key, _ in self.fields}
        return [
            {
                "type": "extra_forbidden",
                "loc": (self.location.value, name),
                "msg": "Extra inputs are not permitted",
                "input": value,
            }
            for name, value in data.items()
            if name not in keys
        ]

    def build(self, values: dict[str, Any]) -> tuple[Any, Errors]:
        """The model from the values the host validated, by declared name, and the errors of
        the model's own validation (its validators)."""
        data = {key: values[param.name] for key, param in self.fields if param.name in values}
        errors: Errors = []
        model = self.validator(data, (self.location.value,), errors)
        return model, errors
