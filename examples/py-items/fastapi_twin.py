"""FastAPI's items tutorial on FastAPI itself: `main.py` with FastAPI's imports, for the
benchmark and for comparing answers. Serve it with

    uvicorn fastapi_twin:app
"""

from asyncio import sleep
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Path, Query
from pydantic import BaseModel, Field

app = FastAPI()


class Item(BaseModel):
    name: str
    description: str | None = Field(default=None, max_length=300)
    price: float = Field(gt=0, description="The price must be greater than zero")
    tax: float | None = None
    tags: list[str] = []


fake_items_db = {
    "plumbus": {"name": "Plumbus", "price": 3.5},
    "portal-gun": {"name": "Portal Gun", "price": 9001.0},
}


class FakeSession:
    """Stands in for a database session: opened per request, closed after the response."""

    def __init__(self) -> None:
        print("session opened")

    def close(self) -> None:
        print("session closed")


async def get_db():
    db = FakeSession()
    try:
        yield db
    finally:
        db.close()


async def common_parameters(
    q: str | None = None,
    skip: int = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 100,
):
    return {"q": q, "skip": skip, "limit": limit}


CommonsDep = Annotated[dict, Depends(common_parameters)]


@app.get("/")
async def root():
    return {"message": "Hello World"}


@app.get("/items/")
async def read_items(commons: CommonsDep):
    items = list(fake_items_db.values())
    return {**commons, "items": items[commons["skip"] : commons["skip"] + commons["limit"]]}


@app.get("/items/{item_id}")
async def read_item(
    item_id: Annotated[str, Path(min_length=3, description="The ID of the item to get")],
    q: Annotated[str | None, Query(max_length=50)] = None,
    short: bool = False,
):
    if item_id not in fake_items_db:
        raise HTTPException(
            status_code=404, detail="Item not found", headers={"X-Error": "There goes my error"}
        )
    item = {"item_id": item_id, **fake_items_db[item_id]}
    if q:
        item["q"] = q
    if not short:
        item["description"] = "This is an amazing item that has a long description"
    return item


@app.post("/items/", status_code=201)
async def create_item(item: Item):
    item_dict = item.model_dump()
    if item.tax is not None:
        item_dict["price_with_tax"] = item.price + item.tax
    return item_dict


@app.put("/items/{item_id}")
def update_item(item_id: int, item: Item, q: str | None = None):
    result = {"item_id": item_id, **item.model_dump()}
    if q:
        result["q"] = q
    return result


@app.get("/slow")
async def slow(ms: Annotated[int, Query(ge=0, le=5000)] = 500):
    """Waits without holding a thread: many requests wait together."""
    await sleep(ms / 1000)
    return {"slept_ms": ms}


async def get_token_header(x_token: Annotated[str, Header()]):
    if x_token != "fake-super-secret-token":
        raise HTTPException(status_code=400, detail="X-Token header invalid")


router = APIRouter(
    prefix="/users",
    tags=["users"],
    dependencies=[Depends(get_token_header)],
    responses={404: {"description": "Not found"}},
)


@router.get("/")
async def read_users():
    return [{"username": "Rick"}, {"username": "Morty"}]


@router.get("/me")
async def read_user_me():
    return {"username": "fakecurrentuser"}


@router.get("/{username}")
async def read_user(username: str, db: Annotated[FakeSession, Depends(get_db)]):
    if username not in ("Rick", "Morty"):
        raise HTTPException(status_code=404, detail="User not found")
    return {"username": username}


app.include_router(router)
