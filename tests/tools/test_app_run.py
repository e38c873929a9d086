"""``app.run()`` and ``erlen.serving.run_simple``: what they hand the server (host, port, options,
debug mode), and, for real on loopback ports, a ``python app.py`` that serves (erlen's names and
Flask's), a plain WSGI callable, HTTPS, the reloader restarting on a change, and a busy port."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import ssl
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.adapters.test_serving import free_port

from erlen import Erlen
from erlen.tools import serving

ROOT = Path(__file__).resolve().parents[2]
ENV_NAMES = (
    "ERLEN_DEBUG",
    "FLASK_DEBUG",
    "FLASK_RUN_FROM_CLI",
    "WERKZEUG_RUN_MAIN",
    "ERLEN_SKIP_DOTENV",
    "FLASK_SKIP_DOTENV",
    "ERLEN_SERVER_FD",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No debug, dotenv or reloader variables; whatever a test (or a .env file) sets is undone."""
    for name in (*ENV_NAMES, "RUN_TEST_VALUE"):
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """What ``app.run()`` passes to ``run_simple`` (which is looked up when ``run`` is called)."""
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    monkeypatch.setattr(serving, "run_simple", lambda *args, **kwargs: seen.append((args, kwargs)))
    return seen


# -- what app.run() asks for ----------------------------------------------------------------


def test_run_defaults_to_loopback_port_5000_with_threads(calls: list[Any]) -> None:
    app = Erlen("runner")
    app.run()
    (args, options) = calls[0]
    assert args == ("127.0.0.1", 5000, app)
    assert options == {"use_reloader": False, "use_debugger": False, "threaded": True}


def test_run_debug_true_turns_debug_mode_and_the_reloader_on(calls: list[Any]) -> None:
    app = Erlen("runner")
    app.run("localhost", 8000, debug=True, use_reloader=False, extra_files=["x.toml"])
    (args, options) = calls[0]
    assert args[:2] == ("localhost", 8000)
    assert app.debug is True
    assert options["use_reloader"] is False and options["use_debugger"] is True
    assert options["extra_files"] == ["x.toml"]


@pytest.mark.parametrize(
    ("host", "port", "server_name", "expected"),
    [
        (None, None, "example.test:8080", ("example.test", 8080)),
        ("localhost", None, "example.test:8080", ("localhost", 8080)),
        (None, 80, "example.test:8080", ("example.test", 80)),
        (None, 0, "example.test:8080", ("example.test", 0)),
        (None, None, "example.test", ("example.test", 5000)),
        (None, None, "[::1]:9000", ("::1", 9000)),
    ],
)
def test_run_takes_host_and_port_from_server_name(
    calls: list[Any],
    host: str | None,
    port: int | None,
    server_name: str,
    expected: tuple[str, int],
) -> None:
    app = Erlen("runner")
    app.config["SERVER_NAME"] = server_name
    app.run(host, port)
    assert calls[0][0][:2] == expected


