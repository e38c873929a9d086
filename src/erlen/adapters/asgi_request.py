"""A ``Request`` over an ASGI scope, and the request body received from ``receive``.

``ScopeRequest`` reads its fields from the scope on first use, the way ``EnvironRequest`` does
from a WSGI environ. ``ASGIBody`` receives the whole body on the event loop before any of the
app's code runs, within ``MAX_CONTENT_LENGTH`` and a time limit, and then serves it as a sync
stream. Why ahead of time: Flask code reads ``request.form`` without ``await``, and a sync view
that pulled the body from a worker thread let a slow client hold that thread for as long as it
liked; waiting on the loop costs a coroutine instead. A large body is spooled to a temporary
file rather than held in memory. This module never sends anything.
"""

from __future__ import annotations

import asyncio
import io
import tempfile
import typing as t
from urllib.parse import unquote_to_bytes

from erlen.http.datastructures import Headers, ReadOnlyHeaders
from erlen.http.exceptions import (
    BadRequest,
    BadRequestKeyError,
    ClientDisconnected,
    HTTPException,
    RequestEntityTooLarge,
    RequestTimeout,
)
from erlen.http.wrappers.request import Limits, Request, request_class_over

Message = dict[str, t.Any]

#: A body larger than this is written to a temporary file as it arrives, not kept in memory.
SPOOL_SIZE = 512 * 1024


class BodyTimeout(t.NamedTuple):
    """How long a client may take to send a body: ``seconds`` (``BODY_TIMEOUT``), plus one
    second for every ``min_rate`` bytes it has sent (``BODY_MIN_RATE``), and never a pause of
    more than ``seconds``. A large upload over a slow link keeps going; a client that trickles
    (slower than ``min_rate``) or stalls runs out of time."""

    seconds: float
    min_rate: float | None

    @classmethod
    def from_config(cls, config: t.Mapping[str, t.Any]) -> BodyTimeout | None:
        """``BODY_TIMEOUT`` and ``BODY_MIN_RATE``; None when ``BODY_TIMEOUT`` is None."""
        seconds = config.get("BODY_TIMEOUT", 30)
        if seconds is None:
            return None
        min_rate = config.get("BODY_MIN_RATE")
        if seconds <= 0 or (min_rate is not None and min_rate < 0):
            raise ValueError(
                "BODY_TIMEOUT must be a number of seconds above 0 (or None: no time limit), and"
                " BODY_MIN_RATE a number of bytes per second (or None or 0: none)."
            )
        return cls(float(seconds), min_rate or None)

    def refusal(self) -> RequestTimeout:
        return RequestTimeout(
            f"The request body did not arrive in time (the server waits {self.seconds:g}"
            " seconds, and longer while data keeps coming), so the server stopped waiting and"
            " closed the connection. Send the request again."
        )

    def deadline(self, start: float, received: int, now: float) -> float:
        """When a body begun at ``start`` must be complete, ``received`` bytes into it."""
        if not self.min_rate:
            return start + self.seconds
        # Time earned by sending, but never a pause longer than the timeout itself: a client
        # that sent most of a body quickly cannot then hold the connection for hours.
        return min(start + self.seconds + received / self.min_rate, now + self.seconds)


