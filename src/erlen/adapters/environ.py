"""Werkzeug's WSGI entry points on the HTTP layer's objects: ``Request(environ)``, the
``Request.application`` decorator, a ``Response`` called as a WSGI app, ``get_wsgi_headers``,
and the environ forms of ``parse_cookie``, ``is_resource_modified`` and ``make_conditional``.

The HTTP layer never reads an environ: it declares these as slots in ``erlen.http.slots``, and
this module fills them when it is imported (``erlen.adapters`` imports it, and ``import erlen``
imports the adapters, so they are set before any user code runs). ``Request.from_values`` and
``Response.from_app`` build environs or run apps with the test tools, so
``erlen.tools.testing_wsgi`` fills those two (an adapter never imports the tools).

The adapters never come here: they build their own subclasses with the app's limits. A request
made here reads its environ exactly as the WSGI adapter's ``EnvironRequest`` does (it is one,
combined once per request class, so ``isinstance(request, cls)`` holds), tolerates the partial
environs tests write (no method: GET; no scheme: http), and reads its limits as Flask's
``Request`` does: the app's config inside an app context, Werkzeug's defaults outside one,
unless set on the request.
"""

from __future__ import annotations

import typing as t
from functools import update_wrapper

from erlen.adapters.response_wsgi import wsgi_headers
from erlen.adapters.wsgi import EnvironHeaders, EnvironRequest, send_response
from erlen.core.globals import context_var
from erlen.http import slots
from erlen.http.exceptions import HTTPException
from erlen.http.wrappers.request import Limits, Request

if t.TYPE_CHECKING:
    from erlen.http.wrappers.response import Response

WSGIEnvironment = dict[str, t.Any]
StartResponse = t.Callable[..., t.Any]

#: Werkzeug's limits for a request outside an app: no body limit, 500 kB of form fields in
#: memory, 1000 multipart parts.
WERKZEUG_LIMITS: Limits = (None, 500_000, 1000)
_CONFIG_KEYS = ("MAX_CONTENT_LENGTH", "MAX_FORM_MEMORY_SIZE", "MAX_FORM_PARTS")
_CLASS_ATTRIBUTE = "_erlen_environ_class"


class _ShallowStream:
    """The body of a shallow request: reading it is a programming error, as in Werkzeug."""

    def read(self, size: int = -1, /) -> bytes:
        raise RuntimeError(
            "A shallow request tried to read its body. Create the request with shallow=False"
            " to read it."
        )

    readline = readlines = read


class StandaloneRequest(EnvironRequest):
    """An ``EnvironRequest`` made by user code rather than the adapter (see the module)."""

    __slots__ = ()

    def __init__(
        self, environ: WSGIEnvironment, populate_request: bool = True, shallow: bool = False
    ) -> None:
        # The adapter's reading of the method and path, given a method when the environ has
        # none; the request keeps the caller's environ itself.
        complete = environ if "REQUEST_METHOD" in environ else {**environ, "REQUEST_METHOD": "GET"}
        EnvironRequest.__init__(self, complete, t.cast(Limits, None))
        self.environ = environ
        self.method = self.method.upper()
        if shallow:
            self.__dict__["shallow"] = True
            self.__dict__["stream"] = _ShallowStream()
        elif populate_request:
            environ["werkzeug.request"] = self

    @property
    def scheme(self) -> str:  # type: ignore[override]
        return t.cast(str, self.environ.get("wsgi.url_scheme", "http"))

    # limits: the app's config at each use, unless set on the request

    def _limit(self, index: int) -> int | None:
        overrides: dict[int, int | None] = self.__dict__.get("_limit_overrides", {})
        if index in overrides:
            return overrides[index]
        ctx = context_var.get(None)
        if ctx is not None:
            return t.cast("int | None", ctx.app.config[_CONFIG_KEYS[index]])
        return WERKZEUG_LIMITS[index]

    def _set_limit(self, index: int, value: int | None) -> None:
        self.__dict__.setdefault("_limit_overrides", {})[index] = value

    @property
    def _limits(self) -> Limits:
        return (self._limit(0), self._limit(1), self._limit(2))

    @_limits.setter
    def _limits(self, value: Limits | None) -> None:
        if value is not None:
            for index, limit in enumerate(value):
                self._set_limit(index, limit)

    @property
    def max_content_length(self) -> int | None:
        return self._limit(0)

    @max_content_length.setter
    def max_content_length(self, value: int | None) -> None:
        self._set_limit(0, value)

    @property
    def max_form_memory_size(self) -> int | None:
        return self._limit(1)

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._set_limit(1, value)

    @property
    def max_form_parts(self) -> int | None:
        return self._limit(2)

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._set_limit(2, value)


