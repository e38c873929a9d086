"""Application and request contexts, and the helpers that carry them across work.

A context is pushed by setting the one ``ContextVar`` in ``globals.py`` and popped by resetting it
with the token that set returned, so a context never leaks into the caller after it ends, and each
thread and asyncio task sees only what was set in its own copy of the variables. A request context
is also an application context; pushed inside an application context of the same app it shares
that context's ``g``, as in Flask. This module runs teardown callbacks, but never reads a request
body and knows nothing about WSGI or ASGI.
"""

from __future__ import annotations

import functools
import inspect
import sys
import typing as t
from contextvars import Token
from types import TracebackType

from erlen.core import sessions as _sessions
from erlen.core import signals as _signals
from erlen.core.globals import _cv_context

if t.TYPE_CHECKING:
    from erlen.core.app import App
    from erlen.core.sessions import SessionMixin
    from erlen.http.wrappers import Request

__all__ = [
    "AfterRequestCallable",
    "AppContext",
    "G",
    "RequestContext",
    "after_this_request",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
    "stream_with_context",
]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
AfterRequestCallable = t.Callable[[t.Any], t.Any]

_sentinel: t.Any = object()


class _AppCtxGlobals:
    """The ``g`` object: a plain namespace for data that lives as long as the app context."""

    if t.TYPE_CHECKING:
        # Any attribute may be set on g: tell type checkers so (``g.db`` under mypy --strict).
        def __getattr__(self, name: str) -> t.Any: ...

        def __setattr__(self, name: str, value: t.Any) -> None: ...

        def __delattr__(self, name: str) -> None: ...

    def get(self, name: str, default: t.Any = None) -> t.Any:
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        return self.__dict__.setdefault(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.__dict__

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        ctx = _cv_context.get(None)
        if ctx is not None:
            return f"<erlen.g of '{ctx.app.name}'>"
        return object.__repr__(self)


class AppContext:
    """Makes ``current_app`` and ``g`` available; pushed with ``with app.app_context():``."""

    __slots__ = ("_g", "_tokens", "app")

    request: Request | None = None

    def __init__(self, app: App) -> None:
        self.app = app
        self._g: _AppCtxGlobals | None = None
        self._tokens: t.Sequence[Token[AppContext]] = ()

    @property
    def g(self) -> _AppCtxGlobals:
        g = self._g
        if g is None:
            g = self._g = self.app.app_ctx_globals_class()
        return g

    @g.setter
    def g(self, value: _AppCtxGlobals) -> None:
        self._g = value

    def push(self) -> None:
        self._tokens = [*self._tokens, _cv_context.set(self)]
        _app_context_signal(_signals.appcontext_pushed, self.app)

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        if not self._tokens:
            raise RuntimeError("This application context was popped more often than pushed.")
        try:
            if len(self._tokens) == 1:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_appcontext(exc)
        finally:
            *self._tokens, token = self._tokens
            if _cv_context.get(None) is not self:
                raise AssertionError(
                    f"Popped the wrong context ({_cv_context.get(None)!r} instead of {self!r})."
                )
            _cv_context.reset(token)
        _app_context_signal(_signals.appcontext_popped, self.app)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.app.name!r}>"


