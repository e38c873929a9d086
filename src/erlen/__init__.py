"""erlen: Flask's API with native async, WSGI and ASGI from one app, secure defaults, and speed.

Everything a Flask user imports from ``flask`` is importable from here under the same name.
"""

from markupsafe import Markup, escape

from .app import Erlen
from .config import Config
from .ctx import (
    after_this_request,
    copy_current_request_context,
    has_app_context,
    has_request_context,
    stream_with_context,
)
from .globals import current_app, g, request, session, websocket
from .helpers import abort, make_response, redirect, url_for
from .json import jsonify
from .websocket import WebSocket, WebSocketDisconnect
from .wrappers import Request, Response

#: Flask's name for the application class, so ``from erlen import Flask`` works too.
Flask = Erlen

__version__ = "0.1.0"

__all__ = [
    "Config",
    "Erlen",
    "Flask",
    "Markup",
    "Request",
    "Response",
    "WebSocket",
    "WebSocketDisconnect",
    "abort",
    "after_this_request",
    "copy_current_request_context",
    "current_app",
    "escape",
    "g",
    "has_app_context",
    "has_request_context",
    "jsonify",
    "make_response",
    "redirect",
    "request",
    "session",
    "stream_with_context",
    "url_for",
    "websocket",
]
