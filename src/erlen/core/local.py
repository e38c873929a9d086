"""Context-local objects and proxies to them: Werkzeug's ``werkzeug.local`` names, on contextvars.

``LocalProxy`` stands for "the object that is current now": it is built from a function, a
``ContextVar``, a ``Local`` (with an attribute name) or a ``LocalStack``, and forwards attribute
access and every operator to that object on each use. Flask extensions build their own globals
this way (Flask-Login's ``current_user = LocalProxy(lambda: _get_user())``). ``Local`` and
``LocalStack`` keep their data in a ``ContextVar``, so each thread and each asyncio task sees its
own. This module owns no global state of its own and never reads erlen's request context: the
context locals of the framework are in ``globals.py``.
"""

from __future__ import annotations

import copy
import math
import operator
import typing as t
from contextvars import ContextVar
from functools import update_wrapper

from erlen.http.streams import ClosingIterator

if t.TYPE_CHECKING:
    from erlen.adapters.wsgi import StartResponse

    WSGIApp = t.Callable[[dict[str, t.Any], StartResponse], t.Iterable[bytes]]

__all__ = ["Local", "LocalManager", "LocalProxy", "LocalStack", "release_local"]

T = t.TypeVar("T")


def release_local(local: Local | LocalStack[t.Any]) -> None:
    """Drop everything ``local`` holds for the current context."""
    local.__release_local__()


class Local:
    """An attribute namespace whose values belong to the current context (thread or task).

    ``local.user = u`` is seen only by code running in the same context; ``local("user")`` is a
    ``LocalProxy`` to that attribute.
    """

    __slots__ = ("_storage",)

    def __init__(self, context_var: ContextVar[dict[str, t.Any]] | None = None) -> None:
        if context_var is None:
            # One variable per Local: a shared one would mix the values of two namespaces.
            context_var = ContextVar(f"erlen.Local<{id(self)}>.storage")
        object.__setattr__(self, "_storage", context_var)

    def __iter__(self) -> t.Iterator[tuple[str, t.Any]]:
        return iter(self._storage.get({}).items())

    def __call__(self, name: str, *, unbound_message: str | None = None) -> LocalProxy[t.Any]:
        """A proxy to the attribute ``name`` of this namespace."""
        return LocalProxy(self, name, unbound_message=unbound_message)

    def __release_local__(self) -> None:
        self._storage.set({})

    def __getattr__(self, name: str) -> t.Any:
        values = self._storage.get({})
        if name in values:
            return values[name]
        raise AttributeError(name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        # A new dict on every change: a copied context (a task, copy_context()) keeps the old one.
        values = self._storage.get({}).copy()
        values[name] = value
        self._storage.set(values)

    def __delattr__(self, name: str) -> None:
        values = self._storage.get({})
        if name not in values:
            raise AttributeError(name)
        values = values.copy()
        del values[name]
        self._storage.set(values)


class LocalStack(t.Generic[T]):
    """A stack whose items belong to the current context; ``top`` is the last pushed item."""

    __slots__ = ("_storage",)

    def __init__(self, context_var: ContextVar[list[T]] | None = None) -> None:
        if context_var is None:
            context_var = ContextVar(f"erlen.LocalStack<{id(self)}>.storage")
        self._storage = context_var

    def __release_local__(self) -> None:
        self._storage.set([])

    def push(self, obj: T) -> list[T]:
        """Push ``obj``; returns the stack as it now is."""
        stack = [*self._storage.get([]), obj]
        self._storage.set(stack)
        return stack

    def pop(self) -> T | None:
        """Remove and return the top item; None when the stack is empty."""
        stack = self._storage.get([])
        if not stack:
            return None
        self._storage.set(stack[:-1])
        return stack[-1]

    @property
    def top(self) -> T | None:
        """The top item, or None when the stack is empty."""
        stack = self._storage.get([])
        return stack[-1] if stack else None

    def __call__(
        self, name: str | None = None, *, unbound_message: str | None = None
    ) -> LocalProxy[t.Any]:
        """A proxy to the top item (or to its attribute ``name``)."""
        return LocalProxy(self, name, unbound_message=unbound_message)


class LocalManager:
    """Releases a group of locals at the end of each request of a WSGI app it wraps."""

    def __init__(
        self,
        locals: Local | LocalStack[t.Any] | t.Iterable[Local | LocalStack[t.Any]] | None = None,
    ) -> None:
        if locals is None:
            self.locals: list[Local | LocalStack[t.Any]] = []
        elif isinstance(locals, (Local, LocalStack)):
            self.locals = [locals]
        else:
            self.locals = list(locals)

    def cleanup(self) -> None:
        """Release every managed local for the current context."""
        for local in self.locals:
            release_local(local)

    def make_middleware(self, app: WSGIApp) -> WSGIApp:
        """Wrap a WSGI app so the locals are released once its response is closed."""

        def application(
            environ: dict[str, t.Any], start_response: StartResponse
        ) -> t.Iterable[bytes]:
            return ClosingIterator(app(environ, start_response), self.cleanup)

        return application

    def middleware(self, func: WSGIApp) -> WSGIApp:
        """``make_middleware`` as a decorator, keeping the function's name and docstring."""
        return update_wrapper(self.make_middleware(func), func)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} storages: {len(self.locals)}>"


