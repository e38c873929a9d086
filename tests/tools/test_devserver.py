"""The development server survives errors in the user's code: a syntax error, an import-time
error or a factory that raises is shown as a 500 page (the debug page in debug mode) on every
request, and the server recovers by itself when the file is saved again; ``erlen run --debug``
starts that way with an app broken from the start. The real server tests edit a file under a
running ``erlen run --debug`` on loopback."""

from __future__ import annotations

import asyncio
import http.client
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.adapters.test_serving import free_port

from erlen.security.checks import StartupError
from erlen.tools.debug import render_load_error_page
from erlen.tools.devserver import LoadErrorApp, _reload_target, error_reload_dirs

GOOD = """
from erlen import Erlen

app = Erlen(__name__)


@app.get("/")
def index() -> str:
    return "{text}"
"""
BROKEN = """
from erlen import Erlen

app = Erlen(__name__)

def broken(:
    pass
"""


def load_error(source: str, tmp_path: Path, name: str) -> BaseException:
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    sys.path.insert(0, str(tmp_path))
    try:
        __import__(name)
    except Exception as error:
        return error
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)
    raise AssertionError("the module imported")


# -- the page ------------------------------------------------------------------------------


def test_a_syntax_error_page_names_the_file_and_line_with_a_caret(tmp_path: Path) -> None:
    error = load_error(BROKEN, tmp_path, "syntax_broken")
    page = render_load_error_page(error)
    assert "<h1>SyntaxError</h1>" in page
    assert f"{tmp_path / 'syntax_broken.py'}</code>, line 6" in page
    assert '<span class="current"><span class="lineno">    6</span> def broken(:</span>' in page
    # The caret sits under the ':' (column 12), below the line it points into.
    caret = '<span class="caret"><span class="lineno">     </span>            ^</span>'
    assert caret in page
    assert "save the file" in page and "restarts by itself" in page


def test_an_import_time_error_page_shows_the_offending_line(tmp_path: Path) -> None:
    source = """
        from erlen import Erlen

        app = Erlen(__name__)
        settings = undefined_name + "<b>"
    """
    error = load_error(source, tmp_path, "import_broken")
    page = render_load_error_page(error)
    assert "NameError" in page and "undefined_name" in page
    assert f"{tmp_path / 'import_broken.py'}</code>, line 5" in page
    assert "settings = undefined_name + &#34;&lt;b&gt;&#34;" in page


# -- what the reloader's child serves ---------------------------------------------------------


def call(app: Any, scope: dict[str, Any]) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    messages = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def http_scope(method: str = "GET") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": "/", "headers": []}


def test_the_load_error_app_answers_every_request_with_a_500(tmp_path: Path) -> None:
    app = LoadErrorApp(load_error(BROKEN, tmp_path, "served_broken"), debug=True)
    start, body = call(app, http_scope())
    assert start["status"] == 500
    headers = dict(start["headers"])
    assert headers[b"content-type"] == b"text/html; charset=utf-8"
    assert b"script-src" not in headers[b"content-security-policy"]
    assert headers[b"cache-control"] == b"no-store"
    assert b"def broken(:" in body["body"]
    assert headers[b"content-length"] == str(len(body["body"])).encode()
    assert call(app, http_scope("HEAD"))[1]["body"] == b""
    assert [m["type"] for m in call(app, {"type": "lifespan"})] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    assert call(app, {"type": "websocket", "path": "/"}) == [
        {"type": "websocket.close", "code": 1011}
    ]


def test_without_debug_the_load_error_page_shows_nothing(tmp_path: Path) -> None:
    app = LoadErrorApp(load_error(BROKEN, tmp_path, "quiet_broken"), debug=False)
    start, body = call(app, http_scope())
    assert start["status"] == 500
    assert b"could not be loaded" in body["body"]
    assert b"broken" not in body["body"] and str(tmp_path).encode() not in body["body"]


