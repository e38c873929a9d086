"""``erlen run``: the app served through uvicorn for development, with a banner and a reloader.

erlen has no server of its own: ``erlen run`` hands ``app.asgi`` to uvicorn (the ``server``
extra), the same server production can use with more workers. With ``--reload`` uvicorn watches
the app's folders and restarts a child process on change; the child cannot receive the app object,
so it rebuilds it from the environment through ``_reload_target``. uvicorn watches only Python
files unless watchfiles is installed, so without watchfiles a small subclass of its polling
reloader watches templates and static files too.

A development server must survive any error in the user's code. When the app cannot be loaded
(a syntax error, an error raised while importing a module, a factory that raises) the reloader's
child serves ``LoadErrorApp`` instead: every request gets a 500 that shows the error (the debug
page in debug mode, a bare message otherwise), the parent keeps watching, and saving a file
restarts the child, which then serves the app again. Without it the child would exit and leave
the parent holding the socket, so requests would hang until the file was fixed. ``erlen run
--debug`` starts that way too when the app is broken from the start (``serve_load_error``).

Apart from ``LoadErrorApp``, which answers only while the app cannot be loaded, this module
never handles a request.
"""

from __future__ import annotations

import contextlib
import fnmatch
import importlib.util
import ipaddress
import os
import ssl
import sys
import tempfile
import traceback
import typing as t
from collections.abc import Iterator
from pathlib import Path

import click

if t.TYPE_CHECKING:
    from erlen.app import Erlen

#: The environment variable that names the app for a reloader's child process ("" means: find
#: it as the parent did).
RUN_APP_ENV = "ERLEN_RUN_APP"
#: Besides Python files, changes to these make ``erlen run --reload`` restart.
RELOAD_INCLUDES = ("*.html", "*.jinja", "*.jinja2", "*.css", "*.js")
_RELOAD_TARGET = "erlen.tools.devserver:_reload_target"


def require_uvicorn() -> None:
    """Fail with install instructions when uvicorn is missing."""
    if importlib.util.find_spec("uvicorn") is None:
        raise click.ClickException(
            "'erlen run' serves the app through uvicorn, which is not installed. Install it with"
            " pip install 'erlen[server]' (or pip install uvicorn)."
        )


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _url(host: str, port: int, scheme: str = "http") -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"{scheme}://{shown}:{port}"


def app_import_string(app: Erlen, import_path: str | None) -> str:
    """How a production server would import the app: the module attribute holding it if there
    is one, else what was given to ``--app``."""
    module = sys.modules.get(app.import_name)
    # ``python app.py`` runs the module as ``__main__``; a server imports it by its file's name.
    module_name = app.name if app.import_name == "__main__" else app.import_name
    if module is not None:
        for name, value in vars(module).items():
            if value is app:
                return f"{module_name}:{name}"
        for factory in ("create_app", "make_app"):
            if callable(getattr(module, factory, None)):
                return f"{module_name}:{factory}()"
    return import_path or "module:app"


def banner(
    app: Erlen,
    host: str,
    port: int,
    reload_dirs: list[str] | None,
    target: str,
    scheme: str = "http",
) -> str:
    """What ``erlen run`` (and ``app.run()``) prints before serving."""
    lines = [
        f" * Serving {app.name!r} on {_url(host, port, scheme)}",
        f" * Debug mode: {'on' if app.debug else 'off'}",
    ]
    if reload_dirs:
        lines.append(f" * Restarting on changes to code and templates in: {', '.join(reload_dirs)}")
    if "(" in target:
        # A factory: gunicorn calls it itself; uvicorn calls it with --factory and is told the
        # app object speaks ASGI 3 when called with three arguments.
        factory = target.split("(", 1)[0]
        asgi = f"uvicorn '{factory}' --factory --interface asgi3 --workers 4"
    else:
        asgi = f"uvicorn '{target}.asgi' --workers 4  (or hypercorn '{target}.asgi')"
    lines += [
        " * WARNING: This is a development server. Do not use it in production.",
        "   In production, run the app with a production server, for example:",
        f"     WSGI: gunicorn '{target}' --workers 4",
        f"     ASGI: {asgi}",
    ]
    return "\n".join(lines)


