"""``erlen run``: the app served through uvicorn for development, with a banner and a reloader.

erlen has no server of its own: ``erlen run`` hands ``app.asgi`` to uvicorn (the ``server``
extra), the same server production can use with more workers. With ``--reload`` uvicorn watches
the app's folders and restarts a child process on change; the child cannot receive the app object,
so it rebuilds it from the environment through ``_reload_target``. uvicorn watches only Python
files unless watchfiles is installed, so without watchfiles a small subclass of its polling
reloader watches templates and static files too.

This module only starts a server; it never handles a request.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import sys
import typing as t
from collections.abc import Iterator
from pathlib import Path

import click

if t.TYPE_CHECKING:
    from .app import Erlen

#: The environment variable that names the app for a reloader's child process ("" means: find
#: it as the parent did).
RUN_APP_ENV = "ERLEN_RUN_APP"
#: Besides Python files, changes to these make ``erlen run --reload`` restart.
RELOAD_INCLUDES = ("*.html", "*.jinja", "*.jinja2", "*.css", "*.js")
_RELOAD_TARGET = "erlen.devserver:_reload_target"


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


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def _import_string(app: Erlen, import_path: str | None) -> str:
    """How a production server would import the app: the module attribute holding it if there
    is one, else what was given to ``--app``."""
    module = sys.modules.get(app.import_name)
    if module is not None:
        for name, value in vars(module).items():
            if value is app:
                return f"{app.import_name}:{name}"
        for factory in ("create_app", "make_app"):
            if callable(getattr(module, factory, None)):
                return f"{app.import_name}:{factory}()"
    return import_path or "module:app"


def banner(app: Erlen, host: str, port: int, reload_dirs: list[str] | None, target: str) -> str:
    """What ``erlen run`` prints before serving."""
    lines = [
        f" * Serving {app.name!r} on {_url(host, port)}",
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
    # A folder inside another one is watched already.
    unique = sorted(set(found))
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
) -> None:
    """Serve ``app`` with uvicorn until interrupted.

    :param import_path: what ``--app`` said (None: the app was found in ``wsgi.py``/``app.py``);
        a reloader's child process loads the app from it.
    :param can_reload: False when the app was given as an object (a ``create_app`` callback),
        which a child process cannot rebuild; ``reload`` is then ignored with a warning.
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
    dirs = reload_dirs(app) if reload else None
    click.echo(banner(app, host, port, dirs, _import_string(app, import_path)))
    if app.debug and not is_loopback(host):
        click.secho(
            f" * DANGER: debug mode is on and the server listens on {host}, so other machines can"
            " reach it. The debug error page shows source code, local variables and request"
            " headers to whoever triggers an error. Turn debug mode off, or listen on 127.0.0.1.",
            fg="red",
            bold=True,
            err=True,
        )
    if not reload:
        uvicorn.run(app.asgi, host=host, port=port, log_level="info")
        return
    # The child process is a fresh interpreter: it finds the app and the debug flag here.
    os.environ[RUN_APP_ENV] = import_path or ""
    if app.debug:
        os.environ["ERLEN_DEBUG"] = "1"
    options: dict[str, t.Any] = {
        "factory": True,
        "reload": True,
        "reload_dirs": dirs,
        "host": host,
        "port": port,
        "log_level": "info",
    }
    if importlib.util.find_spec("watchfiles") is not None:
        uvicorn.run(_RELOAD_TARGET, reload_includes=list(RELOAD_INCLUDES), **options)
        return
    config = uvicorn.Config(_RELOAD_TARGET, **options)
    server = uvicorn.Server(config)
    _polling_reloader()(config, target=server.run, sockets=[config.bind_socket()]).run()


def _polling_reloader() -> type[t.Any]:
    """uvicorn's polling reloader, made to watch template and static files besides Python."""
    from uvicorn.supervisors.statreload import StatReload

    class TemplateStatReload(StatReload):
        def iter_py_files(self) -> Iterator[Path]:
            for folder in self.config.reload_dirs:
                for pattern in ("*.py", *RELOAD_INCLUDES):
                    for path in folder.rglob(pattern):
                        yield path.resolve()

    return TemplateStatReload


def _reload_target() -> t.Any:
    """The ASGI app for a reloader's child process, rebuilt from ``ERLEN_RUN_APP``."""
    from .cli import ScriptInfo

    info = ScriptInfo(app_import_path=os.environ.get(RUN_APP_ENV) or None)
    return info.load_app().asgi
