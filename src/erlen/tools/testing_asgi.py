"""The test client's ASGI transport: runs ``app.asgi`` in process for HTTP and WebSockets.

``run_http`` turns the environ the ``EnvironBuilder`` made into an ASGI scope, feeds the body
through ``receive`` and collects what the app sends. ``WebSocketSession`` runs a WebSocket
handler on an event loop in a background thread, so a sync test can talk to it message by
message. This module is for tests only.
"""

from __future__ import annotations

import asyncio
import json
import queue
import threading
import typing as t
from urllib.parse import quote_from_bytes

from erlen.adapters.wsgi import EnvironHeaders

if t.TYPE_CHECKING:
    from erlen.app import Erlen

__all__ = [
    "EnvironHeaders",
    "Message",
    "WebSocketClosed",
    "WebSocketSession",
    "run_http",
    "scope_from_environ",
]

Message = dict[str, t.Any]


def scope_from_environ(environ: dict[str, t.Any], kind: str = "http") -> dict[str, t.Any]:
    """An ASGI scope for the request a WSGI environ describes."""
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in EnvironHeaders(environ)._list
    ]
    if environ.get("wsgi.input_terminated") and not environ.get("CONTENT_LENGTH"):
        # A body of unknown length, as an HTTP/1.1 client sends it.
        headers.append((b"transfer-encoding", b"chunked"))
    scheme = environ.get("wsgi.url_scheme", "http")
    if kind == "websocket":
        scheme = "wss" if scheme == "https" else "ws"
    raw_path = environ.get("PATH_INFO", "/").encode("latin-1")
    root = environ.get("SCRIPT_NAME", "").encode("latin-1")
    scope: dict[str, t.Any] = {
        "type": kind,
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "scheme": scheme,
        # As servers do: the path decoded as UTF-8 (bad bytes replaced), the raw bytes quoted.
        "path": (root + raw_path).decode("utf-8", "replace"),
        "raw_path": quote_from_bytes(root + raw_path, safe="/:@!$&'()*+,;=~").encode("ascii"),
        "root_path": root.decode("utf-8", "replace"),
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers,
        "client": (environ.get("REMOTE_ADDR", "127.0.0.1"), 50000),
        "server": (environ.get("SERVER_NAME", "localhost"), int(environ.get("SERVER_PORT") or 80)),
        "extensions": {},
    }
    if kind == "http":
        scope["method"] = environ["REQUEST_METHOD"]
    return scope


def run_http(
    app: Erlen,
    loop: asyncio.AbstractEventLoop,
    scope: dict[str, t.Any],
    body: bytes,
) -> tuple[int, list[tuple[str, str]], bytes]:
    """Send one HTTP request through ``app.asgi``; return status, headers and body."""
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)] or [b""]
    sent: list[Message] = []
    finished = asyncio.Event()

    async def receive() -> Message:
        if chunks:
            chunk = chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            finished.set()

    async def main() -> None:
        try:
            await app.asgi(scope, receive, send)
        finally:
            finished.set()

    loop.run_until_complete(main())
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    if start is None:
        raise RuntimeError("The ASGI app finished without sending a response.")
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start.get("headers", ())]
    data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], headers, data


class WebSocketClosed(Exception):
    """The app closed the WebSocket (or refused it); ``code`` is the close code."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(f"The app closed the WebSocket with code {code}.")
        self.code = code
        self.reason = reason


class WebSocketSession:
    """A WebSocket connection to the app, for tests: ``with client.websocket_connect("/ws")
    as ws: ws.send_text("hi"); ws.receive_text()``."""

    def __init__(self, app: Erlen, scope: dict[str, t.Any], timeout: float = 5.0) -> None:
        self._app = app
        self._scope = scope
        self._timeout = timeout
        self._to_app: asyncio.Queue[Message] | None = None
        self._from_app: queue.Queue[Message] = queue.Queue()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.accepted_subprotocol: str | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._to_app = asyncio.Queue()
        self._ready.set()

        async def receive() -> Message:
            assert self._to_app is not None
            return await self._to_app.get()

        async def send(message: Message) -> None:
            self._from_app.put(message)

        async def main() -> None:
            try:
                await self._app.asgi(self._scope, receive, send)
            except BaseException as error:
                self._from_app.put({"type": "erlen.error", "error": error})
            finally:
                self._from_app.put({"type": "erlen.finished"})

        self._loop.run_until_complete(main())

    def _put(self, message: Message) -> None:
        assert self._to_app is not None
        self._loop.call_soon_threadsafe(self._to_app.put_nowait, message)

    def _get(self) -> Message:
        message = self._from_app.get(timeout=self._timeout)
        if message["type"] == "erlen.error":
            raise message["error"]
        if message["type"] in ("websocket.close", "erlen.finished"):
            raise WebSocketClosed(message.get("code", 1000), message.get("reason") or "")
        return message

    def __enter__(self) -> WebSocketSession:
        self._thread.start()
        self._ready.wait(self._timeout)
        self._put({"type": "websocket.connect"})
        message = self._get()
        if message["type"] != "websocket.accept":
            raise RuntimeError(f"Expected the app to accept, got {message['type']!r}.")
        self.accepted_subprotocol = message.get("subprotocol")
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._thread.is_alive():
            self._put({"type": "websocket.disconnect", "code": 1000})
            self._thread.join(self._timeout)

    def send_text(self, data: str) -> None:
        self._put({"type": "websocket.receive", "text": data})

    def send_bytes(self, data: bytes) -> None:
        self._put({"type": "websocket.receive", "bytes": data})

    def send_json(self, obj: t.Any) -> None:
        self.send_text(json.dumps(obj))

    def receive(self) -> str | bytes:
        message = self._get()
        text = message.get("text")
        return text if text is not None else t.cast(bytes, message.get("bytes", b""))

    def receive_text(self) -> str:
        data = self.receive()
        if not isinstance(data, str):
            raise TypeError("Expected a text message, got bytes.")
        return data

    def receive_bytes(self) -> bytes:
        data = self.receive()
        if not isinstance(data, bytes):
            raise TypeError("Expected a binary message, got text.")
        return data

    def receive_json(self) -> t.Any:
        return json.loads(self.receive())

    def close(self, code: int = 1000) -> None:
        self._put({"type": "websocket.disconnect", "code": code})
        self._thread.join(self._timeout)
