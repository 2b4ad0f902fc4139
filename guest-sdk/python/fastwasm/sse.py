"""Server-sent events, as FastAPI 0.13x+ writes them: an `async def` generator operation with
`response_class=EventSourceResponse` sends each value it yields as one event — a
`ServerSentEvent` as it says, anything else as JSON `data:`."""

from __future__ import annotations

import json
from typing import Any

from .encoders import jsonable_encoder
from .pydantic.fields import Field
from .pydantic.models import BaseModel
from .responses import StreamingResponse


class EventSourceResponse(StreamingResponse):
    """A `text/event-stream` response. As `response_class=` of a generator operation, it makes
    the operation's yields events."""

    media_type = "text/event-stream"


class ServerSentEvent(BaseModel):
    """One event. `data` is sent as JSON (a string gets its quotes); `raw_data` as it is."""

    data: Any = None
    raw_data: str | None = None
    event: str | None = None
    id: str | None = None
    retry: int | None = Field(default=None, ge=0)
    comment: str | None = None


def _lines(value: str) -> list[str]:
    return value.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def format_sse_event(
    *,
    data_str: str | None = None,
    event: str | None = None,
    id: str | None = None,
    retry: int | None = None,
    comment: str | None = None,
) -> bytes:
    """An event in the `text/event-stream` format, ending with its blank line."""
    lines: list[str] = []
    if comment is not None:
        lines.extend(f": {line}" for line in _lines(comment))
    if event is not None:
        lines.append(f"event: {event}")
    if data_str is not None:
        lines.extend(f"data: {line}" for line in _lines(data_str))
    if id is not None:
        lines.append(f"id: {id}")
    if retry is not None:
        lines.append(f"retry: {retry}")
    lines.extend(["", ""])
    return "\n".join(lines).encode("utf-8")


def encode_event(item: Any) -> bytes:
    """What one value a generator yields becomes on the wire."""
    if isinstance(item, ServerSentEvent):
        if item.raw_data is not None:
            data_str: str | None = item.raw_data
        elif item.data is not None:
            data_str = _json(item.data)
        else:
            data_str = None
        return format_sse_event(
            data_str=data_str, event=item.event, id=item.id, retry=item.retry, comment=item.comment
        )
    return format_sse_event(data_str=_json(item))


def _json(value: Any) -> str:
    # As FastAPI serialises an event's data: `json.dumps`' defaults, spaces included.
    return json.dumps(jsonable_encoder(value))
