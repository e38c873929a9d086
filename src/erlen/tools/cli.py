"""The ``erlen`` command: ``run``, ``check``, ``routes``, ``shell`` and the app's own commands.

Owns the click side: ``ScriptInfo`` (which app, loaded once), the ``--app``, ``--env-file`` and
``--debug`` options (``ERLEN_APP``, ``.env``/``.erlenenv``, ``ERLEN_DEBUG``) and the built-in
commands. The groups an app and its blueprints hang commands on (``AppGroup``) are the core's
(``erlen.core.commands``), re-exported here under Flask's names. Finding the app in a module is
``discovery.py``'s job; serving it is ``devserver.py``'s. Nothing here runs on the request path.

A Flask project moves over with its settings: each ``ERLEN_*`` variable falls back to its
``FLASK_*`` name (``FLASK_APP``, ``FLASK_DEBUG``, ...) and ``.flaskenv`` is read after
``.erlenenv``; the ``ERLEN_*`` name wins where both are set. The names under which Flask's
``flask.cli`` exports this module's objects (``FlaskGroup``, ``get_version``, ...) are kept.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import platform
import sys
import traceback
import typing as t

import click
from click.core import ParameterSource

from erlen.core.commands import AppGroup, with_appcontext
from erlen.core.globals import context_var
from erlen.core.helpers import env_setting, get_debug_flag, get_load_dotenv
from erlen.tools.devserver import CertParamType, SeparatedPathType, validate_key
from erlen.tools.discovery import (
    NoAppException,
    find_app_by_string,
    find_best_app,
    locate_app,
    prepare_import,
    split_app_spec,
)

if t.TYPE_CHECKING:
    import ssl

    from erlen.app import Erlen
    from erlen.security import checks

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


def _envvars(name: str) -> list[str]:
    return [f"ERLEN_{name}", f"FLASK_{name}"]


class ScriptInfo:
    """What the command line knows about the app: how to load it, and the app once loaded.

    :param app_import_path: ``module``, ``module:name`` or ``module:factory(args)``; None to
        look for ``wsgi.py`` or ``app.py`` in the current folder.
    :param create_app: a function returning the app; takes precedence over the import path.
    :param set_debug_flag: apply ``ERLEN_DEBUG`` (set by ``--debug``/``--no-debug``) to the app.
    :param load_dotenv_defaults: load ``.erlenenv`` and ``.env`` (see ``load_dotenv``).
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: t.Callable[..., Erlen] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.set_debug_flag = set_debug_flag
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        #: Anything a command wants to keep for the duration of the command line.
        self.data: dict[t.Any, t.Any] = {}
        self._loaded_app: Erlen | None = None

    def load_app(self) -> Erlen:
        """Load the app once; later calls return the same one."""
        if self._loaded_app is not None:
            return self._loaded_app
        app: Erlen | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            module, name = split_app_spec(self.app_import_path)
            app = locate_app(prepare_import(module), name)
        else:
            for filename in ("wsgi.py", "app.py"):
                # ``app.py``, or an ``app/`` package.
                if os.path.isfile(filename) or os.path.isdir(filename[:-3]):
                    app = locate_app(prepare_import(filename), None, False)
                    if app is not None:
                        break
        if app is None:
            raise NoAppException(
                "Could not find an Erlen application. Name it with 'erlen --app module:name',"
                " the ERLEN_APP (or FLASK_APP) environment variable, or put it in a 'wsgi.py' or"
                f" 'app.py' file in the current folder ({os.getcwd()})."
            )
        if self.set_debug_flag and env_setting("DEBUG") is not None:
            app.debug = get_debug_flag()
        self._loaded_app = app
        return app


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


# -- options of the ``erlen`` group --------------------------------------------------------


