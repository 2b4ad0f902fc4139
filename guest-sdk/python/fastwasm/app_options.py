"""FastAPI's constructor keywords that `FastAPI(...)` does not carry out itself, each with why
and what does the same: given with FastAPI's default they change nothing and are accepted;
given otherwise they fail the build at the call, instead of an answer that differs at run time
or a bare `TypeError`."""

from __future__ import annotations

import json
from typing import Any

from .exceptions import DeclarationError
from .pydantic.fields import caller

_HOST_DOCS = (
    "the host serves the docs: set `{key} = {value}` in the manifest's `[server]` (or "
    "`--{flag}` on the command line); an empty string turns it off"
)
_WEBHOOKS = (
    "OpenAPI webhooks are not supported: document the requests the app sends in its "
    "description"
)

#: Each keyword, the default that changes nothing, and why another value cannot be honoured.
_OPTIONS: dict[str, tuple[Any, str]] = {
    "openapi_url": ("/openapi.json", _HOST_DOCS),
    "docs_url": ("/docs", _HOST_DOCS),
    "redoc_url": ("/redoc", _HOST_DOCS),
    "redirect_slashes": (
        True,
        "the host redirects: set `redirect_slashes = false` in the manifest's `[server]` (or "
        "`--redirect-slashes false`)",
    ),
    "max_body_size": (None, "set `max_body_bytes` in the manifest's `[server]`"),
    "swagger_ui_oauth2_redirect_url": (
        "/docs/oauth2-redirect",
        "Swagger UI is the host's, with its OAuth2 redirect page under `docs_url`",
    ),
    "swagger_ui_init_oauth": (None, "Swagger UI is the host's, and not configurable yet"),
    "swagger_ui_parameters": (None, "Swagger UI is the host's, and not configurable yet"),
    "middleware": (
        None,
        "ASGI middleware cannot run in a component (CORS is the host's `cors_*` settings)",
    ),
    "debug": (False, "tracebacks go to the host's log, never to the client"),
    "root_path": ("", "a component's routes are placed by the manifest's `prefix`"),
    "root_path_in_servers": (True, "a component's routes are placed by the manifest's `prefix`"),
    "routes": (None, "declare the operations with the decorators"),
    "webhooks": (None, _WEBHOOKS),
    "callbacks": (None, "OpenAPI callbacks are not supported"),
    "separate_input_output_schemas": (
        True,
        "the host files a model whose request and response schemas differ as `Model-Input` "
        "and `Model-Output`, as FastAPI does by default",
    ),
    "default_response_class": (None, "give `response_class=` to the operations instead"),
    "generate_unique_id_function": (None, "operation ids are FastAPI's default ones"),
    "strict_content_type": (True, "JSON bodies are read as FastAPI reads them by default"),
    "form_limits": (None, "forms are held to Starlette's default limits"),
    "telemetry": (None, "not supported"),
}


def check(options: dict[str, Any]) -> None:
    """Fails the build for a keyword given otherwise than FastAPI's default."""
    for key, value in options.items():
        if key not in _OPTIONS:
            raise TypeError(f"FastAPI() got an unexpected keyword argument {key!r}")
        default, reason = _OPTIONS[key]
        if value == default:
            continue
        shown = '""' if value is None else json.dumps(value) if _jsonable(value) else "…"
        reason = reason.format(key=key, value=shown, flag=key.replace("_", "-"))
        raise DeclarationError(f"{caller()}: `FastAPI({key}=...)` is not supported: {reason}")


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True
