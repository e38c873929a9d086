"""The WebSocket object import path, kept as ``erlen.websocket``.

The code lives in :mod:`erlen.adapters.websocket`; it only re-exports the public names.
"""

from erlen.adapters.websocket import (
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
