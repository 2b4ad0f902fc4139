"""The exceptions an app raises or meets: `HTTPException` ends a request with a status, a
`ValidationError` reports values that do not fit a model, and a `DeclarationError` stops the
build when an operation asks for something fastwasm cannot do as FastAPI would."""

from __future__ import annotations

import http
from typing import Any, Mapping


class HTTPException(Exception):
    """Ends the request with `status_code`; the client receives `{"detail": detail}` and
    `headers`, as with FastAPI's `HTTPException`."""

    def __init__(
        self,
        status_code: int,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if detail is None:
            detail = http.HTTPStatus(status_code).phrase
        super().__init__(status_code, detail)
        self.status_code = status_code
        self.detail = detail
        self.headers = dict(headers) if headers else None

    def __str__(self) -> str:
        return f"{self.status_code}: {self.detail}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, detail={self.detail!r})"


class WebSocketException(Exception):
    """Closes a WebSocket with `code` and `reason`, as FastAPI's `WebSocketException`."""

    def __init__(self, code: int, reason: str | None = None) -> None:
        self.code = code
        self.reason = reason or ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, reason={self.reason!r})"


class RequestValidationError(Exception):
    """A request that does not fit the operation: answered 422 with FastAPI's error list.
    `body` is what the body parsed to (its text when it is not JSON), as FastAPI keeps it."""

    def __init__(self, errors: list[dict[str, Any]], *, body: Any = None) -> None:
        # Each `loc` a tuple, as pydantic's are (`str(exc)` shows them so).
        errors = [
            {**error, "loc": tuple(error["loc"])}
            if isinstance(error, dict) and isinstance(error.get("loc"), list)
            else error
            for error in errors
        ]
        super().__init__(errors)
        self._errors = errors
        self.body = body

    def errors(self) -> list[dict[str, Any]]:
        return self._errors

    def __str__(self) -> str:
        count = len(self._errors)
        lines = [f"{count} validation error{'s' if count != 1 else ''}:"]
        lines.extend(f"  {error}" for error in self._errors)
        return "\n".join(lines)


class ValidationError(ValueError):
    """Values that do not fit a model, as pydantic's `ValidationError` reports them."""

    def __init__(self, title: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(title, errors)
        self.title = title
        self._errors = errors

    def errors(self) -> list[dict[str, Any]]:
        return self._errors

    def error_count(self) -> int:
        return len(self._errors)

    def __str__(self) -> str:
        count = len(self._errors)
        lines = [f"{count} validation error{'' if count == 1 else 's'} for {self.title}"]
        for error in self._errors:
            lines.append(".".join(str(part) for part in error["loc"]) or self.title)
            lines.append(
                f"  {error['msg']} [type={error['type']}, input_value={error['input']!r}, "
                f"input_type={type(error['input']).__name__}]"
            )
        return "\n".join(lines)


class DeclarationError(TypeError):
    """An operation, dependency or provider fastwasm cannot serve as declared. Raised while the
    app module is imported, which componentize-py does at build time: the build fails with
    this message instead of a request failing later."""


class ResponseValidationError(Exception):
    """A path operation returned a value that does not fit its `response_model`: a bug in the
    app, answered 500 as in FastAPI, with the errors in the log."""

    def __init__(self, operation: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(
            f"the value `{operation}` returned does not fit its response_model: {errors}"
        )
        self._errors = errors

    def errors(self) -> list[dict[str, Any]]:
        return self._errors


class PydanticCustomError(ValueError):
    """pydantic-core's `PydanticCustomError`: raised in a validator, it is the error as given —
    `type`, the message formatted from `message_template` with `context`, and `ctx` when there
    is a context — instead of a `value_error`."""

    def __init__(
        self, error_type: str, message_template: str, context: dict[str, Any] | None = None
    ) -> None:
        self.type = error_type
        self.message_template = message_template
        self.context = context
        super().__init__(self.message())

    def message(self) -> str:
        text = self.message_template
        for key, value in (self.context or {}).items():
            text = text.replace(f"{{{key}}}", str(value))
        return text

    def __repr__(self) -> str:
        return f"{self.message()} [type={self.type}, context={self.context}]"

