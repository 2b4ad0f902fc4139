"""Parameter options as real FastAPI apps use them — every documentation keyword, `Literal`s,
constraints on lists, `UUID` parameters, and model fields with examples — in one file that runs unchanged under
FastAPI (`uvicorn param_options:app` in `target/fastapi-venv`) and in the lab component (its
`main.py` includes `router`): `tests/all/python_params.rs` sends both the same requests and
compares their answers and their OpenAPI documents."""

from typing import Annotated, Literal
from uuid import UUID

try:
    from fastapi import APIRouter, Body, Cookie, FastAPI, Header, Path, Query
    from pydantic import BaseModel, Field
except ImportError:
    from fastwasm import APIRouter, BaseModel, Body, Cookie, FastAPI, Field, Header, Path, Query

router = APIRouter()


@router.get("/options/documented/{item_id}")
def documented(
    item_id: Annotated[
        int,
        Path(title="The ID", description="Which item", examples=[7], deprecated=True, ge=1),
    ],
    q: Annotated[
        str | None,
        Query(
            alias="query",
            max_length=5,
            deprecated=True,
            examples=["abc"],
            openapi_examples={"short": {"summary": "A short one", "value": "ab"}},
            json_schema_extra={"x-origin": "lab"},
        ),
    ] = None,
    legacy: Annotated[str | None, Query(regex="^x", example="xyz")] = None,
    hidden: Annotated[str | None, Query(include_in_schema=False)] = None,
    name: Annotated[str, Query(strict=True, validation_alias="name", alias="name")] = "n",
    since: Annotated[str | None, Query(validation_alias="from", serialization_alias="s")] = None,
    x_trace: Annotated[str | None, Header(title="Trace", examples=["t-1"])] = None,
    theme: Annotated[str, Cookie(description="UI theme", deprecated=True)] = "light",
):
    return {
        "item_id": item_id,
        "q": q,
        "legacy": legacy,
        "hidden": hidden,
        "name": name,
        "since": since,
        "x_trace": x_trace,
        "theme": theme,
    }


@router.get("/options/literal")
def literal(
    mode: Literal["fast", "slow"] = "fast",
    level: Literal[1, 2] | None = None,
    sort: Annotated[Literal["asc", "desc"] | None, Query(alias="order")] = None,
    x_kind: Annotated[Literal["a", "b"] | None, Header()] = None,
    flavour: Annotated[Literal["plain", "nut"] | None, Cookie()] = None,
    kinds: Annotated[list[Literal["x", "y"]], Query()] = [],
):
    return {
        "mode": mode,
        "level": level,
        "sort": sort,
        "x_kind": x_kind,
        "flavour": flavour,
        "kinds": kinds,
    }


@router.get("/options/lists")
def lists(
    ids: Annotated[list[int], Query(min_length=1, max_length=3)] = [1],
    tags: Annotated[list[str] | None, Query(alias="tag", min_length=2)] = None,
    x_part: Annotated[list[str], Header(max_length=1)] = [],
):
    return {"ids": ids, "tags": tags, "x_part": x_part}


@router.get("/options/uuids/{item_id}")
def uuids(item_id: UUID, ref: UUID | None = None, refs: Annotated[list[UUID], Query()] = []):
    return {"item_id": item_id, "version": item_id.version, "ref": ref, "refs": refs}


class Gadget(BaseModel):
    name: str = Field(examples=["Widget"], description="What it is called")
    price: float = Field(gt=0, deprecated=True, json_schema_extra={"x-unit": "EUR"})
    tags: list[str] = Field(default=[], max_length=2, examples=[["a"]])


@router.post("/options/gadgets")
def create_gadget(
    gadget: Gadget,
    note: Annotated[str | None, Body(examples=["fragile"], max_length=10)] = None,
):
    return {"gadget": gadget, "note": note}


app = FastAPI()
app.include_router(router)
