"""What a Flask project brings to the ``erlen`` command: ``FLASK_*`` variables and ``.flaskenv``,
Flask's ``flask.cli``/``flask.helpers`` names, ``erlen run``'s ``--cert``/``--key`` (HTTPS for
real), ``--extra-files``/``--exclude-patterns`` and the other flags of ``flask run``, and
``flask.logging``'s ``wsgi_errors_stream``."""

from __future__ import annotations

import http.client
import importlib.metadata
import io
import logging
import os
import platform
import socket
import ssl
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import uvicorn
import uvicorn.supervisors.statreload
from click.testing import CliRunner, Result
from tests.adapters.test_serving import free_port
from tests.tools.test_app_run import make_certificate

from erlen import Erlen
from erlen.core import helpers
from erlen.core.logging import create_logger, default_handler, has_level_handler, wsgi_errors_stream
from erlen.tools import cli
from erlen.tools.cli import ScriptInfo, get_version, load_dotenv, run_command, show_server_banner

ROOT = Path(__file__).resolve().parents[2]
ENV_NAMES = [
    f"{prefix}_{name}"
    for prefix in ("ERLEN", "FLASK")
    for name in ("APP", "DEBUG", "SKIP_DOTENV", "ENV_FILE", "RUN_FROM_CLI", "RUN_APP", "RUN_PORT")
] + ["WERKZEUG_RUN_MAIN", "FOO", "ONLY_FLASKENV", "ONLY_ERLENENV"]

HELLO_APP = """
    from erlen import Erlen, current_app
    import click

    app = Erlen(__name__)

    @app.route("/")
    def index():
        return "hi"

    @app.cli.command("hello")
    def hello():
        click.echo(f"Hello from {current_app.name} (debug={current_app.debug})")
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An empty current folder, none of the variables above, and sys.path, sys.modules and the
    environment restored afterwards (the command line writes some variables itself)."""
    for name in ENV_NAMES:
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "") or "").startswith(str(tmp_path)):
            del sys.modules[name]


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def run(*args: str) -> Result:
    return CliRunner().invoke(cli.cli, list(args))


# -- FLASK_* variables and .flaskenv --------------------------------------------------------


def test_helpers_export_flasks_debug_and_dotenv_flags() -> None:
    assert helpers.get_debug_flag is cli.get_debug_flag
    assert helpers.get_load_dotenv is cli.get_load_dotenv


@pytest.mark.parametrize(
    ("erlen", "flask", "expected"),
    [
        (None, None, False),
        (None, "1", True),
        (None, "True", True),
        (None, "0", False),
        (None, "no", False),
        (None, "maybe", False),
        ("0", "1", False),
        ("1", "0", True),
    ],
)
def test_debug_flag_reads_erlen_debug_then_flask_debug(
    monkeypatch: pytest.MonkeyPatch, erlen: str | None, flask: str | None, expected: bool
) -> None:
    for name, value in (("ERLEN_DEBUG", erlen), ("FLASK_DEBUG", flask)):
        if value is not None:
            monkeypatch.setenv(name, value)
    assert helpers.get_debug_flag() is expected


def test_skip_dotenv_reads_either_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert helpers.get_load_dotenv() is True
    monkeypatch.setenv("FLASK_SKIP_DOTENV", "1")
    assert helpers.get_load_dotenv() is False
    monkeypatch.setenv("ERLEN_SKIP_DOTENV", "0")
    assert helpers.get_load_dotenv() is True


def test_flaskenv_is_loaded_below_erlenenv_and_env(tmp_path: Path) -> None:
    pytest.importorskip("dotenv")
    write(tmp_path / ".flaskenv", "FOO=flaskenv\nONLY_FLASKENV=yes\n")
    write(tmp_path / ".erlenenv", "FOO=erlenenv\nONLY_ERLENENV=yes\n")
    write(tmp_path / ".env", "FOO=env\n")
    assert load_dotenv() is True
    assert os.environ["FOO"] == "env"
    assert os.environ["ONLY_FLASKENV"] == os.environ["ONLY_ERLENENV"] == "yes"


def test_the_erlen_command_finds_the_app_from_flask_app_and_flask_debug(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "hello.py", HELLO_APP)
    monkeypatch.setenv("FLASK_APP", "hello")
    monkeypatch.setenv("FLASK_DEBUG", "1")
    result = run("hello")
    assert result.exit_code == 0, result.output
    assert result.output == "Hello from hello (debug=True)\n"


