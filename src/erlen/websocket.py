"""The WebSocket object import path, kept as ``erlen.websocket``.

The code lives in :mod:`erlen.core.websocket`; it only re-exports the public names.
"""

from erlen.core.websocket import (
    Message,
    ScopeRequest,
    WebSocket,
    WebSocketDisconnect,
)

__all__ = [
    "Message",
    "ScopeRequest",
    "WebSocket",
    "WebSocketDisconnect",
]
