"""The ASGI adapter: ``app.asgi`` is the same app as an ASGI 3 application.

This and ``wsgi.py`` are the only modules that know a server exists. For HTTP it builds the
request over the scope, receives its body on the event loop (within ``MAX_CONTENT_LENGTH`` and
``BODY_TIMEOUT``, so a slow client never holds a worker thread), runs the app's one dispatch
coroutine (an all-sync plan in one hop to the thread pool, anything else on the event loop), and
sends the response, streaming iterators chunk by chunk and stopping when the client disconnects.
It also runs WebSocket handlers and the lifespan protocol (``before_serving`` /
``after_serving``). It never interprets a request.
"""

from __future__ import annotations

import asyncio
import traceback
import typing as t

from erlen.adapters.asgi_request import (
    ASGIBody,
    BodyDeadlines,
    BodyTimeout,
    has_body,
    scope_request_class,
)
from erlen.adapters.proxies import apply_to_scope
from erlen.adapters.websocket import WebSocket, WebSocketDisconnect
from erlen.core.concurrency import is_async_callable
from erlen.core.ctx import AppContext, RequestContext
from erlen.core.globals import context_var
from erlen.core.signals import appcontext_popped, appcontext_pushed
from erlen.core.signals import lifecycle as _signal_switch
from erlen.core.signals import send_async as _send_signal
from erlen.http.exceptions import HTTPException
from erlen.http.status import NO_BODY_STATUSES
from erlen.http.wrappers import Request
from erlen.security.checks import startup_failure

if t.TYPE_CHECKING:
    from erlen.core.app import App
    from erlen.core.dispatch import Dispatcher
    from erlen.core.plan import Plan
    from erlen.http.wrappers import Response

Message = dict[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]
_DONE = object()


