"""A real ``redis-server`` for the tests: started on a free loopback port, stopped afterwards.

``RedisServer`` runs one server in a directory of its own, bound to 127.0.0.1 only, and can
freeze it (SIGSTOP), thaw it, stop it and start it again on the same port with the same data (the
fault tests). ``shared_server()`` is the one server most tests share, started on first use.
Every wait is bounded. Where ``redis-server`` or the ``redis`` package is missing the caller is
skipped with a message, except under CI (``CI`` set), where that fails: CI must install them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import typing as t
from pathlib import Path

import pytest

if t.TYPE_CHECKING:
    import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _missing(what: str) -> t.NoReturn:
    if os.environ.get("CI"):
        pytest.fail(
            f"{what} is not installed, and CI must run the Redis tests: .ci/run installs"
            " redis-server (apt-get install redis-server) and make installs the dev extra.",
            pytrace=False,
        )
    pytest.skip(f"{what} is not installed; install it to run the Redis tests.")


def require_redis_server() -> str:
    """The path of ``redis-server``, or skip (fail under CI)."""
    path = shutil.which("redis-server")
    if path is None:
        _missing("redis-server (the Debian package redis-server)")
    return path


def require_redis_package() -> None:
    try:
        import redis  # noqa: F401
    except ImportError:
        _missing("The redis package (pip install 'erlen[redis]')")


class RedisServer:
    """One ``redis-server`` process. ``persistent`` keeps data on disk (an append-only file,
    written on every command) so it survives ``stop()`` and ``start()``."""

    def __init__(self, directory: Path, *, persistent: bool = False) -> None:
        self.executable = require_redis_server()
        require_redis_package()
        self.directory = directory
        self.persistent = persistent
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        persistence = (
            ["--appendonly", "yes", "--appendfsync", "always"]
            if self.persistent
            else ["--appendonly", "no"]
        )
        self.process = subprocess.Popen(
            [
                self.executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.directory),
                "--save",
                "",
                *persistence,
                "--logfile",
                str(self.directory / "redis.log"),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not self.ping():
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited early; see {self.directory}/redis.log")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"redis-server did not answer PING within {timeout} s.")
            time.sleep(0.02)

    def ping(self) -> bool:
        """Whether the server answers PING, and has its data loaded, right now."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(64).startswith(b"+PONG")
        except OSError:
            return False

    def freeze(self) -> None:
        """Stop the process without closing its sockets: clients connect, and wait."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM (Redis then writes its data out and exits), SIGKILL if it takes too long."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGCONT)
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)

    def client(self) -> redis.Redis:
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=5)


_shared: RedisServer | None = None
_shared_directory: tempfile.TemporaryDirectory[str] | None = None


def shared_server() -> RedisServer:
    """The server the tests share, started on first use; ``stop_shared_server`` ends it."""
    global _shared, _shared_directory
    if _shared is None:
        require_redis_server()
        require_redis_package()
        _shared_directory = tempfile.TemporaryDirectory(prefix="erlen-redis-")
        server = RedisServer(Path(_shared_directory.name))
        server.start()
        _shared = server
    return _shared


def stop_shared_server() -> None:
    global _shared, _shared_directory
    if _shared is not None:
        _shared.stop()
        _shared = None
    if _shared_directory is not None:
        _shared_directory.cleanup()
        _shared_directory = None
