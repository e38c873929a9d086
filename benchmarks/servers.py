"""A server under test: gunicorn or uvicorn on a free loopback port, started and always stopped.

``Server`` is a context manager. Entering starts the server from the repository root on a free
port of 127.0.0.1, waits until it answers a request and finds its worker: the one child of
gunicorn's master, or uvicorn's own process (one worker, so no supervisor). Leaving stops the
server (SIGTERM, then SIGKILL after a grace period), reaps it and kills a worker left behind.
Every server of a kind gets the same settings (``GUNICORN`` and ``UVICORN``). The server's own
output goes to a temporary file and is shown when it fails. Nothing here sends load.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

from benchmarks.scenarios import Reply, Request

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
#: How long one check request may take, in seconds.
REQUEST_TIMEOUT = 10.0

Kind = Literal["gunicorn", "uvicorn"]

#: The settings every server of a kind runs with, as shown in the tables.
GUNICORN = ("--workers", "1", "--worker-class", "sync")
UVICORN = ("--workers", "1", "--no-access-log")
#: Only warnings and errors in the server's output.
QUIET = ("--log-level", "warning")


@dataclass(frozen=True)
class ServerSpec:
    #: The framework's column label, as in the in-process tables.
    label: str
    kind: Kind
    #: A factory in ``benchmarks/served.py``.
    factory: str
    #: Whether the app serves the ``form-session`` scenario.
    sessions: bool = True

    @property
    def settings(self) -> str:
        options = GUNICORN if self.kind == "gunicorn" else UVICORN
        return f"{self.kind} {' '.join(options)}"

    def command(self, port: int) -> list[str]:
        app = f"benchmarks.served:{self.factory}"
        if self.kind == "gunicorn":
            where = ["--bind", f"{HOST}:{port}", f"{app}()"]
            return [sys.executable, "-m", "gunicorn", *GUNICORN, *QUIET, *where]
        where = ["--host", HOST, "--port", str(port), "--factory", app]
        return [sys.executable, "-m", "uvicorn", *UVICORN, *QUIET, *where]


class ServerFailed(Exception):
    """The server did not start, or its worker was replaced during the run."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    def __init__(self, spec: ServerSpec) -> None:
        self.spec = spec
        self.port = 0
        self.worker_pid = 0
        self._worker_started = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def __enter__(self) -> Server:
        self.port = free_port()
        self._log = tempfile.TemporaryFile()
        self._process = subprocess.Popen(
            self.spec.command(self.port), cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT
        )
        try:
            self._wait_until_serving()
            self.worker_pid = self._find_worker()
            self._worker_started = _start_time(self.worker_pid)
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop()

    def send(self, request: Request) -> Reply:
        """``request`` over a fresh connection, its headers (``Host`` too) sent as they are."""
        connection = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            path = (
                f"{request.path}?{request.query_string}" if request.query_string else request.path
            )
            connection.request(request.method, path, request.body or None, dict(request.headers))
            response = connection.getresponse()
            return Reply(response.status, response.getheaders(), response.read())
        finally:
            connection.close()

    def rss_kib(self) -> int:
        """The worker's resident memory (``VmRSS``), in KiB; fails if the worker was replaced."""
        self.check_worker()
        status = Path(f"/proc/{self.worker_pid}/status").read_text(encoding="ascii")
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise ServerFailed(f"no VmRSS for process {self.worker_pid}")

    def check_worker(self) -> None:
        if self._find_worker() != self.worker_pid:
            raise ServerFailed(f"{self.spec.label}: the worker was replaced\n{self.output()}")

    def output(self) -> str:
        """The last lines the server wrote."""
        if self._log is None:
            return ""
        self._log.seek(0)
        lines = self._log.read().decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-20:])

    def _wait_until_serving(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerFailed(f"{self.spec.label} exited on start:\n{self.output()}")
            try:
                self.send(Request("GET", "/"))
                return
            except OSError:
                time.sleep(0.1)
        raise ServerFailed(f"{self.spec.label} did not answer in {START_TIMEOUT:g} s")

    def _find_worker(self) -> int:
        assert self._process is not None
        children = _children(self._process.pid)
        if self.spec.kind == "uvicorn" and not children:
            return self._process.pid
        if len(children) != 1:
            raise ServerFailed(f"{self.spec.label}: {len(children)} workers, expected 1")
        return children[0]

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # A worker whose master was killed outlives it; the start time tells it from a
        # process that took its pid since.
        worker = self.worker_pid
        if worker and _start_time(worker) == self._worker_started != "":
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None


def _stat(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name, or [] if there is no such
    process. The name is in parentheses and may hold spaces, so the fields follow the last ")".
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return stat.rsplit(")", 1)[1].split()


def _start_time(pid: int) -> str:
    fields = _stat(pid)
    return fields[19] if fields else ""


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found
