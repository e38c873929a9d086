"""Many processes, one Redis: the example app (examples/accounts.py) under real servers.

Two servers, each with two worker processes, on two loopback ports share one real
``redis-server``: a login made through one is valid on the other, and a limit of 5 a minute holds
across all of them together. The fault test freezes Redis (it accepts connections and never
answers), then stops it, and checks that every request gets a 503 with a clear message within
the configured timeout, never a 500 or a hang, and that when Redis is back the sessions stored
before are there and service resumes.

The servers run exactly the commands docs/deployment.md shows (``COMMANDS``; a test checks the
guide still shows them).
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import typing as t
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
GUIDE = ROOT / "docs" / "deployment.md"

#: The server commands of docs/deployment.md, run from examples/ (``{port}`` is 8000 there).
COMMANDS = {
    "gunicorn-sync": "gunicorn --workers 2 --bind 127.0.0.1:{port} accounts:app",
    "gunicorn-gthread": (
        "gunicorn --workers 2 --worker-class gthread --threads 8 --bind 127.0.0.1:{port}"
        " accounts:app"
    ),
    "uvicorn": "uvicorn --workers 2 --host 127.0.0.1 --port {port} accounts:app.asgi",
    "granian": (
        "granian --interface asgi --workers 2 --host 127.0.0.1 --port {port} accounts:app.asgi"
    ),
}

#: ``ERLEN_SESSION_REDIS_TIMEOUT`` in these tests, in seconds.
REDIS_TIMEOUT = 1.0
# What a 503 may take beyond the Redis timeout: the server's own work, on a loaded CI machine.
MARGIN = 1.5


class Reply(t.NamedTuple):
    status: int
    headers: http.client.HTTPMessage
    body: str
    elapsed: float


class AppServer:
    """One server command running examples/accounts.py, in a process group of its own."""

    def __init__(self, name: str, redis_url: str, secret_key: str, logs: Path) -> None:
        self.name = name
        self.port = free_port()
        argv = shlex.split(COMMANDS[name].format(port=self.port))
        argv[0] = _executable(argv[0])
        self.log_path = logs / f"{name}-{self.port}.log"
        env = {
            **os.environ,
            "ERLEN_SECRET_KEY": secret_key,
            "ERLEN_SESSION_TYPE": "redis",
            "ERLEN_SESSION_REDIS_URL": redis_url,
            "ERLEN_SESSION_REDIS_TIMEOUT": str(REDIS_TIMEOUT),
        }
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                cwd=EXAMPLES,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log()}")
            try:
                if request(self.port, "GET", "/health", timeout=1).status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"{self.name} did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        # The server's workers are in its process group: end them all, and only them.
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)


def _executable(name: str) -> str:
    """The command from this Python's environment (where make installs it), else from PATH;
    skip without it (fail under CI, where the dev extra installs it)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        message = f"{name} is not installed (pip install -e '.[dev]')."
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return found


