"""``DispatcherMiddleware``: several WSGI apps under one server, each mounted at a path prefix.

``DispatcherMiddleware(frontend, {"/api": api.wsgi_app})`` sends ``/api/...`` to ``api`` with
``/api`` moved from ``PATH_INFO`` to ``SCRIPT_NAME`` (so its ``url_for`` builds ``/api/...``),
and everything else to ``frontend``. The longest matching prefix wins; a prefix matches whole
path segments only (``/api`` does not take ``/apis``). This module only rewrites the two path
keys of the environ; each mounted app keeps its own checks. It is WSGI: under ASGI, mount apps
with the ASGI server or a router of its own.
"""

from __future__ import annotations

import typing as t

WSGIApp = t.Callable[[dict[str, t.Any], t.Callable[..., t.Any]], t.Iterable[bytes]]


class DispatcherMiddleware:
    """Route each request to the app mounted at the longest prefix of its path."""

    def __init__(self, app: WSGIApp, mounts: dict[str, WSGIApp] | None = None) -> None:
        self.app = app
        self.mounts = {prefix.rstrip("/"): mounted for prefix, mounted in (mounts or {}).items()}

    def __call__(
        self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
    ) -> t.Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or ""
        prefix = path
        while prefix:
            mounted = self.mounts.get(prefix)
            if mounted is not None:
                environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
                environ["PATH_INFO"] = path[len(prefix) :]
                return mounted(environ, start_response)
            prefix = prefix.rpartition("/")[0]
        return self.app(environ, start_response)


__all__ = ["DispatcherMiddleware"]