class ASGIBody:
    """The request body, received from the ASGI ``receive`` callable by ``receive_all``."""

    __slots__ = ("_file", "_receive", "refusal", "spooled")

    def __init__(self, receive: t.Callable[[], t.Awaitable[Message]]) -> None:
        self._receive = receive
        self._file: t.BinaryIO | None = None
        #: Why the body was not accepted (413, 408, 400), or None.
        self.refusal: HTTPException | None = None
        #: Whether the body went to a temporary file, which ``close()`` closes and deletes.
        self.spooled = False

    async def receive_all(
        self, scope: dict[str, t.Any], limit: int | None, deadlines: BodyDeadlines
    ) -> HTTPException | None:
        """Receive the whole body of the request ``scope`` describes; return why it is refused
        (also what reading it raises from then on), or None.

        A declared ``Content-Length`` over ``limit`` is refused before anything is received, a
        body without one as soon as it grows past ``limit``, and a body that takes longer than
        ``deadlines`` allows with a 408.
        """
        length = None
        declared = _content_length(scope)
        if declared is not None:
            declared = declared.strip()
            if not declared.isdigit() or len(declared) > 4300:
                return self._refuse(
                    BadRequest("The Content-Length header is not a whole number of bytes.")
                )
            length = int(declared)
            if limit is not None and length > limit:
                return self._refuse(RequestEntityTooLarge(_too_large(limit)))
        parts: list[bytes] = []
        spool = None
        if length is None or length > SPOOL_SIZE:
            spool = self._file = _spool()
            self.spooled = True
        # PERF: the body is received here, in one coroutine, not a helper per chunk: a small
        # body is one message, and this runs for every request that has one.
        task = asyncio.current_task()
        start = deadlines.start(task)
        receive = self._receive
        received = 0
        try:
            while True:
                message = await receive()
                kind = message["type"]
                if kind == "http.disconnect":
                    return self._refuse(
                        ClientDisconnected("The client disconnected while sending the body.")
                    )
                if kind != "http.request":
                    continue
                chunk = message.get("body") or b""
                if chunk:
                    received += len(chunk)
                    if limit is not None and received > limit:
                        return self._refuse(RequestEntityTooLarge(_too_large(limit)))
                    if spool is None:
                        parts.append(chunk)
                    else:
                        # On the event loop: one chunk written to a temporary file lands in
                        # the page cache, cheaper than a hop to a thread that may all be busy.
                        spool.write(chunk)
                if not message.get("more_body", False):
                    break
                if chunk and start is not None:
                    deadlines.received(task, start, received)
        except asyncio.CancelledError:
            if start is None or not deadlines.expired(task):
                raise
            return self._refuse(deadlines.refusal())
        finally:
            if start is not None:
                deadlines.finish(task)
        if spool is None:
            self._file = io.BytesIO(parts[0] if len(parts) == 1 else b"".join(parts))
        else:
            spool.seek(0)
        return None

    def _refuse(self, refusal: HTTPException) -> HTTPException:
        self.refusal = refusal
        self.close()
        return refusal

    def read(self, size: int = -1, /) -> bytes:
        if self.refusal is not None:
            raise self.refusal
        file = self._file
        if file is None:
            # Nothing was received: the request declared no body.
            return b""
        return file.read(size)

    def close(self) -> None:
        """Close the body's file (deleting it, when the body was spooled)."""
        file, self._file = self._file, None
        if file is not None:
            file.close()


class BodyDeadlines:
    """When the bodies being received on one event loop are due, with one timer for all of
    them: the task receiving a late body is cancelled, and answers 408.

    Why not ``asyncio.timeout`` around each body: its timer handle, made and cancelled for
    every request with a body, cost about 6% of a small JSON POST. Here a request adds and
    removes a dict entry; the one timer is re-armed only when it fires, or when a body is due
    before it.
    """

    __slots__ = ("_armed", "_expired", "_handle", "_waiting", "loop", "timeout")

    #: Deadlines this close together are checked in one go.
    TICK = 0.05

    def __init__(self, loop: asyncio.AbstractEventLoop, timeout: BodyTimeout | None) -> None:
        self.loop = loop
        self.timeout = timeout
        #: When each task's body is due.
        self._waiting: dict[asyncio.Task[t.Any] | None, float] = {}
        #: Tasks this cancelled, with their cancellation count before it did.
        self._expired: dict[asyncio.Task[t.Any], int] = {}
        self._handle: asyncio.TimerHandle | None = None
        self._armed = 0.0

    def start(self, task: asyncio.Task[t.Any] | None) -> float | None:
        """Start the clock for the body ``task`` is about to receive; return the start time,
        or None when bodies have no time limit (``BODY_TIMEOUT = None``)."""
        timeout = self.timeout
        if timeout is None:
            return None
        if task is None:
            raise RuntimeError("A request body can only be received inside an asyncio task.")
        start = self.loop.time()
        when = self._waiting[task] = start + timeout.seconds
        if self._handle is None or when < self._armed:
            self._arm(when)
        return start

    def received(self, task: asyncio.Task[t.Any] | None, start: float, total: int) -> None:
        """Move the deadline of a body ``total`` bytes in (it only ever moves later)."""
        timeout = self.timeout
        if timeout is not None and timeout.min_rate:
            self._waiting[task] = timeout.deadline(start, total, self.loop.time())

    def finish(self, task: asyncio.Task[t.Any] | None) -> None:
        self._waiting.pop(task, None)
        if self._expired and task in self._expired:
            # The cancellation never reached the body's loop (the server's receive() kept it
            # to itself): take it back, so that it does not hit some later await instead.
            del self._expired[task]
            task.uncancel()

    def expired(self, task: asyncio.Task[t.Any] | None) -> bool:
        """After a ``CancelledError``: whether this deadline alone caused it (a server shutting
        down may cancel the task at the same moment, and then that wins)."""
        if task is None:
            return False
        before = self._expired.pop(task, None)
        return before is not None and task.uncancel() <= before

    def refusal(self) -> RequestTimeout:
        assert self.timeout is not None
        return self.timeout.refusal()

    def _arm(self, when: float) -> None:
        if self._handle is not None:
            self._handle.cancel()
        self._armed = when
        self._handle = self.loop.call_at(when, self._check)

    def _check(self) -> None:
        self._handle = None
        now = self.loop.time()
        earliest = None
        for task, when in list(self._waiting.items()):
            if when > now:
                earliest = when if earliest is None else min(earliest, when)
            elif task is not None:
                del self._waiting[task]
                self._expired[task] = task.cancelling()
                task.cancel()
        if earliest is not None:
            self._arm(max(earliest, now + self.TICK))


