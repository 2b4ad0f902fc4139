"""Headers, query parameters and URLs as Starlette presents them to FastAPI code."""

from __future__ import annotations

import urllib.parse
from typing import Iterable, Iterator, Mapping


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


class QueryParams(Mapping[str, str]):
    """The query string's parameters: a key given several times reads as its last value (as in
    Starlette); `getlist` gives them all."""

    def __init__(self, query: str) -> None:
        self._list = urllib.parse.parse_qsl(query, keep_blank_values=True)
        self._last = dict(self._list)

    def __getitem__(self, key: str) -> str:
        return self._last[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._last)

    def __len__(self) -> int:
        return len(self._last)

    def getlist(self, key: str) -> list[str]:
        return [value for name, value in self._list if name == key]

    def multi_items(self) -> list[tuple[str, str]]:
        return list(self._list)

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
