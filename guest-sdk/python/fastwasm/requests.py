"""`Request`: the whole HTTP request, for operations and dependencies that ask for it, with
the attributes of Starlette's `Request` that apply to a component."""

from __future__ import annotations

import http.cookies
import json
import types
from typing import Any

from .datastructures import URL, Headers, QueryParams


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
    `async def` operation."""

    def __init__(
        self,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        path_params: dict[str, str],
    ) -> None:
        self.method = method
        self.headers = Headers(headers)
        self.url = URL(self.headers.get("host", ""), path, query)
        self.query_params = QueryParams(query)
        self.path_params = path_params
        self.cookies = parse_cookies(self.headers.get("cookie", ""))
        self.state = types.SimpleNamespace()
        self._body = body

    async def body(self) -> bytes:
        return self._body

    async def json(self) -> Any:
        return json.loads(self._body)

    def __repr__(self) -> str:
        return f"Request({self.method} {self.url})"
