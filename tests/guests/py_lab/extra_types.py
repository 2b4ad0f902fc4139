"""Dates, times, durations, decimals, bytes, UUIDs and URLs, as FastAPI's extra-data-types and
body-nested-models tutorials use them: as path, query and body parameters, as model fields,
in a response model and in a plain dict (which FastAPI's `jsonable_encoder` writes otherwise
than pydantic). In one file that runs unchanged under FastAPI and in the lab component (its
`main.py` includes `router`): `tests/all/python_extra_types.rs` compares the answers and the
documented parameters and schemas."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Union
from uuid import UUID

try:
    from fastapi import APIRouter, Body, Query
    from pydantic import AnyHttpUrl, AnyUrl, BaseModel, Field, HttpUrl
except ImportError:
    from fastwasm import AnyHttpUrl, AnyUrl, APIRouter, BaseModel, Body, Field, HttpUrl, Query

router = APIRouter(prefix="/types")


# FastAPI's extra_data_types/tutorial001, as its docs write it.
@router.put("/items/{item_id}")
async def read_items(
    item_id: UUID,
    start_datetime: Annotated[datetime, Body()],
    end_datetime: Annotated[datetime, Body()],
    process_after: Annotated[timedelta, Body()],
    repeat_at: Annotated[Union[time, None], Body()] = None,
):
    start_process = start_datetime + process_after
    duration = end_datetime - start_process
    return {
        "item_id": item_id,
        "start_datetime": start_datetime,
        "end_datetime": end_datetime,
        "process_after": process_after,
        "repeat_at": repeat_at,
        "start_process": start_process,
        "duration": duration,
    }


@router.get("/query")
def query(
    when: datetime,
    day: date | None = None,
    at: time = time(9, 30),
    every: timedelta | None = None,
    price: Annotated[Decimal | None, Query(ge=1, max_digits=4, decimal_places=2)] = None,
    raw: bytes | None = None,
    days: Annotated[list[date], Query()] = [],
):
    return {
        "when": when,
        "day": day,
        "at": at,
        "every": every,
        "price": price,
        "raw": raw,
        "days": days,
        "weekday": when.weekday(),
    }


@router.get("/links")
async def links(
    url: HttpUrl,
    others: Annotated[list[AnyUrl], Query()] = [],
    home: AnyHttpUrl | None = None,
):
    return {"url": url, "others": others, "home": home, "host": url.host, "port": url.port}


@router.get("/days/{day}")
def day_of(day: date):
    return {"day": day, "ordinal": day.toordinal()}


class Image(BaseModel):
    url: HttpUrl
    name: str


class Event(BaseModel):
    id: UUID
    starts: datetime
    day: date
    at: time | None = None
    lasts: timedelta = timedelta(hours=1)
    images: list[Image] = []


@router.post("/events", response_model=Event)
def create_event(event: Event):
    return event


@router.post("/events/summary")
def summarize(event: Event):
    # A plain dict: FastAPI's encoder writes datetimes by `isoformat` and durations as seconds.
    return {"ends": event.starts + event.lasts, "lasts": event.lasts}


class Price(BaseModel):
    amount: Decimal = Field(ge=0, max_digits=6, decimal_places=2)
    currency: str = "EUR"


@router.post("/prices", response_model=Price)
async def price(amount: Annotated[Decimal, Body(embed=True)]):
    # In a response model a decimal is a string, in a plain dict a number (below).
    return {"amount": amount * 2}


@router.post("/prices/plain")
async def plain_price(price: Price):
    return {"amount": price.amount, "doubled": price.amount * 2}
