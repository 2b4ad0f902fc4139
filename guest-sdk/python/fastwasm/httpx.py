"""Outbound HTTP in httpx's shape, so that FastAPI code calling other services ports as is:

```python
from fastwasm import httpx

@app.get("/users/{user_id}")
async def read_user(user_id: int):
    async with httpx.AsyncClient(base_url=USERS) as client:
        r = await client.get(f"/users/{user_id}", params={"expand": "teams"})
        r.raise_for_status()
        return r.json()
```

`AsyncClient` is for `async def` operations: each call waits without holding the instance, so
`asyncio.gather` over several calls waits on all of them at once. `Client` is for `def`
operations, which run on a thread of the host's blocking pool.

The host sends a request only to an origin the component's `allowed_outbound_hosts` lists
(`OriginDenied` otherwise), forwards the `x-request-id` of the request being served, holds
the call to the host's outbound limits and ends it when the request ends. Bodies are whole:
`Response.content` is the entire body (at most the host's `outbound_max_response_bytes`)."""

from __future__ import annotations

import contextvars
import json as _json
from typing import Any, Iterable, Iterator, Mapping, Sequence, Union
from urllib.parse import urlencode, urljoin

from .datastructures import Headers

try:
    from componentize_py_types import Err
    from wit_world.imports import async_outbound as _async_outbound
    from wit_world.imports import outbound as _outbound
except ImportError:  # Outside a component (tests, type checkers): calls fail, imports work.
    _outbound = _async_outbound = None
    Err = Exception  # type: ignore[assignment,misc]

#: The `x-request-id` of the request being served by the running task (set by the SDK).
serving: contextvars.ContextVar[str | None] = contextvars.ContextVar("serving", default=None)

ParamsType = Union[Mapping[str, Any], Sequence[tuple[str, Any]], str, None]
HeadersType = Union[Mapping[str, str], Sequence[tuple[str, str]], None]


class HTTPError(Exception):
    """Any failure of an outbound call."""


class RequestError(HTTPError):
    """The call did not get a response."""

    def __init__(self, message: str, *, request: "Request | None" = None) -> None:
        super().__init__(message)
        self.request = request


class TransportError(RequestError):
    """The connection failed or broke."""


class TimeoutException(TransportError):
    """Connecting, the response or its body took longer than allowed."""


class ConnectError(TransportError):
    """The name did not resolve, or the connection was refused or failed."""


class RemoteProtocolError(TransportError):
    """The service broke the HTTP protocol or ended the response early."""


class OriginDenied(RequestError):
    """The origin is not in the component's `allowed_outbound_hosts`."""


class ResponseTooLarge(RequestError):
    """The response body is larger than the host's `outbound_max_response_bytes`."""


class RequestCancelled(RequestError):
    """The request being served ended (its deadline passed, or its client left)."""


class InvalidURL(RequestError):
    """The URL, method or a header is malformed."""


class HTTPStatusError(HTTPError):
    """`raise_for_status` on a 4xx or 5xx response."""

    def __init__(self, message: str, *, request: "Request", response: "Response") -> None:
        super().__init__(message)
        self.request = request
        self.response = response


_ERRORS = {
    "DENIED": OriginDenied,
    "INVALID_REQUEST": InvalidURL,
    "CONNECT": ConnectError,
    "TIMEOUT": TimeoutException,
    "TOO_LARGE": ResponseTooLarge,
    "CANCELLED": RequestCancelled,
    "PROTOCOL": RemoteProtocolError,
}


class Request:
    """An outbound request as sent."""

    def __init__(self, method: str, url: str, headers: Headers, content: bytes) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.content = content

    def __repr__(self) -> str:
        return f"<Request({self.method!r}, {self.url!r})>"


class Response:
    """A whole response from another service."""

    def __init__(self, status_code: int, headers: Headers, content: bytes, request: Request) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.request = request

    @property
    def url(self) -> str:
        return self.request.url

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding, errors="replace")

    @property
    def encoding(self) -> str:
        content_type = self.headers.get("content-type", "")
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip('"')
        return "utf-8"

    def json(self, **kwargs: Any) -> Any:
        return _json.loads(self.content, **kwargs)

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def is_error(self) -> bool:
        return self.status_code >= 400

    def raise_for_status(self) -> "Response":
        if self.is_error:
            kind = "Client error" if self.status_code < 500 else "Server error"
            raise HTTPStatusError(
                f"{kind} '{self.status_code}' for url '{self.url}'",
                request=self.request,
                response=self,
            )
        return self

    def iter_bytes(self) -> Iterator[bytes]:
        yield self.content

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"


def _pairs(items: Any) -> list[tuple[str, str]]:
    if items is None:
        return []
    if isinstance(items, Mapping):
        items = items.items()
    pairs: list[tuple[str, str]] = []
    for key, value in items:
        if isinstance(value, (list, tuple)):
            pairs.extend((str(key), _text(v)) for v in value)
        else:
            pairs.append((str(key), _text(value)))
    return pairs


def _text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    return "" if value is None else str(value)


