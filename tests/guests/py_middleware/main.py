"""HTTP middleware as FastAPI apps write it, in one file that runs unchanged under FastAPI and
as a component: FastAPI's middleware tutorial (`X-Process-Time`), a `BaseHTTPMiddleware`
subclass with an option, one that answers without calling the operation and hands the
operation `request.state`, one that reads the request body, one that replaces the response
with its body changed, and one that fails. `tests/all/python_middleware.rs` compares the
answers, request by request, with FastAPI's."""

import asyncio
import json
import sys
import time

try:
    from pydantic import BaseModel
    from fastapi import BackgroundTasks, FastAPI, HTTPException, Request
    from fastapi.responses import JSONResponse, Response, StreamingResponse
    from starlette.middleware.base import BaseHTTPMiddleware
except ImportError:
    from fastwasm import BackgroundTasks, BaseModel, FastAPI, HTTPException, Request
    from fastwasm.responses import JSONResponse, Response, StreamingResponse
    from fastwasm.middleware.base import BaseHTTPMiddleware

app = FastAPI()

#: What the background tasks of the `async def` operations wrote (their shared instance's).
NOTES: list[str] = []


class Teapot(Exception):
    pass


@app.exception_handler(Teapot)
async def teapot(request: Request, exc: Teapot):
    return JSONResponse({"teapot": str(exc)}, status_code=418)


def order(response: Response, name: str) -> None:
    """Appends `name` to the `x-order` header, to show which middleware ran in which order."""
    seen = response.headers.get("x-order")
    response.headers["x-order"] = f"{seen},{name}" if seen else name


# Added first, so innermost.
@app.middleware("http")
async def rewrite_upper(request: Request, call_next):
    response = await call_next(request)
    if not request.url.path.startswith("/upper"):
        return response
    body = b""
    async for chunk in response.body_iterator:
        body += chunk
    headers = {k: v for k, v in response.headers.items() if k != "content-length"}
    replaced = Response(content=body.upper(), status_code=response.status_code, headers=headers)
    order(replaced, "upper")
    return replaced


@app.middleware("http")
async def fail(request: Request, call_next):
    boom = request.query_params.get("boom")
    if boom == "before":
        raise HTTPException(status_code=409, detail="raised by a middleware")
    response = await call_next(request)
    if boom == "after":
        raise ValueError("the middleware broke")
    return response


class Tagging(BaseHTTPMiddleware):
    def __init__(self, app, tag: str):
        super().__init__(app)
        self.tag = tag

    async def dispatch(self, request: Request, call_next):
        before = json.dumps(request.path_params)
        await asyncio.sleep(0.001)
        response = await call_next(request)
        response.headers["x-tag"] = self.tag
        response.headers["x-path-before"] = before
        response.headers["x-path-after"] = json.dumps(request.path_params)
        order(response, "tag")
        return response


app.add_middleware(Tagging, tag="blue")


@app.middleware("http")
async def gatekeeper(request: Request, call_next):
    if request.url.path.startswith("/private"):
        key = request.headers.get("x-key")
        if key is None:
            return JSONResponse({"detail": "no key"}, status_code=401)
        request.state.user = f"user-{key}"
    if request.method == "POST":
        request.state.length = len(await request.body())
    response = await call_next(request)
    order(response, "gate")
    return response


# The tutorial's, added last, so outermost.
@app.middleware("http")
async def add_process_time_header(request: Request, call_next):
    start_time = time.perf_counter()
    response = await call_next(request)
    process_time = time.perf_counter() - start_time
    response.headers["X-Process-Time"] = str(process_time)
    return response


class Item(BaseModel):
    name: str
    price: float


@app.get("/items/{item_id}")
async def read_item(item_id: int, q: str | None = None):
    return {"item_id": item_id, "q": q}


@app.get("/def-items/{item_id}")
def read_def_item(item_id: int):
    return {"item_id": item_id, "served": "def"}


@app.post("/items/")
async def create_item(item: Item, request: Request):
    return {"item": item, "length": request.state.length}


@app.post("/def-items/")
def create_def_item(item: Item):
    return {"item": item}


@app.get("/private/me")
async def me(request: Request):
    return {"user": request.state.user}


@app.get("/missing")
async def missing():
    raise HTTPException(status_code=404, detail="not here", headers={"x-why": "gone"})


@app.get("/empty")
async def empty():
    raise HTTPException(status_code=204)


@app.get("/teapot")
async def brew():
    raise Teapot("short and stout")


@app.get("/crash")
async def crash():
    raise RuntimeError("the operation broke")


@app.get("/upper")
async def upper(tasks: BackgroundTasks):
    tasks.add_task(note, "upper")
    return {"text": "hello"}


@app.get("/stream")
async def stream():
    async def chunks():
        for word in ("one ", "two ", "three"):
            yield word

    return StreamingResponse(chunks(), media_type="text/plain")


@app.get("/notes")
async def notes():
    return NOTES


def note(text: str) -> None:
    NOTES.append(text)
    print(f"background {text}", file=sys.stderr)
