"""Responses an operation may return instead of data, as in Starlette: `Response` with raw
content, `JSONResponse`, `HTMLResponse`, `PlainTextResponse`, `RedirectResponse`, and
`StreamingResponse`, whose body the host sends while it is produced."""

from __future__ import annotations

import http.cookies
import json
import urllib.parse
from typing import Any, AsyncIterable, AsyncIterator, Iterable, Literal, Mapping

from .background import BackgroundTask
from .datastructures import Headers


class Response:
    """A response: status, headers and body. `content` is bytes, or text encoded as UTF-8;
    a text `media_type` gets `; charset=utf-8`, as Starlette writes it. `background` runs
    once the response is sent (see `background`)."""

    media_type: str | None = None
    charset = "utf-8"

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.status_code: int | None = status_code
        self.background = background
        if media_type is not None:
            self.media_type = media_type
        self.body = self.render(content)
        self.headers = Headers(headers or {})
        content_type = self.media_type
        if content_type is not None and "content-type" not in self.headers:
            if content_type.startswith("text/") and "charset=" not in content_type.lower():
                content_type += f"; charset={self.charset}"
            self.headers.append("content-type", content_type)

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, (bytes, bytearray, memoryview)):
            return bytes(content)
        return str(content).encode(self.charset)

    @property
    def body_iterator(self) -> AsyncIterator[bytes]:
        """The body as Starlette's middleware reads the response `call_next` gave it:
        `async for chunk in response.body_iterator`."""

        async def whole() -> AsyncIterator[bytes]:
            yield self.body

        return whole()

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: int | str | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        """Adds a `set-cookie` header, written as Starlette writes it."""
        cookie: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            morsel["expires"] = expires
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            morsel["samesite"] = samesite
        self.headers.append("set-cookie", cookie.output(header="").strip())

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code})"


class JSONResponse(Response):
    """`content` as compact JSON, as FastAPI sends a path operation's return value."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return json.dumps(
            content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
        ).encode("utf-8")


class HTMLResponse(Response):
    media_type = "text/html"


class PlainTextResponse(Response):
    media_type = "text/plain"


class RedirectResponse(Response):
    """Redirects to `url` (307 unless told otherwise)."""

    def __init__(
        self,
        url: str,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(status_code=status_code, headers=headers, background=background)
        self.headers["location"] = urllib.parse.quote(str(url), safe=":/%#?=@[]!$&'()*+,;")


class StreamingResponse(Response):
    """A response whose body is sent while it is produced: `content` is an async iterator (an
    `async def` generator, say) or an iterator of `bytes` or `str` chunks. Each chunk reaches
    the client as it is yielded; a slow client makes the next `yield` wait. Needs an
    `async def` operation. Its `background` runs after the last chunk, and the body ends once
    that is done."""

    #: The content, set per instance (in place of `Response.body_iterator`).
    body_iterator: Any = None

    def __init__(
        self,
        content: AsyncIterable[Any] | Iterable[Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        super().__init__(
            None,
            status_code=status_code,
            headers=headers,
            media_type=media_type,
            background=background,
        )
        self.body_iterator = content

    async def chunks(self) -> AsyncIterator[bytes]:
        """The body, chunk by chunk, as bytes."""
        content = self.body_iterator
        if hasattr(content, "__aiter__"):
            async for chunk in content:  # type: ignore[union-attr]
                yield self.render(chunk)
        else:
            for chunk in content:  # type: ignore[union-attr]
                yield self.render(chunk)
