"""Slow and oversized request bodies under ASGI: a client that trickles or stalls its body gets a
408 (``BODY_TIMEOUT``) without holding a worker thread, and a body over ``MAX_CONTENT_LENGTH``
gets a 413 before any of it is received (declared) or as soon as it grows past the limit.

The unit tests speak to ``app.asgi`` directly with a ``receive`` that misbehaves as a client
would; the last test sends 50 slow clients to a real uvicorn on loopback while a ``GET /`` from
another connection must still answer within a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import select
import socket
import time
import typing as t
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from tests.adapters.test_serving import uvicorn_serving

from erlen import Erlen, request

ROOT = Path(__file__).resolve().parents[2]
Message = dict[str, t.Any]
Receive = Callable[[], Awaitable[Message]]

FORM = b"application/x-www-form-urlencoded"


def scope(
    method: str = "POST",
    path: str = "/form",
    headers: list[tuple[bytes, bytes]] | None = None,
    http_version: str = "1.1",
) -> dict[str, t.Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": http_version,
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"localhost"), *(headers or [])],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }


class Sent(t.NamedTuple):
    status: int
    headers: dict[bytes, bytes]
    body: bytes
    seconds: float


def send(app: Erlen, request_scope: dict[str, t.Any], receive: Receive, bound: float = 5) -> Sent:
    """One request through ``app.asgi``; fails the test if the app takes longer than
    ``bound`` seconds (as a read that blocks on a stalled client would)."""
    sent: list[Message] = []

    async def collect(message: Message) -> None:
        sent.append(message)

    async def main() -> float:
        start = time.monotonic()
        await asyncio.wait_for(app.asgi(request_scope, receive, collect), bound)
        return time.monotonic() - start

    seconds = asyncio.run(main())
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return Sent(start["status"], dict(start["headers"]), body, seconds)


def stalled(*chunks: bytes) -> tuple[Receive, list[str]]:
    """A client that sends ``chunks`` and then nothing, without ending its body."""
    pending = list(chunks)
    calls: list[str] = []

    async def receive() -> Message:
        calls.append("receive")
        if pending:
            return {"type": "http.request", "body": pending.pop(0), "more_body": True}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    return receive, calls


def trickling(interval: float, chunk: bytes = b"a") -> Receive:
    """A client that sends ``chunk`` every ``interval`` seconds, forever."""

    async def receive() -> Message:
        await asyncio.sleep(interval)
        return {"type": "http.request", "body": chunk, "more_body": True}

    return receive


def arriving(chunks: list[bytes], interval: float) -> Receive:
    """A client that sends ``chunks`` one every ``interval`` seconds, then ends its body."""
    pending = list(chunks)

    async def receive() -> Message:
        if not pending:
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}
        await asyncio.sleep(interval)
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    return receive


def untouched() -> tuple[Receive, list[str]]:
    """A ``receive`` that records whether the app ever asked for the body."""
    calls: list[str] = []

    async def receive() -> Message:
        calls.append("receive")
        return {"type": "http.request", "body": b"x" * 1000, "more_body": True}

    return receive, calls


def slow_app(**config: t.Any) -> tuple[Erlen, list[str]]:
    app = Erlen(__name__)
    app.config.update(config)
    ran: list[str] = []

    @app.post("/form")
    def form() -> str:
        ran.append("form")
        return f"form {request.form.to_dict()}"

    @app.post("/async-data")
    async def async_data() -> str:
        ran.append("async-data")
        return f"{len(request.get_data())} bytes"

    @app.post("/ignores-body")
    def ignores_body() -> str:
        ran.append("ignores-body")
        return "did not look"

    @app.post("/async-ignores-body")
    async def async_ignores_body() -> str:
        ran.append("async-ignores-body")
        return "did not look"

    @app.post("/digest")
    def digest() -> str:
        data = request.stream.read()
        return f"{len(data)} {hashlib.sha256(data).hexdigest()}"

    @app.get("/")
    def index() -> str:
        return "still here"

    return app, ran


def form_headers(length: int) -> list[tuple[bytes, bytes]]:
    return [(b"content-type", FORM), (b"content-length", str(length).encode())]


# A body that stalls or trickles: 408, and the view never runs


@pytest.mark.parametrize("path", ["/form", "/async-data", "/ignores-body"])
def test_a_stalled_body_is_408_within_the_timeout(path: str) -> None:
    app, ran = slow_app(BODY_TIMEOUT=0.3)
    receive, _ = stalled(b"text=hal")
    sent = send(app, scope(path=path, headers=form_headers(1000)), receive)
    assert sent.status == 408
    assert b"did not arrive in time" in sent.body
    assert 0.3 <= sent.seconds < 2
    # The client is told the connection ends, so the server does not wait for the rest.
    assert sent.headers[b"connection"] == b"close"
    assert ran == []


def test_a_stalled_chunked_body_is_408() -> None:
    app, ran = slow_app(BODY_TIMEOUT=0.3)
    receive, _ = stalled(b"text=", b"hal")
    headers = [(b"content-type", FORM), (b"transfer-encoding", b"chunked")]
    assert send(app, scope(headers=headers), receive).status == 408
    assert ran == []


def test_a_trickled_body_is_408_after_the_timeout() -> None:
    # One byte every 50 ms: the body never ends, and 20 bytes a second buys no extra time.
    app, ran = slow_app(BODY_TIMEOUT=0.4)
    sent = send(app, scope(headers=form_headers(100_000)), trickling(0.05))
    assert sent.status == 408
    assert 0.4 <= sent.seconds < 2
    assert ran == []


def test_a_large_body_that_keeps_coming_is_not_cut_off() -> None:
    # 1.5 s in total, well past BODY_TIMEOUT, at a steady 100 kB/s: above BODY_MIN_RATE, so
    # every chunk extends the time allowed.
    app, _ = slow_app(BODY_TIMEOUT=0.3, BODY_MIN_RATE=1000)
    chunks = [b"x" * 10_000] * 15
    sent = send(app, scope(path="/digest", headers=form_headers(150_000)), arriving(chunks, 0.1))
    assert sent.status == 200
    assert sent.body.startswith(b"150000 ")


def test_without_a_min_rate_the_timeout_is_for_the_whole_body() -> None:
    app, _ = slow_app(BODY_TIMEOUT=0.3, BODY_MIN_RATE=None)
    chunks = [b"x" * 10_000] * 15
    sent = send(app, scope(path="/digest", headers=form_headers(150_000)), arriving(chunks, 0.1))
    assert sent.status == 408


def test_body_timeout_none_waits_for_a_slow_body() -> None:
    app, _ = slow_app(BODY_TIMEOUT=None)
    sent = send(app, scope(headers=form_headers(6)), arriving([b"te", b"xt", b"=a"], 0.2))
    assert (sent.status, sent.body) == (200, b"form {'text': 'a'}")


def test_body_timeout_default_is_30_seconds() -> None:
    app, _ = slow_app()
    assert app.config["BODY_TIMEOUT"] == 30
    # A body that takes a second is well inside it.
    sent = send(app, scope(headers=form_headers(6)), arriving([b"te", b"xt", b"=a"], 0.3))
    assert (sent.status, sent.body) == (200, b"form {'text': 'a'}")


@pytest.mark.parametrize("config", [{"BODY_TIMEOUT": 0}, {"BODY_MIN_RATE": -1}])
def test_a_body_timeout_that_makes_no_sense_is_refused(config: dict[str, t.Any]) -> None:
    app, _ = slow_app(**config)
    with pytest.raises(ValueError, match="BODY_TIMEOUT must be a number of seconds above 0"):
        send(app, scope(headers=form_headers(6)), arriving([b"text=a"], 0))


def test_a_stalled_body_holds_no_worker_thread() -> None:
    # One worker thread: were the body read in it, the GET below would wait behind the stall.
    app, _ = slow_app(BODY_TIMEOUT=1.5, ASGI_THREADS=1)

    async def main() -> tuple[Message, float]:
        receive, _ = stalled(b"text=")
        posts = [
            asyncio.ensure_future(app.asgi(scope(headers=form_headers(1000)), receive, _ignore))
            for _ in range(5)
        ]
        await asyncio.sleep(0.1)
        answers: list[Message] = []

        async def collect(message: Message) -> None:
            answers.append(message)

        start = time.monotonic()
        await asyncio.wait_for(app.asgi(scope("GET", "/"), _no_body, collect), 1)
        seconds = time.monotonic() - start
        await asyncio.wait_for(asyncio.gather(*posts), 5)
        return answers[1], seconds

    body, seconds = asyncio.run(main())
    assert body["body"] == b"still here"
    assert seconds < 0.5


async def _ignore(message: Message) -> None:
    return None


async def _no_body() -> Message:
    raise AssertionError("a request without a body was asked for one")


def test_a_request_without_a_body_never_calls_receive() -> None:
    app, _ = slow_app(BODY_TIMEOUT=0.1)
    sent = send(app, scope("GET", "/"), _no_body)
    assert (sent.status, sent.body) == (200, b"still here")
    assert b"connection" not in sent.headers


def test_a_client_that_disconnects_mid_body_never_reaches_the_view() -> None:
    app, ran = slow_app()
    messages = [
        {"type": "http.request", "body": b"text=", "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Message:
        return messages.pop(0)

    sent = send(app, scope(headers=form_headers(1000)), receive)
    assert sent.status == 400
    assert ran == []


# Bodies over MAX_CONTENT_LENGTH: 413 before receiving them


@pytest.mark.parametrize("path", ["/form", "/ignores-body", "/async-data", "/async-ignores-body"])
def test_a_declared_oversized_body_is_413_before_receiving_any_of_it(path: str) -> None:
    app, ran = slow_app()
    receive, calls = untouched()
    sent = send(app, scope(path=path, headers=form_headers(20_000_000)), receive)
    assert sent.status == 413
    assert b"16777216 bytes" in sent.body
    assert sent.headers[b"connection"] == b"close"
    assert calls == []
    assert ran == []


def test_a_declared_body_at_the_limit_is_received() -> None:
    app, _ = slow_app(MAX_CONTENT_LENGTH=10)
    sent = send(app, scope(headers=form_headers(10)), arriving([b"text=abcde"], 0))
    assert (sent.status, sent.body) == (200, b"form {'text': 'abcde'}")


def test_a_chunked_body_is_413_as_soon_as_it_grows_past_the_limit() -> None:
    app, ran = slow_app(MAX_CONTENT_LENGTH=100_000)
    calls: list[str] = []

    async def endless() -> Message:
        calls.append("receive")
        return {"type": "http.request", "body": b"a" * 30_000, "more_body": True}

    headers = [(b"content-type", FORM), (b"transfer-encoding", b"chunked")]
    sent = send(app, scope(headers=headers), endless)
    assert sent.status == 413
    assert sent.headers[b"connection"] == b"close"
    # 120,000 bytes is the first total past 100,000: nothing more was asked for.
    assert len(calls) == 4
    assert ran == []


def test_an_http2_body_is_413_as_soon_as_it_grows_past_the_limit() -> None:
    app, _ = slow_app(MAX_CONTENT_LENGTH=100_000)

    async def endless() -> Message:
        return {"type": "http.request", "body": b"a" * 30_000, "more_body": True}

    sent = send(app, scope(headers=[(b"content-type", FORM)], http_version="2"), endless)
    assert sent.status == 413
    # HTTP/2 has no Connection header: the server ends the stream instead.
    assert b"connection" not in sent.headers


def test_a_malformed_content_length_is_400_before_receiving() -> None:
    app, ran = slow_app()
    receive, calls = untouched()
    headers = [(b"content-type", FORM), (b"content-length", b"12abc")]
    sent = send(app, scope(headers=headers), receive)
    assert sent.status == 400
    assert b"Content-Length" in sent.body
    assert calls == []
    assert ran == []


def test_a_413_goes_through_the_apps_error_handler_and_after_request() -> None:
    app, _ = slow_app()

    @app.errorhandler(413)
    def too_large(error: Exception) -> tuple[str, int]:
        return "upload something smaller", 413

    @app.after_request
    def mark(response: t.Any) -> t.Any:
        response.headers["X-Seen"] = "yes"
        return response

    receive, _ = untouched()
    sent = send(app, scope(headers=form_headers(20_000_000)), receive)
    assert (sent.status, sent.body) == (413, b"upload something smaller")
    assert sent.headers[b"X-Seen"] == b"yes"


def test_a_view_can_still_lower_its_limit() -> None:
    app = Erlen(__name__)

    @app.post("/small")
    def small() -> str:
        request.max_content_length = 5
        return str(len(request.get_data()))

    sent = send(app, scope(path="/small", headers=form_headers(10)), arriving([b"x" * 10], 0))
    assert sent.status == 413


# Large bodies go to a temporary file, which is closed after the request


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_a_large_body_is_read_whole_and_its_spool_file_closed() -> None:
    app, _ = slow_app(MAX_CONTENT_LENGTH=None)
    body = os.urandom(3 * 1024 * 1024)
    chunks = [body[i : i + 65536] for i in range(0, len(body), 65536)]
    before = open_files()
    sent = send(app, scope(path="/digest", headers=form_headers(len(body))), arriving(chunks, 0))
    assert sent.body == f"{len(body)} {hashlib.sha256(body).hexdigest()}".encode()
    assert open_files() == before


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
def test_a_large_body_cut_off_leaves_no_file_open() -> None:
    app, _ = slow_app(MAX_CONTENT_LENGTH=2 * 1024 * 1024, BODY_TIMEOUT=0.3)
    before = open_files()
    # Past the spool size, then too large: 413.
    too_large = [b"a" * 65536] * 40
    headers = [(b"content-type", FORM), (b"transfer-encoding", b"chunked")]
    assert send(app, scope(headers=headers), arriving(too_large, 0)).status == 413
    # Past the spool size, then stalled: 408.
    receive, _ = stalled(*[b"a" * 65536] * 12)
    assert send(app, scope(headers=form_headers(2_000_000)), receive).status == 408
    assert open_files() == before


def test_the_test_client_sends_large_bodies_through_asgi() -> None:
    app, _ = slow_app(MAX_CONTENT_LENGTH=None)
    body = os.urandom(2 * 1024 * 1024)
    response = app.test_client(asgi=True).post("/digest", data=body)
    assert response.text == f"{len(body)} {hashlib.sha256(body).hexdigest()}"


# A real uvicorn: 50 slow clients, and GET / still answers within a second


@pytest.fixture
def uvicorn_server() -> Iterator[int]:
    with uvicorn_serving("tests.apps.slow_bodies:app.asgi", SLOW_BODIES_TIMEOUT="2") as port:
        yield port


def slow_client(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        b"POST /form HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\ntext="
    )
    sock.setblocking(False)
    return sock


def get_index(port: int) -> tuple[bytes, float]:
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer, time.monotonic() - start


def test_uvicorn_answers_get_while_50_clients_send_slow_bodies(uvicorn_server: int) -> None:
    port = uvicorn_server
    clients = [slow_client(port) for _ in range(50)]
    tricklers = clients[::2]  # the other half stall: headers, five bytes, then nothing
    answers = {sock: b"" for sock in clients}
    closed: set[socket.socket] = set()
    try:
        time.sleep(0.3)  # every slow request has reached the app by now
        answer, seconds = get_index(port)
        assert answer.startswith(b"HTTP/1.1 200")
        assert answer.endswith(b"still here")
        assert seconds < 1
        # Trickle a byte every 100 ms and collect what the server says, until every slow client
        # has its answer and its connection closed (BODY_TIMEOUT is 2 s here).
        deadline = time.monotonic() + 8
        while len(closed) < len(clients) and time.monotonic() < deadline:
            for sock in tricklers:
                if sock not in closed:
                    with contextlib.suppress(OSError):
                        sock.send(b"a")
            readable, _, _ = select.select([s for s in clients if s not in closed], [], [], 0.1)
            for sock in readable:
                try:
                    chunk = sock.recv(65536)
                except OSError:
                    chunk = b""
                answers[sock] += chunk
                if not chunk:
                    closed.add(sock)
        assert len(closed) == len(clients), "some slow clients were never disconnected"
        statuses = {answer.split(b"\r\n", 1)[0] for answer in answers.values()}
        assert statuses == {b"HTTP/1.1 408 Request Timeout"}
        # And the app still answers afterwards.
        assert get_index(port)[0].endswith(b"still here")
    finally:
        for sock in clients:
            sock.close()
