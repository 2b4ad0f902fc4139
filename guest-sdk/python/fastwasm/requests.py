"""`Request`: the whole HTTP request, for operations and dependencies that ask for it, with
the attributes of Starlette's `Request` that apply to a component."""

from __future__ import annotations

import http.cookies
import json
import types
from typing import Any, AsyncIterator, Mapping, Protocol

from .datastructures import URL, Headers, QueryParams


class BodyReader(Protocol):
    """The request body as the host streams it (the bindings' `ByteStreamReader`)."""

    async def read(self, max_count: int) -> bytes: ...


def parse_cookies(header: str) -> dict[str, str]:
    """The `Cookie` header as a dict, parsed leniently as Starlette does."""
    cookies: dict[str, str] = {}
    for chunk in header.split(";"):
        key, separator, value = chunk.partition("=")
        if not separator:
            key, value = "", key
        key, value = key.strip(), value.strip()
        if key or value:
            cookies[key] = http.cookies._unquote(value)  # type: ignore[attr-defined]
    return cookies


class Request:
    """The request being served: method, URL, headers, cookies, path parameters and body.

    `body()` and `json()` are coroutines, as in Starlette: `await request.json()` in an
    `async def` operation. In an `async def` operation that takes the `Request` (and no body
    parameter), the body arrives as it is sent: `async for chunk in request.stream()` reads
    it chunk by chunk, without holding it all."""

    def __init__(
        self,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        path_params: dict[str, str],
        stream: BodyReader | None = None,
        state: Mapping[str, Any] | None = None,
    ) -> None:
        self.method = method
        self.headers = Headers(headers)
        self.url = URL(self.headers.get("host", ""), path, query)
        self.query_params = QueryParams(query)
        self.path_params = path_params
        self.cookies = parse_cookies(self.headers.get("cookie", ""))
        # As Starlette's: a copy of what the lifespan yielded, per request.
        self.state = types.SimpleNamespace(**(state or {}))
        self._body: bytes | None = None if stream is not None else body
        self._stream = stream

    async def stream(self) -> AsyncIterator[bytes]:
        """The body chunk by chunk, then `b""`, as Starlette's `stream()`."""
        if self._body is not None:
            if self._body:
                yield self._body
            yield b""
            return
        reader, self._stream = self._stream, None
        if reader is None:
            raise RuntimeError("Stream consumed")
        while chunk := await reader.read(64 * 1024):
            yield chunk
        yield b""

    async def body(self) -> bytes:
        if self._body is None:
            self._body = b"".join([chunk async for chunk in self.stream()])
        return self._body

    async def json(self) -> Any:
        return json.loads(await self.body())

    def __repr__(self) -> str:
        return f"Request({self.method} {self.url})"
