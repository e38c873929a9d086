"""erlen: Flask's API with native async, WSGI and ASGI from one app, secure defaults, and speed.

Everything a Flask user imports from ``flask`` is importable from here under the same name. The
names come through the public modules at the top of the package (``erlen.helpers``,
``erlen.templating``, ...), so that, as in Flask, ``import erlen`` makes those modules attributes
of the package (``erlen.templating.Environment``); the code lives in the layer folders.
"""

from markupsafe import Markup, escape

# Flask's modules that ``import flask`` makes attributes of the package (the imports below do
# the same for the rest).
from erlen import cli, debughelpers, logging, sessions, typing, views  # noqa: F401

# The module erlen.websocket is loaded first, so that the name ends up as the ``websocket``
# context local imported from erlen.globals below, as Quart-style code expects.
from erlen import websocket as _websocket_module  # noqa: F401
from erlen.app import Erlen
from erlen.blueprints import Blueprint
from erlen.config import Config
from erlen.core import __version__ as __version__
from erlen.ctx import (
    after_this_request,
    copy_current_request_context,
    has_app_context,
    has_request_context,
    stream_with_context,
)
from erlen.globals import current_app, g, request, session, websocket
from erlen.helpers import abort, flash, get_flashed_messages, make_response, redirect, url_for
from erlen.json import jsonify
from erlen.sendfile import send_file, send_from_directory
from erlen.signals import (
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
from erlen.templating import (
    get_template_attribute,
    render_template,
    render_template_string,
    stream_template,
    stream_template_string,
)
from erlen.websocket import WebSocket, WebSocketDisconnect
from erlen.wrappers import Request, Response

#: Flask's name for the application class, so ``from erlen import Flask`` works too.
Flask = Erlen


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
