"""erlen: Flask's API with native async, WSGI and ASGI from one app, secure defaults, and speed.

Everything a Flask user imports from ``flask`` is importable from here under the same name.
"""

from markupsafe import Markup, escape

from erlen.core.app import Erlen
from erlen.core.blueprints import Blueprint
from erlen.core.config import Config
from erlen.core.ctx import (
    after_this_request,
    copy_current_request_context,
    has_app_context,
    has_request_context,
    stream_with_context,
)
from erlen.core.globals import current_app, g, request, session, websocket
from erlen.core.helpers import abort, flash, get_flashed_messages, make_response, redirect, url_for
from erlen.core.sendfile import send_file, send_from_directory
from erlen.core.signals import (
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    before_render_template,
    got_request_exception,
    message_flashed,
    request_finished,
    request_started,
    request_tearing_down,
    template_rendered,
)
from erlen.core.templating import (
    get_template_attribute,
    render_template,
    render_template_string,
    stream_template,
    stream_template_string,
)
from erlen.core.websocket import WebSocket, WebSocketDisconnect
from erlen.http.wrappers import Request, Response
from erlen.json import jsonify

#: Flask's name for the application class, so ``from erlen import Flask`` works too.
Flask = Erlen

__version__ = "0.1.0"

__all__ = [
    "Blueprint",
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
    "appcontext_popped",
    "appcontext_pushed",
    "appcontext_tearing_down",
    "before_render_template",
    "copy_current_request_context",
    "current_app",
    "escape",
    "flash",
    "g",
    "get_flashed_messages",
    "get_template_attribute",
    "got_request_exception",
    "has_app_context",
    "has_request_context",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "request_finished",
    "request_started",
    "request_tearing_down",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "stream_with_context",
    "template_rendered",
    "url_for",
    "websocket",
]
