"""Headers, query parameters and URLs as Starlette presents them to FastAPI code."""

from __future__ import annotations

import io
import urllib.parse
from typing import Any, BinaryIO, Iterable, Iterator, Mapping


class Headers(Mapping[str, str]):
    """Header fields with case-insensitive names, in the order received. A name given several
    times reads as its first value; `getlist` gives them all. Responses change theirs with
    `headers["name"] = value`, `append` and `del`."""

    def __init__(self, items: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._list: list[tuple[str, str]] = [(name.lower(), value) for name, value in pairs]

    @property
    def raw(self) -> list[tuple[str, str]]:
        """Every field as (lowercase name, value), repeated names included."""
        return self._list

    def __getitem__(self, name: str) -> str:
        name = name.lower()
        for key, value in self._list:
            if key == name:
                return value
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for key, _ in self._list:
            if key not in seen:
                seen.add(key)
                yield key

    def __len__(self) -> int:
        return len({key for key, _ in self._list})

    def getlist(self, name: str) -> list[str]:
        name = name.lower()
        return [value for key, value in self._list if key == name]

    def __setitem__(self, name: str, value: str) -> None:
        """Sets `name` to `value` alone, replacing any earlier values."""
        del self[name]
        self._list.append((name.lower(), value))

    def __delitem__(self, name: str) -> None:
        name = name.lower()
        self._list = [(key, value) for key, value in self._list if key != name]

    def append(self, name: str, value: str) -> None:
        """Adds a field, keeping those of the same name (`set-cookie`)."""
        self._list.append((name.lower(), value))

    def __repr__(self) -> str:
        return f"Headers({self._list!r})"


class ImmutableMultiDict(Mapping[str, Any]):
    """Pairs in the order sent: a key given several times reads as its last value (as in
    Starlette); `getlist` gives them all."""

    def __init__(self, items: Iterable[tuple[str, Any]] = ()) -> None:
        self._list = list(items)
        self._last = dict(self._list)

    def __getitem__(self, key: str) -> Any:
        return self._last[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._last)

    def __len__(self) -> int:
        return len(self._last)

    def getlist(self, key: str) -> list[Any]:
        return [value for name, value in self._list if name == key]

    def multi_items(self) -> list[tuple[str, Any]]:
        return list(self._list)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._list!r})"


class QueryParams(ImmutableMultiDict):
    """The query string's parameters."""

    def __init__(self, query: str) -> None:
        super().__init__(urllib.parse.parse_qsl(query, keep_blank_values=True))

    def __str__(self) -> str:
        return urllib.parse.urlencode(self._list)

    def __repr__(self) -> str:
        return f"QueryParams({str(self)!r})"


class URL:
    """The request's URL. The scheme is `http`: the host does not say how the client
    connected."""

    def __init__(self, host: str, path: str, query: str, scheme: str = "http") -> None:
        self.scheme = scheme
        self.netloc = host
        self.path = path
        self.query = query
        self.hostname, _, port = host.partition(":")
        self.port = int(port) if port.isdigit() else None

    def __str__(self) -> str:
        query = f"?{self.query}" if self.query else ""
        return f"{self.scheme}://{self.netloc}{self.path}{query}"

    def __repr__(self) -> str:
        return f"URL({str(self)!r})"


class UploadFile:
    """A file of a `multipart/form-data` body, as Starlette's: the whole file is in memory
    (the host reads the body whole, within `max_body_bytes`), so the async methods return at
    once and `file` is a plain binary file for `def` operations."""

    def __init__(
        self,
        file: BinaryIO,
        *,
        size: int | None = None,
        filename: str | None = None,
        headers: Headers | None = None,
    ) -> None:
        self.file = file
        self.size = size
        self.filename = filename
        self.headers = headers if headers is not None else Headers()

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    async def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    async def write(self, data: bytes) -> None:
        if self.size is not None:
            self.size += len(data)
        self.file.write(data)

    async def seek(self, offset: int) -> None:
        self.file.seek(offset)

    async def close(self) -> None:
        self.file.close()

    def __repr__(self) -> str:
        return (
            f"UploadFile(filename={self.filename!r}, size={self.size!r}, "
            f"headers={self.headers!r})"
        )

    @classmethod
    def of(cls, content: bytes, filename: str, headers: Headers) -> UploadFile:
        return cls(io.BytesIO(content), size=len(content), filename=filename, headers=headers)


class FormData(ImmutableMultiDict):
    """A form's fields, text or `UploadFile`, in the order sent."""
