"""`from fastapi.middleware.cors import CORSMiddleware`, for `app.add_middleware`, which fails
the build with the `[server]` settings that give the same CORS answers from the host."""

from __future__ import annotations

import json
from typing import Any

#: Each of the middleware's options and the host setting that takes it.
SETTINGS = {
    "allow_origins": "cors_allow_origins",
    "allow_origin_regex": "cors_allow_origin_regex",
    "allow_methods": "cors_allow_methods",
    "allow_headers": "cors_allow_headers",
    "allow_credentials": "cors_allow_credentials",
    "expose_headers": "cors_expose_headers",
    "max_age": "cors_max_age",
    "allow_private_network": "cors_allow_private_network",
}


class CORSMiddleware:
    """Starlette's CORS middleware, as a name: the host answers CORS for every component."""

    def __init__(self, app: Any = None, **options: Any) -> None:
        self.options = options


def server_table(options: dict[str, Any]) -> str:
    """The `[server]` lines that configure the host as `CORSMiddleware(**options)` would."""
    lines = ["[server]"]
    for option, value in options.items():
        key = SETTINGS.get(option)
        if key is None:
            raise TypeError(f"CORSMiddleware() got an unexpected keyword argument {option!r}")
        if isinstance(value, (list, tuple, set, frozenset)):
            value = list(value)
        lines.append(f"{key} = {json.dumps(value)}")
    return "\n".join(lines)
