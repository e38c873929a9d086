"""Slots: what the HTTP layer offers under Werkzeug's and Flask's names but may not do itself.

Werkzeug's ``Request(environ)``, ``Request.from_values``, ``Request.application``,
``Response.__call__`` (a response as a WSGI app), ``Response.from_app``/``force_type`` of a WSGI
app, ``Response.get_wsgi_headers``, ``parse_cookie(environ)`` and
``is_resource_modified(environ)`` read a WSGI environ or run a WSGI app; Flask's
``request.get_json()`` uses the app's JSON provider and ``Response.set_cookie`` honours the
app's ``MAX_COOKIE_SIZE``. The HTTP layer never reads an environ, runs an app or reaches the
request context, so each of these is a slot here (a module attribute holding a callable) that
the layer which may do it fills when it is imported:

- ``erlen.adapters.environ`` fills the environ slots (``environ_headers``, ``environ_fact``,
  ``read_environ``, ``wsgi_application``, ``send_response``, ``wsgi_headers``);
- ``erlen.tools.testing_wsgi`` fills ``request_from_values`` and ``run_wsgi_app`` (they build
  environs with the test tools' ``EnvironBuilder`` and run apps);
- ``erlen.core.wrappers`` fills ``json_loads`` and ``max_cookie_size`` (the app's, read from
  the context; without an app, the defaults below are used).

``import erlen`` imports all three, so every slot is filled before user code runs. A slot still
empty raises ``RuntimeError`` naming the module that fills it. This module imports nothing of
erlen at run time, so every HTTP module may use it. Reading a slot is one module attribute
lookup: no cost on the request path (none of them is on it).
"""

from __future__ import annotations

import json
import typing as t

if t.TYPE_CHECKING:
    from erlen.http.datastructures import Headers
    from erlen.http.wrappers.request import Request
    from erlen.http.wrappers.response import Response

WSGIEnvironment = dict[str, t.Any]
WSGIApplication = t.Callable[..., t.Iterable[bytes]]


def _unfilled(what: str, filler: str) -> t.Callable[..., t.Any]:
    def slot(*args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(f"{what} needs {filler}, which fills it when imported: import erlen.")

    return slot


# Filled by erlen.adapters.environ.

#: ``environ_headers(environ)``: the request headers of a WSGI environ, read-only (Werkzeug's
#: ``EnvironHeaders``).
environ_headers: t.Callable[[WSGIEnvironment], Headers] = _unfilled(
    "Reading the headers of a WSGI environ", "erlen.adapters.environ"
)
#: ``environ_fact(environ, name)``: what the WSGI server says about a request, by name:
#: ``"remote_user"`` (str or None), ``"multithread"``, ``"multiprocess"``, ``"run_once"``, and
#: the raw ``"path_info"`` and ``"query_string"`` (str or None).
environ_fact: t.Callable[[WSGIEnvironment, str], t.Any] = _unfilled(
    "Reading a WSGI environ", "erlen.adapters.environ"
)
#: ``read_environ(request, environ, populate_request, shallow)``: make ``request`` (being built
#: by Werkzeug's ``Request(environ)``) a request over ``environ``.
read_environ: t.Callable[[Request, WSGIEnvironment, bool, bool], None] = _unfilled(
    "Request(environ)", "erlen.adapters.environ"
)
#: ``wsgi_application(request_class, view)``: ``Request.application``.
wsgi_application: t.Callable[[type[Request], t.Callable[..., Response]], WSGIApplication] = (
    _unfilled("Request.application", "erlen.adapters.environ")
)
#: ``send_response(response, environ, start_response)``: a response sent as a WSGI app.
send_response: t.Callable[[Response, WSGIEnvironment, t.Callable[..., t.Any]], t.Iterable[bytes]]
send_response = _unfilled("Calling a Response as a WSGI app", "erlen.adapters.environ")
#: ``wsgi_headers(response, environ)``: ``Response.get_wsgi_headers``.
wsgi_headers: t.Callable[[Response, WSGIEnvironment], Headers] = _unfilled(
    "Response.get_wsgi_headers", "erlen.adapters.environ"
)

# Filled by erlen.tools.testing_wsgi.

#: ``request_from_values(request_class, *args, **kwargs)``: ``Request.from_values``.
request_from_values: t.Callable[..., Request] = _unfilled(
    "Request.from_values", "erlen.tools.testing_wsgi"
)
#: ``run_wsgi_app(app, environ, buffered)``: ``(body, status, headers)`` of a WSGI app run
#: against ``environ`` (``Response.from_app`` and ``force_type``).
run_wsgi_app: t.Callable[
    [WSGIApplication, WSGIEnvironment, bool],
    tuple[t.Iterable[bytes], str, list[tuple[str, str]]],
] = _unfilled("Running a WSGI app", "erlen.tools.testing_wsgi")

# Filled by erlen.core.wrappers; the defaults serve requests and responses made outside an app.

#: ``json_loads(text)``: the JSON decoder of ``Request.get_json``.
json_loads: t.Callable[[str], t.Any] = json.loads


def _werkzeug_max_cookie_size() -> int:
    return 4093


#: ``max_cookie_size()``: the largest ``Set-Cookie`` value ``Response.set_cookie`` writes.
max_cookie_size: t.Callable[[], int] = _werkzeug_max_cookie_size