class ASGIApp:
    """``app.asgi``: serve with ``uvicorn module:app.asgi`` (or hypercorn, granian)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self._deadlines: BodyDeadlines | None = None

    async def __call__(self, scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "websocket":
            await self._websocket(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)
        else:
            raise ValueError(f"erlen does not handle ASGI scope type {kind!r}.")

    # HTTP

    async def _http(self, scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        app = self.app
        dispatcher = app.dispatcher
        if not dispatcher.started:
            dispatcher.start()
        proxies = dispatcher.gates.proxies
        if proxies is not None:
            scope = apply_to_scope(scope, proxies)
        # PERF: a request without a body (most GETs) gets no reader at all: one scan of its
        # headers instead of a reader built for nothing, 112.0k -> 109.0k instructions a request
        # (benchmarks/instructions.py asgi hello).
        body = ASGIBody(receive) if has_body(scope) else None
        request_class = dispatcher.asgi_request_class or _request_class(dispatcher, app)
        request = request_class(scope, body, dispatcher.limits)
        ctx = RequestContext(app, request)
        ctx.adopt_outer()
        token = context_var.set(ctx)
        error: BaseException | None = None
        signals = _signal_switch.active
        preserve = (scope.get("extensions") or {}).get("erlen.preserve_context")
        ended_in_thread = False
        try:
            try:
                if signals and ctx.owns_app_context:
                    await _send_signal(appcontext_pushed, app)
                plan = dispatcher.route(request)
                if body is not None:
                    # The whole body, received on the event loop before any of the app's code
                    # runs, so that no worker thread ever waits on a client. A refused body
                    # (413, 408) stands in for the view as a routing error does: hooks still
                    # run, the view does not, and reading the body raises it.
                    deadlines = self._deadlines
                    if deadlines is None or deadlines.loop is not asyncio.get_running_loop():
                        deadlines = self._new_deadlines()
                    limit = request.max_content_length
                    refusal = await body.receive_all(scope, limit, deadlines)
                    if refusal is not None and request.routing_exception is None:
                        request.routing_exception = refusal
                if plan.no_user_code:
                    # Nothing of the app's runs (a 404 or 405 without hooks): no thread hop.
                    response = dispatcher.respond_sync(ctx, plan)
                elif plan.all_sync:
                    # The view and the teardown share one worker thread, so resources the view
                    # opened for its thread (an sqlite3 connection) are closed in that thread.
                    ended_in_thread = preserve is None
                    response = await dispatcher.thread_pool.run(
                        _run_sync_request, dispatcher, ctx, plan, preserve
                    )
                else:
                    response = await dispatcher.respond(ctx, dispatcher.plan(request, True))
            except BaseException as exc:
                error = exc
                raise
            finally:
                # As under WSGI (and in Flask), the context ends before the body is sent: a
                # streamed body sees the request only through stream_with_context, which also
                # defers the teardown until the stream is done.
                try:
                    if preserve is not None:
                        preserve(ctx)
                    elif (
                        not ended_in_thread
                        and not ctx.stream_holds
                        and dispatcher.has_teardown(ctx)
                    ):
                        failure = error if error is not None else ctx.unhandled_error
                        await dispatcher.thread_pool.run(dispatcher.teardown, ctx, failure)
                finally:
                    context_var.reset(token)
                    if signals and preserve is None and ctx.owns_app_context:
                        await _send_signal(appcontext_popped, app)
            close = body is not None and body.refusal is not None and _is_http1(scope)
            # The scope's method: a HEAD request reaches a GET view as a GET (dispatch.py).
            head = scope.get("method") == "HEAD"
            await send_response(app, response, send, receive, head, close)
        finally:
            # A test that keeps the context may still read the body after the response.
            if body is not None and body.spooled and preserve is None:
                body.close()

    def _new_deadlines(self) -> BodyDeadlines:
        # BODY_TIMEOUT is read once per event loop, as the limits are at the first request.
        timeout = BodyTimeout.from_config(self.app.config)
        deadlines = self._deadlines = BodyDeadlines(asyncio.get_running_loop(), timeout)
        return deadlines

    # WebSockets

    async def _websocket(self, scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
        app = self.app
        dispatcher = app.dispatcher
        if not dispatcher.started:
            dispatcher.start()
        gates = dispatcher.gates
        if gates.proxies is not None:
            scope = apply_to_scope(scope, gates.proxies)
        websocket = WebSocket(scope, receive, send, dispatcher.limits)
        ctx = RequestContext(app, websocket)
        token = context_var.set(ctx)
        error: BaseException | None = None
        try:
            dispatcher.route(websocket, websocket=True)
            if websocket.routing_exception is not None:
                await websocket.close(1008, websocket.routing_exception.description or "")
                return
            plan = dispatcher.plan(websocket, True)
            try:
                # The same gates an HTTP request passes, before any hook or handler runs.
                gates.check_websocket(ctx, plan.raw_view)
            except HTTPException as refusal:
                await websocket.close(1008, refusal.description or "")
                return
            await dispatcher.run_websocket(ctx, plan)
            if not websocket.closed:
                await websocket.close()
        except WebSocketDisconnect:
            pass
        except Exception as exc:
            error = exc
            ctx.unhandled_error = exc
            app.log_exception(exc)
            if not websocket.closed:
                await websocket.close(1011 if websocket.accepted else 1008)
        finally:
            try:
                if dispatcher.has_teardown(ctx):
                    await dispatcher.thread_pool.run(dispatcher.teardown, ctx, error)
            finally:
                context_var.reset(token)

    # lifespan

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        app = self.app
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "lifespan.startup":
                # A setting that would make requests fail stops the server here, with the fix
                # in the message (uvicorn prints it and exits), rather than at each request.
                failure = startup_failure(app)
                if failure is not None:
                    await send({"type": "lifespan.startup.failed", "message": failure})
                    return
                try:
                    await self._run_serving_hooks(app.before_serving_funcs)
                except BaseException:
                    await send(
                        {"type": "lifespan.startup.failed", "message": traceback.format_exc()}
                    )
                    return
                await send({"type": "lifespan.startup.complete"})
            elif kind == "lifespan.shutdown":
                try:
                    await self._run_serving_hooks(app.after_serving_funcs)
                except BaseException:
                    await send(
                        {"type": "lifespan.shutdown.failed", "message": traceback.format_exc()}
                    )
                    return
                finally:
                    app.dispatcher.thread_pool.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _run_serving_hooks(self, funcs: list[t.Callable[[], t.Any]]) -> None:
        with AppContext(self.app):
            for func in funcs:
                if is_async_callable(func):
                    await func()
                else:
                    await self.app.dispatcher.thread_pool.run(func)


def _request_class(dispatcher: Dispatcher, app: App) -> t.Callable[..., Request]:
    cls = dispatcher.asgi_request_class
    if cls is None:
        cls = dispatcher.asgi_request_class = scope_request_class(app.request_class)
    return cls


def make_request(app: App, scope: dict[str, t.Any]) -> Request:
    """The app's ``Request`` for an ASGI scope, without a body (for the test tools)."""
    dispatcher = app.dispatcher
    return _request_class(dispatcher, app)(scope, None, dispatcher.limits)