@pytest.mark.parametrize("name", ["ERLEN_DEBUG", "FLASK_DEBUG"])
def test_run_honours_the_debug_variable_unless_debug_is_given(
    calls: list[Any], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv(name, "1")
    app = Erlen("runner")
    app.run()
    assert app.debug is True and calls[0][1]["use_reloader"] is True
    app.run(debug=False)
    assert app.debug is False


def test_run_loads_dotenv_files_unless_told_not_to(
    calls: list[Any], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("dotenv")
    (tmp_path / ".flaskenv").write_text("FLASK_DEBUG=1\nRUN_TEST_VALUE=flaskenv\n")
    app = Erlen("runner")
    app.run(load_dotenv=False)
    assert app.debug is False and "RUN_TEST_VALUE" not in os.environ
    app.run()
    assert app.debug is True and os.environ["RUN_TEST_VALUE"] == "flaskenv"


def test_run_does_nothing_when_the_command_line_serves_the_app(
    calls: list[Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    Erlen("runner").run()
    assert calls == []
    assert "Ignoring a call to 'app.run()'" in capsys.readouterr().out


def test_run_simple_refuses_what_it_cannot_do() -> None:
    app = Erlen("runner")
    with pytest.raises(TypeError, match="port must be an integer"):
        serving.run_simple("127.0.0.1", "5000", app)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="one process"):
        serving.run_simple("127.0.0.1", 5000, app, processes=4)
    with pytest.raises(ValueError, match="static folder"):
        serving.run_simple("127.0.0.1", 5000, app, static_files={"/s": "."})


def test_adhoc_certificate_without_cryptography_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(RuntimeError, match=r"pip install cryptography.*--cert cert\.pem"):
        serving.run_simple("127.0.0.1", 5000, Erlen("runner"), ssl_context="adhoc")


def test_is_running_from_reloader(monkeypatch: pytest.MonkeyPatch) -> None:
    assert serving.is_running_from_reloader() is False
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert serving.is_running_from_reloader() is True


# -- for real -------------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERLEN_", "FLASK_"))}
    env.pop("WERKZEUG_RUN_MAIN", None)
    env["ERLEN_SKIP_DOTENV"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    return env


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start ``python <source as app.py>`` in ``tmp_path``; stopped (and its output kept in
    ``process.output``) when the test ends."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(source: str, *, port: int) -> subprocess.Popen[bytes]:
        script = tmp_path / "app.py"
        script.write_text(textwrap.dedent(source).replace("PORT", str(port)))
        process = subprocess.Popen(
            [sys.executable, str(script)],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=child_env(),
        )
        processes.append(process)
        wait_for_port(process, port)
        return process

    yield start
    for process in processes:
        stop(process)


def wait_for_port(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 20
    while True:
        if process.poll() is not None:
            output = process.communicate()[0].decode()
            pytest.fail(f"the server exited early:\n{output}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            assert time.monotonic() < deadline, f"nothing listened on port {port}"
            time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> str:
    if process.poll() is None:
        process.terminate()
    try:
        output = process.communicate(timeout=10)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        output = process.communicate(timeout=10)[0]
    return output.decode()


def get(port: int, path: str = "/", context: ssl.SSLContext | None = None) -> tuple[int, str]:
    if context is None:
        connection: http.client.HTTPConnection = http.client.HTTPConnection(
            "127.0.0.1", port, timeout=10
        )
    else:
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


ERLEN_APP = """
    from erlen import Flask, request

    app = Flask(__name__)

    @app.route("/")
    def index():
        return f"hello from app.py, https={request.is_secure}"

    if __name__ == "__main__":
        app.run(port=PORT)
"""

FLASK_APP = """
    import erlen.as_flask
    import flask
    from flask import Flask

    app = Flask(__name__)

    @app.route("/")
    def index():
        return f"flask is erlen: {flask.Flask.__module__}"

    if __name__ == "__main__":
        app.run(port=PORT)
"""


def test_python_app_py_serves(start: Callable[..., subprocess.Popen[bytes]]) -> None:
    port = free_port()
    process = start(ERLEN_APP, port=port)
    assert get(port) == (200, "hello from app.py, https=False")
    output = stop(process)
    assert f"Serving 'app' on http://127.0.0.1:{port}" in output
    assert "Do not use it in production" in output
    assert "gunicorn 'app:app'" in output


def test_python_app_py_serves_through_flask_names(
    start: Callable[..., subprocess.Popen[bytes]],
) -> None:
    port = free_port()
    start(FLASK_APP, port=port)
    assert get(port) == (200, "flask is erlen: erlen.app")


def test_a_plain_wsgi_callable_and_wrapped_wsgi_app_are_served_over_wsgi(
    start: Callable[..., subprocess.Popen[bytes]],
) -> None:
    port = free_port()
    start(
        """
        from erlen import Erlen
        from erlen.tools.serving import run_simple

        app = Erlen(__name__)

        @app.route("/")
        def index():
            return "from the app"

        def middleware(wsgi_app):
            def wrapped(environ, start_response):
                if environ["PATH_INFO"] == "/plain":
                    start_response("200 OK", [("Content-Type", "text/plain")])
                    return [b"from the middleware"]
                return wsgi_app(environ, start_response)
            return wrapped

        app.wsgi_app = middleware(app.wsgi_app)
        run_simple("127.0.0.1", PORT, app, threaded=True)
        """,
        port=port,
    )
    assert get(port, "/plain") == (200, "from the middleware")
    assert get(port, "/") == (200, "from the app")


def make_certificate(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def test_app_run_serves_https_with_a_certificate_pair(
    start: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    cert, key = make_certificate(tmp_path)
    port = free_port()
    pair = (str(cert), str(key))
    source = ERLEN_APP.replace("app.run(port=PORT)", f"app.run(port=PORT, ssl_context={pair!r})")
    process = start(source, port=port)
    context = ssl.create_default_context(cafile=str(cert))
    assert get(port, context=context) == (200, "hello from app.py, https=True")
    assert f"on https://127.0.0.1:{port}" in stop(process)


def test_app_run_serves_https_with_an_adhoc_certificate(
    start: Callable[..., subprocess.Popen[bytes]],
) -> None:
    pytest.importorskip("cryptography")
    port = free_port()
    start(ERLEN_APP.replace("port=PORT", "port=PORT, ssl_context='adhoc'"), port=port)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # a throw-away certificate nobody signed
    assert get(port, context=context) == (200, "hello from app.py, https=True")


def test_the_reloader_restarts_on_a_change_and_keeps_the_port(
    start: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    (tmp_path / "message.txt").write_text("first")
    port = free_port()
    process = start(
        """
        from pathlib import Path
        from erlen import Erlen

        MESSAGE = Path(__file__).with_name("message.txt").read_text()
        app = Erlen(__name__)

        @app.route("/")
        def index():
            return MESSAGE

        if __name__ == "__main__":
            app.run(port=PORT, debug=True, extra_files=["message.txt"], reloader_interval=0.1)
        """,
        port=port,
    )
    assert get(port) == (200, "first")
    time.sleep(0.3)  # a coarse file clock must see a later modification time
    (tmp_path / "message.txt").write_text("second")
    deadline = time.monotonic() + 20
    while True:
        try:
            if get(port) == (200, "second"):
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, "the server did not restart"
        time.sleep(0.1)
    output = stop(process)
    assert "Restarting with the stat reloader" in output
    assert "Detected a change in" in output and "message.txt" in output
    assert "erlen has no interactive debugger" in output


def test_a_busy_port_ends_the_process_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        script = tmp_path / "app.py"
        script.write_text(textwrap.dedent(ERLEN_APP).replace("PORT", str(port)))
        completed = subprocess.run(
            [sys.executable, str(script)], capture_output=True, env=child_env(), timeout=30
        )
    assert completed.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in completed.stderr.decode()
    assert "Another program is using this port" in completed.stderr.decode()