def test_a_missing_app_names_both_variables() -> None:
    result = run("missing")
    assert result.exit_code == 2
    assert "ERLEN_APP (or FLASK_APP)" in result.output


def test_app_run_in_a_module_the_command_imports_does_not_block(tmp_path: Path) -> None:
    write(tmp_path / "hello.py", textwrap.dedent(HELLO_APP) + "app.run()\n")
    result = run("--app", "hello", "hello")
    assert result.exit_code == 0, result.output
    assert "Ignoring a call to 'app.run()'" in result.output
    assert "Hello from hello" in result.output


# -- flask.cli names ------------------------------------------------------------------------


def test_flask_cli_names_are_there() -> None:
    names = (
        "get_version NoAppException ScriptInfo find_best_app find_app_by_string locate_app"
        " prepare_import with_appcontext AppGroup FlaskGroup load_dotenv show_server_banner"
        " run_command shell_command routes_command cli main CertParamType SeparatedPathType"
    )
    assert [name for name in names.split() if not hasattr(cli, name)] == []
    info = ScriptInfo(app_import_path="x:app", set_debug_flag=False, load_dotenv_defaults=False)
    assert (info.app_import_path, info.set_debug_flag, info.data) == ("x:app", False, {})


def test_get_version_prints_python_erlen_and_click(capsys: pytest.CaptureFixture[str]) -> None:
    ctx = click.Context(click.Command("x"))
    with pytest.raises(click.exceptions.Exit):
        get_version(ctx, None, True)
    out = capsys.readouterr().out
    assert f"Python {platform.python_version()}" in out
    assert f"erlen {importlib.metadata.version('erlen')}" in out
    get_version(ctx, None, False)
    assert capsys.readouterr().out == ""


