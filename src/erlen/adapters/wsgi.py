"""The WSGI adapter: a WSGI environ in, the app's ``Response`` out through ``start_response``.

This is one of the two modules that know a server exists (``asgi.py`` is the other). It builds
the ``Request`` (headers read straight from the environ, nothing copied), pushes the request
context, drives the app's dispatch coroutine in sync mode, and hands the response's status,
header list and body to the server. It never interprets the request itself.
"""

from __future__ import annotations

import typing as t

from erlen.adapters.proxies import apply_to_environ
from erlen.core.concurrency import run_coroutine_sync
from erlen.core.ctx import RequestContext
from erlen.core.globals import context_var
from erlen.core.signals import appcontext_popped, appcontext_pushed
from erlen.core.signals import lifecycle as _signal_switch
from erlen.core.signals import send as _send_signal
from erlen.http.datastructures import Headers, ReadOnlyHeaders
from erlen.http.exceptions import BadRequest, BadRequestKeyError
from erlen.http.status import NO_BODY_STATUSES
from erlen.http.wrappers.request import Request, request_class_over
from erlen.http.wrappers.response import STATUS_LINES as _STATUS_LINES
from erlen.http.wrappers.response import Response, status_line
from erlen.security.checks import log_startup_errors

if t.TYPE_CHECKING:
    from erlen.core.app import App
    from erlen.core.dispatch import Dispatcher
    from erlen.core.plan import Plan
    from erlen.http.wrappers.request import Limits

StartResponse = t.Callable[..., t.Any]


_KEYS: dict[str, str] = {}


def _header_key(name: str) -> str:
    """The environ key of a header name (``"Content-Type"`` -> ``"CONTENT_TYPE"``,
    ``"X-Token"`` -> ``"HTTP_X_TOKEN"``), remembered for the names an app asks for."""
    key = _KEYS.get(name)
    if key is None:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = f"HTTP_{key}"
        if len(_KEYS) < 1024:  # names come from code, but keep it bounded all the same
            _KEYS[name] = key
    return key


class EnvironHeaders(ReadOnlyHeaders):
    """The request headers of a WSGI environ, read in place and read-only.

    ``headers["Content-Type"]`` reads ``environ["CONTENT_TYPE"]`` and ``headers["X-Token"]``
    reads ``environ["HTTP_X_TOKEN"]``; nothing is copied until the whole list is asked for.
    """

    __slots__ = ("environ",)

    def __init__(self, environ: dict[str, t.Any]) -> None:
        self.environ = environ

    @property
    def _list(self) -> list[tuple[str, str]]:  # type: ignore[override]
        items = []
        for key, value in self.environ.items():
            if key.startswith("HTTP_"):
                name = key[5:]
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                name = key
            else:
                continue
            items.append((name.replace("_", "-").title(), value))
        return items

    def __getitem__(self, key: t.Any) -> t.Any:
        if isinstance(key, str):
            value = self.environ.get(_header_key(key))
            if value is None:
                raise BadRequestKeyError(key)
            return value
        return self._list[key]

    def get(self, key: str, default: t.Any = None, type: t.Any = None) -> t.Any:
        value = self.environ.get(_header_key(key))
        if value is None:
            return default
        if type is None:
            return value
        try:
            return type(value)
        except (ValueError, TypeError):
            return default

    def getlist(self, key: str, type: t.Any = None) -> list[t.Any]:
        value = self.get(key, type=type)
        return [] if value is None else [value]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and _header_key(key) in self.environ

    def __len__(self) -> int:
        return len(self._list)

    def __iter__(self) -> t.Iterator[tuple[str, str]]:
        return iter(self._list)

    def copy(self) -> Headers:
        return Headers(self._list)


def _decode(value: str) -> str:
    """WSGI hands URL parts over as latin-1 strings of the raw bytes; they are UTF-8."""
    return value.encode("latin-1").decode("utf-8")