def _too_large(limit: int) -> str:
    return (
        f"The request body is larger than this server accepts ({limit} bytes). Send a smaller body."
    )


def _spool() -> t.BinaryIO:
    return t.cast(t.BinaryIO, tempfile.SpooledTemporaryFile(SPOOL_SIZE))


def _content_length(scope: dict[str, t.Any]) -> bytes | None:
    headers: t.Iterable[tuple[bytes, bytes]] = scope.get("headers", ())
    for name, value in headers:
        if name == b"content-length":
            return value
    return None


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


def has_body(scope: dict[str, t.Any]) -> bool:
    """Whether the request declares a body: a ``Content-Length`` above 0, a
    ``Transfer-Encoding``, or HTTP/2 and later (which frame bodies without either)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return bool(value.strip() != b"0")
        if name == b"transfer-encoding":
            return True
    # HTTP/1 without either header has no body; HTTP/2 and HTTP/3 frame bodies without them.
    return scope.get("http_version", "1.1") not in ("1.0", "1.1")


#: Header names as asked for ("Content-Type") -> as ASGI sends them (b"content-type").
_RAW_NAMES: dict[str, bytes] = {}


class ScopeHeaders(ReadOnlyHeaders):
    """The request headers of an ASGI scope: read-only, looked up in the scope's raw bytes by
    lower-case name (ASGI servers send lower-case names), decoded only as far as asked."""

    __slots__ = ("_raw",)

    def __init__(self, raw: t.Iterable[tuple[bytes, bytes]]) -> None:
        # PERF: nothing is decoded until asked for. A lookup scans the raw names (requests
        # carry a few dozen headers at most) instead of decoding and indexing every header:
        # asgi not-found 234.8k -> 220.9k instructions a request, json 431.6k -> 424.6k
        # (benchmarks/instructions.py asgi not-found).
        self._raw = raw if isinstance(raw, list) else list(raw)

    def __getattr__(self, name: str) -> t.Any:
        # The decoded list, made on first use by the code that iterates over every header.
        if name != "_list":
            raise AttributeError(name)
        decoded = [(key.decode("latin-1"), value.decode("latin-1")) for key, value in self._raw]
        self._list = decoded
        return decoded

    def _lookup(self, key: str) -> list[str] | None:
        wanted = _RAW_NAMES.get(key)
        if wanted is None:
            wanted = key.lower().encode("latin-1", "replace")
            if len(_RAW_NAMES) < 512:  # the names an app asks for: a few dozen
                _RAW_NAMES[key] = wanted
        found = None
        for name, value in self._raw:
            if name == wanted:
                if found is None:
                    found = [value.decode("latin-1")]
                else:
                    found.append(value.decode("latin-1"))
        return found

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
        return has_body(self.scope)  # type: ignore[arg-type]

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
        return has_body(self.scope)  # type: ignore[arg-type]

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
