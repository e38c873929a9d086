"""A ``Request`` over an ASGI scope, and the request body read from ``receive``.

``ScopeRequest`` reads its fields from the scope on first use, the way ``EnvironRequest`` does
from a WSGI environ. ``ASGIBody`` gives the body as a sync stream: a sync view (running in a
worker thread) pulls chunks from the event loop as it reads, so a body is never held whole unless
the view asks for it; before an async view runs, the body is read ahead within the app's
``MAX_CONTENT_LENGTH``, because Flask code reads ``request.form`` without ``await``.
"""

from __future__ import annotations

import asyncio
import threading
import typing as t
from urllib.parse import unquote_to_bytes

from .datastructures import Headers, ReadOnlyHeaders
from .exceptions import BadRequest, BadRequestKeyError, ClientDisconnected
from .wrappers.request import Limits, Request, request_class_over

Message = dict[str, t.Any]


class ASGIBody:
    """The request body, fed by the ASGI ``receive`` callable."""

    __slots__ = ("_buffer", "_done", "_loop", "_loop_thread", "_receive")

    def __init__(
        self, receive: t.Callable[[], t.Awaitable[Message]], loop: asyncio.AbstractEventLoop
    ) -> None:
        self._receive = receive
        self._loop = loop
        self._loop_thread = threading.get_ident()
        self._buffer = bytearray()
        self._done = False

    async def _next_chunk(self) -> bytes:
        if self._done:
            return b""
        message = await self._receive()
        kind = message["type"]
        if kind == "http.request":
            if not message.get("more_body", False):
                self._done = True
            return bytes(message.get("body", b""))
        if kind == "http.disconnect":
            self._done = True
            raise ClientDisconnected("The client disconnected while sending the request body.")
        return b""

    async def read_ahead(self, limit: int | None) -> None:
        """Read the body into memory, stopping one byte past ``limit`` (reading then raises
        413, as it would have while streaming)."""
        while not self._done and (limit is None or len(self._buffer) <= limit):
            self._buffer += await self._next_chunk()

    def read(self, size: int = -1, /) -> bytes:
        buffer = self._buffer
        while not self._done and (size < 0 or len(buffer) < size):
            if threading.get_ident() == self._loop_thread:
                raise RuntimeError(
                    "The request body was read on the event loop before it arrived. This is a"
                    " bug in erlen: bodies are read ahead for async views."
                )
            chunk = asyncio.run_coroutine_threadsafe(self._next_chunk(), self._loop).result()
            buffer += chunk
        if size < 0 or size >= len(buffer):
            data = bytes(buffer)
            buffer.clear()
            return data
        data = bytes(buffer[:size])
        del buffer[:size]
        return data


def _raw_path_is_utf8(scope: dict[str, t.Any]) -> bool:
    """Servers decode the path for us, replacing bytes that are not UTF-8; the raw path tells
    whether the client really sent valid UTF-8."""
    raw = scope.get("raw_path")
    if raw is None:
        return "\ufffd" not in scope["path"]
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _declares_body(scope: dict[str, t.Any]) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return value.strip() not in (b"", b"0")
        if name == b"transfer-encoding":
            return True
    # HTTP/1 without either header has no body; HTTP/2 and HTTP/3 frame bodies without them.
    return scope.get("http_version", "1.1") not in ("1.0", "1.1")


