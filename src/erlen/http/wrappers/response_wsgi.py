"""Werkzeug's ways of moving between responses and WSGI applications: `force_type`,
`from_app` and `get_wsgi_headers`, behind the `Response` methods of those names.

erlen's adapters do not use these (they write `status`, `headers` and the body out directly);
they are here for Flask code and extensions that call them. Headers written go through
`Headers`, which refuses CR, LF and NUL.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote, urljoin

from erlen.http import remove_entity_headers

if t.TYPE_CHECKING:
    from erlen.http.datastructures import Headers
    from erlen.http.wrappers.response import Response

    ResponseT = t.TypeVar("ResponseT", bound=Response)

WSGIEnvironment = dict[str, t.Any]
WSGIApplication = t.Callable[[WSGIEnvironment, t.Callable[..., t.Any]], t.Iterable[bytes]]

# The slots of `Response`, copied when an instance cannot simply change class.
_STATE = (
    "_custom_status",
    "_on_close",
    "_status_code",
    "direct_passthrough",
    "headers",
    "response",
)


def run_app(
    app: WSGIApplication, environ: WSGIEnvironment, buffered: bool
) -> tuple[t.Iterable[bytes], str, list[tuple[str, str]]]:
    from erlen.tools.testing_wsgi import run_wsgi_app

    body, status, headers = run_wsgi_app(app, environ, buffered=buffered)
    return body, status, list(headers)


def force_type(cls: type[ResponseT], response: t.Any, environ: WSGIEnvironment | None) -> ResponseT:
    """`response` as an instance of `cls`: a response object changes class in place (or, when
    the layouts differ, its state moves to a new `cls` instance); a WSGI application is run
    against `environ` first."""
    from erlen.http.wrappers.response import Response

    if not isinstance(response, Response):
        if environ is None:
            raise TypeError(
                "A WSGI application can only become a response when run against an environ:"
                " pass force_type(app, environ)."
            )
        response = Response(*run_app(response, environ, False))
    if isinstance(response, cls):
        return response
    try:
        response.__class__ = cls
    except TypeError:  # a subclass that adds slots (or __weakref__) has another layout
        converted = object.__new__(cls)
        for name in _STATE:
            object.__setattr__(converted, name, getattr(response, name))
        converted.__dict__.update(response.__dict__)
        return converted
    return t.cast("ResponseT", response)


def _request_url(environ: WSGIEnvironment) -> str:
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{quote(path, safe='/:@!$&()*+,;=~%')}"


def wsgi_headers(response: Response, environ: WSGIEnvironment) -> Headers:
    """A copy of the response's headers as a WSGI server should send them for `environ`."""
    headers = response.headers.copy()
    status = response.status_code
    location = headers.get("Location")
    if location is not None and response.autocorrect_location_header:
        headers.set("Location", urljoin(_request_url(environ), location))
    if 100 <= status < 200 or status == 204:
        headers.remove("Content-Length")  # RFC 9110 8.6: never on 1xx and 204
    elif status == 304:
        remove_entity_headers(headers)
    if (
        response.automatically_set_content_length
        and not response.is_streamed
        and "Content-Length" not in headers
        and status not in (204, 304)
        and not 100 <= status < 200
    ):
        headers.set("Content-Length", str(sum(len(chunk) for chunk in response.iter_encoded())))
    return headers