def reload_dirs(app: Erlen) -> list[str]:
    """The folders to watch: the app's and its blueprints' roots, templates and static files."""
    found: list[str] = []
    for owner in (app, *app.blueprints.values()):
        root = getattr(owner, "root_path", None)
        if not root:
            continue
        template_folder = getattr(owner, "template_folder", None)
        candidates = [
            root,
            os.path.join(root, template_folder) if template_folder else None,
            getattr(owner, "static_folder", None),
        ]
        for folder in candidates:
            if folder and os.path.isdir(folder):
                found.append(os.path.realpath(folder))
    return _outermost(found)


def error_reload_dirs(error: BaseException, import_path: str | None) -> list[str]:
    """The folders to watch when the app could not be loaded, so that no app tells where its
    files are: the folder the app is imported from, and those of the user's files in the
    traceback (the file with a syntax error among them)."""
    found = [os.getcwd()] if not import_path else []
    if sys.path and sys.path[0] and os.path.isdir(sys.path[0]):
        # ``prepare_import`` put the app's import folder first on the path before importing.
        found.append(sys.path[0])
    library = tuple(
        os.path.realpath(path) + os.sep
        for path in {sys.prefix, sys.base_prefix, os.path.dirname(__file__)}
    )
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and not any(current is other for other in seen):
        seen.append(current)
        if isinstance(current, SyntaxError) and current.filename:
            found.append(os.path.dirname(os.path.abspath(current.filename)))
        for frame in traceback.extract_tb(current.__traceback__):
            path = os.path.realpath(frame.filename)
            if os.path.isfile(path) and not path.startswith(library):
                found.append(os.path.dirname(path))
        current = current.__cause__ or current.__context__
    return _outermost(os.path.realpath(folder) for folder in found if os.path.isdir(folder))


def _outermost(folders: t.Iterable[str]) -> list[str]:
    """``folders`` without duplicates and without those inside another one: watching a folder
    watches what is in it."""
    unique = sorted(set(folders))
    return [
        folder
        for folder in unique
        if not any(folder != other and folder.startswith(other + os.sep) for other in unique)
    ]


def serve(
    app: Erlen,
    *,
    host: str,
    port: int,
    reload: bool,
    import_path: str | None,
    can_reload: bool = True,
    ssl_context: ssl.SSLContext | tuple[str, str | None] | str | None = None,
    extra_files: list[str] | None = None,
    exclude_patterns: list[str] | None = None,
) -> None:
    """Serve ``app`` with uvicorn until interrupted.

    :param import_path: what ``--app`` said (None: the app was found in ``wsgi.py``/``app.py``);
        a reloader's child process loads the app from it.
    :param can_reload: False when the app was given as an object (a ``create_app`` callback),
        which a child process cannot rebuild; ``reload`` is then ignored with a warning.
    :param ssl_context: serve HTTPS with a ``(cert_file, key_file)`` pair, an ``ssl.SSLContext``
        or ``"adhoc"`` (a throw-away certificate; needs ``cryptography``).
    :param extra_files: more files (or folders) whose change restarts the server.
    :param exclude_patterns: ``fnmatch`` patterns of paths whose change does not.
    """
    require_uvicorn()
    import uvicorn

    if reload and not can_reload:
        click.secho(
            " * The reloader needs an app it can import (--app or ERLEN_APP); serving without it.",
            fg="yellow",
            err=True,
        )
        reload = False
    if reload:
        _refuse_ssl_context_object(ssl_context)
    dirs = reload_dirs(app) if reload else None
    scheme = "https" if ssl_context else "http"
    click.echo(banner(app, host, port, dirs, app_import_string(app, import_path), scheme=scheme))
    if app.debug:
        _warn_if_public(host)
    if ssl_context == "adhoc" and not reload:
        # Kept in memory only: a signal can end uvicorn before a key file could be removed.
        ssl_context = _adhoc_context()
    with contextlib.ExitStack() as stack:
        tls: dict[str, t.Any] = _tls_options(ssl_context, stack)
        if isinstance(ssl_context, ssl.SSLContext):
            config = uvicorn.Config(app.asgi, host=host, port=port, log_level="info")
            config.load()
            # uvicorn builds a context only from certificate files; a given one replaces it.
            config.ssl = ssl_context
            uvicorn.Server(config).run()
            return
        if not reload:
            uvicorn.run(app.asgi, host=host, port=port, log_level="info", **tls)
            return
        if app.debug:
            os.environ["ERLEN_DEBUG"] = "1"
        _serve_reloading(
            dirs or [], host, port, import_path, tls, extra_files or [], exclude_patterns or []
        )