class RequestContext(AppContext):
    """Makes ``request`` and ``session`` available as well as ``current_app`` and ``g``.

    The app creates one for every request; tests create one with ``app.test_request_context()``.
    ``owns_app_context`` is false when it was pushed inside an app context of the same app: then
    ``g`` is that context's and the app-context teardown is left to it.
    """

    request: Request

    # PERF: one is created per request: only what every request sets is stored per instance;
    # the rest starts as these class-level defaults and lands in __dict__ when a request sets
    # it, instead of an __init__ that sets every field (benchmarks/instructions.py wsgi hello).
    __slots__ = ("__dict__", "request")

    _g = None
    _tokens: t.Sequence[Token[AppContext]] = ()
    _session: SessionMixin | None = None
    _after_request_functions: list[AfterRequestCallable] | None = None
    flashes: list[tuple[str, str]] | None = None
    owns_app_context = True
    stream_holds = 0
    unhandled_error: BaseException | None = None

    def __init__(self, app: App, request: Request, session: SessionMixin | None = None) -> None:
        self.app = app
        self.request = request
        if session is not None:
            self._session = session

    @property
    def session(self) -> SessionMixin:
        """The session, opened from the request on first use (a request that never touches the
        session costs nothing and never sets a cookie)."""
        session = self._session
        if session is None:
            session = self._session = _sessions.open_session(self.app, self.request)
        return session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._session = value

    @property
    def session_opened(self) -> bool:
        return self._session is not None

    def adopt_outer(self) -> None:
        """Share ``g`` with the app context already current for the same app (a request
        context pushed inside ``with app.app_context():``), which then stays its owner."""
        outer = _cv_context.get(None)
        if outer is not None and outer.app is self.app:
            self._g = outer.g
            self.owns_app_context = False

    def push(self) -> None:
        if not self._tokens:
            self.adopt_outer()
        self._tokens = [*self._tokens, _cv_context.set(self)]
        if self.owns_app_context and len(self._tokens) == 1:
            _app_context_signal(_signals.appcontext_pushed, self.app)

    def hold_token(self, token: Token[AppContext]) -> None:
        """Take over ``token`` from a ``context_var.set(self)`` made outside ``push()``, so that
        the next ``pop()`` resets it: how the test client keeps a request's context current
        after the response (``preserve_context``) until it releases it."""
        self._tokens = [*self._tokens, token]

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        if not self._tokens:
            raise RuntimeError("This request context was popped more often than pushed.")
        last = len(self._tokens) == 1
        try:
            if last and not self.stream_holds:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.dispatcher.teardown(self, exc)
        finally:
            *self._tokens, token = self._tokens
            _cv_context.reset(token)
        if last and self.owns_app_context:
            _app_context_signal(_signals.appcontext_popped, self.app)

    def copy(self) -> RequestContext:
        """A context for the same request, session and ``g``, to push in another thread."""
        ctx = RequestContext(self.app, self.request, self._session)
        ctx._g = self.g
        ctx.owns_app_context = False
        return ctx

    def __repr__(self) -> str:
        request = self.request
        return f"<RequestContext {request.method} {request.path!r} of {self.app.name!r}>"


def has_app_context() -> bool:
    """Whether ``current_app`` and ``g`` can be used here."""
    return _cv_context.get(None) is not None


def has_request_context() -> bool:
    """Whether ``request`` and ``session`` can be used here."""
    ctx = _cv_context.get(None)
    return ctx is not None and ctx.request is not None


def _current_request_context(what: str) -> RequestContext:
    ctx = _cv_context.get(None)
    if ctx is None or ctx.request is None:
        raise RuntimeError(
            f"'{what}' can only be used while a request is handled (in a view or a hook), "
            "because it needs the current request context."
        )
    return ctx  # type: ignore[return-value]


