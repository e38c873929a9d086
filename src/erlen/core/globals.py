"""The context locals: ``request``, ``g``, ``session`` and ``current_app``.

One ``ContextVar`` holds the current context (an app context, or a request context that is also an
app context). Every name here is a proxy that reads that variable on each use, so it always means
"the one for the work being done now", in whichever thread or task that is. Used where no context
is active, a proxy raises ``RuntimeError`` naming the context that is missing and how to get one.
This module holds no other state and never creates a context itself.

The layers above the core (security, backends, adapters, tools) use only the public names:
``context_var`` (the variable itself: adapters ``set`` and ``reset`` it around a request; others
read it with ``context_var.get(None)``), ``require_app_context`` and ``require_request_context``
(the current context, or the ``RuntimeError`` a proxy would raise). The ``_``-names stay for the
core's own use and for Flask extensions (``_cv_app``, ``_cv_request``); never import them from
another folder.
"""

from __future__ import annotations

import typing as t
from contextvars import ContextVar

if t.TYPE_CHECKING:
    from erlen.adapters.websocket import WebSocket
    from erlen.core.app import App
    from erlen.core.ctx import AppContext, RequestContext, _AppCtxGlobals
    from erlen.core.sessions import SessionMixin
    from erlen.http.wrappers import Request

__all__ = [
    "app_ctx",
    "context_var",
    "current_app",
    "g",
    "request",
    "request_ctx",
    "require_app_context",
    "require_request_context",
    "session",
    "websocket",
]

_cv_context: ContextVar[AppContext] = ContextVar("erlen.context")
#: The one context variable, under its public name: the same object as ``_cv_context``, so using
#: it costs nothing more. An adapter does ``token = context_var.set(ctx)`` ... ``reset(token)``.
context_var = _cv_context

_NO_APP = """\
Working outside of application context.

This code used `{name}`, which exists only while an application context is active: during a
request, or inside `with app.app_context():`. Push one around the code (for example in a script or
a test), or pass the app or the data the code needs as an argument."""

_NO_REQUEST = """\
Working outside of request context.

This code used `{name}`, which exists only while a request is handled. In a view or a hook it is
there for you; elsewhere, push one with `with app.test_request_context(): ...` (tests and
scripts), wrap code started from a view with `copy_current_request_context`, or pass the data the
code needs as an argument."""


def require_app_context(name: str) -> AppContext:
    """The current app (or request) context; ``RuntimeError`` naming ``name`` when none is."""
    ctx = _cv_context.get(None)
    if ctx is None:
        raise RuntimeError(_NO_APP.format(name=name))
    return ctx


def require_request_context(name: str) -> RequestContext:
    """The current request context; ``RuntimeError`` naming ``name`` outside a request."""
    ctx = _cv_context.get(None)
    if ctx is None or ctx.request is None:
        raise RuntimeError(_NO_REQUEST.format(name=name))
    return ctx  # type: ignore[return-value]


# The core's own short names for the two, kept for the modules that already use them.
_app_ctx = require_app_context
_request_ctx = require_request_context


def _find_app() -> App:
    return _app_ctx("current_app").app


def _find_g() -> _AppCtxGlobals:
    return _app_ctx("g").g


def _find_request() -> Request:
    request = _request_ctx("request").request
    assert request is not None
    return request


def _find_websocket() -> WebSocket:
    ctx = _cv_context.get(None)
    # The WebSocket class is the ASGI adapter's (erlen.adapters.websocket); it says what it is.
    if ctx is None or not getattr(ctx.request, "is_websocket", False):
        raise RuntimeError(
            "Working outside of a WebSocket context.\n\nThis code used `websocket`, which exists"
            " only inside a handler registered with `@app.websocket(...)` and served over ASGI."
        )
    return t.cast("WebSocket", ctx.request)


def _find_session() -> SessionMixin:
    return _request_ctx("session").session


def _find_app_ctx() -> AppContext:
    return _app_ctx("app_ctx")


def _find_request_ctx() -> RequestContext:
    return _request_ctx("request_ctx")


