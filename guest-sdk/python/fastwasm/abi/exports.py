"""The component's exports: world `service`'s interfaces, served by an app. The classes are
made for one app and installed into the module componentize-py builds (see
`fastwasm.component`); `wit_world` and `componentize_py_types` exist only there."""

from __future__ import annotations

import asyncio
import json
import sys
import traceback
from typing import Any, Mapping, Sequence

import componentize_py_async_support
import wit_world
from componentize_py_async_support.streams import ByteStreamReader, ByteStreamWriter
from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.imports import bodies, timers, types, websocket

from .. import declaration
from ..httpx import serving as _serving
from ..applications import FastWasm
from ..background import BackgroundTask
from ..encoders import jsonable_encoder
from ..exceptions import HTTPException, RequestValidationError
from ..execution import Finish, ProviderCalls, run_operation, run_sync, run_websocket
from ..responses import PlainTextResponse, Response, StreamingResponse


def _give_the_event_loop_timers() -> None:
    """componentize-py's event loop has no timers, so `asyncio.sleep(0.5)` would raise
    `NotImplementedError`: give it `call_later`, backed by the host's `timers.sleep`, so that
    FastAPI code sleeping with asyncio runs unchanged."""
    loop = asyncio.get_event_loop()

    def call_later(delay: float, callback: Any, *args: Any, context: Any = None) -> asyncio.Handle:
        handle = asyncio.Handle(callback, args, loop, context)

        async def fire() -> None:
            await timers.sleep(max(0, round(delay * 1000)))
            if not handle.cancelled():
                handle._run()

        loop.create_task(fire())
        return handle

    loop.call_later = call_later  # type: ignore[method-assign]


_give_the_event_loop_timers()

_LOCATIONS = {
    "path": types.ParamLocation.PATH,
    "query": types.ParamLocation.QUERY,
    "header": types.ParamLocation.HEADER,
    "cookie": types.ParamLocation.COOKIE,
}


_KINDS = {
    "sync": types.OperationKind.SYNC,
    "async": types.OperationKind.ASYNC,
    "websocket": types.OperationKind.WEBSOCKET,
    "blocking": types.OperationKind.BLOCKING,
}


def _param(param: declaration.Param) -> types.Param:
    return types.Param(
        name=param.name,
        alias=param.alias,
        location=_LOCATIONS[param.location],
        required=param.required,
        schema=param.schema,
        description=param.description,
    )


def _uses(uses: list[declaration.DependencyUse]) -> list[types.DependencyUse]:
    return [types.DependencyUse(name=use.name, use_cache=use.use_cache) for use in uses]


def _app_info(info: declaration.AppInfo) -> types.AppInfo:
    return types.AppInfo(
        operations=[
            types.Operation(
                id=op.id,
                method=op.method,
                path=op.path,
                summary=op.summary,
                description=op.description,
                tags=op.tags,
                kind=_KINDS[op.kind],
                params=[_param(param) for param in op.params],
                body=(
                    None
                    if op.body is None
                    else types.BodySpec(
                        media_type=op.body.media_type,
                        required=op.body.required,
                        schema=op.body.schema,
                        streamed=op.body.streamed,
                    )
                ),
                status_code=op.status_code,
                response_schema=op.response_schema,
                dependencies=_uses(op.dependencies),
                openapi=op.openapi,
                # `execution` solves the dependencies with the host's errors, as FastAPI does.
                answers_invalid=True,
            )
            for op in info.operations
        ],
        providers=[
            types.Provider(
                name=provider.name,
                kind=_KINDS[provider.kind],
                params=[_param(param) for param in provider.params],
                dependencies=_uses(provider.dependencies),
                has_teardown=provider.has_teardown,
                description=provider.description,
                openapi=provider.openapi,
            )
            for provider in info.providers
        ],
        openapi=info.openapi,
    )


def _fields(
    headers: Mapping[str, str] | Sequence[tuple[str, str]] | None,
) -> list[tuple[str, bytes]]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers or []
    return [(name.lower(), value.encode("latin-1")) for name, value in pairs]


def _response(response: Response) -> types.Response:
    return types.Response(
        status=response.status_code or 200,
        headers=_fields(response.headers.raw),
        body=response.body,
    )


def _http_error(status: int, detail: Any, headers: Mapping[str, str] | None) -> Err:
    text = json.dumps(jsonable_encoder(detail), ensure_ascii=False, separators=(",", ":"))
    return Err(types.HttpError(status=status, detail=text, headers=_fields(headers)))


