"""`WebSocket`: one WebSocket connection of an `@app.websocket` operation, with the methods of
Starlette's, and `WebSocketDisconnect`, raised when the connection is closed.

The host holds the connection: it answers pings and enforces the message size, idle and rate
limits; a connection it closes (those limits, shutdown, a reload) raises `WebSocketDisconnect`
with the code and reason, as a client's close does."""

from __future__ import annotations

import enum
import json
from typing import Any, AsyncIterator, Iterable, Protocol

from .datastructures import URL, Headers, QueryParams
from .requests import parse_cookies


class WebSocketState(enum.Enum):
    CONNECTING = 0
    CONNECTED = 1
    DISCONNECTED = 2
    RESPONSE = 3


class WebSocketDisconnect(Exception):
    """The connection is closed: by the client (its code, 1005 when it gave none), or by the
    host (1006 it dropped, 1001 idle or shutting down, 1009 a message too big, 1008 too many
    messages, 1012 the component was replaced)."""

    def __init__(self, code: int = 1000, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""


class Connection(Protocol):
    """The host's `websocket.connection` resource, as the bindings give it."""

    async def accept(self, subprotocol: str | None) -> None: ...
    async def receive(self) -> Any: ...
    async def send(self, message: Any) -> None: ...
    async def close(self, code: int, reason: str) -> None: ...


class Messages(Protocol):
    """Builds and reads the WIT `message` variant: the bindings' classes, passed in."""

    def text(self, text: str) -> Any: ...
    def binary(self, data: bytes) -> Any: ...
    def read(self, message: Any) -> dict[str, Any]: ...
    def closed(self, error: Exception) -> tuple[int, str] | None: ...


class WebSocket:
    """A WebSocket connection: `accept()` it, then `receive_*` and `send_*`; `close()` ends it."""

    def __init__(
        self,
        connection: Connection,
        messages: Messages,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        path_params: dict[str, str],
    ) -> None:
        self._connection = connection
        self._messages = messages
        self.headers = Headers(headers)
        self.url = URL(self.headers.get("host", ""), path, query, scheme="ws")
        self.query_params = QueryParams(query)
        self.path_params = path_params
        self.cookies = parse_cookies(self.headers.get("cookie", ""))
        self.client_state = WebSocketState.CONNECTING
        self.application_state = WebSocketState.CONNECTING

    async def accept(
        self, subprotocol: str | None = None, headers: Iterable[tuple[bytes, bytes]] | None = None
    ) -> None:
        """Completes the handshake. `headers` are accepted for Starlette's signature; the host
        writes the handshake's own."""
        try:
            await self._connection.accept(subprotocol)
        except Exception as error:
            raise self._disconnect(error) from None
        self.client_state = WebSocketState.CONNECTED
        self.application_state = WebSocketState.CONNECTED

    def _disconnect(self, error: Exception) -> Exception:
        closed = self._messages.closed(error)
        if closed is None:
            return error
        self.client_state = WebSocketState.DISCONNECTED
        code, reason = closed
        return WebSocketDisconnect(code, reason)

    async def receive(self) -> dict[str, Any]:
        """The next message as Starlette's ASGI message: `{"type": "websocket.receive",
        "text": …}` or `… "bytes": …`, and `{"type": "websocket.disconnect", "code": …}` once
        the connection is closed."""
        if self.client_state == WebSocketState.DISCONNECTED:
            raise RuntimeError('Cannot call "receive" once a disconnect message has been received.')
        try:
            message = await self._connection.receive()
        except Exception as error:
            disconnect = self._disconnect(error)
            if not isinstance(disconnect, WebSocketDisconnect):
                raise disconnect from None
            return {"type": "websocket.disconnect", "code": disconnect.code, "reason": disconnect.reason}
        return {"type": "websocket.receive", **self._messages.read(message)}

    def _ensure_connected(self) -> None:
        if self.application_state != WebSocketState.CONNECTED:
            raise RuntimeError('WebSocket is not connected. Need to call "accept" first.')

    async def _receive_message(self) -> dict[str, Any]:
        self._ensure_connected()
        message = await self.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message["code"], message.get("reason"))
        return message

    async def receive_text(self) -> str:
        return (await self._receive_message())["text"]

    async def receive_bytes(self) -> bytes:
        return (await self._receive_message())["bytes"]

    async def receive_json(self, mode: str = "text") -> Any:
        if mode not in {"text", "binary"}:
            raise RuntimeError('The "mode" argument should be "text" or "binary".')
        message = await self._receive_message()
        text = message["text"] if mode == "text" else message["bytes"].decode("utf-8")
        return json.loads(text)

    async def iter_text(self) -> AsyncIterator[str]:
        try:
            while True:
                yield await self.receive_text()
        except WebSocketDisconnect:
            pass

    async def iter_bytes(self) -> AsyncIterator[bytes]:
        try:
            while True:
                yield await self.receive_bytes()
        except WebSocketDisconnect:
            pass

    async def iter_json(self) -> AsyncIterator[Any]:
        try:
            while True:
                yield await self.receive_json()
        except WebSocketDisconnect:
            pass

    async def _send(self, message: Any) -> None:
        if self.application_state == WebSocketState.DISCONNECTED:
            raise RuntimeError('Cannot call "send" once a close message has been sent.')
        try:
            await self._connection.send(message)
        except Exception as error:
            raise self._disconnect(error) from None

    async def send_text(self, data: str) -> None:
        await self._send(self._messages.text(data))

    async def send_bytes(self, data: bytes) -> None:
        await self._send(self._messages.binary(bytes(data)))

    async def send_json(self, data: Any, mode: str = "text") -> None:
        if mode not in {"text", "binary"}:
            raise RuntimeError('The "mode" argument should be "text" or "binary".')
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        if mode == "text":
            await self.send_text(text)
        else:
            await self.send_bytes(text.encode("utf-8"))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        await self._connection.close(code, reason or "")
        self.application_state = WebSocketState.DISCONNECTED

    def __repr__(self) -> str:
        return f"WebSocket({self.url})"