class EnvironRequest(Request):
    """Reads a ``Request``'s fields from the WSGI environ, on first use.

    The app combines it with its ``request_class`` once (``wsgi_request_class``), so a WSGI
    request costs a few attribute stores to create: the method and path that routing needs are
    read at once, everything else (headers, query string, scheme, client address, body) only
    when asked for.
    """

    __slots__ = ()

    environ: dict[str, t.Any]

    # PERF: per request only what is always set is stored; these class-level defaults cover
    # the rest instead of an __init__ setting each (benchmarks/instructions.py wsgi hello).
    scope = None
    _uploads = None

    def __init__(self, environ: dict[str, t.Any], limits: Limits) -> None:
        self.environ = environ
        self.method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO") or "/"
        self.routing_exception = None
        if not path.isascii():
            try:
                path = _decode(path)
            except UnicodeError:
                self.routing_exception = BadRequest("The URL is not valid UTF-8.")
        self.path = path
        self._limits = limits
        self.url_rule = None
        self.view_args = None

    @property
    def headers(self) -> Headers:  # type: ignore[override]
        cache = self.__dict__
        headers = cache.get("_headers")
        if headers is None:
            headers = cache["_headers"] = EnvironHeaders(self.environ)
        return t.cast(Headers, headers)

    @property
    def scheme(self) -> str:  # type: ignore[override]
        return t.cast(str, self.environ["wsgi.url_scheme"])

    @property
    def root_path(self) -> str:  # type: ignore[override]
        root = self.environ.get("SCRIPT_NAME", "")
        if root.isascii():
            return t.cast(str, root)
        try:
            return _decode(root)
        except UnicodeError:
            return t.cast(str, root.encode("latin-1").decode("utf-8", "replace"))

    @property
    def query_string(self) -> bytes:  # type: ignore[override]
        return t.cast(str, self.environ.get("QUERY_STRING", "")).encode("latin-1")

    @property
    def remote_addr(self) -> str | None:  # type: ignore[override]
        return self.environ.get("REMOTE_ADDR")

    @property
    def _server(self) -> tuple[str, str | None]:  # type: ignore[override]
        return (self.environ.get("SERVER_NAME", ""), self.environ.get("SERVER_PORT"))

    @property
    def _input(self) -> t.Any:  # type: ignore[override]
        return self.environ.get("wsgi.input")

    @property
    def errors_stream(self) -> t.Any:
        """The server's stream for error output (``wsgi.errors``); ``wsgi_errors_stream``
        (``erlen.logging``) writes there."""
        return self.environ.get("wsgi.errors")

    @property
    def _input_terminated(self) -> bool:  # type: ignore[override]
        return bool(self.environ.get("wsgi.input_terminated", False))


def wsgi_request_class(request_class: type[Request]) -> type[EnvironRequest]:
    """``request_class`` reading its fields from a WSGI environ."""
    return request_class_over(EnvironRequest, request_class)


def _request_class(dispatcher: Dispatcher, app: App) -> t.Callable[..., Request]:
    cls = dispatcher.wsgi_request_class
    if cls is None:
        cls = dispatcher.wsgi_request_class = wsgi_request_class(app.request_class)
    return cls


def make_request(app: App, environ: dict[str, t.Any]) -> Request:
    """Build the app's ``Request`` for a WSGI environ."""
    dispatcher = app.dispatcher
    if not dispatcher.started:
        dispatcher.start()
    return _request_class(dispatcher, app)(environ, dispatcher.limits)


def request_context_for(app: App, environ: dict[str, t.Any]) -> RequestContext:
    """A request context for a WSGI environ, routed (``app.request_context``)."""
    dispatcher = app.dispatcher
    if not dispatcher.started:
        # As in Flask, a context made before the first request (a test, a script) does not
        # end the setup phase: the app's settings are read afresh for it.
        dispatcher.start(freeze=False)
    request = _request_class(dispatcher, app)(environ, dispatcher.limits)
    dispatcher.route(request)
    return RequestContext(app, request)


