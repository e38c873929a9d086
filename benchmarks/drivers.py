"""How a request reaches an app in process: a WSGI driver and an ASGI driver.

A driver does two things: ``call()`` sends the request once and returns the whole ``Reply``
(to check it), and ``run(n)`` sends it ``n`` times and returns the nanoseconds taken. Both do
what a server does and nothing a framework could skip:

- WSGI: each request gets a fresh environ (a copy of one prepared dict) with a fresh
  ``io.BytesIO`` body; the response iterable is consumed to its end and closed.
- ASGI: each request gets a fresh scope (a copy of one prepared dict), a ``receive`` that gives
  the body once and then waits until the response is complete (and then reports a disconnect,
  as uvicorn does), and a ``send`` that collects the messages. Each request runs in its own task,
  as under uvicorn, so work an app defers to the loop is timed with the request that caused it.
  All of it runs on the one loop the caller passes in: never a loop per request.

The overhead of the driver itself is in every number, the bare callables' included.
"""

from __future__ import annotations

import asyncio
import io
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from benchmarks.apps import ASGIApp, Environ, Message, Scope, WSGIApp
from benchmarks.scenarios import Reply, Request

#: How long an app may take to answer the lifespan startup, in seconds.
LIFESPAN_TIMEOUT = 10.0


class Driver(Protocol):
    def call(self) -> Reply: ...

    def run(self, count: int) -> int: ...


class ProtocolError(Exception):
    """The app broke the WSGI or ASGI contract."""


# -- WSGI ------------------------------------------------------------------------------------


def wsgi_environ(request: Request) -> Environ:
    """The environ a WSGI server would build for ``request``, without ``wsgi.input``."""
    host, _, port = dict(request.headers).get("Host", "localhost:80").partition(":")
    environ: Environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": request.path,
        "QUERY_STRING": request.query_string,
        "SERVER_NAME": host,
        "SERVER_PORT": port or "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "54321",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        environ[key] = value
    return environ


def _write(data: bytes) -> None:
    pass


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
    return _write


class WSGIDriver:
    def __init__(self, app: WSGIApp, request: Request) -> None:
        self._app = app
        self._environ = wsgi_environ(request)
        self._body = request.body

    def call(self) -> Reply:
        started: list[tuple[str, list[tuple[str, str]]]] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], None]:
            started.append((status, list(headers)))
            return _write

        environ = self._environ.copy()
        environ["wsgi.input"] = io.BytesIO(self._body)
        result = self._app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            _close(result)
        if not started:
            raise ProtocolError("start_response was never called")
        status, headers = started[-1]
        return Reply(int(status.split(" ", 1)[0]), headers, body)

    def run(self, count: int) -> int:
        app = self._app
        template = self._environ
        body = self._body
        start_response = _start_response
        bytes_io = io.BytesIO
        start = time.perf_counter_ns()
        for _ in range(count):
            environ = template.copy()
            environ["wsgi.input"] = bytes_io(body)
            result = app(environ, start_response)
            for _chunk in result:
                pass
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return time.perf_counter_ns() - start


def _close(result: Iterable[bytes]) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


# -- ASGI ------------------------------------------------------------------------------------


def asgi_scope(request: Request) -> Scope:
    """The HTTP scope an ASGI server would build for ``request``."""
    host, _, port = dict(request.headers).get("Host", "localhost:80").partition(":")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": "http",
        "path": request.path,
        "raw_path": request.path.encode(),
        "query_string": request.query_string.encode(),
        "root_path": "",
        "headers": [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in request.headers
        ],
        "client": ("127.0.0.1", 54321),
        "server": (host, int(port or 80)),
        "extensions": {},
    }