def standalone_class(cls: type[Request]) -> type[StandaloneRequest]:
    """``cls`` reading a WSGI environ, made once and kept on ``cls`` itself (so it goes away
    with ``cls``)."""
    combined = cls.__dict__.get(_CLASS_ATTRIBUTE)
    if combined is None:
        # cls first: its layout (a user subclass adds __weakref__) must be the new class's base.
        bases = (StandaloneRequest,) if cls is Request else (cls, StandaloneRequest)
        namespace = {
            "__slots__": (),
            "__module__": cls.__module__,
            "__qualname__": cls.__qualname__,
        }
        combined = type(cls.__name__, bases, namespace)
        setattr(cls, _CLASS_ATTRIBUTE, combined)
        setattr(combined, _CLASS_ATTRIBUTE, combined)
    return t.cast("type[StandaloneRequest]", combined)


def read_environ(
    request: Request, environ: WSGIEnvironment, populate_request: bool, shallow: bool
) -> None:
    """Turn ``request``, being initialised by ``Request(environ)``, into a request over
    ``environ``. Its class becomes ``standalone_class(type(request))``: same layout (the
    subclasses add no slots), so the swap is safe, and a subclass of the original class."""
    combined = standalone_class(type(request))
    request.__class__ = combined
    StandaloneRequest.__init__(
        t.cast(StandaloneRequest, request), environ, populate_request, shallow
    )


def application(
    cls: type[Request], view: t.Callable[..., Response]
) -> t.Callable[..., t.Iterable[bytes]]:
    """A WSGI application from ``view(request) -> Response`` (for methods, ``view(self,
    request)``); an ``HTTPException`` it raises becomes its response."""

    def wsgi_app(*args: t.Any) -> t.Iterable[bytes]:
        environ, start_response = args[-2:]
        request = cls(environ)
        try:
            response = view(*args[:-2], request)
        except HTTPException as error:
            response = error.get_response(environ)
        return response(environ, start_response)

    return update_wrapper(wsgi_app, view)


# What the WSGI server says about a request (``Request.remote_user``, ``is_multithread``...),
# and the raw CGI values ``werkzeug.utils.append_slash_redirect`` reads.
_SERVER_FACTS = {
    "path_info": "PATH_INFO",
    "query_string": "QUERY_STRING",
    "remote_user": "REMOTE_USER",
    "multithread": "wsgi.multithread",
    "multiprocess": "wsgi.multiprocess",
    "run_once": "wsgi.run_once",
}


def environ_fact(environ: WSGIEnvironment, name: str) -> t.Any:
    """The environ's value for one of the server facts ``erlen.http.slots.environ_fact`` names."""
    return environ.get(_SERVER_FACTS[name])


slots.environ_headers = EnvironHeaders
slots.environ_fact = environ_fact
slots.read_environ = read_environ
slots.wsgi_application = application
slots.send_response = send_response
slots.wsgi_headers = wsgi_headers

__all__ = [
    "StandaloneRequest",
    "application",
    "environ_fact",
    "read_environ",
    "standalone_class",
]
