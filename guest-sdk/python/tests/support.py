"""Helpers for the SDK's unit tests, which run under plain CPython: requests built as the host
sends them (the WIT records, as plain objects), served by `fastwasm.execution` directly."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace
from typing import Any

from fastwasm import FastAPI
from fastwasm.execution import run_operation


def invalid(name: str, *errors: dict[str, Any]) -> SimpleNamespace:
    """The WIT `invalid-param` record for parameter `name`."""
    return SimpleNamespace(name=name, errors=[json.dumps(error) for error in errors])


def missing(location: str, name: str) -> dict[str, Any]:
    """The host's error for a required parameter that is absent."""
    return {"type": "missing", "loc": [location, name], "msg": "Field required", "input": None}


def serve(
    app: FastAPI,
    method: str,
    path: str,
    *,
    query: str = "",
    params: dict[str, Any] | None = None,
    invalid_params: list[SimpleNamespace] = (),  # type: ignore[assignment]
    provider_errors: list[dict[str, Any]] = (),  # type: ignore[assignment]
    body: bytes = b"",
    content_type: str = "application/json",
) -> Any:
    """Serves one request to the operation at `method` `path`: the response, or the
    exception the host would answer (`HTTPException`, `RequestValidationError`)."""
    route = next(
        route for route in app.operations.values() if (route.method, route.path) == (method, path)
    )
    request = SimpleNamespace(
        method=method,
        path=path,
        query=query,
        headers=[("content-type", content_type.encode())],
        body=body,
        route=path,
        operation_id=route.operation_id,
        params=[(name, json.dumps(value)) for name, value in (params or {}).items()],
        invalid=list(invalid_params),
        provider_errors=[json.dumps(error) for error in provider_errors],
    )

    async def run() -> Any:
        await app.lifespan.ensure_started(app)
        response, _ = await run_operation(
            route,
            request,
            [],
            None,
            app.exception_handlers,
            app.lifespan.state,
            app.http_middleware,
        )
        return response

    try:
        return asyncio.run(run())
    except Exception as exc:
        return exc
