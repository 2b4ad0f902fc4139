"""Key-value stores: state that outlives an instance.

```python
from typing import Annotated
from fastwasm import Depends, FastAPI
from fastwasm.key_value import AsyncStore

app = FastAPI()

def get_store() -> AsyncStore:
    return AsyncStore("default")

@app.post("/counters/{name}")
async def bump(name: str, store: Annotated[AsyncStore, Depends(get_store)]):
    return {"name": name, "value": await store.increment(name)}
```

`AsyncStore` is for `async def` operations: each call waits without holding the instance, so
other requests run meanwhile. `Store` is for `def` operations, which run on a thread of the
host's blocking pool. A component reaches only the stores its manifest entry names in
`key_value_stores`; a call on another raises `StoreDenied`. A store that is down raises
`StoreUnavailable` (or `StoreTimeout`): catch it to answer something else, or let it through
for a 500.

Values are bytes (`str` is written as UTF-8); `increment` keeps a counter as its decimal text,
so `get` reads it back as `b"42"`. A `ttl` is in seconds."""

from __future__ import annotations

import json as _json
from typing import Any, Iterable, Mapping, NamedTuple, Optional, Union

try:
    from componentize_py_types import Err
    from wit_world.imports import async_key_value as _async_key_value
    from wit_world.imports import key_value as _key_value
except ImportError:  # Outside a component (tests, type checkers): calls fail, imports work.
    _key_value = _async_key_value = None
    Err = Exception  # type: ignore[assignment,misc]

Value = Union[bytes, bytearray, memoryview, str]


class StoreError(Exception):
    """Any failure of a store call; `kind` is the host's word for it."""

    kind = "unavailable"


class StoreDenied(StoreError):
    """The component's `key_value_stores` does not name the store."""

    kind = "denied"


class InvalidStoreCall(StoreError, ValueError):
    """A key or value is too large, a key is empty, a batch is too long, or the value to
    increment is not an integer."""

    kind = "invalid"


class StoreUnavailable(StoreError):
    """The backend cannot be reached or failed."""

    kind = "unavailable"


class StoreTimeout(StoreUnavailable):
    """The backend did not answer within the host's `store_timeout`."""

    kind = "timeout"


_ERRORS = {
    "DENIED": StoreDenied,
    "INVALID": InvalidStoreCall,
    "UNAVAILABLE": StoreUnavailable,
    "TIMEOUT": StoreTimeout,
}


class KeyPage(NamedTuple):
    """One page of keys; pass `cursor` back for the next, `None` when the listing is done."""

    keys: list[str]
    cursor: Optional[str]


def _bytes(value: Value) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def _ttl_ms(ttl: Optional[float]) -> Optional[int]:
    return None if ttl is None else max(1, round(ttl * 1000))


def _error(error: Any) -> StoreError:
    value = getattr(error, "value", None)
    kind = getattr(getattr(value, "kind", None), "name", "UNAVAILABLE")
    return _ERRORS.get(kind, StoreUnavailable)(getattr(value, "message", str(error)))


def _optional(value: Any) -> Optional[bytes]:
    return None if value is None else bytes(value)


def _json_value(key: str, raw: Optional[bytes]) -> Any:
    if raw is None:
        return None
    try:
        return _json.loads(raw)
    except ValueError as error:
        raise InvalidStoreCall(f"the value at `{key}` is not JSON: {error}") from None


class _Base:
    def __init__(self, name: str = "default") -> None:
        self.name = name

    @classmethod
    def open(cls, name: str = "default"):
        """The store `name` (`default` is always defined)."""
        return cls(name)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    @staticmethod
    def _interface(module: Any) -> Any:
        if module is None:
            raise RuntimeError("fastwasm.key_value works inside a component only")
        return module