class _BaseClient:
    def __init__(
        self,
        *,
        base_url: str = "",
        headers: HeadersType = None,
        params: ParamsType = None,
        timeout: float | None = None,
    ) -> None:
        self.base_url = base_url
        self.headers = Headers(_pairs(headers))
        self.params = params
        self.timeout = timeout
        self.is_closed = False

    def build_request(
        self,
        method: str,
        url: str,
        *,
        params: ParamsType = None,
        headers: HeadersType = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
    ) -> Request:
        if self.base_url:
            url = urljoin(self.base_url.rstrip("/") + "/", url.lstrip("/")) if url else self.base_url
        query = [q for q in (_query(self.params), _query(params)) if q]
        if query:
            url += ("&" if "?" in url else "?") + "&".join(query)
        merged = list(self.headers.raw)
        extra = _pairs(headers)
        names = {k.lower() for k, _ in extra}
        merged = [(k, v) for k, v in merged if k not in names] + [(k.lower(), v) for k, v in extra]
        body = b""
        if json is not None:
            body = _json.dumps(json, separators=(",", ":"), ensure_ascii=False).encode()
            merged.append(("content-type", "application/json"))
        elif data is not None:
            body = urlencode(_pairs(data)).encode()
            merged.append(("content-type", "application/x-www-form-urlencoded"))
        elif content is not None:
            body = content.encode() if isinstance(content, str) else bytes(content)
        return Request(method.upper(), url, Headers(merged), body)

    def _wit_request(self, request: Request, timeout: float | None) -> Any:
        if _outbound is None:
            raise RuntimeError("fastwasm.httpx works inside a component only")
        timeout = self.timeout if timeout is None else timeout
        return _outbound.OutboundRequest(
            method=request.method,
            url=request.url,
            headers=[(k, v.encode("latin-1")) for k, v in request.headers.raw],
            body=request.content,
            timeout_ms=None if timeout is None else max(1, round(timeout * 1000)),
            request_id=serving.get(),
        )

    @staticmethod
    def _response(answer: Any, request: Request) -> Response:
        headers = Headers([(name, bytes(value).decode("latin-1")) for name, value in answer.headers])
        return Response(answer.status, headers, bytes(answer.body), request)

    @staticmethod
    def _error(error: Any, request: Request) -> RequestError:
        value = getattr(error, "value", None)
        kind = getattr(getattr(value, "kind", None), "name", "PROTOCOL")
        message = getattr(value, "message", str(error))
        return _ERRORS.get(kind, RemoteProtocolError)(message, request=request)


def _query(params: ParamsType) -> str:
    if params is None:
        return ""
    if isinstance(params, str):
        return params.lstrip("?")
    return urlencode(_pairs(params))


class AsyncClient(_BaseClient):
    """httpx's `AsyncClient`, for `async def` operations."""

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: ParamsType = None,
        headers: HeadersType = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        timeout: float | None = None,
    ) -> Response:
        request = self.build_request(
            method, url, params=params, headers=headers, content=content, data=data, json=json
        )
        return await self.send(request, timeout=timeout)

    async def send(self, request: Request, *, timeout: float | None = None) -> Response:
        wit_request = self._wit_request(request, timeout)
        try:
            answer = await _async_outbound.send(wit_request)
        except Err as error:
            raise self._error(error, request) from None
        return self._response(answer, request)

    async def get(self, url: str, **kwargs: Any) -> Response:
        return await self.request("GET", url, **kwargs)

    async def head(self, url: str, **kwargs: Any) -> Response:
        return await self.request("HEAD", url, **kwargs)

    async def options(self, url: str, **kwargs: Any) -> Response:
        return await self.request("OPTIONS", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> Response:
        return await self.request("POST", url, **kwargs)

    async def put(self, url: str, **kwargs: Any) -> Response:
        return await self.request("PUT", url, **kwargs)

    async def patch(self, url: str, **kwargs: Any) -> Response:
        return await self.request("PATCH", url, **kwargs)

    async def delete(self, url: str, **kwargs: Any) -> Response:
        return await self.request("DELETE", url, **kwargs)

    async def aclose(self) -> None:
        self.is_closed = True

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.aclose()


class Client(_BaseClient):
    """httpx's `Client`, for `def` operations."""

    def request(
        self,
        method: str,
        url: str,
        *,
        params: ParamsType = None,
        headers: HeadersType = None,
        content: bytes | str | None = None,
        data: Mapping[str, Any] | None = None,
        json: Any = None,
        timeout: float | None = None,
    ) -> Response:
        request = self.build_request(
            method, url, params=params, headers=headers, content=content, data=data, json=json
        )
        return self.send(request, timeout=timeout)

    def send(self, request: Request, *, timeout: float | None = None) -> Response:
        wit_request = self._wit_request(request, timeout)
        try:
            answer = _outbound.send(wit_request)
        except Err as error:
            raise self._error(error, request) from None
        return self._response(answer, request)

    def get(self, url: str, **kwargs: Any) -> Response:
        return self.request("GET", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Response:
        return self.request("HEAD", url, **kwargs)

    def options(self, url: str, **kwargs: Any) -> Response:
        return self.request("OPTIONS", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Response:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Response:
        return self.request("PUT", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> Response:
        return self.request("PATCH", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        self.is_closed = True

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def request(method: str, url: str, **kwargs: Any) -> Response:
    """One request with a throwaway `Client` (for `def` operations)."""
    return Client().request(method, url, **kwargs)


def get(url: str, **kwargs: Any) -> Response:
    return request("GET", url, **kwargs)


def post(url: str, **kwargs: Any) -> Response:
    return request("POST", url, **kwargs)


def put(url: str, **kwargs: Any) -> Response:
    return request("PUT", url, **kwargs)


def patch(url: str, **kwargs: Any) -> Response:
    return request("PATCH", url, **kwargs)


def delete(url: str, **kwargs: Any) -> Response:
    return request("DELETE", url, **kwargs)


__all__: Iterable[str] = [
    "AsyncClient",
    "Client",
    "ConnectError",
    "HTTPError",
    "HTTPStatusError",
    "InvalidURL",
    "OriginDenied",
    "RemoteProtocolError",
    "Request",
    "RequestCancelled",
    "RequestError",
    "Response",
    "ResponseTooLarge",
    "TimeoutException",
    "TransportError",
    "delete",
    "get",
    "patch",
    "post",
    "put",
    "request",
]