def _as_http_error(exc: Exception) -> Err | None:
    """The WIT `http-error` the host answers for `exc`, if the app raised it on purpose."""
    if isinstance(exc, HTTPException):
        return _http_error(exc.status_code, exc.detail, exc.headers)
    if isinstance(exc, RequestValidationError):
        return _http_error(422, exc.errors(), None)
    return None


# Any other exception is a bug in the app: its traceback goes to the log and the request ends
# with a 500. Nothing traps: an instance may be serving other requests at the same time.


async def _serve(
    app: FastWasm,
    req: types.Request,
    deps: list[types.Dependency],
    body: ByteStreamReader | None = None,
) -> tuple[Response, Finish | None]:
    try:
        await app.lifespan.ensure_started(app)
        return await run_operation(
            app.operations[req.operation_id],
            req,
            deps,
            body,
            app.exception_handlers,
            app.lifespan.state,
            app.http_middleware,
        )
    except Exception as exc:
        error = _as_http_error(exc)
        if error is not None:
            raise error from None
        traceback.print_exc()
        return PlainTextResponse("Internal Server Error", status_code=500), None


async def _serve_def(app: FastWasm, req: types.Request, deps: list[types.Dependency]) -> Response:
    """A `def` operation's whole response: it has no event loop to stream a body from."""
    response, _ = await _serve(app, req, deps)
    if isinstance(response, StreamingResponse):
        print(
            f"operation `{req.operation_id}`: a StreamingResponse needs an `async def` operation",
            file=sys.stderr,
        )
        response = PlainTextResponse("Internal Server Error", status_code=500)
    return response


async def _serve_sync(app: FastWasm, req: types.Request, deps: list[types.Dependency]) -> types.Response:
    """The sync export's answer, which ends its call: a response that brought background
    tasks of its own (`Response(background=...)`, without a `BackgroundTasks` argument, which
    would have made the operation `blocking`) has them run first."""
    response = await _serve_def(app, req, deps)
    if response.background is not None:
        print(
            f"operation `{req.operation_id}`: its response's background tasks ran before it was "
            "sent: take a `BackgroundTasks` argument to run them after",
            file=sys.stderr,
        )
        await _run_background(response.background)
    return _response(response)


def _whole(response: Response) -> bodies.Reply:
    """A whole response; with background tasks, followed by them once it is sent."""
    if response.background is None:
        return bodies.Reply_Whole(_response(response))
    done_writer, done = wit_world.result_unit_string_future(
        lambda: Err("the work after the response stopped before its end")
    )
    componentize_py_async_support.spawn(_follow(response.background, done_writer))
    return bodies.Reply_Followed(bodies.FollowedResponse(response=_response(response), done=done))


async def _follow(background: BackgroundTask, done: Any) -> None:
    """Runs `background` once the host has the answer, and says how it went. A host timer
    hands control back to the host first: work that never awaits would otherwise run before
    the host saw the answer."""
    await timers.sleep(1)
    broke = await _run_background(background)
    with done:
        await done.write(Ok(None) if broke is None else Err(broke))


async def _run_background(background: BackgroundTask) -> str | None:
    """Runs the tasks; why they broke off, if they did (the traceback goes to the log)."""
    try:
        await background()
    except Exception as exc:
        traceback.print_exc()
        return f"{type(exc).__name__}: {exc}"
    return None


async def _serve_async(
    app: FastWasm, req: types.Request, deps: list[types.Dependency], body: ByteStreamReader | None
) -> bodies.Reply:
    response, finish = await _serve(app, req, deps, body)
    if not isinstance(response, StreamingResponse):
        return _whole(response)
    writer, reader = wit_world.byte_stream()
    end_writer, end = wit_world.result_unit_string_future(
        lambda: Err("the body's writer stopped before the end")
    )
    # The body is written after this returns, in a task of the same call.
    componentize_py_async_support.spawn(_write_body(response, finish, writer, end_writer))
    return bodies.Reply_Streamed(
        bodies.StreamedResponse(
            status=response.status_code or 200,
            headers=_fields(response.headers.raw),
            body=reader,
            end=end,
        )
    )


async def _write_body(
    response: StreamingResponse, finish: Finish | None, writer: ByteStreamWriter, end: Any
) -> None:
    """Writes a streamed body, closes its dependencies, and says whether the body is whole.
    Nothing escapes: an exception here would trap the instance, and every request on it."""
    broke: str | None = None
    try:
        with writer:
            async for chunk in response.chunks():
                if chunk:
                    await writer.write_all(chunk)
                if writer.reader_dropped:
                    break
    except Exception as exc:
        traceback.print_exc()
        broke = f"{type(exc).__name__}: {exc}"
    if finish is not None:
        try:
            await finish()
        except Exception:
            traceback.print_exc()
    if response.background is not None and broke is None:
        broke = await _run_background(response.background)
    with end:
        await end.write(Ok(None) if broke is None else Err(broke))