_DOTENV_FILES = (".flaskenv", ".erlenenv", ".env")


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Set environment variables from ``path`` and (with ``load_defaults``) the nearest
    ``.env``, ``.erlenenv`` and ``.flaskenv``, found from the current folder upwards. ``path``
    wins over ``.env``, which wins over ``.erlenenv``, which wins over ``.flaskenv``; a variable
    already in the environment wins over all. Needs python-dotenv (without it, prints a tip if
    such files exist). True if anything was loaded."""
    try:
        # Imported by name: python-dotenv is optional, and its absence must not fail type checks.
        dotenv: t.Any = importlib.import_module("dotenv")
    except ImportError:
        if path or any(os.path.isfile(name) for name in _DOTENV_FILES):
            click.secho(
                " * Tip: .env files are present; install python-dotenv to load them.",
                fg="yellow",
                err=True,
            )
        return False
    values: dict[str, str | None] = {}
    if load_defaults:
        for name in _DOTENV_FILES:
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                values.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        values.update(dotenv.dotenv_values(path, encoding="utf-8"))
    for key, value in values.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
    return bool(values)


def _env_file_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None and importlib.util.find_spec("dotenv") is None:
        raise click.BadParameter(
            "loading an env file needs python-dotenv: pip install python-dotenv",
            ctx=ctx,
            param=param,
        )
    info = ctx.ensure_object(ScriptInfo)
    if value is not None or info.load_dotenv_defaults:
        load_dotenv(value, load_defaults=info.load_dotenv_defaults)


def _app_callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value:
        ctx.ensure_object(ScriptInfo).app_import_path = value


def _debug_callback(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    # Only a flag given on the command line (or in ERLEN_DEBUG) counts; the default does not.
    # It goes through the environment so a factory, and a reloader's child, see it too.
    source = ctx.get_parameter_source(param.name or "debug")
    if source in (None, ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return
    os.environ["ERLEN_DEBUG"] = "1" if value else "0"


def get_version(ctx: click.Context, param: click.Parameter | None, value: t.Any) -> None:
    """The ``--version`` callback: print the versions of Python, erlen and click, and exit."""
    if not value or ctx.resilient_parsing:
        return
    click.echo(
        f"Python {platform.python_version()}\n"
        f"erlen {importlib.metadata.version('erlen')}\n"
        f"click {importlib.metadata.version('click')}",
        color=ctx.color,
    )
    ctx.exit()


# --env-file comes first so a .env file can set ERLEN_APP; both are eager so that `--help`
# already sees the app's own commands.
_env_file_option = click.Option(
    ["-e", "--env-file"],
    envvar=_envvars("ENV_FILE"),
    type=click.Path(exists=True, dir_okay=False),
    is_eager=True,
    expose_value=False,
    callback=_env_file_callback,
    help="Load environment variables from this file (needs python-dotenv). It wins over .env"
    " and .erlenenv; variables already set in the environment win over all.",
)
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    envvar=_envvars("APP"),
    is_eager=True,
    expose_value=False,
    callback=_app_callback,
    help="The application: 'module:name', 'module:create_app(args)', or just 'module' (then"
    " 'app', 'application', the only Erlen instance, or a 'create_app'/'make_app' factory)."
    " The module may be a dotted name or a file path. Default: wsgi.py or app.py here.",
)
_debug_option = click.Option(
    ["--debug/--no-debug"],
    envvar=_envvars("DEBUG"),
    expose_value=False,
    callback=_debug_callback,
    help="Debug mode: the debug error page, the reloader by default, template reloading.",
)
version_option = click.Option(
    ["--version"],
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=get_version,
    help="Show the erlen version.",
)


#: Built-in commands that Flask does not have: an app's own command of the same name wins, so a
#: Flask app that defines a ``check`` command keeps it.
_YIELDING_COMMANDS = frozenset({"check"})


class ErlenGroup(AppGroup):
    """The ``erlen`` command: built-in commands plus the loaded app's ``app.cli`` commands.

    :param add_default_commands: add ``run``, ``check``, ``shell`` and ``routes``.
    :param create_app: a function returning the app, instead of finding it.
    :param add_version_option: add ``--version``.
    :param load_dotenv: load ``.env`` and ``.erlenenv``.
    :param set_debug_flag: apply ``--debug``/``ERLEN_DEBUG`` to the app.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: t.Callable[..., Erlen] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(version_option)
        extra.setdefault("context_settings", {}).setdefault("auto_envvar_prefix", "ERLEN")
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)
            self.add_command(check_command)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        # Built-in commands work even when the app cannot be loaded.
        command = super().get_command(ctx, cmd_name)
        if command is not None and cmd_name not in _YIELDING_COMMANDS:
            return command
        info = ctx.ensure_object(ScriptInfo)
        try:
            app = info.load_app()
        except Exception as error:
            if command is not None:
                return command  # `erlen check` reports an app that cannot load as it is
            if not isinstance(error, NoAppException):
                raise
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
            return None
        own = app.cli.get_command(ctx, cmd_name)
        if own is None:
            return command
        current = context_var.get(None)
        if current is None or current.app is not app:
            # The context is there for the command's parameter callbacks too.
            ctx.with_resource(app.app_context())
        return own

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        try:
            names.update(ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx))
        except NoAppException as error:
            click.secho(f"Error: {error.format_message()}\n", err=True, fg="red")
        except Exception:
            click.secho(f"{traceback.format_exc()}\n", err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        # Tells `app.run()` in the app module that the command line serves the app (Flask's name,
        # which Flask code knows).
        os.environ["FLASK_RUN_FROM_CLI"] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            # Help is shown before the eager options are processed; process them now so that
            # the help lists the commands of the app named by ERLEN_APP or a .env file.
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


FlaskGroup = ErlenGroup


# -- built-in commands ------------------------------------------------------------------


def show_server_banner(debug: bool | None, app_import_path: str | None) -> None:
    """Flask's two start-up lines (the app and debug mode), printed once, not again by a
    reloader's child. ``erlen run`` and ``app.run()`` print a fuller banner of their own."""
    from erlen.tools.serving import is_running_from_reloader

    if is_running_from_reloader():
        return
    if app_import_path is not None:
        click.echo(f" * Serving app '{app_import_path}'")
    if debug is not None:
        click.echo(f" * Debug mode: {'on' if debug else 'off'}")


def _run_option(*names: str, env: str, **kwargs: t.Any) -> t.Callable[[F], F]:
    # ERLEN_RUN_PORT, else FLASK_RUN_PORT, as Flask reads FLASK_RUN_PORT.
    return click.option(*names, envvar=_envvars(env), **kwargs)


@click.command("run", short_help="Serve the app for development.")
@_run_option(
    "--host",
    "-h",
    env="RUN_HOST",
    default="127.0.0.1",
    show_default=True,
    help="The interface to listen on.",
)
@_run_option(
    "--port", "-p", env="RUN_PORT", default=5000, show_default=True, help="The port to listen on."
)
@_run_option(
    "--cert",
    env="RUN_CERT",
    type=CertParamType(),
    is_eager=True,
    help="Serve HTTPS with this certificate file (with '--key'), 'adhoc' for a throw-away"
    " certificate (needs cryptography), or the import name of an ssl.SSLContext.",
)
@_run_option(
    "--key",
    env="RUN_KEY",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=validate_key,
    expose_value=False,
    help="The private key file of the '--cert' certificate.",
)
@_run_option(
    "--reload/--no-reload",
    env="RUN_RELOAD",
    default=None,
    help="Restart when code, templates or static files change. Default: on in debug mode.",
)
@_run_option(
    "--debugger/--no-debugger",
    env="RUN_DEBUGGER",
    default=None,
    help="Accepted for Flask's command line. erlen has no interactive debugger: in debug mode"
    " an error shows erlen's traceback page.",
)
@_run_option(
    "--with-threads/--without-threads",
    env="RUN_WITH_THREADS",
    default=True,
    help="Accepted for Flask's command line: uvicorn always runs sync views in a thread pool.",
)
@_run_option(
    "--extra-files",
    env="RUN_EXTRA_FILES",
    default=None,
    type=SeparatedPathType(),
    help="More files (or folders) whose change restarts the server with '--reload'; several"
    f" are separated by {os.path.pathsep!r}.",
)
@_run_option(
    "--exclude-patterns",
    env="RUN_EXCLUDE_PATTERNS",
    default=None,
    type=SeparatedPathType(),
    help="fnmatch patterns of files whose change does not restart the server; several are"
    f" separated by {os.path.pathsep!r}.",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: ssl.SSLContext | tuple[str, str | None] | str | None,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Serve the app with uvicorn, for development.

    This is a development server: in production run the app with gunicorn (WSGI) or uvicorn or
    hypercorn (ASGI, through app.asgi) with several workers. '--debug' turns on debug mode: the
    reloader, template reloading and the debug error page.
    """
    from erlen.security.checks import exit_on_startup_errors
    from erlen.tools.devserver import require_uvicorn, serve, serve_load_error

    require_uvicorn()
    try:
        app = info.load_app()
    except Exception as error:
        reloading = get_debug_flag() if reload is None else reload
        if not (get_debug_flag() and reloading and _is_code_error(error, info)):
            raise
        # Debug mode: show the error in the browser and wait for the fix, as after a reload.
        serve_load_error(
            error,
            host=host,
            port=port,
            import_path=info.app_import_path,
            ssl_context=cert,
            extra_files=extra_files,
            exclude_patterns=exclude_patterns,
        )
        return
    exit_on_startup_errors(app)
    if debugger:
        click.echo(
            " * erlen has no interactive debugger; in debug mode an error shows erlen's"
            " traceback page."
        )
    serve(
        app,
        host=host,
        port=port,
        reload=app.debug if reload is None else reload,
        import_path=info.app_import_path,
        can_reload=info.create_app is None,
        ssl_context=cert,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
    )


run_command.params.insert(0, _debug_option)


def _is_code_error(error: Exception, info: ScriptInfo) -> bool:
    """Whether loading the app failed in the user's code (a syntax error, an exception while
    importing, a factory that raises), which a saved fix repairs, rather than in naming it (no
    such module or attribute), which needs a new command line."""
    if info.create_app is not None:
        return False  # an app given as an object cannot be reloaded
    if isinstance(error, NoAppException):
        # Discovery re-raises an ImportError from inside the module with its traceback.
        return error.__context__ is not None
    return True


@click.command("check", short_help="Check the app's configuration.")
@click.option(
    "--deploy",
    is_flag=True,
    help="Judge the app as a production deployment: weak keys are errors even in debug mode,"
    " and the security settings to review are listed as warnings.",
)
@click.option(
    "--fail-level",
    type=click.Choice(["error", "warning"]),
    default="error",
    show_default=True,
    help="Exit with status 1 when a problem of this severity or worse is found.",
)
@click.option(
    "--ignore",
    "ignored",
    multiple=True,
    metavar="ID",
    help="Leave out the problem with this id (the word in brackets); may be repeated.",
)
@click.option("--key-digest", is_flag=True, hidden=True)
@pass_script_info
def check_command(
    info: ScriptInfo, deploy: bool, fail_level: str, ignored: tuple[str, ...], key_digest: bool
) -> None:
    """List the app's settings that would make requests fail (errors) and, with '--deploy',
    those a production deployment should review (warnings), each with its fix.

    Exits with status 1 when there is an error (with '--fail-level warning', any problem).
    """
    from erlen.security import checks

    app = info.load_app()
    if key_digest:
        # The other half of the per-process key comparison below.
        click.echo(checks.key_digest(app) or "")
        return
    problems = checks.check_app(app, deploy=deploy)
    if info.create_app is None:
        problems.extend(_key_changes_per_process(app, info))
    problems = [problem for problem in problems if problem.id not in ignored]
    problems.sort(key=lambda problem: problem.severity != "error")
    errors = sum(problem.severity == "error" for problem in problems)
    for problem in problems:
        click.secho(str(problem), fg="red" if problem.severity == "error" else "yellow")
        click.echo()
    count = f"{errors} error(s), {len(problems) - errors} warning(s)"
    click.echo(f"erlen check{' --deploy' if deploy else ''}: {count} in {app.name!r}.")
    if not deploy:
        click.echo("Run 'erlen check --deploy' to review the settings for production.")
    if errors or (fail_level == "warning" and problems):
        raise click.exceptions.Exit(1)


def _key_changes_per_process(app: Erlen, info: ScriptInfo) -> list[checks.Problem]:
    """An error when a second process that loads the app gets another ``SECRET_KEY``: a key
    made with ``secrets.token_hex()`` in the code, which each worker makes anew."""
    import subprocess

    from erlen.security import checks

    digest = checks.key_digest(app)
    if digest is None:
        return []
    command = [sys.executable, "-m", "erlen"]
    if info.app_import_path:
        command += ["--app", info.app_import_path]
    try:
        other = subprocess.run(
            [*command, "check", "--key-digest"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return []  # the comparison is a bonus: an app that loads only once is checked above
    if other.splitlines()[-1:] == [digest]:
        return []
    return [
        checks.Problem(
            "secret-key-per-process",
            "error",
            "SECRET_KEY",
            "SECRET_KEY changes from one process to the next (a second process that loaded the"
            " app got another key): it is made at start-up, with secrets.token_hex() or the"
            " like. Each worker of a production server would refuse the others' sessions, and"
            " every restart signs everybody out.",
            "Generate the key once and load it from the environment (ERLEN_SECRET_KEY) or a"
            " file, so that every process reads the same one.",
        )
    ]


_SORTS = ("endpoint", "methods", "domain", "rule", "match")


@click.command("routes", short_help="Show the app's routes.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(_SORTS),
    default="endpoint",
    show_default=True,
    help="How to order the routes; 'match' puts the static rules first, as erlen tries them"
    " first, then the others in the order they were added.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show every route of the app: its endpoint, methods and URL rule."""
    url_map = _current_app().url_map
    rules = list(url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return
    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = url_map.host_matching
    domains = [(rule.host if host_matching else rule.subdomain) or "" for rule in rules]
    show_domain = any(domains)
    rows: list[list[str]] = []
    for rule, domain in zip(rules, domains, strict=True):
        if rule.websocket:
            methods = "WEBSOCKET"
        elif rule.methods is None:
            methods = "(any)"
        else:
            methods = ", ".join(sorted(rule.methods - hidden))
        rows.append([str(rule.endpoint), methods, domain, rule.rule])
    if sort == "match":
        static_first = sorted(range(len(rules)), key=lambda index: bool(rules[index].arguments))
        rows = [rows[index] for index in static_first]
    else:
        column = _SORTS.index(sort)
        rows.sort(key=lambda row: (row[column], row[0], row[3]))
    headers = ["Endpoint", "Methods", "Host" if host_matching else "Subdomain", "Rule"]
    columns = [0, 1, 2, 3] if show_domain else [0, 1, 3]
    table = [[headers[i] for i in columns]] + [[row[i] for i in columns] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    table.insert(1, ["-" * width for width in widths])
    for line in table:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        )


@click.command("shell", short_help="Open a Python shell in the app's context.")
@click.option(
    "--plain", is_flag=True, help="Use the standard Python shell even if IPython is installed."
)
@with_appcontext
def shell_command(plain: bool) -> None:
    """Open an interactive Python shell with an app context pushed.

    'app', 'g' and whatever the app's shell context processors return are defined. IPython is
    used when it is installed, unless '--plain' is given.
    """
    import code

    app = _current_app()
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.import_name}\nInstance: {app.instance_path}"
    )
    namespace: dict[str, t.Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as file:
            exec(compile(file.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())
    if not plain and importlib.util.find_spec("IPython") is not None:
        click.echo(banner)
        importlib.import_module("IPython").start_ipython(argv=[], user_ns=namespace)
        return
    try:
        import readline
        from rlcompleter import Completer
    except ImportError:
        pass
    else:
        readline.set_completer(Completer(namespace).complete)
        readline.parse_and_bind("tab: complete")
    code.interact(banner=banner, local=namespace)


def _current_app() -> Erlen:
    return t.cast("Erlen", context_var.get().app)


cli = ErlenGroup(
    name="erlen",
    help="Run and manage an erlen application.\n\n"
    "Name the application with '--app', the ERLEN_APP environment variable, or a 'wsgi.py' or"
    " 'app.py' file in the current folder.",
)


def main() -> None:
    """The ``erlen`` console script."""
    cli.main()


__all__ = [
    "AppGroup",
    "CertParamType",
    "ErlenGroup",
    "FlaskGroup",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "check_command",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "get_debug_flag",
    "get_load_dotenv",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "routes_command",
    "run_command",
    "shell_command",
    "show_server_banner",
    "version_option",
    "with_appcontext",
]