def serve_load_error(
    error: Exception,
    *,
    host: str,
    port: int,
    import_path: str | None,
    ssl_context: ssl.SSLContext | tuple[str, str | None] | str | None = None,
    extra_files: list[str] | None = None,
    exclude_patterns: list[str] | None = None,
) -> None:
    """Serve the error page for an app that could not be loaded, and restart when a file
    changes, until interrupted: ``erlen run --debug`` with a broken app. The reloader's child
    tries to load the app again each time; once the file is fixed, it serves the app."""
    require_uvicorn()
    _refuse_ssl_context_object(ssl_context)
    traceback.print_exception(error)
    dirs = error_reload_dirs(error, import_path)
    scheme = "https" if ssl_context else "http"
    click.secho(
        f" * The app could not be loaded (the error is above). Serving a page that shows the error"
        f" on {_url(host, port, scheme)}; save a fix and the server restarts by itself.\n"
        f" * Restarting on changes to code and templates in: {', '.join(dirs)}",
        fg="yellow",
        err=True,
    )
    _warn_if_public(host)
    with contextlib.ExitStack() as stack:
        tls = _tls_options(ssl_context, stack)
        _serve_reloading(
            dirs, host, port, import_path, tls, extra_files or [], exclude_patterns or []
        )


def _warn_if_public(host: str) -> None:
    if not is_loopback(host):
        click.secho(
            f" * DANGER: debug mode is on and the server listens on {host}, so other machines can"
            " reach it. The debug error page shows source code, local variables and request"
            " headers to whoever triggers an error. Turn debug mode off, or listen on 127.0.0.1.",
            fg="red",
            bold=True,
            err=True,
        )


def _refuse_ssl_context_object(
    ssl_context: ssl.SSLContext | tuple[str, str | None] | str | None,
) -> None:
    if isinstance(ssl_context, ssl.SSLContext):
        # The reloader's child is a new interpreter, and an SSLContext cannot be sent to one.
        raise click.UsageError(
            "The reloader cannot pass an SSLContext object to the process it restarts: give"
            " certificate files (--cert cert.pem --key key.pem) or use --no-reload."
        )


def _serve_reloading(
    dirs: list[str],
    host: str,
    port: int,
    import_path: str | None,
    tls: dict[str, t.Any],
    extra_files: list[str],
    exclude_patterns: list[str],
) -> None:
    """uvicorn with its reloader: a parent that holds the socket and watches ``dirs``, and a
    child, restarted on each change, that loads the app through ``_reload_target``."""
    import uvicorn

    # The child process is a fresh interpreter: it finds the app here, and the debug flag in
    # ERLEN_DEBUG.
    os.environ[RUN_APP_ENV] = import_path or ""
    options: dict[str, t.Any] = {
        "factory": True,
        "reload": True,
        "reload_dirs": dirs,
        "host": host,
        "port": port,
        "log_level": "info",
        **tls,
    }
    # uvicorn's watchfiles filter takes neither single files nor absolute patterns, so extra
    # files and exclusions go through the polling reloader, which erlen controls.
    use_watchfiles = not (extra_files or exclude_patterns)
    if use_watchfiles and importlib.util.find_spec("watchfiles") is not None:
        uvicorn.run(_RELOAD_TARGET, reload_includes=list(RELOAD_INCLUDES), **options)
        return
    config = uvicorn.Config(_RELOAD_TARGET, **options)
    server = uvicorn.Server(config)
    reloader = _polling_reloader(extra_files, exclude_patterns)
    reloader(config, target=server.run, sockets=[config.bind_socket()]).run()