class _Messages:
    """The WIT `websocket.message` variant and `close-frame` error, for `WebSocket`."""

    def text(self, text: str) -> Any:
        return websocket.Message_Text(text)

    def binary(self, data: bytes) -> Any:
        return websocket.Message_Binary(data)

    def read(self, message: Any) -> dict[str, Any]:
        if isinstance(message, websocket.Message_Text):
            return {"text": message.value}
        return {"bytes": bytes(message.value)}

    def closed(self, error: Exception) -> tuple[int, str] | None:
        if isinstance(error, Err) and isinstance(error.value, websocket.CloseFrame):
            return error.value.code, error.value.reason
        return None


async def _serve_websocket(
    app: FastWasm, req: types.Request, deps: list[types.Dependency], ws: websocket.Connection
) -> None:
    try:
        with ws:
            await app.lifespan.ensure_started(app)
            await run_websocket(app.operations[req.operation_id], req, deps, ws, _Messages())
    except Exception as exc:
        error = _as_http_error(exc)
        if error is not None:
            raise error from None
        traceback.print_exc()
        raise _http_error(500, "Internal Server Error", None) from None


async def _provide(
    calls: ProviderCalls, app: FastWasm, name: str, req: types.Request, deps: list[types.Dependency]
) -> str:
    try:
        await app.lifespan.ensure_started(app)
        return await calls.provide(app.providers[name], req, deps, app.lifespan.state)
    except Exception as exc:
        error = _as_http_error(exc)
        if error is None:
            traceback.print_exc()
            error = _http_error(500, "Internal Server Error", None)
        raise error from None


async def _teardown(calls: ProviderCalls, name: str, value: str) -> None:
    try:
        await calls.teardown(name, value)
    except Exception:
        traceback.print_exc()


def _serve_request(req: types.Request) -> None:
    """Names the request the running task serves, for the outbound client: each call of an
    async export runs in a task of its own (and the tasks it gathers copy its context)."""
    for name, value in req.headers:
        if name == "x-request-id":
            _serving.set(bytes(value).decode("latin-1"))
            return
    _serving.set(None)


def export_classes(app: FastWasm) -> dict[str, type]:
    """The classes componentize-py instantiates for world `service`'s exports, serving `app`."""
    calls = ProviderCalls()

    class Metadata(exports.Metadata):
        def describe(self) -> types.AppInfo:
            return _app_info(app.describe())

    class Handler(exports.Handler):
        def handle(self, req: types.Request, deps: list[types.Dependency]) -> types.Response:
            _serve_request(req)
            return run_sync(_serve_sync(app, req, deps))

    class AsyncHandler(exports.AsyncHandler):
        async def handle(
            self,
            req: types.Request,
            deps: list[types.Dependency],
            body: ByteStreamReader | None,
        ) -> bodies.Reply:
            _serve_request(req)
            if app.operations[req.operation_id].kind == "blocking":
                # A `def` body on an instance of its own: its background tasks follow the
                # answer there; a streamed body has no event loop to be written from.
                return _whole(await _serve_def(app, req, deps))
            return await _serve_async(app, req, deps, body)

    class WebsocketHandler(exports.WebsocketHandler):
        async def serve(
            self, req: types.Request, deps: list[types.Dependency], ws: websocket.Connection
        ) -> None:
            _serve_request(req)
            await _serve_websocket(app, req, deps, ws)

    class Provider(exports.Provider):
        def provide(self, name: str, req: types.Request, deps: list[types.Dependency]) -> str:
            _serve_request(req)
            return run_sync(_provide(calls, app, name, req, deps))

        def teardown(self, name: str, value: str) -> None:
            run_sync(_teardown(calls, name, value))

    class AsyncProvider(exports.AsyncProvider):
        async def provide(self, name: str, req: types.Request, deps: list[types.Dependency]) -> str:
            _serve_request(req)
            return await _provide(calls, app, name, req, deps)

        async def teardown(self, name: str, value: str) -> None:
            await _teardown(calls, name, value)

    return {
        "Metadata": Metadata,
        "Handler": Handler,
        "AsyncHandler": AsyncHandler,
        "Provider": Provider,
        "AsyncProvider": AsyncProvider,
        "WebsocketHandler": WebsocketHandler,
    }