def _getter(local: t.Any, name: str | None, unbound_message: str | None) -> t.Callable[[], t.Any]:
    """The function that finds the current object of a proxy."""
    pick: t.Callable[[t.Any], t.Any] = (
        operator.attrgetter(name) if name is not None else (lambda obj: obj)
    )
    if isinstance(local, Local):
        if name is None:
            raise TypeError("'name' is required when proxying a 'Local' object.")
        message = unbound_message or f"The context-local attribute {name!r} is not set."

        def from_local() -> t.Any:
            try:
                return pick(local)
            except AttributeError:
                raise RuntimeError(message) from None

        return from_local
    if isinstance(local, LocalStack):
        message = unbound_message or "The context-local stack is empty: nothing is bound."

        def from_stack() -> t.Any:
            obj = local.top
            if obj is None:
                raise RuntimeError(message)
            return pick(obj)

        return from_stack
    if isinstance(local, ContextVar):
        message = unbound_message or f"The context variable {local.name!r} has no value here."

        def from_var() -> t.Any:
            try:
                obj = local.get()
            except LookupError:
                raise RuntimeError(message) from None
            return pick(obj)

        return from_var
    if callable(local):
        if name is None:
            # The function itself: no wrapper call on every use of the proxy.
            return t.cast(t.Callable[[], t.Any], local)
        return lambda: pick(local())
    raise TypeError(f"LocalProxy cannot proxy a {type(local).__name__!r} object.")


_OWN = frozenset({"_get_current_object", "_LocalProxy__local"})


def _current(proxy: LocalProxy[t.Any]) -> t.Any:
    # PERF: past the proxy's own __getattribute__, which would cost a Python call per operator
    # (python -m timeit in docs/context-locals.md measures proxy access).
    return object.__getattribute__(proxy, "_get_current_object")()


