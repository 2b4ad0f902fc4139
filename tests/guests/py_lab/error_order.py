"""The order errors come in, as FastAPI solves a request: dependencies one after another in
declaration order (a dependency whose parameters fail is skipped, the rest still run, so an
`HTTPException` raised by any of them is the answer), then the operation's own path, query,
header and cookie parameters, then its body — and one 422 that lists every error found. In one
file that runs unchanged under FastAPI and in the lab component (its `main.py` includes
`router`): `tests/all/python_error_order.rs` sends both the same requests and compares the
answers."""

from typing import Annotated

try:
    from fastapi import APIRouter, Body, Cookie, Depends, Header, HTTPException, Query
    from pydantic import BaseModel, Field
except ImportError:
    from fastwasm import APIRouter, Body, Cookie, Depends, Header, HTTPException, Query
    from fastwasm import BaseModel, Field

router = APIRouter(prefix="/order")


class Item(BaseModel):
    name: str
    price: float = Field(gt=0)


def paging(limit: int = 10, offset: Annotated[int, Query(ge=0)] = 0):
    return {"limit": limit, "offset": offset}


async def token(x_token: Annotated[str | None, Header()] = None):
    if x_token != "secret":
        raise HTTPException(
            status_code=401, detail="Not authenticated", headers={"WWW-Authenticate": "Bearer"}
        )
    return x_token


def tag(tag: Annotated[str, Query(min_length=2)]):
    return tag


def labelled(
    tag: Annotated[str, Depends(tag)],
    x_level: Annotated[int, Header()] = 1,
    color: Annotated[str | None, Query(pattern="^[a-z]+$")] = None,
):
    return {"tag": tag, "level": x_level, "color": color}


@router.get("/later-401")
async def later_401(
    page: Annotated[dict, Depends(paging)], user: Annotated[str, Depends(token)]
):
    """The token check comes after `paging`: its 401 wins over `paging`'s 422."""
    return {"page": page, "user": user}


@router.get("/earlier-401")
def earlier_401(user: Annotated[str, Depends(token)], page: Annotated[dict, Depends(paging)]):
    return {"page": page, "user": user}


@router.post("/items/{item_id}")
async def update_item(
    item_id: int,
    item: Item,
    page: Annotated[dict, Depends(paging)],
    labels: Annotated[dict, Depends(labelled)],
    q: Annotated[str | None, Query(max_length=3)] = None,
):
    return {"item_id": item_id, "item": item, "page": page, "labels": labels, "q": q}


@router.put("/embedded/{item_id}")
def replace_item(
    session: Annotated[str, Cookie()],
    x_count: Annotated[int, Header()],
    item_id: int,
    item: Item,
    importance: Annotated[int, Body(gt=0)],
    q: int | None = None,
):
    """Parameters declared cookie, header, path, query: FastAPI lists them path first."""
    return {"item_id": item_id, "item": item, "importance": importance, "q": q}


@router.get("/twice", dependencies=[Depends(paging)])
async def twice(page: Annotated[dict, Depends(paging)]):
    """`paging` is solved twice (its value once): a bad offset is listed twice, as in FastAPI."""
    return page
