"""Counters kept in the app's `default` key-value store: every increment is atomic on the
store, so any number of instances (or replicas on one Redis) count each request once."""

from typing import Annotated

from fastwasm import Depends, FastAPI, HTTPException
from fastwasm.key_value import AsyncStore, StoreUnavailable
from fastwasm.key_value import Store as BlockingStore
from fastwasm.responses import JSONResponse

app = FastAPI()


def get_store() -> AsyncStore:
    return AsyncStore("default")


Store = Annotated[AsyncStore, Depends(get_store)]


def key(name: str) -> str:
    return f"counter:{name}"


@app.post("/counters/{name}")
async def increment(name: str, store: Store, by: int = 1):
    """Adds `by` (1 unless given) to the counter and answers its new value."""
    try:
        value = await store.increment(key(name), by)
    except StoreUnavailable as error:
        # The store is down: say so, and let the client retry.
        return JSONResponse({"detail": str(error)}, status_code=503, headers={"retry-after": "1"})
    return {"name": name, "value": value}


@app.get("/counters/{name}")
async def read(name: str, store: Store):
    value = await store.get(key(name))
    if value is None:
        raise HTTPException(status_code=404, detail=f"no counter named {name!r}")
    return {"name": name, "value": int(value)}


@app.delete("/counters/{name}")
async def delete(name: str, store: Store):
    if not await store.delete(key(name)):
        raise HTTPException(status_code=404, detail=f"no counter named {name!r}")
    return {"name": name, "deleted": True}


@app.get("/counters")
async def list_counters(store: Store):
    names = [k.removeprefix("counter:") for k in await store.keys("counter:")]
    values = await store.get_many([key(n) for n in names]) if names else []
    return {n: int(v) for n, v in zip(names, values) if v is not None}


def get_blocking_store() -> BlockingStore:
    return BlockingStore("default")


@app.put("/counters/{name}")
def reset(name: str, value: int, store: Annotated[BlockingStore, Depends(get_blocking_store)]):
    """Sets the counter to `value`: a `def` operation, on the blocking pool."""
    store.set(key(name), str(value))
    return {"name": name, "value": value}
