"""The ASGI test client import path, kept as ``erlen.testing_asgi``.

The code lives in :mod:`erlen.tools.testing_asgi`; it only re-exports the public names.
"""

from erlen.tools.testing_asgi import (
    EnvironHeaders,
    Message,
    WebSocketClosed,
    WebSocketSession,
    run_http,
    scope_from_environ,
)

__all__ = [
    "EnvironHeaders",
    "Message",
    "WebSocketClosed",
    "WebSocketSession",
    "run_http",
    "scope_from_environ",
]
