"""``import erlen.as_flask``: unchanged Flask code and extensions load erlen's own modules.

Each check that touches ``sys.modules`` runs in a fresh interpreter, so the switch never leaks
into the rest of the suite; the serving checks start real servers (uvicorn, gunicorn and
``erlen run``) on loopback with an app whose extension imports only ``flask`` and ``werkzeug``.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tests.adapters.test_serving import free_port, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run_python(code: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(cwd or ROOT)},
    )


def test_flask_names_are_erlens_objects_both_ways() -> None:
    result = run_python(
        """
        import erlen.as_flask
        import flask, flask.globals, flask.testing, werkzeug.exceptions, werkzeug.local
        from werkzeug.datastructures import MultiDict
        import erlen, erlen.http.datastructures, erlen.http.exceptions
        assert flask.Flask is erlen.Erlen and flask.Blueprint is erlen.Blueprint
        assert werkzeug.exceptions.NotFound is erlen.http.exceptions.NotFound
        assert MultiDict is erlen.http.datastructures.MultiDict
        app = flask.Flask("x")
        assert isinstance(app, erlen.Erlen) and isinstance(erlen.Erlen("y"), flask.Flask)

        @app.route("/")
        def index():
            assert isinstance(flask.request._get_current_object(), erlen.Request)
            assert flask.globals.request_ctx.request is erlen.request._get_current_object()
            return "hi"

        assert app.test_client().get("/").text == "hi"
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_a_real_werkzeug_install_is_never_imported() -> None:
    # The dev environment has Werkzeug installed: with the switch on, none of it loads.
    result = run_python(
        """
        import sys
        import erlen.as_flask
        import werkzeug, werkzeug.utils, werkzeug.routing, flask
        loaded = sorted(
            name for name, module in sys.modules.items()
            if name.split(".")[0] in ("flask", "werkzeug")
            and not module.__name__.startswith("erlen")
            and "site-packages" in (getattr(module, "__file__", None) or "")
        )
        print(loaded)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_missing_name_says_what_erlen_lacks() -> None:
    result = run_python(
        """
        import erlen.as_flask
        import flask.globals
        try:
            from flask.globals import no_such_thing
        except ImportError as error:
            print("import:", error)
        try:
            flask.globals.no_such_thing
        except AttributeError as error:
            print("attribute:", error)
        assert not hasattr(flask.globals, "no_such_thing")
        try:
            import werkzeug.debug
        except ModuleNotFoundError as error:
            print("module:", error)
        """
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("import: erlen does not provide flask.globals.no_such_thing")
    assert lines[1].startswith("attribute: erlen does not provide flask.globals.no_such_thing")
    assert "docs/extensions.md" in lines[0]
    assert lines[2].startswith("module: erlen does not provide the module 'werkzeug.debug'")
    assert "debugger" in lines[2]


def test_switching_after_the_real_flask_was_imported_is_an_error(tmp_path: Path) -> None:
    fake = tmp_path / "flask"
    fake.mkdir()
    (fake / "__init__.py").write_text("REAL = True\n")
    result = run_python(
        """
        import flask
        assert flask.REAL
        try:
            import erlen.as_flask
        except RuntimeError as error:
            print(error)
        """,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "after the real flask was imported" in result.stdout
    assert "import erlen.as_flask" in result.stdout


# An app as a Flask user writes it, with an "extension" that imports only Flask's and
# Werkzeug's names, served by real servers.

EXTENSION = """
from flask import current_app, g, request
from werkzeug.local import LocalProxy
from werkzeug.utils import cached_property


def _visitor():
    if "visitor" not in g:
        g.visitor = current_app.extensions["greeter"].name_for(request.args.get("name"))
    return g.visitor


current_visitor = LocalProxy(_visitor)


class Greeter:
    def __init__(self, app=None):
        if app is not None:
            self.init_app(app)

    def init_app(self, app):
        app.extensions["greeter"] = self

    @cached_property
    def default(self):
        return "stranger"

    def name_for(self, name):
        return name or self.default
"""

APP = """
import erlen.as_flask  # noqa: F401  (first: flask and werkzeug are erlen from here on)

from flask import Flask
from greeter import Greeter, current_visitor

app = Flask(__name__)
Greeter(app)


@app.route("/")
def index():
    return f"Hello, {current_visitor}!"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "greeter.py").write_text(EXTENSION)
    (tmp_path / "hello.py").write_text(APP)
    return tmp_path


def serve(command: list[str], project: Path, port: int) -> str:
    process = subprocess.Popen(
        command,
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": f"{project}{os.pathsep}{ROOT}"},
    )
    try:
        wait_for_port(port, process)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/?name=Ann")
        first = connection.getresponse().read().decode()
        connection.request("GET", "/")
        return f"{first} {connection.getresponse().read().decode()}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_an_extension_works_under_uvicorn(project: Path) -> None:
    port = free_port()
    command = [
        str(BIN / "uvicorn"),
        "hello:app.asgi",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    assert serve(command, project, port) == "Hello, Ann! Hello, stranger!"


def test_an_extension_works_under_gunicorn(project: Path) -> None:
    port = free_port()
    command = [str(BIN / "gunicorn"), "hello:app", "--bind", f"127.0.0.1:{port}"]
    assert serve(command, project, port) == "Hello, Ann! Hello, stranger!"


def test_an_extension_works_under_erlen_run(project: Path) -> None:
    port = free_port()
    command = [str(BIN / "erlen"), "--app", "hello", "run", "--port", str(port)]
    assert serve(command, project, port) == "Hello, Ann! Hello, stranger!"


def test_an_extension_works_under_pytest(project: Path) -> None:
    (project / "test_hello.py").write_text(
        "from hello import app\n\n\n"
        "def test_greets():\n"
        "    assert app.test_client().get('/?name=Bo').text == 'Hello, Bo!'\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "erlen.as_flask", "test_hello.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": f"{project}{os.pathsep}{ROOT}"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_dispatcher_middleware_mounts_apps_under_prefixes() -> None:
    result = run_python(
        """
        import erlen.as_flask
        from flask import Flask, url_for
        from werkzeug.middleware.dispatcher import DispatcherMiddleware
        from werkzeug.test import Client

        front, api = Flask("front"), Flask("api")

        @front.route("/")
        def home():
            return "front"

        @api.route("/items")
        def items():
            return url_for("items")

        front.wsgi_app = DispatcherMiddleware(front.wsgi_app, {"/api": api.wsgi_app})
        client = Client(front)
        print(client.get("/").text, client.get("/api/items").text,
              client.get("/apis").status_code)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["front", "/api/items", "404"]