def request(
    port: int,
    method: str,
    path: str,
    *,
    cookie: str | None = None,
    form: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Reply:
    headers = {}
    body = None
    if cookie is not None:
        headers["Cookie"] = f"session={cookie}"
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.monotonic()
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode()
    finally:
        connection.close()
    return Reply(response.status, response.headers, text, time.monotonic() - started)


def session_cookie(reply: Reply) -> str:
    for header in reply.headers.get_all("Set-Cookie") or ():
        name, _, rest = header.partition("=")
        if name == "session":
            return rest.partition(";")[0]
    raise AssertionError(f"No session cookie in {reply}")


def login(port: int, name: str) -> str:
    reply = request(port, "POST", "/login", form={"name": name})
    assert (reply.status, json.loads(reply.body)) == (200, {"user": name})
    return session_cookie(reply)


def user(port: int, cookie: str) -> object:
    """Who the session ``cookie`` belongs to, as the server on ``port`` sees it."""
    reply = request(port, "GET", "/me", cookie=cookie)
    assert reply.status == 200, reply
    return json.loads(reply.body)["user"]


@pytest.fixture
def start_servers(tmp_path: Path) -> Iterator[t.Callable[[str, str], AppServer]]:
    """Start servers that share one secret key; all are stopped after the test."""
    servers: list[AppServer] = []
    secret_key = secrets.token_hex(32)

    def start(name: str, redis_url: str) -> AppServer:
        server = AppServer(name, redis_url, secret_key, tmp_path)
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


def test_the_deployment_guide_shows_the_commands_the_tests_run() -> None:
    guide = GUIDE.read_text()
    for command in COMMANDS.values():
        assert command.format(port=8000) in guide


@pytest.mark.parametrize(
    ("first", "second"), [("gunicorn-sync", "uvicorn"), ("gunicorn-gthread", "granian")]
)
def test_a_login_and_a_limit_hold_across_processes(
    first: str,
    second: str,
    tmp_path: Path,
    start_servers: t.Callable[[str, str], AppServer],
) -> None:
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        a, b = start_servers(first, redis.url), start_servers(second, redis.url)
        a.wait_ready()
        b.wait_ready()

        cookie = login(a.port, "ann")
        assert user(b.port, cookie) == "ann"

        codes = [request(port, "GET", "/search").status for port in [a.port, b.port] * 4]
        assert sorted(codes) == [200] * 5 + [429] * 3
        assert codes[:5] == [200] * 5

        assert request(b.port, "POST", "/logout", cookie=cookie).status == 200
        assert user(a.port, cookie) is None
    finally:
        redis.stop()


def test_redis_outage_gives_503s_and_service_recovers(
    tmp_path: Path, start_servers: t.Callable[[str, str], AppServer]
) -> None:
    redis = RedisServer(tmp_path, persistent=True)
    redis.start()
    try:
        a, b = start_servers("gunicorn-gthread", redis.url), start_servers("uvicorn", redis.url)
        a.wait_ready()
        b.wait_ready()
        cookie = login(a.port, "ann")
        assert user(b.port, cookie) == "ann"
        assert request(b.port, "GET", "/search").status == 200

        def outage(phase: str) -> list[Reply]:
            replies = []
            for port in (a.port, b.port):
                for method, path, kwargs, store in [
                    ("GET", "/me", {"cookie": cookie}, "The session store"),
                    ("POST", "/login", {"form": {"name": "bob"}}, "The session store"),
                    ("GET", "/search", {}, "The rate limit store"),
                ]:
                    reply = request(port, method, path, **kwargs)  # type: ignore[arg-type]
                    replies.append(reply)
                    assert reply.status == 503, (phase, path, reply)
                    assert f"{store} is unavailable right now" in reply.body
                    assert reply.headers["Retry-After"] == "5"
                    assert reply.elapsed < REDIS_TIMEOUT + MARGIN, (phase, path, reply.elapsed)
            slowest = max(reply.elapsed for reply in replies)
            print(f"\n{phase}: {len(replies)} requests, all 503, slowest {slowest:.3f} s")
            return replies

        # Frozen: connections are accepted and never answered, so only the timeout ends them.
        redis.freeze()
        frozen = outage("Redis frozen")
        assert min(reply.elapsed for reply in frozen) >= REDIS_TIMEOUT * 0.9
        redis.thaw()
        assert user(b.port, cookie) == "ann"

        # Stopped: connections are refused at once.
        redis.stop()
        outage("Redis stopped")
        for port in (a.port, b.port):
            assert request(port, "GET", "/health").status == 200
            assert request(port, "GET", "/ready").status == 503
        started = time.monotonic()
        redis.start()
        print(f"Redis restarted with its data in {time.monotonic() - started:.3f} s")
        for port in (a.port, b.port):
            assert request(port, "GET", "/ready").status == 200
            assert user(port, cookie) == "ann"
            assert request(port, "GET", "/search").status == 200
        assert user(a.port, login(b.port, "bob")) == "bob"
        for server in (a, b):
            assert " 500 " not in server.log() and "Traceback" not in server.log()
    finally:
        redis.stop()