def _tls_options(
    ssl_context: ssl.SSLContext | tuple[str, str | None] | str | None,
    stack: contextlib.ExitStack,
) -> dict[str, str | None]:
    """uvicorn's certificate-file options for ``ssl_context``. An ad-hoc certificate is written
    to a private folder that lives as long as ``stack``: the reloader's children read it."""
    if isinstance(ssl_context, tuple):
        return {"ssl_certfile": ssl_context[0], "ssl_keyfile": ssl_context[1]}
    if ssl_context == "adhoc":
        from erlen.tools.serving import make_ssl_devcert

        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="erlen-adhoc-"))
        try:
            cert_file, key_file = make_ssl_devcert(os.path.join(folder, "adhoc"))
        except RuntimeError as error:
            raise click.ClickException(str(error)) from None
        return {"ssl_certfile": cert_file, "ssl_keyfile": key_file}
    return {}


def _adhoc_context() -> ssl.SSLContext:
    from erlen.tools.serving import generate_adhoc_ssl_context

    try:
        return generate_adhoc_ssl_context()
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None


def _polling_reloader(extra_files: list[str], exclude_patterns: list[str]) -> type[t.Any]:
    """uvicorn's polling reloader, made to watch template and static files besides Python, and
    ``--extra-files`` minus ``--exclude-patterns``."""
    from uvicorn.supervisors.statreload import StatReload

    extra = [Path(path).resolve() for path in extra_files]

    class TemplateStatReload(StatReload):
        def iter_py_files(self) -> Iterator[Path]:
            for path in self._candidates():
                if not any(fnmatch.fnmatch(str(path), pattern) for pattern in exclude_patterns):
                    yield path

        def _candidates(self) -> Iterator[Path]:
            for folder in self.config.reload_dirs:
                for pattern in ("*.py", *RELOAD_INCLUDES):
                    for path in folder.rglob(pattern):
                        yield path.resolve()
            for path in extra:
                if path.is_dir():
                    yield from (child for child in path.rglob("*") if child.is_file())
                else:
                    yield path

    return TemplateStatReload


def _reload_target() -> t.Any:
    """The ASGI app for a reloader's child process, rebuilt from ``ERLEN_RUN_APP``; when the app
    cannot be loaded, or outside debug mode has a start-up error, a ``LoadErrorApp`` that shows
    why until a saved change restarts the process."""
    from erlen.security.checks import StartupError, startup_errors
    from erlen.tools.cli import ScriptInfo, get_debug_flag
    from erlen.tools.serving import RUN_MAIN_ENV

    # Flask extensions start background work only where Werkzeug's reloader child says so.
    os.environ[RUN_MAIN_ENV] = "true"

    info = ScriptInfo(app_import_path=os.environ.get(RUN_APP_ENV) or None)
    try:
        app = info.load_app()
    except Exception as error:
        traceback.print_exception(error)
        click.secho(
            " * The app could not be loaded (the error is above); every request gets a 500"
            " until a saved change restarts the server.",
            fg="red",
            err=True,
        )
        return LoadErrorApp(error, debug=get_debug_flag())
    problems = startup_errors(app)
    if problems and not app.debug:
        # uvicorn would end this process when the lifespan start-up fails, and requests would
        # hang on the parent's socket: answer them with the reason instead.
        refusal = StartupError(problems)
        click.secho(str(refusal), fg="red", err=True)
        return LoadErrorApp(refusal, debug=False)
    return app.asgi


