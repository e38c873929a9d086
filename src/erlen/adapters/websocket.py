"""The ``websocket`` a WebSocket handler talks through (ASGI only).

A ``WebSocket`` is also a ``Request`` (path, args, headers, cookies of the upgrade request), so
routing, converters, ``url_for`` and ``before_request`` hooks treat it like one; it adds
``accept``, ``receive``/``receive_json``, ``send``/``send_json`` and ``close``. It talks to the
server only through the ASGI ``receive`` and ``send`` callables it was given.
"""

from __future__ import annotations

import json
import typing as t

from erlen.adapters.asgi_request import ScopeRequest
from erlen.json import dumps

if t.TYPE_CHECKING:
    from erlen.http.wrappers.request import Limits

__all__ = [
    "Message",
    "ScopeRequest",
    "WebSocket",
    "WebSocketDisconnect",
]

Message = dict[str, t.Any]


class WebSocketDisconnect(Exception):
    """The client closed the connection; ``code`` is its close code."""

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(f"The client closed the WebSocket (code {code}).")
        self.code = code
        self.reason = reason


class WebSocket(ScopeRequest):
    """A WebSocket connection, as a handler sees it through the ``websocket`` local (or an
    argument annotated ``WebSocket``). ``receive`` and ``send`` accept the connection first if
    the handler has not."""

    __slots__ = ()

    #: What ``erlen.websocket`` checks, so the core needs no import of this adapter's class.
    is_websocket = True

    def __init__(
        self,
        scope: dict[str, t.Any],
        receive: t.Callable[[], t.Awaitable[Message]],
        send: t.Callable[[Message], t.Awaitable[None]],
        limits: Limits,
    ) -> None:
        super().__init__(scope, None, limits)
        state = self.__dict__
        state["_ws_receive"] = receive
        state["_ws_send"] = send
        state["accepted"] = False
        state["closed"] = False
        state["connected"] = False

    @property
    def accepted(self) -> bool:
        return bool(self.__dict__["accepted"])

    @property
    def closed(self) -> bool:
        return bool(self.__dict__["closed"])

    async def accept(
        self, subprotocol: str | None = None, headers: t.Iterable[tuple[str, str]] = ()
    ) -> None:
        """Accept the connection (at most once)."""
        if self.accepted:
            return
        await self._wait_for_connect()
        message: Message = {"type": "websocket.accept", "subprotocol": subprotocol}
        extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
        if extra:
            message["headers"] = extra
        await self.__dict__["_ws_send"](message)
        self.__dict__["accepted"] = True

    async def receive(self) -> str | bytes:
        """The next message: ``str`` for a text frame, ``bytes`` for a binary one. Raises
        ``WebSocketDisconnect`` when the client has gone."""
        await self.accept()
        message = await self.__dict__["_ws_receive"]()
        kind = message["type"]
        if kind == "websocket.receive":
            text = message.get("text")
            return text if text is not None else bytes(message.get("bytes") or b"")
        if kind == "websocket.disconnect":
            self.__dict__["closed"] = True
            raise WebSocketDisconnect(message.get("code", 1000), message.get("reason") or "")
        raise RuntimeError(f"Unexpected ASGI message {kind!r} on a WebSocket.")

    async def receive_json(self) -> t.Any:
        data = await self.receive()
        return json.loads(data)

    async def send(self, data: str | bytes) -> None:
        await self.accept()
        if isinstance(data, str):
            await self.__dict__["_ws_send"]({"type": "websocket.send", "text": data})
        else:
            await self.__dict__["_ws_send"]({"type": "websocket.send", "bytes": bytes(data)})

    async def send_json(self, obj: t.Any) -> None:
        await self.send(dumps(obj))

    async def close(self, code: int = 1000, reason: str = "") -> None:  # type: ignore[override]
        """Close the connection; before ``accept`` this refuses it (the client sees 403)."""
        if self.closed:
            return
        await self._wait_for_connect()
        self.__dict__["closed"] = True
        await self.__dict__["_ws_send"]({"type": "websocket.close", "code": code, "reason": reason})

    async def _wait_for_connect(self) -> None:
        """The first ASGI message of a WebSocket is ``websocket.connect``; take it before
        answering."""
        state = self.__dict__
        if state["connected"]:
            return
        message = await state["_ws_receive"]()
        state["connected"] = True
        if message["type"] == "websocket.disconnect":
            state["closed"] = True
            raise WebSocketDisconnect(message.get("code", 1000))

    def __aiter__(self) -> WebSocket:
        return self

    async def __anext__(self) -> str | bytes:
        try:
            return await self.receive()
        except WebSocketDisconnect:
            raise StopAsyncIteration from None