def test_show_server_banner_prints_once_not_in_the_reloaders_child(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    show_server_banner(True, "hello:app")
    assert capsys.readouterr().out == " * Serving app 'hello:app'\n * Debug mode: on\n"
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    show_server_banner(True, "hello:app")
    assert capsys.readouterr().out == ""


# -- erlen run's flags ----------------------------------------------------------------------


def test_cert_needs_key_and_key_needs_cert(tmp_path: Path) -> None:
    cert = str(write(tmp_path / "c.pem", "x"))
    key = str(write(tmp_path / "k.pem", "x"))
    with pytest.raises(click.BadParameter, match="required when '--cert' is a file"):
        run_command.make_context("run", ["--cert", cert])
    with pytest.raises(click.BadParameter, match="'--cert' must be given too"):
        run_command.make_context("run", ["--key", key])
    for args in (["--cert", cert, "--key", key], ["--key", key, "--cert", cert]):
        assert run_command.make_context("run", args).params["cert"] == (cert, key)


def test_cert_adhoc_needs_cryptography_and_no_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(click.BadParameter, match="pip install cryptography"):
        run_command.make_context("run", ["--cert", "adhoc"])
    monkeypatch.setitem(sys.modules, "cryptography", type(sys)("cryptography"))
    assert run_command.make_context("run", ["--cert", "adhoc"]).params["cert"] == "adhoc"
    key = str(write(tmp_path / "k.pem", "x"))
    with pytest.raises(click.BadParameter, match="makes its own key"):
        run_command.make_context("run", ["--cert", "adhoc", "--key", key])


def test_cert_may_name_an_ssl_context(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    module = type(sys)("tls_settings")
    module.context = context  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tls_settings", module)
    for name in ("tls_settings.context", "tls_settings:context"):
        assert run_command.make_context("run", ["--cert", name]).params["cert"] is context
    with pytest.raises(click.BadParameter):
        run_command.make_context("run", ["--cert", "tls_settings"])  # a module, not a context
    with pytest.raises(click.BadParameter):
        run_command.make_context("run", ["--cert", "no_such_module_here"])
    key = str(write(tmp_path / "k.pem", "x"))
    with pytest.raises(click.BadParameter, match="holds its key"):
        run_command.make_context("run", ["--cert", "tls_settings.context", "--key", key])


def test_extra_files_and_exclude_patterns_split_like_path(tmp_path: Path) -> None:
    one, two = str(write(tmp_path / "a.toml", "")), str(write(tmp_path / "b.toml", ""))
    params = run_command.make_context(
        "run",
        ["--extra-files", os.pathsep.join([one, two]), "--exclude-patterns", "*.tmp"],
    ).params
    assert params["extra_files"] == [one, two]
    assert params["exclude_patterns"] == ["*.tmp"]
    ctx = run_command.make_context("run", ["--with-threads", "--no-debugger"])
    assert ctx.params["with_threads"] is True and ctx.params["debugger"] is False


def test_reload_watches_extra_files_minus_excluded_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "web/__init__.py", HELLO_APP)
    write(tmp_path / "web/scratch.py", "")
    settings = write(tmp_path / "conf/settings.toml", "")
    extras = write(tmp_path / "conf/more/data.json", "")
    captured: dict[str, Any] = {}

    class Reloader:
        def __init__(self, config: uvicorn.Config, target: Any, sockets: list[socket.socket]):
            self.config = config
            captured["reloader"] = self
            for sock in sockets:
                sock.close()

        def run(self) -> None:
            pass

    monkeypatch.setattr(uvicorn.supervisors.statreload, "StatReload", Reloader)
    result = run(
        "--app", "web", "run", "--reload", "--port", str(free_port()),
        "--extra-files", os.pathsep.join([str(settings), str(tmp_path / "conf/more")]),
        "--exclude-patterns", "*/scratch.py",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    watched = set(captured["reloader"].iter_py_files())
    assert {settings.resolve(), extras.resolve(), (tmp_path / "web/__init__.py")} <= watched
    assert (tmp_path / "web/scratch.py") not in watched


def test_reload_refuses_an_ssl_context_object(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "hello.py", HELLO_APP)
    module = type(sys)("tls_settings")
    module.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tls_settings", module)
    result = run("--app", "hello", "run", "--reload", "--cert", "tls_settings.context")
    assert result.exit_code == 2
    assert "cannot pass an SSLContext object" in result.output


def test_debugger_flag_is_accepted_and_explained(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "hello.py", HELLO_APP)
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: served.append(kwargs))
    result = run("--app", "hello", "run", "--debugger", "--without-threads", "--port", "5111")
    assert result.exit_code == 0, result.output
    assert "erlen has no interactive debugger" in result.output
    assert served[0]["port"] == 5111 and "ssl_certfile" not in served[0]


def test_erlen_run_serves_https_with_cert_and_key(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ERLEN_", "FLASK_"))}
    env["ERLEN_SKIP_DOTENV"] = "1"
    command = [sys.executable, "-m", "erlen", "--app", "tests.apps.served:app", "run"]
    command += ["--port", str(port), "--cert", str(cert), "--key", str(key)]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            assert process.poll() is None, "erlen run exited early"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                assert time.monotonic() < deadline, f"nothing listened on port {port}"
                time.sleep(0.05)
        context = ssl.create_default_context(cafile=str(cert))
        connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
        connection.request("GET", "/?name=tls")
        response = connection.getresponse()
        assert response.status == 200
        assert response.read() == b"Hello, tls! started=yes"
        connection.close()
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0].decode()
    assert f"Serving 'tests.apps.served' on https://127.0.0.1:{port}" in output


# -- flask.logging --------------------------------------------------------------------------


@pytest.fixture
def app_logger() -> Iterator[Erlen]:
    app = Erlen("logging_names_app")
    logger = logging.getLogger(app.name)
    yield app
    logger.handlers = []
    logger.setLevel(logging.NOTSET)


def test_wsgi_errors_stream_follows_the_request(
    app_logger: Erlen, monkeypatch: pytest.MonkeyPatch
) -> None:
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    assert wsgi_errors_stream._get_current_object() is stderr
    stream = io.StringIO()
    with app_logger.test_request_context(errors_stream=stream):
        assert wsgi_errors_stream._get_current_object() is stream
        wsgi_errors_stream.write("to the server\n")
    assert stream.getvalue() == "to the server\n"
    assert stderr.getvalue() == ""


def test_default_handler_writes_the_app_logger_to_the_errors_stream(
    app_logger: Erlen, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.root, "handlers", [])
    logger = create_logger(app_logger)
    assert logger.handlers == [default_handler]
    stream = io.StringIO()
    with app_logger.test_request_context(errors_stream=stream):
        logger.error("disk full")
    assert "ERROR in test_cli_flask_names: disk full" in stream.getvalue()


def test_has_level_handler_follows_propagation_and_levels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(logging.root, "handlers", [])
    logger = logging.getLogger("erlen_names_check")
    assert not has_level_handler(logger)
    handler = logging.StreamHandler(io.StringIO())
    logging.root.addHandler(handler)
    assert has_level_handler(logger)
    monkeypatch.setattr(logger, "propagate", False)
    assert not has_level_handler(logger)
    monkeypatch.setattr(logger, "propagate", True)
    handler.setLevel(logging.ERROR)
    assert not has_level_handler(logger)
