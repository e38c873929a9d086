"""Class-based views: ``View`` and ``MethodView``, as in Flask.

``as_view`` turns a class into a view function that makes an instance (per request, or once) and
calls its ``dispatch_request``. The function is ``async def`` when the class's handlers are, so
the app runs it on the event loop under ASGI and on the thread's loop under WSGI, exactly as it
runs an ``async def`` view function; a class with only sync handlers gives a sync function. This
module only builds view functions; routing them is the app's job.
"""

from __future__ import annotations

import typing as t

from erlen.core.concurrency import is_async_callable
from erlen.core.globals import current_app, request

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: The methods a ``MethodView`` maps to handlers of the same (lower-case) name.
http_method_funcs = frozenset(["get", "post", "head", "options", "delete", "put", "trace", "patch"])


class View:
    """Subclass and define ``dispatch_request`` (receiving the URL values as keyword arguments),
    then route ``MyView.as_view("name")``.

    ``methods`` lists the HTTP methods the route accepts, ``decorators`` wraps the view function
    (first in the list is innermost), and ``init_every_request = False`` makes one instance serve
    every request (do not keep per-request data on ``self`` then).
    """

    methods: t.ClassVar[t.Collection[str] | None] = None
    provide_automatic_options: t.ClassVar[bool | None] = None
    decorators: t.ClassVar[list[t.Callable[..., t.Any]]] = []
    init_every_request: t.ClassVar[bool] = True

    def dispatch_request(self, **kwargs: t.Any) -> t.Any:
        """Answer the request; the return value is anything a view function may return."""
        raise NotImplementedError()

    @classmethod
    def _dispatcher(cls) -> tuple[str, bool]:
        """The method ``as_view``'s function calls, and whether it is ``async def``."""
        return "dispatch_request", is_async_callable(cls.dispatch_request)

    @classmethod
    def as_view(
        cls, name: str, *class_args: t.Any, **class_kwargs: t.Any
    ) -> t.Callable[..., t.Any]:
        """A view function for this class, registered under ``name`` as its endpoint. Each
        request gets a new ``cls(*class_args, **class_kwargs)`` unless ``init_every_request`` is
        false."""
        method, is_async = cls._dispatcher()
        view: t.Callable[..., t.Any]
        if cls.init_every_request:
            if is_async:

                async def view(**kwargs: t.Any) -> t.Any:
                    self = _view_class(view)(*class_args, **class_kwargs)
                    return await getattr(self, method)(**kwargs)

            else:

                def view(**kwargs: t.Any) -> t.Any:
                    self = _view_class(view)(*class_args, **class_kwargs)
                    return getattr(self, method)(**kwargs)

        else:
            bound = getattr(cls(*class_args, **class_kwargs), method)
            if is_async:

                async def view(**kwargs: t.Any) -> t.Any:
                    return await bound(**kwargs)

            else:

                def view(**kwargs: t.Any) -> t.Any:
                    return bound(**kwargs)

        if cls.decorators:
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)
        # Set after decorating, so the app sees them on the function it routes.
        routed: t.Any = view
        routed.view_class = cls
        routed.__name__ = name
        routed.__qualname__ = name
        routed.__doc__ = cls.__doc__
        routed.__module__ = cls.__module__
        routed.methods = cls.methods
        routed.provide_automatic_options = cls.provide_automatic_options
        return view


def _view_class(view: t.Any) -> type[View]:
    # Read from the routed function on each request, as Flask does, so code that replaces
    # ``view.view_class`` after ``as_view`` is honoured.
    return t.cast(type[View], view.view_class)


class MethodView(View):
    """Dispatches each request to the method named after its HTTP method (``get``, ``post``,
    ...); ``HEAD`` uses ``get`` when there is no ``head``. ``methods`` is computed from the
    handlers the class (and its bases) define. Handlers may be ``async def``; a class that mixes
    them runs its sync handlers in the thread pool under ASGI.
    """

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" in cls.__dict__:
            return
        methods: set[str] = set()
        for base in cls.__bases__:
            methods.update(getattr(base, "methods", None) or ())
        methods.update(key.upper() for key in http_method_funcs if hasattr(cls, key))
        if methods:
            cls.methods = methods

    def _handler(self) -> t.Callable[..., t.Any]:
        method = request.method
        handler = getattr(self, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(self, "get", None)
        if handler is None:
            raise AssertionError(f"Unimplemented method {method!r}")
        return t.cast(t.Callable[..., t.Any], handler)

    def dispatch_request(self, **kwargs: t.Any) -> t.Any:
        """Call the handler for the request's method with the URL values."""
        return current_app.ensure_sync(self._handler())(**kwargs)

    async def _dispatch_async(self, **kwargs: t.Any) -> t.Any:
        handler = self._handler()
        if is_async_callable(handler):
            return await handler(**kwargs)
        return await current_app.dispatcher.adapt_async(handler)(**kwargs)

    @classmethod
    def _dispatcher(cls) -> tuple[str, bool]:
        if cls.dispatch_request is not MethodView.dispatch_request:
            return super()._dispatcher()
        handlers = (getattr(cls, key, None) for key in http_method_funcs)
        if any(is_async_callable(handler) for handler in handlers if handler is not None):
            return "_dispatch_async", True
        return "dispatch_request", False


__all__ = ["MethodView", "View", "http_method_funcs"]
