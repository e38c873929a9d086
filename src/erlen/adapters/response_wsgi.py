"""Werkzeug's ``Response.get_wsgi_headers``: a response's headers as a WSGI server should send
them for a given environ.

erlen's adapters do not use it (they write ``status``, ``headers`` and the body out directly);
it is here for Flask code and extensions that call it, and fills the ``wsgi_headers`` slot of
``erlen.http.slots`` (``erlen.adapters.environ`` imports this module). It reads the environ only
for the request URL a relative ``Location`` is resolved against. Headers written go through
``Headers``, which refuses CR, LF and NUL.
"""

from __future__ import annotations

import typing as t
from urllib.parse import quote, urljoin

from erlen.http import remove_entity_headers
from erlen.http.status import NO_BODY_STATUSES

if t.TYPE_CHECKING:
    from erlen.http.datastructures import Headers
    from erlen.http.wrappers.response import Response

WSGIEnvironment = dict[str, t.Any]


def _request_url(environ: WSGIEnvironment) -> str:
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return f"{environ.get('wsgi.url_scheme', 'http')}://{host}{quote(path, safe='/:@!$&()*+,;=~%')}"


def wsgi_headers(response: Response, environ: WSGIEnvironment) -> Headers:
    """A copy of the response's headers as a WSGI server should send them for ``environ``."""
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
        and status not in NO_BODY_STATUSES
        and not 100 <= status < 200
    ):
        headers.set("Content-Length", str(sum(len(chunk) for chunk in response.iter_encoded())))
    return headers


__all__ = ["wsgi_headers"]