def _is_http1(scope: dict[str, t.Any]) -> bool:
    return scope.get("http_version", "1.1") in ("1.1", "1.0")


def _run_sync_request(
    dispatcher: Dispatcher,
    ctx: RequestContext,
    plan: Plan,
    preserve: t.Callable[..., t.Any] | None,
) -> Response:
    """An all-sync request in one worker thread: the response, then (unless a test keeps the
    context, or a stream holds it) the teardown."""
    error: BaseException | None = None
    try:
        return dispatcher.respond_sync(ctx, plan)
    except BaseException as exc:
        error = exc
        raise
    finally:
        if preserve is None and not ctx.stream_holds and dispatcher.has_teardown(ctx):
            dispatcher.teardown(ctx, error if error is not None else ctx.unhandled_error)


async def send_response(
    app: App,
    response: Response,
    send: Send,
    receive: Receive,
    head: bool = False,
    close: bool = False,
) -> None:
    """Send a ``Response`` as ASGI messages; a streamed body is sent chunk by chunk and stops
    (closing the iterator) when the client disconnects. ``close`` adds ``Connection: close``,
    for a request whose body was refused half-sent: the server then drops the connection
    instead of waiting for the rest of that body."""
    code = response._status_code
    raw_headers = response.headers._list
    no_body = code in NO_BODY_STATUSES or code < 200
    if no_body:
        raw_headers = [
            (k, v) for k, v in raw_headers if k.lower() not in ("content-type", "content-length")
        ]
    headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in raw_headers]
    if close:
        headers.append((b"connection", b"close"))
    start = {"type": "http.response.start", "status": code, "headers": headers}
    body = response.response
    if head or no_body:
        await send(start)
        await send({"type": "http.response.body", "body": b""})
        await _close(app, response)
        return
    if body.__class__ is list:
        await send(start)
        await send({"type": "http.response.body", "body": b"".join(body)})
        if response._on_close is not None:
            await _close(app, response)
        return
    await send(start)
    try:
        await _stream(app, body, send, receive)
    finally:
        await _close(app, response)


async def _stream(app: App, body: t.Any, send: Send, receive: Receive) -> None:
    is_async_body = hasattr(body, "__aiter__")
    next_chunk = _async_chunks(body) if is_async_body else _sync_chunks(app, body)
    disconnect = asyncio.ensure_future(_wait_for_disconnect(receive))
    try:
        while True:
            chunk_task = asyncio.ensure_future(next_chunk())
            done, _ = await asyncio.wait(
                {chunk_task, disconnect}, return_when=asyncio.FIRST_COMPLETED
            )
            if chunk_task not in done:
                if is_async_body:
                    chunk_task.cancel()
                # A sync iterator cannot be stopped inside next(): let that step end first, so
                # closing it afterwards does not meet a generator that is still running.
                await asyncio.gather(chunk_task, return_exceptions=True)
                return
            chunk = chunk_task.result()
            if chunk is _DONE:
                break
            data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
            await send({"type": "http.response.body", "body": data, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        disconnect.cancel()


def _async_chunks(body: t.AsyncIterable[t.Any]) -> t.Callable[[], t.Awaitable[t.Any]]:
    iterator = body.__aiter__()

    async def next_chunk() -> t.Any:
        try:
            return await iterator.__anext__()
        except StopAsyncIteration:
            return _DONE

    return next_chunk


def _sync_chunks(app: App, body: t.Iterable[t.Any]) -> t.Callable[[], t.Awaitable[t.Any]]:
    iterator = iter(body)

    def step() -> t.Any:
        return next(iterator, _DONE)

    async def next_chunk() -> t.Any:
        return await app.dispatcher.thread_pool.run(step)

    return next_chunk


async def _wait_for_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _close(app: App, response: Response) -> None:
    body = response.response
    aclose = getattr(body, "aclose", None)
    if aclose is not None:
        await aclose()
    if hasattr(body, "close") or response._on_close is not None:
        await app.dispatcher.thread_pool.run(response.close)
