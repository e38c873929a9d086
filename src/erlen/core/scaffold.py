"""What apps and blueprints share: registering views, hooks and error handlers.

``Scaffold`` keeps the registries Flask users know (``view_functions``, ``before_request_funcs``,
``error_handler_spec``, ...), keyed by blueprint name with ``None`` for the app itself, and
provides the decorators that fill them. It never handles a request: the app reads these
registries once, when it starts serving, and builds its per-endpoint plans from them.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import typing as t
from collections import defaultdict
from functools import cached_property

from erlen.core import sendfile as _sendfile
from erlen.core.concurrency import is_async_callable
from erlen.http.exceptions import HTTPException, default_exceptions

if t.TYPE_CHECKING:
    from jinja2 import BaseLoader

    from erlen.http.wrappers import Response

__all__ = [
    "ErrorHandler",
    "HTTPException",
    "HookKey",
    "Scaffold",
    "T_route",
    "default_exceptions",
    "get_root_path",
    "setupmethod",
]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
T_route = t.TypeVar("T_route", bound=t.Callable[..., t.Any])
ErrorHandler = t.Callable[[t.Any], t.Any]
HookKey = str | None


def _setupmethod(f: F) -> F:
    """Mark a registration method: it may not run once the app has started serving."""
    name = f.__name__

    def wrapper(self: Scaffold, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._check_setup_finished(name)
        return f(self, *args, **kwargs)

    wrapper.__name__ = name
    wrapper.__qualname__ = f.__qualname__
    wrapper.__doc__ = f.__doc__
    wrapper.__wrapped__ = f  # type: ignore[attr-defined]
    return t.cast(F, wrapper)


setupmethod = _setupmethod


def get_root_path(import_name: str) -> str:
    """The folder of the module or package named ``import_name`` (the cwd for ``__main__``
    run interactively), used to find templates, static files and resources."""
    module = sys.modules.get(import_name)
    filename = getattr(module, "__file__", None)
    if filename is not None:
        return os.path.dirname(os.path.abspath(str(filename)))
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or spec.origin in (None, "namespace", "built-in"):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(spec.origin))


class Scaffold:
    """Registration shared by ``Erlen`` and ``Blueprint``."""

    name: str
    _static_folder: str | None = None
    _static_url_path: str | None = None

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        self.import_name = import_name
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        self.template_folder = template_folder
        self.root_path = root_path if root_path is not None else get_root_path(import_name)
        self.view_functions: dict[str, t.Callable[..., t.Any]] = {}
        self.error_handler_spec: dict[
            HookKey, dict[int | None, dict[type[BaseException], ErrorHandler]]
        ] = defaultdict(lambda: defaultdict(dict))
        self.before_request_funcs: dict[HookKey, list[t.Callable[[], t.Any]]] = defaultdict(list)
        self.after_request_funcs: dict[HookKey, list[t.Callable[[t.Any], t.Any]]] = defaultdict(
            list
        )
        self.teardown_request_funcs: dict[HookKey, list[t.Callable[[t.Any], t.Any]]] = defaultdict(
            list
        )
        self.template_context_processors: dict[HookKey, list[t.Callable[[], dict[str, t.Any]]]] = (
            defaultdict(list)
        )
        self.url_value_preprocessors: dict[
            HookKey, list[t.Callable[[str | None, dict[str, t.Any] | None], None]]
        ] = defaultdict(list)
        self.url_default_functions: dict[
            HookKey, list[t.Callable[[str, dict[str, t.Any]], None]]
        ] = defaultdict(list)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def _check_setup_finished(self, f_name: str) -> None:
        raise NotImplementedError

    # folders

    @property
    def static_folder(self) -> str | None:
        if self._static_folder is not None:
            return os.path.join(self.root_path, self._static_folder)
        return None

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        if value is not None:
            value = os.fspath(value).rstrip(r"\/")
        self._static_folder = value

    @property
    def has_static_folder(self) -> bool:
        return self.static_folder is not None

    @cached_property
    def jinja_loader(self) -> BaseLoader | None:
        """The Jinja loader for this object's ``template_folder`` (relative to ``root_path``),
        or None without one; the app's loader asks the app's, then each blueprint's."""
        if self.template_folder is None:
            return None
        from jinja2 import FileSystemLoader

        return FileSystemLoader(os.path.join(self.root_path, self.template_folder))

    @property
    def static_url_path(self) -> str | None:
        if self._static_url_path is not None:
            return self._static_url_path
        if self.static_folder is not None:
            basename = os.path.basename(self.static_folder)
            return f"/{basename}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        if value is not None:
            value = value.rstrip("/")
        self._static_url_path = value

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """Seconds browsers may cache ``filename`` (None: revalidate each time); by default
        ``SEND_FILE_MAX_AGE_DEFAULT``. Override it to cache some files longer."""
        return _sendfile.get_send_file_max_age()

    def send_static_file(self, filename: str) -> Response:
        """The view of the ``static`` endpoint: ``filename`` from ``static_folder``."""
        return _sendfile.send_static_file(self, filename)

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.Any]:
        """Open a file relative to ``root_path`` for reading: ``app.open_resource("schema.sql")``
        (a blueprint's is relative to the blueprint's folder)."""
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # routes

    def _method_route(
        self, method: str, rule: str, options: dict[str, t.Any]
    ) -> t.Callable[[T_route], T_route]:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to pass 'methods'.")
        return self.route(rule, methods=[method], **options)

    @_setupmethod
    def get(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """``route`` for GET (and the automatic HEAD)."""
        return self._method_route("GET", rule, options)

    @_setupmethod
    def post(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        return self._method_route("POST", rule, options)

    @_setupmethod
    def put(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        return self._method_route("PUT", rule, options)

    @_setupmethod
    def delete(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        return self._method_route("DELETE", rule, options)

    @_setupmethod
    def patch(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        return self._method_route("PATCH", rule, options)

    @_setupmethod
    def websocket(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register the decorated ``async def`` function as the WebSocket handler for ``rule``
        (served under ASGI; under WSGI the URL answers 400). It talks through the
        ``websocket`` context local, or a parameter annotated ``WebSocket``."""

        def decorator(f: T_route) -> T_route:
            if not is_async_callable(f):
                raise TypeError(
                    f"The WebSocket handler {f.__name__!r} must be an 'async def' function."
                )
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(
                rule,
                endpoint,
                f,
                methods=["GET"],
                websocket=True,
                provide_automatic_options=False,
                **options,
            )
            return f

        return decorator

    @_setupmethod
    def route(self, rule: str, **options: t.Any) -> t.Callable[[T_route], T_route]:
        """Register the decorated function as the view for ``rule``.

        ``methods`` lists the HTTP methods (default GET); ``endpoint`` names the route for
        ``url_for`` (default: the function's name); other options go to ``Rule``.
        """

        def decorator(f: T_route) -> T_route:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    @_setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        raise NotImplementedError

    @_setupmethod
    def endpoint(self, endpoint: str) -> t.Callable[[F], F]:
        """Register the decorated function as the view for an endpoint added without one."""

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # hooks

    @_setupmethod
    def before_request(self, f: F) -> F:
        """Run ``f()`` before each request; a value other than None becomes the response and
        the view is skipped."""
        self.before_request_funcs[None].append(f)
        return f

    @_setupmethod
    def after_request(self, f: F) -> F:
        """Run ``f(response)`` after each request that produced a response; it returns the
        response to send."""
        self.after_request_funcs[None].append(f)
        return f

    @_setupmethod
    def teardown_request(self, f: F) -> F:
        """Run ``f(error)`` when the request context ends, even after an unhandled error."""
        self.teardown_request_funcs[None].append(f)
        return f

    @_setupmethod
    def context_processor(self, f: F) -> F:
        """Run ``f()`` before rendering a template; the dict it returns joins the context."""
        self.template_context_processors[None].append(f)
        return f

    @_setupmethod
    def url_value_preprocessor(self, f: F) -> F:
        """Run ``f(endpoint, view_args)`` before the view, to pop or change URL values."""
        self.url_value_preprocessors[None].append(f)
        return f

    @_setupmethod
    def url_defaults(self, f: F) -> F:
        """Run ``f(endpoint, values)`` in ``url_for`` to fill in values the caller left out."""
        self.url_default_functions[None].append(f)
        return f

    # errors

    @_setupmethod
    def errorhandler(self, code_or_exception: type[BaseException] | int) -> t.Callable[[F], F]:
        """Register the decorated function to turn an error (an HTTP status code or an exception
        class) into a response."""

        def decorator(f: F) -> F:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @_setupmethod
    def register_error_handler(
        self, code_or_exception: type[BaseException] | int, f: ErrorHandler
    ) -> None:
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f

    @staticmethod
    def _get_exc_class_and_code(
        exc_class_or_code: type[BaseException] | int,
    ) -> tuple[type[BaseException], int | None]:
        if isinstance(exc_class_or_code, int):
            try:
                exc_class: type[BaseException] = default_exceptions[exc_class_or_code]
            except KeyError:
                raise ValueError(
                    f"'{exc_class_or_code}' is not a recognized HTTP error code. Use a subclass"
                    " of HTTPException with that code instead."
                ) from None
        else:
            exc_class = exc_class_or_code
        if isinstance(exc_class, Exception):
            raise TypeError(
                f"{exc_class!r} is an instance, not a class. Handlers can only be registered for"
                " exception classes or HTTP error codes."
            )
        if not isinstance(exc_class, type) or not issubclass(exc_class, Exception):
            raise ValueError(
                f"'{exc_class.__name__}' is not a subclass of Exception. Handlers can only be"
                " registered for exception classes or HTTP error codes."
            )
        if issubclass(exc_class, HTTPException):
            return exc_class, exc_class.code
        return exc_class, None


def _endpoint_from_view_func(view_func: t.Callable[..., t.Any]) -> str:
    if view_func is None:
        raise TypeError("An endpoint name is needed when no view function is given.")
    return view_func.__name__