class _Exchange:
    """One request's ``receive`` and ``send``."""

    __slots__ = ("_body", "_finished", "_loop", "_pending", "_waiter", "messages")

    def __init__(self, loop: asyncio.AbstractEventLoop, body: bytes) -> None:
        self._loop = loop
        self._body = body
        self._pending = True
        self._finished = False
        self._waiter: asyncio.Future[None] | None = None
        self.messages: list[Message] = []

    async def receive(self) -> Message:
        if self._pending:
            self._pending = False
            return {"type": "http.request", "body": self._body, "more_body": False}
        if not self._finished:
            if self._waiter is None:
                self._waiter = self._loop.create_future()
            await self._waiter
        return {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self._finished = True
            if self._waiter is not None and not self._waiter.done():
                self._waiter.set_result(None)


class ASGIDriver:
    def __init__(self, app: ASGIApp, request: Request, loop: asyncio.AbstractEventLoop) -> None:
        self._app = app
        self._scope = asgi_scope(request)
        self._body = request.body
        self._loop = loop

    def call(self) -> Reply:
        return self._loop.run_until_complete(self._call())

    def run(self, count: int) -> int:
        return self._loop.run_until_complete(self._run(count))

    async def _call(self) -> Reply:
        exchange = _Exchange(self._loop, self._body)
        await self._loop.create_task(self._app(self._scope.copy(), exchange.receive, exchange.send))
        return _reply(exchange.messages)

    async def _run(self, count: int) -> int:
        app = self._app
        template = self._scope
        body = self._body
        loop = self._loop
        create_task = loop.create_task
        exchange_class = _Exchange
        start = time.perf_counter_ns()
        for _ in range(count):
            exchange = exchange_class(loop, body)
            await create_task(app(template.copy(), exchange.receive, exchange.send))
        return time.perf_counter_ns() - start


class Lifespan:
    """The ASGI lifespan of one app: ``start()`` before its first request, ``stop()`` after
    its last. An app that fails before answering the startup does not support the lifespan
    protocol and is served without it, as uvicorn does by default."""

    def __init__(self, app: ASGIApp, loop: asyncio.AbstractEventLoop) -> None:
        self._app = app
        self._loop = loop
        self._task: asyncio.Task[None] | None = None
        self._to_app: asyncio.Queue[Message] = asyncio.Queue()
        self._from_app: asyncio.Queue[Message] = asyncio.Queue()

    def start(self) -> None:
        self._loop.run_until_complete(self._start())

    def stop(self) -> None:
        if self._task is not None:
            self._loop.run_until_complete(self._stop())

    async def _start(self) -> None:
        scope: Scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}
        self._task = self._loop.create_task(self._app(scope, self._to_app.get, self._from_app.put))
        await self._to_app.put({"type": "lifespan.startup"})
        reply = await self._reply()
        if reply is None:
            self._task = None
        elif reply["type"] != "lifespan.startup.complete":
            raise ProtocolError(f"lifespan startup answered {reply}")

    async def _stop(self) -> None:
        await self._to_app.put({"type": "lifespan.shutdown"})
        reply = await self._reply()
        if reply is not None and reply["type"] != "lifespan.shutdown.complete":
            raise ProtocolError(f"lifespan shutdown answered {reply}")
        if self._task is not None and not self._task.done():
            await asyncio.wait_for(self._task, LIFESPAN_TIMEOUT)
        self._task = None

    async def _reply(self) -> Message | None:
        """The app's next lifespan message, or None if the lifespan task ended without one."""
        task = self._task
        assert task is not None
        getter = self._loop.create_task(self._from_app.get())
        done, _ = await asyncio.wait(
            {getter, task}, timeout=LIFESPAN_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if getter in done:
            return getter.result()
        getter.cancel()
        if task in done:
            task.exception()  # the app does not speak lifespan; its error is the sign of it
            return None
        raise ProtocolError(f"no answer to the lifespan message in {LIFESPAN_TIMEOUT} s")


def _reply(messages: list[Message]) -> Reply:
    starts = [m for m in messages if m["type"] == "http.response.start"]
    if len(starts) != 1:
        raise ProtocolError(f"{len(starts)} http.response.start messages, expected 1")
    bodies = [m for m in messages if m["type"] == "http.response.body"]
    if not bodies or bodies[-1].get("more_body", False):
        raise ProtocolError("the response body never ended (no final http.response.body)")
    headers = [
        (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
        for name, value in starts[0].get("headers", ())
    ]
    body = b"".join(bytes(m.get("body", b"")) for m in bodies)
    return Reply(int(starts[0]["status"]), headers, body)
