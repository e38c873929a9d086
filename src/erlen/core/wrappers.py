"""The core's side of the HTTP wrappers: the app settings a ``Request`` or ``Response`` honours.

The HTTP layer's ``Request.get_json`` and ``Response.set_cookie`` know nothing of the app; Flask
gives them the app's JSON provider and ``MAX_COOKIE_SIZE``. This module fills those two slots of
``erlen.http.slots`` when it is imported (``erlen.core`` imports it, so they are set before any
request): the JSON decoder becomes ``erlen.json.loads`` (the current app's provider, the
standard library's outside an app) and the cookie limit the current app's ``MAX_COOKIE_SIZE``
(Werkzeug's 4093 outside an app). It only reads the context; it never reads an environ or a
scope.
"""

from __future__ import annotations

from erlen.core.globals import context_var
from erlen.http import slots
from erlen.json import loads as app_json_loads

#: The limit without an app, as Werkzeug's ``Response.max_cookie_size``.
DEFAULT_MAX_COOKIE_SIZE = 4093


def max_cookie_size() -> int:
    """The current app's ``MAX_COOKIE_SIZE``, or Werkzeug's 4093 outside an app."""
    ctx = context_var.get(None)
    if ctx is not None:
        return int(ctx.app.config["MAX_COOKIE_SIZE"])
    return DEFAULT_MAX_COOKIE_SIZE


slots.json_loads = app_json_loads
slots.max_cookie_size = max_cookie_size

__all__ = ["DEFAULT_MAX_COOKIE_SIZE", "max_cookie_size"]