class ScopeHeaders(ReadOnlyHeaders):
    """The request headers of an ASGI scope: read-only, looked up through an index by
    lower-case name (ASGI servers send lower-case names) built on first use."""

    __slots__ = ("_index",)

    def __init__(self, raw: t.Iterable[tuple[bytes, bytes]]) -> None:
        self._list = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw]
        self._index: dict[str, list[str]] | None = None

    def _lookup(self, key: str) -> list[str] | None:
        index = self._index
        if index is None:
            index = self._index = {}
            for name, value in self._list:
                index.setdefault(name.lower(), []).append(value)
        return index.get(key.lower())

    def __getitem__(self, key: t.Any) -> t.Any:
        if isinstance(key, str):
            values = self._lookup(key)
            if not values:
                raise BadRequestKeyError(key)
            return values[0]
        return super().__getitem__(key)

    def get(self, key: str, default: t.Any = None, type: t.Any = None) -> t.Any:
        values = self._lookup(key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default

    def getlist(self, key: str, type: t.Any = None) -> list[t.Any]:
        values = self._lookup(key) or []
        if type is None:
            return list(values)
        result = []
        for value in values:
            try:
                result.append(type(value))
            except (ValueError, TypeError):
                continue
        return result

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and bool(self._lookup(key))

    def copy(self) -> Headers:
        return Headers(self._list)


class ScopeRequest(Request):
    """``Request`` whose fields come from an ASGI scope, read when first used."""

    __slots__ = ()

    def __init__(self, scope: dict[str, t.Any], body: ASGIBody | None, limits: Limits) -> None:
        self.scope = scope
        self.method = scope.get("method", "GET")
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and (path == root or path.startswith(root + "/")):
            path = path[len(root) :] or "/"
        self.path = path
        self._input = body
        self._limits = limits
        self.routing_exception = None
        if not path.isascii() and not _raw_path_is_utf8(scope):
            self.routing_exception = BadRequest("The URL is not valid UTF-8.")
        self.url_rule = None
        self.view_args = None
        self._uploads = None

    @property
    def declares_body(self) -> bool:
        return _declares_body(self.scope)  # type: ignore[arg-type]

    @property
    def headers(self) -> Headers:  # type: ignore[override]
        cache = self.__dict__
        headers = cache.get("_headers")
        if headers is None:
            headers = cache["_headers"] = ScopeHeaders(
                self.scope.get("headers", ())  # type: ignore[union-attr]
            )
        return t.cast(Headers, headers)

    @property
    def scheme(self) -> str:  # type: ignore[override]
        scope = t.cast(dict[str, t.Any], self.scope)
        return t.cast(
            str, scope.get("scheme") or ("ws" if scope["type"] == "websocket" else "http")
        )

    @property
    def root_path(self) -> str:  # type: ignore[override]
        return t.cast(str, self.scope.get("root_path", ""))  # type: ignore[union-attr]

    @property
    def query_string(self) -> bytes:  # type: ignore[override]
        return t.cast(bytes, self.scope.get("query_string", b""))  # type: ignore[union-attr]

    @property
    def remote_addr(self) -> str | None:  # type: ignore[override]
        client = self.scope.get("client")  # type: ignore[union-attr]
        return client[0] if client else None

    @property
    def _server(self) -> tuple[str, str | None] | None:  # type: ignore[override]
        server = self.scope.get("server")  # type: ignore[union-attr]
        if not server:
            return None
        host, port = server
        return (host, str(port) if port is not None else None)

    @property
    def _input_terminated(self) -> bool:  # type: ignore[override]
        # Without Content-Length the server ends the body, if the request has one at all.
        return _declares_body(self.scope)  # type: ignore[arg-type]

    @property
    def environ(self) -> dict[str, t.Any]:  # type: ignore[override]
        """A WSGI-style environ made from the scope, for code that reads ``request.environ``."""
        cache = self.__dict__
        environ = cache.get("_environ")
        if environ is None:
            environ = cache["_environ"] = _environ_from_scope(t.cast(dict[str, t.Any], self.scope))
        return t.cast(dict[str, t.Any], environ)


def _environ_from_scope(scope: dict[str, t.Any]) -> dict[str, t.Any]:
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client")
    environ: dict[str, t.Any] = {
        "REQUEST_METHOD": scope.get("method", "GET"),
        "SCRIPT_NAME": scope.get("root_path", "").encode().decode("latin-1"),
        "PATH_INFO": scope["path"].encode().decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": client[0] if client else None,
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "asgi.scope": scope,
    }
    for raw_name, raw_value in scope.get("headers", ()):
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = f"HTTP_{name}"
        environ[name] = f"{environ[name]},{value}" if name in environ else value
    return environ


def scope_request_class(request_class: type[Request]) -> type[ScopeRequest]:
    """``request_class`` reading its fields from an ASGI scope."""
    return request_class_over(ScopeRequest, request_class)