def after_this_request(f: F) -> F:
    """Run ``f(response)`` after the current request, before the app's ``after_request``
    functions; it must return the response (or a new one)."""
    ctx = _current_request_context("after_this_request")
    if ctx._after_request_functions is None:
        ctx._after_request_functions = []
    ctx._after_request_functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Wrap ``f`` so it runs with the current request context, in whatever thread or task calls it.

    The wrapper shares the request, the session and ``g`` with the view that created it. Works for
    plain functions and coroutine functions.
    """
    ctx = _current_request_context("copy_current_request_context")

    if inspect.iscoroutinefunction(f):

        @functools.wraps(f)
        async def async_wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
            token = _cv_context.set(ctx)
            try:
                return await f(*args, **kwargs)
            finally:
                _cv_context.reset(token)

        return t.cast(F, async_wrapper)

    @functools.wraps(f)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        token = _cv_context.set(ctx)
        try:
            return f(*args, **kwargs)
        finally:
            _cv_context.reset(token)

    return t.cast(F, wrapper)


G = t.TypeVar("G")


def stream_with_context(
    generator_or_function: t.Iterator[G] | t.Callable[..., t.Iterator[G]],
) -> t.Iterator[G]:
    """Keep the request context for a streamed body.

    A generator returned from a view runs after the view has returned, when the context would
    normally be gone. Wrapped with this, each step of the generator runs with the request context
    set, and the request's teardown waits until the body has been sent or closed. Use it on a
    generator, or as a decorator on a generator function.
    """
    if callable(generator_or_function) and not hasattr(generator_or_function, "__next__"):
        function = generator_or_function

        @functools.wraps(function)
        def decorated(*args: t.Any, **kwargs: t.Any) -> t.Iterator[G]:
            return stream_with_context(function(*args, **kwargs))

        return decorated  # type: ignore[return-value]

    ctx = _current_request_context("stream_with_context")
    if hasattr(generator_or_function, "__aiter__"):
        ctx.stream_holds += 1
        async_body = t.cast(t.AsyncIterable[G], generator_or_function)
        return _AsyncContextStream(ctx, async_body)  # type: ignore[return-value]
    iterator = iter(t.cast(t.Iterable[G], generator_or_function))
    ctx.stream_holds += 1
    return _ContextStream(ctx, iterator)


class _AsyncContextStream(t.Generic[G]):
    """The async counterpart of ``_ContextStream``: an async generator body that runs with its
    request context set and ends the request when it is done or closed."""

    __slots__ = ("_ctx", "_done", "_iterator")

    def __init__(self, ctx: RequestContext, iterable: t.AsyncIterable[G]) -> None:
        self._ctx = ctx
        self._iterator = iterable.__aiter__()
        self._done = False

    def __aiter__(self) -> _AsyncContextStream[G]:
        return self

    async def __anext__(self) -> G:
        if self._done:
            raise StopAsyncIteration
        token = _cv_context.set(self._ctx)
        try:
            return await self._iterator.__anext__()
        except StopAsyncIteration:
            await self.aclose()
            raise
        except BaseException as exc:
            await self._finish(exc)
            raise
        finally:
            _cv_context.reset(token)

    async def aclose(self) -> None:
        if not self._done:
            await self._finish(None)

    async def _finish(self, exc: BaseException | None) -> None:
        self._done = True
        ctx = self._ctx
        token = _cv_context.set(ctx)
        try:
            aclose = getattr(self._iterator, "aclose", None)
            if aclose is not None:
                await aclose()
        finally:
            ctx.stream_holds -= 1
            try:
                if ctx.stream_holds == 0:
                    dispatcher = ctx.app.dispatcher
                    await dispatcher.thread_pool.run(dispatcher.teardown, ctx, exc)
            finally:
                _cv_context.reset(token)


class _ContextStream(t.Generic[G]):
    """Iterates a body with its request context set, then runs the deferred teardown once."""

    __slots__ = ("_ctx", "_done", "_iterator")

    def __init__(self, ctx: RequestContext, iterator: t.Iterator[G]) -> None:
        self._ctx = ctx
        self._iterator = iterator
        self._done = False

    def __iter__(self) -> _ContextStream[G]:
        return self

    def __next__(self) -> G:
        if self._done:
            raise StopIteration
        token = _cv_context.set(self._ctx)
        try:
            return next(self._iterator)
        except BaseException as exc:
            if not isinstance(exc, StopIteration):
                self._finish(exc)
                raise
            self._finish(None)
            raise
        finally:
            _cv_context.reset(token)

    def close(self) -> None:
        if not self._done:
            self._finish(None)

    def _finish(self, exc: BaseException | None) -> None:
        self._done = True
        ctx = self._ctx
        token = _cv_context.set(ctx)
        try:
            close = getattr(self._iterator, "close", None)
            if close is not None:
                close()
        finally:
            ctx.stream_holds -= 1
            try:
                if ctx.stream_holds == 0:
                    ctx.app.dispatcher.teardown(ctx, exc)
            finally:
                _cv_context.reset(token)


def _app_context_signal(signal: t.Any, app: App) -> None:
    """Send ``appcontext_pushed``/``appcontext_popped`` when some receiver listens."""
    if _signals.lifecycle.active:
        _signals.send(signal, app)
