"""erlen under a real server: uvicorn serving ``app.asgi`` on a loopback port, spoken to over
real sockets (HTTP, a server-sent event stream, an async stream and a WebSocket)."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"The server exited early:\n{output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"Nothing listened on port {port} within {timeout} s.")


@contextlib.contextmanager
def uvicorn_serving(target: str, **env: str) -> Iterator[int]:
    """A real uvicorn serving ``target`` (``module:app.asgi``) on a free loopback port, with
    ``env`` added to its environment; stopped (killed if it must) when the block ends."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            target,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )
    try:
        wait_for_port(port, process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server() -> Iterator[int]:
    with uvicorn_serving("tests.apps.served:app.asgi") as port:
        yield port


def get(port: int, path: str) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    return connection.getresponse()


def test_plain_request_and_lifespan(server: int) -> None:
    response = get(server, "/?name=uvicorn")
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/html; charset=utf-8"
    # "started=yes" proves before_serving ran through uvicorn's lifespan messages.
    assert response.read() == b"Hello, uvicorn! started=yes"


def test_json_body_over_a_socket(server: int) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    body = json.dumps({"a": [1, 2, 3]})
    connection.request("POST", "/echo", body, {"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 200
    assert json.loads(response.read()) == {"json": {"a": [1, 2, 3]}, "length": len(body)}


def test_unknown_path_is_404(server: int) -> None:
    response = get(server, "/missing")
    assert response.status == 404
    assert b"Not Found" in response.read()


def test_server_sent_events_arrive_one_by_one(server: int) -> None:
    response = get(server, "/events?who=me")
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/event-stream"
    assert response.getheader("Transfer-Encoding") == "chunked"
    arrivals = []
    events = []
    buffer = b""
    while len(events) < 3:
        chunk = response.read1(1024)
        if not chunk:
            break
        arrivals.append(time.monotonic())
        buffer += chunk
        *complete, buffer = buffer.split(b"\n\n")
        events.extend(complete)
    assert events == [b"data: 0 for me", b"data: 1 for me", b"data: 2 for me"]
    # Flushed per event: the first arrived well before the last was produced.
    assert arrivals[-1] - arrivals[0] >= 0.4


def test_async_generator_streams(server: int) -> None:
    response = get(server, "/ticks")
    assert response.status == 200
    assert response.read() == b"tick 0\ntick 1\ntick 2\n"


def test_websocket_round_trip(server: int) -> None:
    with connect(f"ws://127.0.0.1:{server}/ws/ann", open_timeout=10) as ws:
        ws.send("hello")
        assert json.loads(ws.recv(timeout=10)) == {"to": "ann", "echo": "hello"}
        ws.send("again")
        assert json.loads(ws.recv(timeout=10)) == {"to": "ann", "echo": "again"}
        ws.send("bye")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1000


def test_websocket_to_unknown_path_is_refused(server: int) -> None:
    with pytest.raises(Exception) as refused:
        connect(f"ws://127.0.0.1:{server}/nowhere", open_timeout=10)
    assert "403" in str(refused.value)


def test_uvicorn_serves_an_app_factory() -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "tests.apps.served:create_app",
            "--factory",
            "--interface",
            "asgi3",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        wait_for_port(port, process)
        response = get(port, "/")
        assert response.status == 200
        assert response.read() == b"from a factory"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_run_banner_names_production_commands_for_a_factory() -> None:
    from erlen import Erlen
    from erlen.tools.devserver import banner

    app = Erlen("served_factory")
    text = banner(app, "127.0.0.1", 5000, None, "erlen_blog:create_app()")
    assert "gunicorn 'erlen_blog:create_app()'" in text
    assert "uvicorn 'erlen_blog:create_app' --factory --interface asgi3" in text
