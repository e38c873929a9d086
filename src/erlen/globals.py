"""Flask's ``flask.globals`` import path, kept as ``erlen.globals``.

The code lives in :mod:`erlen.core.globals`; it only re-exports the public names.
"""

from erlen.core.globals import (
    app_ctx,
    current_app,
    g,
    request,
    request_ctx,
    session,
    websocket,
)

__all__ = [
    "app_ctx",
    "current_app",
    "g",
    "request",
    "request_ctx",
    "session",
    "websocket",
]
