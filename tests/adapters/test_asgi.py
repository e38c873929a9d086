"""The ASGI adapter spoken to directly: lifespan, bodies from receive, disconnects, WebSockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from erlen import Erlen, WebSocket, request, websocket
from erlen.tools.testing_asgi import WebSocketClosed

Message = dict[str, Any]


def http_scope(
    path: str, method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None
) -> Message:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": headers or [],
        "scheme": "http",
        "server": ("localhost", 80),
        "client": ("127.0.0.1", 1),
    }


async def run(app: Erlen, scope: Message, incoming: list[Message]) -> list[Message]:
    sent: list[Message] = []

    async def receive() -> Message:
        if incoming:
            return incoming.pop(0)
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await app.asgi(scope, receive, send)
    return sent


def test_lifespan_runs_serving_hooks_in_an_app_context() -> None:
    app = Erlen(__name__)
    events: list[str] = []

    @app.before_serving
    async def start() -> None:
        from erlen import current_app

        events.append(f"start {current_app.name}")

    @app.after_serving
    def stop() -> None:
        events.append("stop")

    sent = asyncio.run(
        run(
            app, {"type": "lifespan"}, [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
        )
    )
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert events == [f"start {app.name}", "stop"]


def test_startup_failure_is_reported_to_the_server() -> None:
    app = Erlen(__name__)

    @app.before_serving
    def broken() -> None:
        raise RuntimeError("database unreachable")

    sent = asyncio.run(run(app, {"type": "lifespan"}, [{"type": "lifespan.startup"}]))
    assert sent[0]["type"] == "lifespan.startup.failed"
    assert "database unreachable" in sent[0]["message"]


def test_body_arrives_in_chunks_for_sync_and_async_views() -> None:
    app = Erlen(__name__)

    @app.post("/sync")
    def sync_view() -> dict[str, Any]:
        return {"json": request.get_json()}

    @app.post("/async")
    async def async_view() -> dict[str, Any]:
        return {"json": request.get_json()}

    body = json.dumps({"numbers": list(range(50))}).encode()
    chunks = [body[i : i + 10] for i in range(0, len(body), 10)]
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    for path in ("/sync", "/async"):
        incoming = [
            {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
            for i, c in enumerate(chunks)
        ]
        sent = asyncio.run(run(app, http_scope(path, "POST", headers), incoming))
        assert sent[0]["status"] == 200, path
        assert json.loads(sent[1]["body"]) == {"json": {"numbers": list(range(50))}}


def test_body_over_the_limit_is_413_without_reading_it_all() -> None:
    app = Erlen(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 100

    @app.post("/async")
    async def async_view() -> str:
        return str(len(request.get_data()))

    @app.post("/sync")
    def sync_view() -> str:
        return str(len(request.get_data()))

    for path in ("/async", "/sync"):
        incoming = [
            {"type": "http.request", "body": b"x" * 60, "more_body": True} for _ in range(100)
        ]
        incoming.append({"type": "http.request", "body": b"", "more_body": False})
        sent = asyncio.run(
            run(app, http_scope(path, "POST", [(b"transfer-encoding", b"chunked")]), incoming)
        )
        assert sent[0]["status"] == 413, path
        # The app stopped pulling chunks soon after the limit: most were never read.
        assert len(incoming) > 90, path


def test_declared_length_over_the_limit_is_413() -> None:
    app = Erlen(__name__)
    app.config["MAX_CONTENT_LENGTH"] = 10

    @app.post("/")
    async def view() -> str:
        return request.get_data(as_text=True)

    incoming = [{"type": "http.request", "body": b"x" * 11, "more_body": False}]
    sent = asyncio.run(run(app, http_scope("/", "POST", [(b"content-length", b"11")]), incoming))
    assert sent[0]["status"] == 413


def test_client_disconnect_stops_a_stream_and_closes_it() -> None:
    app = Erlen(__name__)
    closed: list[str] = []

    @app.get("/forever")
    async def forever() -> AsyncIterator[str]:
        async def generate() -> AsyncIterator[str]:
            try:
                while True:
                    yield "tick\n"
                    await asyncio.sleep(0.01)
            finally:
                closed.append("async")

        return generate()

    @app.get("/forever-sync")
    def forever_sync() -> Iterator[str]:
        def generate() -> Iterator[str]:
            try:
                while True:
                    yield "tick\n"
            finally:
                closed.append("sync")

        return generate()

    async def main(path: str) -> list[Message]:
        sent: list[Message] = []
        calls = 0

        async def receive() -> Message:
            nonlocal calls
            calls += 1
            if calls == 1:
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(0.1)
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            sent.append(message)

        await asyncio.wait_for(app.asgi(http_scope(path), receive, send), timeout=5)
        return sent

    for path, kind in (("/forever", "async"), ("/forever-sync", "sync")):
        sent = asyncio.run(main(path))
        bodies = [m for m in sent if m["type"] == "http.response.body"]
        assert len(bodies) >= 2
        assert bodies[-1].get("more_body") is True  # never finished: the client left
        assert kind in closed


def test_websocket_routing_converters_hooks_and_url_for() -> None:
    app = Erlen(__name__)
    seen: list[str] = []

    @app.before_request
    def check() -> None:
        seen.append(f"{request.path} {request.args.get('token')}")

    @app.websocket("/rooms/<int:room>")
    async def room(room: int) -> None:
        from erlen import url_for

        await websocket.accept()
        await websocket.send_json({"room": room, "url": url_for("room", room=room + 1)})
        message = await websocket.receive_json()
        await websocket.send_json({"got": message})

    client = app.test_client()
    with client.websocket_connect("/rooms/7?token=abc") as ws:
        assert ws.receive_json() == {"room": 7, "url": "/rooms/8"}
        ws.send_json({"hello": "there"})
        assert ws.receive_json() == {"got": {"hello": "there"}}
    assert seen == ["/rooms/7 abc"]


def test_websocket_handler_can_take_the_socket_as_an_argument() -> None:
    app = Erlen(__name__)

    @app.websocket("/echo")
    async def echo(ws: WebSocket) -> None:
        async for message in ws:
            await ws.send(message)

    with app.test_client().websocket_connect("/echo") as ws:
        ws.send_text("one")
        assert ws.receive_text() == "one"
        ws.send_bytes(b"\x00\x01")
        assert ws.receive_bytes() == b"\x00\x01"


def test_websocket_refused_by_a_hook_or_an_unknown_path() -> None:
    app = Erlen(__name__)

    @app.before_request
    def only_with_token() -> str | None:
        return None if request.args.get("token") else "no token"

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.send("welcome")

    client = app.test_client()
    with pytest.raises(WebSocketClosed) as refused:
        client.websocket_connect("/ws").__enter__()
    assert refused.value.code == 1008
    with pytest.raises(WebSocketClosed):
        client.websocket_connect("/nowhere?token=1").__enter__()
    with client.websocket_connect("/ws?token=1") as ws:
        assert ws.receive_text() == "welcome"


def test_websocket_close_code_from_handler() -> None:
    app = Erlen(__name__)

    @app.websocket("/ws")
    async def handler() -> None:
        await websocket.accept()
        await websocket.close(4001, "go away")

    with app.test_client().websocket_connect("/ws") as ws, pytest.raises(WebSocketClosed) as closed:
        ws.receive_text()
    assert closed.value.code == 4001


def test_websocket_route_over_http_is_a_clear_400() -> None:
    app = Erlen(__name__)

    @app.websocket("/ws")
    async def handler() -> None:
        pass

    for asgi in (False, True):
        response = app.test_client(asgi=asgi).get("/ws")
        assert response.status_code == 400
        assert "WebSocket endpoint" in response.text


def test_sync_websocket_handler_is_refused_at_registration() -> None:
    app = Erlen(__name__)
    with pytest.raises(TypeError, match="async def"):

        @app.websocket("/ws")
        def handler() -> None:
            pass


def test_request_environ_is_available_under_asgi() -> None:
    app = Erlen(__name__)

    @app.get("/")
    async def view() -> dict[str, Any]:
        environ = request.environ
        return {"method": environ["REQUEST_METHOD"], "agent": environ.get("HTTP_USER_AGENT")}

    response = app.test_client(asgi=True).get("/", headers={"User-Agent": "probe"})
    assert response.json == {"method": "GET", "agent": "probe"}


def test_all_sync_request_is_torn_down_in_the_thread_that_ran_it() -> None:
    import threading

    from erlen import g

    app = Erlen(__name__)
    seen: dict[str, int] = {}

    @app.get("/")
    def view() -> str:
        g.opened_in = threading.get_ident()
        return "ok"

    @app.teardown_appcontext
    def close(error: BaseException | None) -> None:
        seen["opened"] = g.opened_in
        seen["closed"] = threading.get_ident()

    assert app.test_client(asgi=True).get("/").text == "ok"
    assert seen["opened"] == seen["closed"]


def test_the_app_object_itself_speaks_asgi_when_called_with_three_arguments() -> None:
    app = Erlen(__name__)

    @app.get("/")
    async def view() -> str:
        return "asgi via app()"

    sent: list[Message] = []
    incoming = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive() -> Message:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(http_scope("/"), receive, send))
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b"asgi via app()"