class Store(_Base):
    """A store for `def` operations: each call blocks its thread."""

    def _call(self, function: str, *args: Any) -> Any:
        try:
            return getattr(self._interface(_key_value), function)(self.name, *args)
        except Err as error:
            raise _error(error) from None

    def get(self, key: str) -> Optional[bytes]:
        return _optional(self._call("get", key))

    def get_json(self, key: str) -> Any:
        return _json_value(key, self.get(key))

    def set(self, key: str, value: Value, *, ttl: Optional[float] = None) -> None:
        self._call("set", key, _bytes(value), _ttl_ms(ttl))

    def set_json(self, key: str, value: Any, *, ttl: Optional[float] = None) -> None:
        self.set(key, _json.dumps(value, separators=(",", ":")), ttl=ttl)

    def delete(self, key: str) -> bool:
        return self._call("delete", key)

    def exists(self, key: str) -> bool:
        return self._call("exists", key)

    def increment(self, key: str, delta: int = 1) -> int:
        return self._call("increment", key, delta)

    def compare_and_swap(self, key: str, expected: Optional[Value], value: Value) -> bool:
        return self._call(
            "compare_and_swap", key, None if expected is None else _bytes(expected), _bytes(value)
        )

    def get_many(self, keys: Iterable[str]) -> list[Optional[bytes]]:
        return [_optional(v) for v in self._call("get_many", list(keys))]

    def set_many(self, entries: Mapping[str, Value], *, ttl: Optional[float] = None) -> None:
        self._call("set_many", [(k, _bytes(v)) for k, v in entries.items()], _ttl_ms(ttl))

    def list_keys(self, prefix: str = "", cursor: Optional[str] = None) -> KeyPage:
        page = self._call("list_keys", prefix, cursor)
        return KeyPage(list(page.keys), page.cursor)

    def keys(self, prefix: str = "") -> list[str]:
        keys: list[str] = []
        cursor = None
        while True:
            page = self.list_keys(prefix, cursor)
            keys.extend(page.keys)
            if page.cursor is None:
                return keys
            cursor = page.cursor


class AsyncStore(_Base):
    """A store for `async def` operations: each call is awaited."""

    async def _call(self, function: str, *args: Any) -> Any:
        try:
            return await getattr(self._interface(_async_key_value), function)(self.name, *args)
        except Err as error:
            raise _error(error) from None

    async def get(self, key: str) -> Optional[bytes]:
        return _optional(await self._call("get", key))

    async def get_json(self, key: str) -> Any:
        return _json_value(key, await self.get(key))

    async def set(self, key: str, value: Value, *, ttl: Optional[float] = None) -> None:
        await self._call("set", key, _bytes(value), _ttl_ms(ttl))

    async def set_json(self, key: str, value: Any, *, ttl: Optional[float] = None) -> None:
        await self.set(key, _json.dumps(value, separators=(",", ":")), ttl=ttl)

    async def delete(self, key: str) -> bool:
        return await self._call("delete", key)

    async def exists(self, key: str) -> bool:
        return await self._call("exists", key)

    async def increment(self, key: str, delta: int = 1) -> int:
        return await self._call("increment", key, delta)

    async def compare_and_swap(self, key: str, expected: Optional[Value], value: Value) -> bool:
        return await self._call(
            "compare_and_swap", key, None if expected is None else _bytes(expected), _bytes(value)
        )

    async def get_many(self, keys: Iterable[str]) -> list[Optional[bytes]]:
        return [_optional(v) for v in await self._call("get_many", list(keys))]

    async def set_many(self, entries: Mapping[str, Value], *, ttl: Optional[float] = None) -> None:
        await self._call("set_many", [(k, _bytes(v)) for k, v in entries.items()], _ttl_ms(ttl))

    async def list_keys(self, prefix: str = "", cursor: Optional[str] = None) -> KeyPage:
        page = await self._call("list_keys", prefix, cursor)
        return KeyPage(list(page.keys), page.cursor)

    async def keys(self, prefix: str = "") -> list[str]:
        keys: list[str] = []
        cursor = None
        while True:
            page = await self.list_keys(prefix, cursor)
            keys.extend(page.keys)
            if page.cursor is None:
                return keys
            cursor = page.cursor
