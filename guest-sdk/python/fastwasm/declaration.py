"""What a component declares to the host through `describe`, as plain records mirroring the
WIT `app-info`: the guest bindings turn them into the generated WIT types."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    name: str
    alias: str | None
    #: `path`, `query`, `header` or `cookie`.
    location: str
    required: bool
    #: JSON Schema text.
    schema: str
    description: str | None


@dataclass(frozen=True)
class BodySpec:
    media_type: str
    required: bool
    schema: str
    #: The body reaches the operation as a stream while it arrives (`request.stream()`).
    streamed: bool = False


@dataclass(frozen=True)
class DependencyUse:
    name: str
    use_cache: bool


@dataclass(frozen=True)
class Operation:
    id: str
    method: str
    path: str
    summary: str | None
    description: str | None
    tags: list[str]
    #: `sync`, `async`, `blocking` (a `def` behind `async def` dependencies) or `websocket`.
    kind: str
    params: list[Param]
    body: BodySpec | None
    status_code: int
    response_schema: str | None
    dependencies: list[DependencyUse]
    #: OpenAPI Operation fields the host cannot derive, as JSON object text.
    openapi: str | None = None


@dataclass(frozen=True)
class Provider:
    name: str
    #: `sync`, `async` or `blocking`.
    kind: str
    params: list[Param]
    dependencies: list[DependencyUse]
    has_teardown: bool
    description: str | None
    #: `securitySchemes` and `security` for the operations using it, as JSON object text.
    openapi: str | None = None


@dataclass(frozen=True)
class AppInfo:
    operations: list[Operation]
    providers: list[Provider]
    #: `info`, `tags`, `servers` and `externalDocs` of the document, as JSON object text.
    openapi: str | None = None