def _forward(op: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    def method(self: LocalProxy[t.Any], *args: t.Any) -> t.Any:
        return op(_current(self), *args)

    return method


def _reflected(op: t.Callable[[t.Any, t.Any], t.Any]) -> t.Callable[..., t.Any]:
    def method(self: LocalProxy[t.Any], other: t.Any) -> t.Any:
        return op(other, _current(self))

    return method


def _in_place(op: t.Callable[[t.Any, t.Any], t.Any]) -> t.Callable[..., t.Any]:
    # As Werkzeug's: the operation changes the object (a list, a set), and the name the proxy is
    # bound to keeps meaning the proxy.
    def method(self: LocalProxy[t.Any], other: t.Any) -> t.Any:
        op(_current(self), other)
        return self

    return method


def _method(name: str) -> t.Callable[..., t.Any]:
    def method(self: LocalProxy[t.Any], *args: t.Any, **kwargs: t.Any) -> t.Any:
        return getattr(_current(self), name)(*args, **kwargs)

    return method


class LocalProxy(t.Generic[T]):
    """Stands for the current object of a context local, and forwards everything to it.

    ``local`` is a function returning the object, a ``ContextVar``, a ``LocalStack`` (its top
    item), or a ``Local`` together with an attribute ``name``; with ``name`` the proxy stands for
    that attribute of the object. When nothing is bound, using the proxy raises ``RuntimeError``
    with ``unbound_message``. ``repr()`` and ``isinstance()`` see the proxied object; use
    ``_get_current_object()`` to hand the object itself to another thread or to keep it.
    """

    __slots__ = ("_LocalProxy__local", "_get_current_object")

    _get_current_object: t.Callable[[], T]

    def __init__(
        self,
        local: ContextVar[T] | Local | LocalStack[T] | t.Callable[[], T],
        name: str | None = None,
        *,
        unbound_message: str | None = None,
    ) -> None:
        object.__setattr__(self, "_get_current_object", _getter(local, name, unbound_message))
        object.__setattr__(self, "_LocalProxy__local", local)

    def __getattribute__(self, name: str) -> t.Any:
        # Every attribute but the proxy's own is the object's. Overriding __getattribute__ (not
        # __getattr__) spares each access a failed lookup on the proxy first.
        if name in _OWN:
            return object.__getattribute__(self, name)
        find = object.__getattribute__(self, "_get_current_object")
        if name == "__class__":
            try:
                return type(find())
            except RuntimeError:
                return type(self)
        if name == "__wrapped__":
            # The object's own __wrapped__ when bound; the local when not (doctest, inspect).
            try:
                obj = find()
            except RuntimeError:
                return object.__getattribute__(self, "_LocalProxy__local")
            return obj.__wrapped__
        if name == "__doc__":
            try:
                return find().__doc__
            except RuntimeError:
                return type(self).__doc__
        return getattr(find(), name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        setattr(_current(self), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(_current(self), name)

    def __repr__(self) -> str:
        try:
            obj = _current(self)
        except RuntimeError:
            return f"<{type(self).__name__} unbound>"
        return repr(obj)

    def __bool__(self) -> bool:
        try:
            return bool(_current(self))
        except RuntimeError:
            return False

    def __dir__(self) -> t.Iterable[str]:
        try:
            return dir(_current(self))
        except RuntimeError:
            return []

    def __instancecheck__(self, instance: t.Any) -> bool:
        return isinstance(instance, _current(self))

    def __subclasscheck__(self, subclass: type) -> bool:
        return issubclass(subclass, _current(self))

    def __deepcopy__(self, memo: dict[int, t.Any]) -> t.Any:
        return copy.deepcopy(_current(self), memo)

    __str__ = _forward(str)
    __bytes__ = _forward(bytes)
    __format__ = _forward(format)
    __lt__ = _forward(operator.lt)
    __le__ = _forward(operator.le)
    __eq__ = _forward(operator.eq)
    __ne__ = _forward(operator.ne)
    __gt__ = _forward(operator.gt)
    __ge__ = _forward(operator.ge)
    __hash__ = _forward(hash)
    __call__ = _method("__call__")
    __len__ = _forward(len)
    __length_hint__ = _forward(operator.length_hint)
    __getitem__ = _forward(operator.getitem)
    __setitem__ = _forward(operator.setitem)
    __delitem__ = _forward(operator.delitem)
    __iter__ = _forward(iter)
    __next__ = _forward(next)
    __reversed__ = _forward(reversed)
    __contains__ = _forward(operator.contains)
    __add__ = _forward(operator.add)
    __sub__ = _forward(operator.sub)
    __mul__ = _forward(operator.mul)
    __matmul__ = _forward(operator.matmul)
    __truediv__ = _forward(operator.truediv)
    __floordiv__ = _forward(operator.floordiv)
    __mod__ = _forward(operator.mod)
    __divmod__ = _forward(divmod)
    __pow__ = _forward(pow)
    __lshift__ = _forward(operator.lshift)
    __rshift__ = _forward(operator.rshift)
    __and__ = _forward(operator.and_)
    __xor__ = _forward(operator.xor)
    __or__ = _forward(operator.or_)
    __radd__ = _reflected(operator.add)
    __rsub__ = _reflected(operator.sub)
    __rmul__ = _reflected(operator.mul)
    __rmatmul__ = _reflected(operator.matmul)
    __rtruediv__ = _reflected(operator.truediv)
    __rfloordiv__ = _reflected(operator.floordiv)
    __rmod__ = _reflected(operator.mod)
    __rdivmod__ = _reflected(divmod)
    __rpow__ = _reflected(pow)
    __rlshift__ = _reflected(operator.lshift)
    __rrshift__ = _reflected(operator.rshift)
    __rand__ = _reflected(operator.and_)
    __rxor__ = _reflected(operator.xor)
    __ror__ = _reflected(operator.or_)
    __iadd__ = _in_place(operator.iadd)
    __isub__ = _in_place(operator.isub)
    __imul__ = _in_place(operator.imul)
    __imatmul__ = _in_place(operator.imatmul)
    __itruediv__ = _in_place(operator.itruediv)
    __ifloordiv__ = _in_place(operator.ifloordiv)
    __imod__ = _in_place(operator.imod)
    __ipow__ = _in_place(operator.ipow)
    __ilshift__ = _in_place(operator.ilshift)
    __irshift__ = _in_place(operator.irshift)
    __iand__ = _in_place(operator.iand)
    __ixor__ = _in_place(operator.ixor)
    __ior__ = _in_place(operator.ior)
    __neg__ = _forward(operator.neg)
    __pos__ = _forward(operator.pos)
    __abs__ = _forward(abs)
    __invert__ = _forward(operator.invert)
    __complex__ = _forward(complex)
    __int__ = _forward(int)
    __float__ = _forward(float)
    __index__ = _forward(operator.index)
    __round__ = _forward(round)
    __trunc__ = _forward(math.trunc)
    __floor__ = _forward(math.floor)
    __ceil__ = _forward(math.ceil)
    __copy__ = _forward(copy.copy)
    __enter__ = _method("__enter__")
    __exit__ = _method("__exit__")
    __await__ = _method("__await__")
    __aiter__ = _method("__aiter__")
    __anext__ = _method("__anext__")
    __aenter__ = _method("__aenter__")
    __aexit__ = _method("__aexit__")