class LoadErrorApp:
    """The ASGI app a reloader's child serves while the user's app cannot be loaded: a 500 for
    every HTTP request (with ``debug``, the debug page showing ``error``; without, a bare
    message, since the page shows source code), a refused WebSocket handshake, and a lifespan
    that starts, so that the server keeps answering."""

    def __init__(self, error: BaseException, debug: bool) -> None:
        self.error = error
        self.debug = debug
        self._page: bytes | None = None

    def _response(self) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        if not self.debug:
            body = b"Internal Server Error: the app could not be loaded; the server's log says why."
            return body, [(b"content-type", b"text/plain; charset=utf-8")]
        from erlen.tools.debug import PAGE_HEADERS, render_load_error_page

        if self._page is None:
            self._page = render_load_error_page(self.error).encode()
        headers = [(b"content-type", b"text/html; charset=utf-8")]
        headers += [(name.lower().encode(), value.encode()) for name, value in PAGE_HEADERS]
        return self._page, headers

    async def __call__(
        self,
        scope: dict[str, t.Any],
        receive: t.Callable[[], t.Awaitable[dict[str, t.Any]]],
        send: t.Callable[[dict[str, t.Any]], t.Awaitable[None]],
    ) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if kind == "websocket":
            await send({"type": "websocket.close", "code": 1011})
            return
        if kind != "http":
            return
        body, headers = self._response()
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": 500, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )


# -- option types of ``erlen run`` ----------------------------------------------------------


def _import_object(name: str) -> object:
    """What ``module.attribute`` or ``module:attribute`` names; ImportError if nothing."""
    module_name, colon, attribute = name.partition(":")
    if not colon:
        try:
            return importlib.import_module(name)
        except ImportError:
            module_name, _, attribute = name.rpartition(".")
            if not module_name:
                raise
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ImportError(f"{module_name!r} has no attribute {attribute!r}") from None


if t.TYPE_CHECKING:
    _ParamType = click.ParamType[t.Any]
else:  # click before 8.2 has no type parameter; the checker sees the newer click
    _ParamType = click.ParamType


class CertParamType(_ParamType):
    """``--cert``: a certificate file, ``adhoc`` (a throw-away certificate, which needs the
    cryptography package), or the import name of an ``ssl.SSLContext``."""

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        try:
            ssl_module: t.Any = importlib.import_module("ssl")
        except ImportError:
            raise click.BadParameter(
                "'--cert' needs a Python built with SSL support.", ctx, param
            ) from None
        try:
            return self.path_type(value, param, ctx)
        except click.BadParameter:
            name = click.STRING(value, param, ctx)
            if name.lower() == "adhoc":
                try:
                    importlib.import_module("cryptography")
                except ImportError:
                    raise click.BadParameter(
                        "an ad-hoc certificate needs the cryptography package (pip install"
                        " cryptography); or give a certificate file and '--key'.",
                        ctx,
                        param,
                    ) from None
                return "adhoc"
            try:
                found = _import_object(name)
            except (ImportError, ValueError):
                found = None
            if isinstance(found, ssl_module.SSLContext):
                return found
            raise


def validate_key(ctx: click.Context, param: click.Parameter, value: t.Any) -> t.Any:
    """``--key`` goes with a certificate file, and only with one; it turns the ``cert``
    parameter into a ``(cert_file, key_file)`` pair."""
    cert = ctx.params.get("cert")
    is_context = isinstance(cert, ssl.SSLContext)
    if value is not None:
        if cert == "adhoc":
            raise click.BadParameter("'--cert adhoc' makes its own key; drop '--key'.", ctx, param)
        if is_context:
            raise click.BadParameter(
                "'--cert' names an SSLContext, which holds its key; drop '--key'.", ctx, param
            )
        if not cert:
            raise click.BadParameter("'--cert' must be given too.", ctx, param)
        ctx.params["cert"] = (cert, value)
    elif cert and cert != "adhoc" and not is_context:
        raise click.BadParameter("required when '--cert' is a file.", ctx, param)
    return value


class SeparatedPathType(click.Path):
    """A list of paths in one value, separated as in ``PATH`` (``:``, or ``;`` on Windows);
    each is checked as a ``click.Path``."""

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        convert_one = super().convert
        return [convert_one(item, param, ctx) for item in self.split_envvar_value(value)]
