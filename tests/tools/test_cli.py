"""The ``erlen`` command: finding the app in every form Flask users write, the messages when that
fails, ``.env`` files, ``routes``, ``shell``, ``run`` (its banner, reloader and debug flag, and
once for real over a socket), and the app's and blueprints' own commands."""

from __future__ import annotations

import http.client
import importlib.util
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import uvicorn
import uvicorn.importer
import uvicorn.supervisors.statreload
from click.testing import CliRunner, Result

from erlen import Blueprint, Erlen, current_app, g, has_app_context
from erlen.tools.cli import AppGroup, ScriptInfo, cli, with_appcontext
from erlen.tools.testing import ErlenCliRunner, FlaskCliRunner

ROOT = Path(__file__).resolve().parents[2]
ENV_NAMES = ("ERLEN_APP", "ERLEN_DEBUG", "ERLEN_RUN_APP", "ERLEN_SKIP_DOTENV", "ERLEN_ENV_FILE")

HELLO_APP = """
    from erlen import Erlen, current_app
    import click

    app = Erlen(__name__)

    @app.route("/")
    def index():
        return "hi"

    @app.cli.command("hello")
    @click.option("--name", default="World")
    def hello(name):
        click.echo(f"Hello, {name}, from {current_app.name} (debug={current_app.debug})")
"""


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test runs in an empty folder, with no ERLEN_* variables, and leaves sys.path,
    sys.modules and the environment as they were (the CLI writes ERLEN_DEBUG itself)."""
    for name in ENV_NAMES:
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    yield
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", "") or "").startswith(str(tmp_path)):
            del sys.modules[name]


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    def write(relative: str, source: str) -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    return write


def run(*args: str, **kwargs: Any) -> Result:
    return CliRunner().invoke(cli, list(args), **kwargs)


# -- finding the app ------------------------------------------------------------------------


def test_app_named_app_is_found_in_the_module(write: Callable[..., Path]) -> None:
    write("hello.py", HELLO_APP)
    result = run("--app", "hello", "hello")
    assert result.exit_code == 0, result.output
    assert result.output == "Hello, World, from hello (debug=False)\n"


@pytest.mark.parametrize(
    ("source", "spec", "expected"),
    [
        ("from erlen import Erlen\napplication = Erlen('named')\n", "mod", "named"),
        ("from erlen import Erlen\nweb = Erlen('only_one')\n", "mod", "only_one"),
        ("from erlen import Erlen\nother = Erlen('by_name')\napp = 3\n", "mod:other", "by_name"),
        ("from erlen import Erlen\ndef create_app():\n    return Erlen('made')\n", "mod", "made"),
        ("from erlen import Erlen\ndef make_app():\n    return Erlen('made')\n", "mod", "made"),
        (
            "from erlen import Erlen\ndef create_app(name):\n    return Erlen(name)\n",
            "mod:create_app('from_argument')",
            "from_argument",
        ),
        (
            "from erlen import Erlen\ndef build(*, name='x'):\n    return Erlen(name)\n",
            'mod:build(name="from_keyword")',
            "from_keyword",
        ),
        (
            "from erlen import Erlen\ndef build():\n    return Erlen('called')\n",
            "mod:build",
            "called",
        ),
    ],
)
def test_every_form_of_app_string(
    write: Callable[..., Path], source: str, spec: str, expected: str
) -> None:
    write("mod.py", source)
    result = run("--app", spec, "routes")
    assert result.exit_code == 0, result.output
    assert ScriptInfo(app_import_path=spec).load_app().name == expected


def test_app_from_a_file_path_inside_a_package(write: Callable[..., Path]) -> None:
    write("project/__init__.py", "")
    write("project/web/__init__.py", "")
    write("project/web/site.py", "from erlen import Erlen\napp = Erlen(__name__)\n")
    info = ScriptInfo(app_import_path=os.path.join("project", "web", "site.py"))
    assert info.load_app().import_name == "project.web.site"


def test_app_from_the_erlen_app_environment_variable(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    write("hello.py", HELLO_APP)
    monkeypatch.setenv("ERLEN_APP", "hello")
    result = run("hello", "--name", "env")
    assert result.output == "Hello, env, from hello (debug=False)\n"


@pytest.mark.parametrize("filename", ["wsgi.py", "app.py"])
def test_app_from_wsgi_py_or_app_py_in_the_current_folder(
    write: Callable[..., Path], filename: str
) -> None:
    write(filename, HELLO_APP)
    result = run("hello")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Hello, World, from ")


def test_app_package_in_the_current_folder(write: Callable[..., Path]) -> None:
    write(
        "app/__init__.py", "from erlen import Erlen\n\ndef create_app():\n    return Erlen('pkg')\n"
    )
    assert ScriptInfo().load_app().name == "pkg"


def test_wsgi_py_is_tried_before_app_py(write: Callable[..., Path]) -> None:
    write("wsgi.py", "from erlen import Erlen\napp = Erlen('from_wsgi')\n")
    write("app.py", "from erlen import Erlen\napp = Erlen('from_app')\n")
    assert ScriptInfo().load_app().name == "from_wsgi"


def test_no_app_anywhere_says_how_to_name_one() -> None:
    result = run("routes")
    assert result.exit_code == 2
    assert "Could not find an Erlen application" in result.output
    assert "--app" in result.output and "ERLEN_APP" in result.output
    assert "wsgi.py" in result.output and "app.py" in result.output


def test_missing_module_is_reported() -> None:
    result = run("--app", "no_such_module_here", "routes")
    assert result.exit_code == 2
    assert "Could not import 'no_such_module_here': no such module" in result.output


def test_import_error_inside_the_module_shows_its_traceback(write: Callable[..., Path]) -> None:
    write(
        "broken.py",
        "from erlen import Erlen\nimport erlen_missing_dependency_xyz\napp = Erlen(__name__)\n",
    )
    result = run("--app", "broken", "routes")
    assert result.exit_code == 2
    assert "While importing 'broken', an ImportError was raised" in result.output
    assert "Traceback (most recent call last)" in result.output
    assert "broken.py" in result.output and "line 2" in result.output
    assert "No module named 'erlen_missing_dependency_xyz'" in result.output


def test_existing_module_without_the_name_gets_its_own_message(
    write: Callable[..., Path],
) -> None:
    write("hello.py", HELLO_APP)
    result = run("--app", "hello:nope", "routes")
    assert result.exit_code == 2
    assert "Module 'hello' was imported, but it has no attribute 'nope'" in result.output
    assert "Could not import" not in result.output


@pytest.mark.parametrize(
    ("source", "spec", "message"),
    [
        ("x = 1\n", "mod", "has no Erlen application"),
        ("from erlen import Erlen\na = Erlen('a')\nb = Erlen('b')\n", "mod", "several Erlen"),
        ("thing = 42\n", "mod:thing", "is not an Erlen application (it is 'int')"),
        (
            "from erlen import Erlen\ndef create_app(config):\n    return Erlen('x')\n",
            "mod",
            "could not be called with no arguments",
        ),
        (
            "from erlen import Erlen\ndef create_app():\n    return Erlen('x')\n",
            "mod:create_app(1, 2)",
            "could not be called with the arguments given",
        ),
        ("def create_app(x):\n    pass\n", "mod:create_app(os.environ)", "must be Python literals"),
        ("app = None\n", "mod:app[0]", "neither a name nor a call"),
    ],
)
def test_wrong_app_strings_are_explained(
    write: Callable[..., Path], source: str, spec: str, message: str
) -> None:
    write("mod.py", source)
    result = run("--app", spec, "routes")
    assert result.exit_code == 2
    assert message in result.output


def test_a_type_error_raised_inside_a_factory_is_not_hidden(write: Callable[..., Path]) -> None:
    write("mod.py", "def create_app():\n    return len(5)\n")
    result = run("--app", "mod", "routes")
    assert isinstance(result.exception, TypeError)
    assert "could not be called" not in result.output


def test_help_lists_the_apps_commands(write: Callable[..., Path]) -> None:
    write("hello.py", HELLO_APP)
    result = run("--app", "hello", "--help")
    assert result.exit_code == 0
    assert "hello" in result.output.split("Commands:")[1]
    for builtin in ("routes", "run", "shell"):
        assert builtin in result.output


def test_help_finds_the_app_from_the_environment_alone(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    write("hello.py", HELLO_APP)
    monkeypatch.setenv("ERLEN_APP", "hello")
    assert "hello" in run("--help").output.split("Commands:")[1]


def test_unknown_command_when_the_app_cannot_load() -> None:
    result = run("--app", "no_such_module_here", "hello")
    assert result.exit_code == 2
    assert "Could not import" in result.output
    assert "No such command 'hello'" in result.output


def test_version_option() -> None:
    result = run("--version")
    assert "erlen 0.1.0" in result.output and "Python" in result.output


def test_python_dash_m_erlen() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "erlen", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        env=_clean_env(),
    )
    assert completed.returncode == 0
    assert "Usage: python -m erlen" in completed.stdout
    assert "routes" in completed.stdout and "shell" in completed.stdout


# -- .env files -----------------------------------------------------------------------------


def test_dotenv_files_are_loaded(write: Callable[..., Path]) -> None:
    pytest.importorskip("dotenv")
    write("hello.py", HELLO_APP)
    write(".erlenenv", "ERLEN_APP=hello\nGREETING_SOURCE=erlenenv\nONLY_ERLENENV=yes\n")
    write(".env", "GREETING_SOURCE=dotenv\n")
    result = run("hello")
    assert result.exit_code == 0, result.output
    assert os.environ["GREETING_SOURCE"] == "dotenv"
    assert os.environ["ONLY_ERLENENV"] == "yes"


def test_env_file_option_wins_over_dotenv_but_not_over_the_environment(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("dotenv")
    write("hello.py", HELLO_APP)
    write(".env", "ERLEN_APP=missing_module\nSOURCE=dotenv\nPRESET=dotenv\n")
    write("custom.env", "ERLEN_APP=hello\nSOURCE=custom\nPRESET=custom\n")
    monkeypatch.setenv("PRESET", "environment")
    for name in ("SOURCE",):
        monkeypatch.setenv(name, "placeholder")
        monkeypatch.delenv(name)
    result = run("--env-file", "custom.env", "hello")
    assert result.exit_code == 0, result.output
    assert os.environ["SOURCE"] == "custom"
    assert os.environ["PRESET"] == "environment"


def test_erlen_skip_dotenv(write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("dotenv")
    write("hello.py", HELLO_APP)
    write(".env", "ERLEN_APP=hello\n")
    monkeypatch.setenv("ERLEN_SKIP_DOTENV", "1")
    result = run("hello")
    assert result.exit_code == 2
    assert "Could not find an Erlen application" in result.output


# -- debug flag -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["--debug"], None, "debug=True"),
        (["--no-debug"], "1", "debug=False"),
        ([], "1", "debug=True"),
        ([], None, "debug=False"),
    ],
)
def test_debug_flag_and_erlen_debug(
    write: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: str | None,
    expected: str,
) -> None:
    write("hello.py", HELLO_APP)
    if env is not None:
        monkeypatch.setenv("ERLEN_DEBUG", env)
    result = run(*args, "--app", "hello", "hello")
    assert expected in result.output


# -- routes ---------------------------------------------------------------------------------


@pytest.fixture
def routes_app() -> Erlen:
    app = Erlen("routes_app", static_folder=None)

    @app.route("/users/<int:user_id>", methods=["GET", "DELETE"])
    def user(user_id: int) -> str:
        return ""

    @app.post("/login")
    def login() -> str:
        return ""

    @app.route("/about")
    def about() -> str:
        return ""

    @app.websocket("/ws")
    async def feed() -> None:
        pass

    return app


def lines(result: Result) -> list[str]:
    return [line.rstrip() for line in result.output.splitlines()]


def test_routes_table(routes_app: Erlen) -> None:
    result = routes_app.test_cli_runner().invoke(cli, ["routes"])
    assert result.exit_code == 0, result.output
    assert lines(result) == [
        "Endpoint  Methods      Rule",
        "--------  -----------  --------------------",
        "about     GET          /about",
        "feed      WEBSOCKET    /ws",
        "login     POST         /login",
        "user      DELETE, GET  /users/<int:user_id>",
    ]


def test_routes_all_methods(routes_app: Erlen) -> None:
    output = routes_app.test_cli_runner().invoke(cli, ["routes", "--all-methods"]).output
    assert "GET, HEAD, OPTIONS" in output
    assert "DELETE, GET, HEAD, OPTIONS" in output


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("endpoint", ["about", "feed", "login", "user"]),
        ("rule", ["about", "login", "user", "feed"]),
        ("methods", ["user", "about", "login", "feed"]),
        ("match", ["login", "about", "feed", "user"]),
    ],
)
def test_routes_sort(routes_app: Erlen, sort: str, order: list[str]) -> None:
    result = routes_app.test_cli_runner().invoke(cli, ["routes", "--sort", sort])
    assert [line.split()[0] for line in lines(result)[2:]] == order


def test_routes_shows_subdomains_when_used() -> None:
    app = Erlen("sub", static_folder=None, subdomain_matching=True)
    app.add_url_rule("/", "api_index", lambda: "", subdomain="api")
    app.add_url_rule("/", "index", lambda: "")
    result = app.test_cli_runner().invoke(cli, ["routes"])
    assert lines(result)[0].split() == ["Endpoint", "Methods", "Subdomain", "Rule"]
    assert lines(result)[2].split() == ["api_index", "GET", "api", "/"]


def test_routes_without_routes() -> None:
    app = Erlen("empty", static_folder=None)
    assert app.test_cli_runner().invoke(cli, ["routes"]).output == "No routes were registered.\n"


# -- shell ----------------------------------------------------------------------------------


def test_shell_has_the_app_g_and_shell_context(monkeypatch: pytest.MonkeyPatch) -> None:
    import code

    app = Erlen("shell_app")
    app.shell_context_processor(lambda: {"answer": 42})
    seen: dict[str, Any] = {}

    def interact(banner: str | None = None, local: dict[str, Any] | None = None) -> None:
        seen.update(banner=banner, local=local, in_context=has_app_context())
        seen["current"] = current_app._get_current_object()

    monkeypatch.setattr(code, "interact", interact)
    result = app.test_cli_runner().invoke(cli, ["shell", "--plain"])
    assert result.exit_code == 0, result.output
    assert seen["in_context"] and seen["current"] is app
    assert seen["local"]["app"] is app
    assert seen["local"]["g"] is g
    assert seen["local"]["answer"] == 42
    assert "App: shell_app" in seen["banner"]


def test_shell_uses_the_standard_shell_without_ipython(monkeypatch: pytest.MonkeyPatch) -> None:
    import code

    if importlib.util.find_spec("IPython") is not None:
        pytest.skip("IPython is installed, so the shell would use it")
    called: list[bool] = []
    monkeypatch.setattr(code, "interact", lambda **kwargs: called.append(True))
    result = Erlen("plain").test_cli_runner().invoke(cli, ["shell"])
    assert result.exit_code == 0 and called == [True]


# -- the app's and blueprints' commands -------------------------------------------------------


def test_app_cli_is_an_app_group_whose_commands_have_an_app_context() -> None:
    app = Erlen("commands")
    assert isinstance(app.cli, AppGroup) and isinstance(app.cli, click.Group)

    @app.cli.command()
    def check() -> None:
        click.echo(f"{current_app.name} {has_app_context()}")

    @app.cli.command(with_appcontext=False)
    def bare() -> None:
        click.echo(f"context={has_app_context()}")

    runner = app.test_cli_runner()
    assert isinstance(runner, ErlenCliRunner) and FlaskCliRunner is ErlenCliRunner
    assert runner.invoke(args=["check"]).output == "commands True\n"
    assert runner.invoke(args=["bare"]).output == "context=False\n"


def test_nested_groups_and_parameter_callbacks_see_the_app() -> None:
    app = Erlen("nested")
    database = app.cli.group("db")(lambda: None)
    assert isinstance(database, AppGroup)

    @database.command("init")
    @click.argument("name")
    def init(name: str) -> None:
        click.echo(f"{name} for {current_app.name}")

    result = app.test_cli_runner().invoke(args=["db", "init", "main"])
    assert result.output == "main for nested\n"


def test_app_commands_through_the_erlen_command(write: Callable[..., Path]) -> None:
    write("hello.py", HELLO_APP)
    result = run("--app", "hello", "hello", "--name", "cli")
    assert result.output == "Hello, cli, from hello (debug=False)\n"


def test_plain_click_command_added_to_app_cli_runs_in_the_app_context(
    write: Callable[..., Path],
) -> None:
    # The Flask tutorial's pattern: a plain click command, added with app.cli.add_command.
    write(
        "flaskr.py",
        """
        import click
        from erlen import Erlen, current_app

        @click.command("init-db")
        def init_db_command():
            click.echo(f"Initialized {current_app.config['DATABASE']}.")

        def create_app():
            app = Erlen(__name__)
            app.config["DATABASE"] = "flaskr.sqlite"
            app.cli.add_command(init_db_command)
            return app
        """,
    )
    result = run("--app", "flaskr", "init-db")
    assert result.exit_code == 0, result.output
    assert result.output == "Initialized flaskr.sqlite.\n"


def test_with_appcontext_on_a_plain_click_command() -> None:
    app = Erlen("plain_command")

    @click.command()
    @with_appcontext
    def show() -> None:
        click.echo(current_app.name)

    result = app.test_cli_runner().invoke(show)
    assert result.output == "plain_command\n"
    info = ScriptInfo(create_app=lambda: app)
    assert CliRunner().invoke(show, obj=info).output == "plain_command\n"


@pytest.mark.parametrize(
    ("cli_group", "args"),
    [
        ("__default__", ["admin", "create-user"]),
        ("people", ["people", "create-user"]),
        (None, ["create-user"]),
    ],
)
def test_blueprint_commands(cli_group: str | None, args: list[str]) -> None:
    app = Erlen("with_blueprint")
    options: dict[str, Any] = {} if cli_group == "__default__" else {"cli_group": cli_group}
    admin = Blueprint("admin", __name__, **options)

    @admin.cli.command("create-user")
    def create_user() -> None:
        click.echo(f"created in {current_app.name}")

    app.register_blueprint(admin)
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 0, result.output
    assert result.output == "created in with_blueprint\n"


# -- run ------------------------------------------------------------------------------------


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
    calls: list[tuple[Any, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append((app, kwargs)))
    return calls


def test_run_serves_app_asgi_with_uvicorn_and_a_banner(
    write: Callable[..., Path], served: list[tuple[Any, dict[str, Any]]]
) -> None:
    write("hello.py", HELLO_APP)
    result = run("--app", "hello", "run", "--port", "5123")
    assert result.exit_code == 0, result.output
    assert len(served) == 1
    app = ScriptInfo(app_import_path="hello").load_app()
    assert served[0][0] is app.asgi
    assert served[0][1]["host"] == "127.0.0.1" and served[0][1]["port"] == 5123
    output = result.output
    assert "Serving 'hello' on http://127.0.0.1:5123" in output
    assert "Debug mode: off" in output
    assert "development server" in output and "Do not use it in production" in output
    assert "gunicorn 'hello:app'" in output
    assert "uvicorn 'hello:app.asgi' --workers" in output and "hypercorn" in output
    assert "DANGER" not in output


def test_run_debug_turns_debug_on_and_warns_off_loopback(
    write: Callable[..., Path], served: list[tuple[Any, dict[str, Any]]]
) -> None:
    write("hello.py", HELLO_APP)
    result = run("--app", "hello", "run", "--debug", "--no-reload", "--host", "0.0.0.0")
    assert result.exit_code == 0, result.output
    assert served[0][0].app.debug is True
    assert "Debug mode: on" in result.output
    assert "DANGER: debug mode is on and the server listens on 0.0.0.0" in result.output


def test_run_without_uvicorn_says_how_to_install_it(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    write("hello.py", HELLO_APP)
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = run("--app", "hello", "run")
    assert result.exit_code == 1
    assert "pip install 'erlen[server]'" in result.output


def test_run_reload_restarts_on_code_and_template_changes(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write("webpkg/__init__.py", HELLO_APP)
    template = write("webpkg/templates/page.html", "<p>{{ text }}</p>")
    stylesheet = write("webpkg/static/site.css", "p {}")
    captured: dict[str, Any] = {}

    class Reloader:
        def __init__(self, config: uvicorn.Config, target: Any, sockets: list[socket.socket]):
            self.config = config
            captured.update(config=config, reloader=self)
            for sock in sockets:
                sock.close()

        def run(self) -> None:
            pass

    monkeypatch.setattr(uvicorn.supervisors.statreload, "StatReload", Reloader)
    monkeypatch.setitem(sys.modules, "watchfiles", None)  # uvicorn's own polling: .py only
    result = run("--app", "webpkg", "run", "--reload", "--debug", "--port", str(free_port()))
    assert result.exit_code == 0, result.output
    config = captured["config"]
    assert config.reload and config.factory
    assert [str(path) for path in config.reload_dirs] == [str((tmp_path / "webpkg").resolve())]
    assert "Restarting on changes to code and templates in:" in result.output
    watched = set(captured["reloader"].iter_py_files())
    assert {template.resolve(), stylesheet.resolve(), (tmp_path / "webpkg/__init__.py")} <= watched
    # The child process rebuilds the same app, in debug mode, from the environment.
    assert os.environ["ERLEN_RUN_APP"] == "webpkg" and os.environ["ERLEN_DEBUG"] == "1"
    target = uvicorn.importer.import_from_string(config.app)()
    assert target.app is ScriptInfo(app_import_path="webpkg").load_app()
    assert target.app.debug is True


def test_run_reload_with_watchfiles_passes_the_template_patterns(
    write: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, served: list[Any]
) -> None:
    write("hello.py", HELLO_APP)
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *rest: object() if name == "watchfiles" else real_find_spec(name, *rest),
    )
    result = run("--app", "hello", "run", "--reload")
    assert result.exit_code == 0, result.output
    target, options = served[0]
    assert target == "erlen.tools.devserver:_reload_target" and options["factory"] is True
    assert {"*.html", "*.jinja", "*.css", "*.js"} <= set(options["reload_includes"])


def test_run_cannot_reload_an_app_given_as_an_object(
    served: list[tuple[Any, dict[str, Any]]],
) -> None:
    app = Erlen("object_app")
    result = app.test_cli_runner().invoke(cli, ["run", "--reload"])
    assert result.exit_code == 0, result.output
    assert "The reloader needs an app it can import" in result.output
    assert served[0][0] is app.asgi


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _clean_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ERLEN_")}
    env["ERLEN_SKIP_DOTENV"] = "1"
    return env


def test_erlen_run_serves_over_a_real_socket() -> None:
    port = free_port()
    script = Path(sys.executable).with_name("erlen")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "erlen"]
    process = subprocess.Popen(
        [*command, "--app", "tests.apps.served:app", "run", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=_clean_env(),
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
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/?name=erlen+run")
        response = connection.getresponse()
        assert response.status == 200
        assert response.read() == b"Hello, erlen run! started=yes"
        connection.close()
    finally:
        process.terminate()
        try:
            output = process.communicate(timeout=10)[0].decode()
        except subprocess.TimeoutExpired:
            process.kill()
            output = process.communicate(timeout=10)[0].decode()
    assert f"Serving 'tests.apps.served' on http://127.0.0.1:{port}" in output
    assert "development server" in output
