"""Fan-out with fastwasm, in FastAPI's words: `GET /fanout?n=N&ms=M` awaits N concurrent
calls to `{UPSTREAM}/delay?ms=M` with httpx's `AsyncClient` and `asyncio.gather`, so it takes
about M milliseconds; `GET /fanout-sync` is a `def` operation that makes the same calls one
after another with `Client`, so it takes about N × M."""

import asyncio
import os

from fastwasm import FastAPI, Query, httpx

app = FastAPI()

# One client for the app's life, as FastAPI's docs advise: its connections are reused.
client = httpx.AsyncClient(timeout=30)
sync_client = httpx.Client(timeout=30)


def delay_url() -> str:
    """Where the calls go: the component's `UPSTREAM` (read when serving, not when the
    component is built)."""
    return os.environ.get("UPSTREAM", "http://127.0.0.1:9000") + "/delay"


@app.get("/fanout")
async def fanout(n: int = Query(1, ge=1, le=100), ms: int = Query(50, ge=0, le=10_000)):
    answers = await asyncio.gather(*(client.get(delay_url(), params={"ms": ms}) for _ in range(n)))
    for answer in answers:
        answer.raise_for_status()
    return {"calls": n, "answers": [answer.json() for answer in answers]}


@app.get("/fanout-sync")
def fanout_sync(n: int = Query(1, ge=1, le=100), ms: int = Query(50, ge=0, le=10_000)):
    answers = [sync_client.get(delay_url(), params={"ms": ms}) for _ in range(n)]
    for answer in answers:
        answer.raise_for_status()
    return {"calls": n, "answers": [answer.json() for answer in answers]}