class _ContextView:
    """Reads erlen's one context variable the way Flask's ``_cv_app`` / ``_cv_request`` read.

    Flask keeps the app context and the request context in two variables; erlen keeps one
    context (a request context is also an app context). ``get()`` answers as Flask's would:
    ``_cv_request.get(None)`` is ``None`` inside a bare app context.
    """

    __slots__ = ("_requests_only", "name")

    def __init__(self, name: str, requests_only: bool) -> None:
        self.name = name
        self._requests_only = requests_only

    def get(self, *default: t.Any) -> t.Any:
        ctx = _cv_context.get(None)
        if ctx is not None and not (self._requests_only and ctx.request is None):
            return ctx
        if default:
            return default[0]
        raise LookupError(f"<ContextVar name={self.name!r}>")

    def __repr__(self) -> str:
        return f"<erlen context view {self.name!r}>"


_OWN_ATTRIBUTES = frozenset({"_find", "_name", "_get_current_object"})


class _ContextProxy:
    """Stands for the object ``find()`` returns for the current context.

    It forwards attribute access and the common protocols (item access, iteration, truth,
    comparison, ``repr``). ``_get_current_object()`` returns the real object, for code that must
    hand it to another thread or keep it after the context ends.
    """

    __slots__ = ("_find", "_name")

    def __init__(self, find: t.Callable[[], t.Any], name: str) -> None:
        object.__setattr__(self, "_find", find)
        object.__setattr__(self, "_name", name)

    def _get_current_object(self) -> t.Any:
        return self._find()

    def __getattribute__(self, name: str) -> t.Any:
        # Forward every attribute but the proxy's own at once: with __getattr__, Python would
        # first fail a normal lookup (raising and catching AttributeError) on each access.
        if name in _OWN_ATTRIBUTES:
            return object.__getattribute__(self, name)
        if name == "__class__":
            # isinstance() asks for __class__: the real object's class inside a context (so
            # isinstance(request, Request) holds), the proxy's own outside one (no error).
            try:
                return type(object.__getattribute__(self, "_find")())
            except RuntimeError:
                return type(self)
        return getattr(object.__getattribute__(self, "_find")(), name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        setattr(self._find(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._find(), name)

    def __getitem__(self, key: t.Any) -> t.Any:
        return self._find()[key]

    def __setitem__(self, key: t.Any, value: t.Any) -> None:
        self._find()[key] = value

    def __delitem__(self, key: t.Any) -> None:
        del self._find()[key]

    def __contains__(self, item: t.Any) -> bool:
        return item in self._find()

    def __iter__(self) -> t.Iterator[t.Any]:
        return iter(self._find())

    def __len__(self) -> int:
        return len(self._find())

    def __aiter__(self) -> t.AsyncIterator[t.Any]:
        return t.cast(t.AsyncIterator[t.Any], self._find().__aiter__())

    def __bool__(self) -> bool:
        try:
            return bool(self._find())
        except RuntimeError:
            return False

    def __eq__(self, other: object) -> bool:
        return bool(self._find() == other)

    def __ne__(self, other: object) -> bool:
        return bool(self._find() != other)

    def __hash__(self) -> int:
        return hash(self._find())

    def __call__(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        return self._find()(*args, **kwargs)

    def __enter__(self) -> t.Any:
        return self._find().__enter__()

    def __exit__(self, *exc_info: t.Any) -> t.Any:
        return self._find().__exit__(*exc_info)

    def __dir__(self) -> t.Iterable[str]:
        try:
            return dir(self._find())
        except RuntimeError:
            return []

    def __repr__(self) -> str:
        try:
            obj = self._find()
        except RuntimeError:
            return f"<unbound {self._name} proxy>"
        return repr(obj)

    def __str__(self) -> str:
        return str(self._find())


current_app: App = t.cast("App", _ContextProxy(_find_app, "current_app"))
g: _AppCtxGlobals = t.cast("_AppCtxGlobals", _ContextProxy(_find_g, "g"))
request: Request = t.cast("Request", _ContextProxy(_find_request, "request"))
session: SessionMixin = t.cast("SessionMixin", _ContextProxy(_find_session, "session"))
websocket: WebSocket = t.cast("WebSocket", _ContextProxy(_find_websocket, "websocket"))

# Flask's names for the contexts themselves, which extensions use (``app_ctx``, ``_cv_app``).
app_ctx: AppContext = t.cast("AppContext", _ContextProxy(_find_app_ctx, "app_ctx"))
request_ctx: RequestContext = t.cast(
    "RequestContext", _ContextProxy(_find_request_ctx, "request_ctx")
)
_cv_app = _ContextView("flask.app_ctx", requests_only=False)
_cv_request = _ContextView("flask.request_ctx", requests_only=True)