@pytest.fixture
def child(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Any]]:
    """Run ``_reload_target`` as a reloader's child would, in ``tmp_path``."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "")
    monkeypatch.setenv("ERLEN_SKIP_DOTENV", "1")
    names: list[str] = []

    def load(module: str, source: str, debug: bool, factory: str = "") -> Any:
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
        names.append(module)
        monkeypatch.setenv("ERLEN_RUN_APP", module + factory)
        monkeypatch.setenv("ERLEN_DEBUG", "1" if debug else "0")
        return _reload_target()

    yield load
    for name in names:
        sys.modules.pop(name, None)


def test_the_child_serves_the_error_of_an_app_that_cannot_load(
    child: Callable[..., Any], capsys: pytest.CaptureFixture[str]
) -> None:
    served = child("child_broken", BROKEN, debug=True)
    assert isinstance(served, LoadErrorApp) and served.debug
    assert isinstance(served.error, SyntaxError)
    assert "def broken(:" in capsys.readouterr().err  # the traceback in the terminal too
    assert not child("child_quiet", BROKEN, debug=False).debug


def test_the_child_serves_the_error_of_a_factory_that_raises(child: Callable[..., Any]) -> None:
    source = """
        from erlen import Erlen

        def create_app():
            raise RuntimeError("no database configured")
    """
    served = child("child_factory", source, debug=True, factory=":create_app()")
    assert isinstance(served, LoadErrorApp)
    assert "no database configured" in call(served, http_scope())[1]["body"].decode()


def test_the_child_refuses_start_up_errors_outside_debug_mode(child: Callable[..., Any]) -> None:
    source = GOOD.format(text="ok") + '\napp.config["SESSION_TYPE"] = "memcache"\n'
    served = child("child_misconfigured", source, debug=False)
    assert isinstance(served, LoadErrorApp) and isinstance(served.error, StartupError)
    # In debug mode the app is served: the debug page shows the error on each request.
    served = child("child_misconfigured_debug", source, debug=True)
    assert not isinstance(served, LoadErrorApp)


def test_a_broken_app_is_watched_in_its_folder(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    error = load_error(BROKEN, package, "watched_broken")
    assert str(package) in error_reload_dirs(error, "watched_broken")


# -- for real: erlen run --debug on loopback ------------------------------------------------


def get(port: int) -> tuple[int, str]:
    """One GET /, or (0, reason) when nothing answered within a few seconds."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=4)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        return response.status, response.read().decode()
    except OSError as error:
        return 0, repr(error)
    finally:
        connection.close()


class Server:
    """``erlen run`` in a project folder, with the app in ``app.py``."""

    def __init__(self, folder: Path, port: int, process: subprocess.Popen[bytes]) -> None:
        self.folder = folder
        self.port = port
        self.process = process
        self.saves = 0

    def save(self, source: str) -> None:
        path = self.folder / "app.py"
        path.write_text(source)
        # Each save a second later than the last: the polling reloader compares times.
        self.saves += 1
        stamp = time.time() + self.saves
        os.utime(path, (stamp, stamp))

    def wait_for(self, status: int, words: str, seconds: float = 25) -> str:
        deadline = time.monotonic() + seconds
        seen: tuple[int, str] = (0, "")
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "erlen run exited"
            seen = get(self.port)
            if seen[0] == status and words in seen[1]:
                return seen[1]
            time.sleep(0.2)
        raise AssertionError(f"no {status} with {words!r} in time; last answer: {seen[:2]!r}")

    def output(self) -> str:
        return (self.folder / "server.log").read_text(errors="replace")


@pytest.fixture
def erlen_run(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    servers: list[Server] = []
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ERLEN_", "FLASK_", "WERKZEUG_")) and key != "PYTEST_CURRENT_TEST"
    }
    env |= {"ERLEN_SKIP_DOTENV": "1", "PYTHONDONTWRITEBYTECODE": "1"}

    def start(source: str, *args: str) -> Server:
        (tmp_path / "app.py").write_text(source)
        port = free_port()
        log = (tmp_path / "server.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "erlen", "run", "--port", str(port), *args],
            cwd=tmp_path,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the reloader's child goes with it
        )
        log.close()
        server = Server(tmp_path, port, process)
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGTERM)
            try:
                server.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(server.process.pid, signal.SIGKILL)
                server.process.wait(10)


def test_a_syntax_error_while_serving_is_shown_and_fixed(
    erlen_run: Callable[..., Server],
) -> None:
    server = erlen_run(GOOD.format(text="first"), "--debug")
    server.wait_for(200, "first")
    server.save(BROKEN)
    page = server.wait_for(500, "SyntaxError")
    assert "app.py</code>, line 6" in page and "def broken(:" in page
    server.save(GOOD.format(text="fixed"))
    server.wait_for(200, "fixed")


def test_erlen_run_debug_starts_with_a_broken_app_and_recovers(
    erlen_run: Callable[..., Server],
) -> None:
    server = erlen_run(BROKEN, "--debug")
    page = server.wait_for(500, "SyntaxError")
    assert "app.py</code>, line 6" in page
    assert "The app could not be loaded" in server.output()
    server.save(GOOD.format(text="recovered"))
    server.wait_for(200, "recovered")


def test_erlen_run_without_debug_exits_on_a_broken_app(erlen_run: Callable[..., Server]) -> None:
    server = erlen_run(BROKEN)
    assert server.process.wait(30) != 0
    assert "SyntaxError" in server.output()
    assert get(server.port)[0] == 0
