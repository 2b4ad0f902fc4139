"""Parameter models as FastAPI's query-param-models, header-param-models and
cookie-param-models tutorials write them: a model's fields read from the query (with
`extra="forbid"`), the headers or the cookies, beside a parameter of the operation's own. In
one file that runs unchanged under FastAPI and in the lab component (its `main.py` includes
`router`): `tests/all/python_param_models.rs` compares the answers and the documented
parameters."""

from typing import Annotated, Literal

try:
    from fastapi import APIRouter, Cookie, Header, Query
    from pydantic import BaseModel, Field, field_validator
except ImportError:
    from fastwasm import APIRouter, BaseModel, Cookie, Field, Header, Query, field_validator

router = APIRouter(prefix="/models")


class FilterParams(BaseModel):
    model_config = {"extra": "forbid"}

    limit: int = Field(100, gt=0, le=100)
    offset: int = Field(0, ge=0)
    order_by: Literal["created_at", "updated_at"] = "created_at"
    tags: list[str] = []

    @field_validator("tags")
    @classmethod
    def lower(cls, tags: list[str]) -> list[str]:
        return [tag.lower() for tag in tags]


@router.get("/items/")
async def read_items(filter_query: Annotated[FilterParams, Query()]):
    return filter_query


class CommonHeaders(BaseModel):
    host: str
    save_data: bool
    if_modified_since: str | None = None
    traceparent: str | None = None
    x_tag: list[str] = []


@router.get("/headers/")
def read_headers(headers: Annotated[CommonHeaders, Header()], q: int = 0):
    return {"headers": headers, "q": q}


class Cookies(BaseModel):
    session_id: str
    fatebook_tracker: str | None = None


@router.get("/cookies/")
async def read_cookies(cookies: Annotated[Cookies, Cookie()]):
    return cookies
