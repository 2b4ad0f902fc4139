"""Streaming with fastwasm, in FastAPI's words: server-sent events from a generator, a
WebSocket echo that counts the messages of each connection, a download written while it is
sent, and an upload read as it arrives. `fastapi_twin.py` is the same code on FastAPI."""

import asyncio

from fastwasm import FastAPI, Request, WebSocket, WebSocketDisconnect
from fastwasm.responses import StreamingResponse
from fastwasm.sse import EventSourceResponse, ServerSentEvent

app = FastAPI()


@app.get("/events", response_class=EventSourceResponse)
async def events(n: int = 10, ms: int = 100):
    """`n` events, one every `ms` milliseconds."""
    for i in range(n):
        yield ServerSentEvent(data={"tick": i}, event="tick", id=str(i))
        if i + 1 < n:
            await asyncio.sleep(ms / 1000)


@app.get("/numbers")
async def numbers(n: int = 3):
    """JSON lines, one object per yield."""
    for i in range(n):
        yield {"n": i, "square": i * i}


@app.get("/download")
async def download(kib: int = 1024):
    async def chunks():
        for _ in range(kib // 64):
            yield b"x" * (64 * 1024)

    return StreamingResponse(chunks(), media_type="application/octet-stream")


@app.post("/upload")
async def upload(request: Request):
    size = chunks = 0
    async for chunk in request.stream():
        if chunk:
            size += len(chunk)
            chunks += 1
    return {"bytes": size, "chunks": chunks}


@app.websocket("/ws/echo")
async def echo(websocket: WebSocket):
    await websocket.accept()
    count = 0
    try:
        while True:
            text = await websocket.receive_text()
            count += 1
            if text == "bye":
                await websocket.close(code=4000, reason="bye")
                return
            await websocket.send_text(f"{count}: {text}")
    except WebSocketDisconnect as disconnect:
        print(f"echo: the client left with {disconnect.code} after {count} messages")


@app.websocket("/ws/json")
async def json_echo(websocket: WebSocket, room: str = "lobby"):
    await websocket.accept()
    async for message in websocket.iter_json():
        await websocket.send_json({"room": room, "echo": message})