def handle(app: App, environ: dict[str, t.Any], start_response: StartResponse) -> t.Iterable[bytes]:
    """Serve one WSGI request with ``app`` (this is ``app.wsgi_app``)."""
    dispatcher = app.dispatcher
    if not dispatcher.started:
        # A WSGI server has no start-up hook: its first request reports the app's settings
        # that would make requests fail, once (erlen.security.checks).
        log_startup_errors(app)
        dispatcher.start()
    gates = dispatcher.gates
    if gates.proxies is not None:
        apply_to_environ(environ, gates.proxies)
    request_class = dispatcher.wsgi_request_class or _request_class(dispatcher, app)
    request = request_class(environ, dispatcher.limits)
    ctx = RequestContext(app, request)
    # PERF: RequestContext.adopt_outer, inlined: the call costs ~580 instructions a request
    # here (python benchmarks/instructions.py wsgi hello).
    outer = context_var.get(None)
    if outer is not None and outer.app is app:
        ctx._g = outer.g
        ctx.owns_app_context = False
    token = context_var.set(ctx)
    error: BaseException | None = None
    plan: Plan | None = None
    signals = _signal_switch.active
    try:
        if signals and ctx.owns_app_context:
            _send_signal(appcontext_pushed, app)
        plan = dispatcher.route(request)
        # PERF: Dispatcher.respond_sync, inlined: this is the hottest path in erlen
        # (python benchmarks/instructions.py wsgi hello).
        coro = dispatcher.respond(ctx, plan)
        try:
            coro.send(None)
        except StopIteration as stop:
            response: Response = stop.value
        else:
            coro.close()
            raise RuntimeError("A sync request suspended on an await; this is a bug in erlen.")
        return send_response(response, environ, start_response, environ["REQUEST_METHOD"] == "HEAD")
    except BaseException as exc:
        error = exc
        raise
    finally:
        preserve = environ.get("erlen.preserve_context")
        if preserve is not None:
            ctx.hold_token(token)
            preserve(ctx)
        else:
            try:
                if not ctx.stream_holds and (
                    plan is None
                    or plan.teardown
                    or request._uploads
                    or signals
                    or app.teardown_appcontext_funcs
                ):
                    dispatcher.teardown(ctx, error if error is not None else ctx.unhandled_error)
            finally:
                context_var.reset(token)
                if signals and ctx.owns_app_context:
                    _send_signal(appcontext_popped, app)


def send_response(
    response: Response,
    environ: dict[str, t.Any],
    start_response: StartResponse,
    head: bool = False,
) -> t.Iterable[bytes]:
    """Start the response and return its body as the WSGI iterable."""
    code = response._status_code
    status = response._custom_status or _STATUS_LINES.get(code) or status_line(code)
    headers = response.headers._list
    body = response.response
    if head or code in NO_BODY_STATUSES or code < 200:
        if code in NO_BODY_STATUSES or code < 200:
            headers = [
                (name, value)
                for name, value in headers
                if name.lower() not in ("content-type", "content-length")
            ]
        start_response(status, headers)
        response.close()
        return []
    start_response(status, headers)
    if body.__class__ is list and response._on_close is None:
        return body
    return _ClosingBody(response)


class _ClosingBody:
    """A streamed body: encodes text chunks and closes the response when the server is done."""

    __slots__ = ("_iterator", "_response")

    def __init__(self, response: Response) -> None:
        self._response = response
        body: t.Any = response.response
        self._iterator = _AsyncIteratorBridge(body) if hasattr(body, "__aiter__") else iter(body)

    def __iter__(self) -> _ClosingBody:
        return self

    def __next__(self) -> bytes:
        chunk = next(self._iterator)
        if isinstance(chunk, str):
            return chunk.encode()
        data: bytes = chunk
        return data

    def close(self) -> None:
        if isinstance(self._iterator, _AsyncIteratorBridge):
            self._iterator.close()
        self._response.close()


class _AsyncIteratorBridge:
    """An async generator body under WSGI: each chunk is awaited on the thread's event loop."""

    __slots__ = ("_iterator",)

    def __init__(self, body: t.AsyncIterable[t.Any]) -> None:
        self._iterator = body.__aiter__()

    def __iter__(self) -> _AsyncIteratorBridge:
        return self

    def __next__(self) -> t.Any:
        try:
            return run_coroutine_sync(self._iterator.__anext__())
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        aclose = getattr(self._iterator, "aclose", None)
        if aclose is not None:
            run_coroutine_sync(aclose())
