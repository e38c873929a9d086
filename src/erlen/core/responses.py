"""Turning what a view returns into a ``Response``, and redirect responses.

``make_response(app, rv)`` (which ``app.make_response`` calls) accepts what Flask views return
(a string, bytes, a dict or list for JSON, a ``Response``, an iterator to stream, an
``HTTPException``, or a tuple adding a status and headers) and refuses anything else with a
``TypeError`` that names the view.
"""

from __future__ import annotations

import typing as t
from collections import abc
from urllib.parse import quote

from markupsafe import escape

from erlen.core.errors import error_response
from erlen.core.globals import _cv_context
from erlen.http.exceptions import HTTPException
from erlen.http.wrappers import Response
from erlen.json.provider import DefaultJSONProvider

if t.TYPE_CHECKING:
    from erlen.core.app import App

__all__ = ["make_response", "redirect_response"]

_LOCATION_SAFE = "/:?#[]@!$&'()*+,;=%~"


def make_response(app: App, rv: t.Any) -> Response:
    """Turn a view's return value into a ``Response``.

    Accepts a ``Response``, ``str``, ``bytes``, ``dict`` or ``list`` (as JSON), an iterator
    (streamed), an ``HTTPException``, or a tuple ``(body, status, headers)``,
    ``(body, status)`` or ``(body, headers)``.
    """
    cls = rv.__class__
    # PERF: the common return values (a str, a dict) are tested by exact class first, before
    # the general isinstance chain (benchmarks/instructions.py wsgi json).
    if cls is str:
        return app.response_class._text(rv.encode(), 200, app.dispatcher.default_content_type)
    if cls is dict or cls is list:
        json_provider = app.json
        if type(json_provider) is DefaultJSONProvider:
            return json_provider._response_for(rv)
        return json_provider.response(rv)
    status = headers = None
    if cls is tuple:
        length = len(rv)
        if length == 3:
            rv, status, headers = rv
        elif length == 2:
            if isinstance(rv[1], (dict, tuple, list)) or hasattr(rv[1], "items"):
                rv, headers = rv
            else:
                rv, status = rv
        else:
            raise TypeError(
                "The view function did not return a valid response tuple. The tuple must"
                " have the form (body, status, headers), (body, status), or (body, headers)."
            )
    if rv is None:
        raise TypeError(
            f"The view function for {_current_endpoint()!r} did not return a valid response."
            " The function either returned None or ended without a return statement."
        )
    if not isinstance(rv, app.response_class):
        if isinstance(rv, HTTPException):
            rv = error_response(app, rv)
        elif isinstance(rv, (str, bytes, bytearray, abc.Iterator, abc.AsyncIterator)):
            rv = app.response_class(t.cast(t.Any, rv), status=status, headers=headers)
            status = headers = None
        elif isinstance(rv, (dict, list)):
            rv = app.json.response(rv)
        elif isinstance(rv, Response):
            rv = _convert_response(app.response_class, rv)
        else:
            raise TypeError(
                f"The view function for {_current_endpoint()!r} did not return a valid"
                " response. The return type must be a string, dict, list, tuple with"
                f" headers or status, Response instance, or iterator, but it was a"
                f" {type(rv).__name__}."
            )
    if status is not None:
        rv.status = status
    if headers:
        rv.headers.update(headers)
    response: Response = rv
    return response


def redirect_response(location: str, code: int, response_class: type[Response]) -> Response:
    """A redirect to ``location`` built with ``response_class``: the ``Location`` header (quoted)
    and a short HTML page with a link; CR, LF or NUL in the target is a ``ValueError``."""
    if any(char in location for char in "\r\n\0"):
        raise ValueError("A redirect target may not contain CR, LF or NUL characters.")
    target = quote(location, safe=_LOCATION_SAFE)
    html = escape(target)
    body = (
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n"
        f'<p>You should be redirected automatically to the target URL: <a href="{html}">'
        f"{html}</a>. If not, click the link.\n"
    )
    response = response_class(body, code, mimetype="text/html")
    response.headers.set("Location", target)
    return response


def _current_endpoint() -> str | None:
    ctx = _cv_context.get(None)
    if ctx is None or ctx.request is None:
        return None
    return ctx.request.endpoint


def _convert_response(cls: type[Response], response: Response) -> Response:
    converted = cls(response.response, response.status_code, response.headers)
    return converted
