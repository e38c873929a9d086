"""Turning what a view returns into a ``Response``, and ``redirect`` and ``abort``.

Mixed into ``Erlen``: ``make_response`` accepts what Flask views return (a string, bytes, a
dict or list for JSON, a ``Response``, an iterator to stream, an ``HTTPException``, or a tuple
adding a status and headers) and refuses anything else with a ``TypeError`` that names the view.
"""

from __future__ import annotations

import typing as t
from collections import abc

from erlen.core.globals import _cv_context
from erlen.http.exceptions import Aborter, HTTPException
from erlen.http.wrappers import Response
from erlen.json.provider import DefaultJSONProvider

if t.TYPE_CHECKING:
    from erlen.core.app import Erlen


class ResponsesMixin:
    #: The class of ``app.aborter``, which ``abort()`` calls.
    aborter_class: type[Aborter] = Aborter

    """Building responses, for ``Erlen``."""

    def make_response(self, rv: t.Any) -> Response:
        """Turn a view's return value into a ``Response``.

        Accepts a ``Response``, ``str``, ``bytes``, ``dict`` or ``list`` (as JSON), an iterator
        (streamed), an ``HTTPException``, or a tuple ``(body, status, headers)``,
        ``(body, status)`` or ``(body, headers)``.
        """
        app: Erlen = self  # type: ignore[assignment]
        cls = rv.__class__
        if cls is str:
            return app.response_class._text(rv.encode(), 200, app._default_content_type)
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
                rv = app._error_response(rv)
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

    def redirect(self, location: str, code: int = 302) -> Response:
        app: Erlen = self  # type: ignore[assignment]
        from erlen.core.helpers import _redirect

        return _redirect(location, code, app.response_class)

    def make_aborter(self) -> Aborter:
        """The object ``abort()`` calls for this app: an ``aborter_class`` instance, whose
        ``mapping`` an app may extend with its own status codes."""
        return self.aborter_class()


def _current_endpoint() -> str | None:
    ctx = _cv_context.get(None)
    if ctx is None or ctx.request is None:
        return None
    return ctx.request.endpoint


def _convert_response(cls: type[Response], response: Response) -> Response:
    converted = cls(response.response, response.status_code, response.headers)
    return converted
