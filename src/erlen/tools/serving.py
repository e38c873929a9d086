"""``app.run()`` and ``run_simple()``: a development server started from Python code.

Werkzeug's ``werkzeug.serving`` names map here, so code written for Flask (``app.run(debug=True)``
under ``if __name__ == "__main__":``, ``run_simple(host, port, app)``) serves on erlen. Which
server answers depends on what is served:

- an erlen app is served through uvicorn on ``app.asgi``, as ``erlen run`` serves it (WebSockets,
  streaming and ``before_serving`` work as in production);
- any other WSGI callable, or an erlen app whose ``wsgi_app`` was wrapped in WSGI middleware
  (which ``app.asgi`` would bypass), is served by the standard library's ``wsgiref`` server with
  a thread per request. uvicorn's own WSGI adapter is deprecated and reads each body whole into
  memory; ``wsgiref`` streams it and needs no extra package.

The reloader re-runs the command line that started the process (``sys.orig_argv``) in a child
process and restarts it when a watched file changes, as Werkzeug's does: a ``python app.py`` app
lives in ``__main__`` and cannot be re-imported by name, so uvicorn's import-based reloader (used
by ``erlen run``) cannot serve it. The parent binds the socket once and hands it to each child, so
the port never changes and is never briefly free. The child marks itself with
``WERKZEUG_RUN_MAIN=true``, the variable Flask extensions already check to start background work
once.

This module only starts servers; it never handles a request itself.
"""

from __future__ import annotations

import fnmatch
import importlib
import ipaddress
import os
import signal
import socket
import ssl
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import typing as t
from datetime import UTC, datetime, timedelta
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

import click

from erlen.adapters.wsgi import handle as wsgi_handle
from erlen.core.app import App
from erlen.tools.devserver import (
    RELOAD_INCLUDES,
    app_import_string,
    banner,
    is_loopback,
    reload_dirs,
    require_uvicorn,
)

if t.TYPE_CHECKING:
    from erlen.app import Erlen

__all__ = [
    "generate_adhoc_ssl_context",
    "generate_adhoc_ssl_pair",
    "is_running_from_reloader",
    "load_ssl_context",
    "make_ssl_devcert",
    "run_app",
    "run_simple",
]

SSLContextArg = ssl.SSLContext | tuple[str, str | None] | t.Literal["adhoc"] | None

#: Set in a reloader's child process; Werkzeug's name, which extensions test.
RUN_MAIN_ENV = "WERKZEUG_RUN_MAIN"
#: The listening socket the reloader's parent hands to its child.
SERVER_FD_ENV = "ERLEN_SERVER_FD"
#: The exit status by which a child asks its parent for a restart.
RESTART_CODE = 3
_DEBUGGER_NOTE = (
    " * erlen has no interactive debugger (a console in the browser is a remote shell); in"
    " debug mode an unhandled error shows erlen's traceback page instead."
)


def is_running_from_reloader() -> bool:
    """Whether this process is the reloader's child, the one that serves."""
    return os.environ.get(RUN_MAIN_ENV) == "true"


# -- app.run() ------------------------------------------------------------------------------


def run_app(
    app: Erlen,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    load_dotenv: bool = True,
    **options: t.Any,
) -> None:
    """What ``app.run()`` does: settle debug mode, host and port as Flask does, then call
    ``run_simple`` (looked up at call time, so a test may replace it)."""
    if os.environ.get("FLASK_RUN_FROM_CLI") == "true":
        # The app module was imported by `erlen run`/`flask run`, which serves it already.
        if not is_running_from_reloader():
            click.secho(
                " * Ignoring a call to 'app.run()': the command line serves this app already."
                " Call 'app.run()' only under 'if __name__ == \"__main__\":'.",
                fg="red",
            )
        return
    from erlen.tools.cli import get_debug_flag, get_load_dotenv
    from erlen.tools.cli import load_dotenv as load_env_files

    if get_load_dotenv(load_dotenv):
        load_env_files()
        if "ERLEN_DEBUG" in os.environ or "FLASK_DEBUG" in os.environ:
            app.debug = get_debug_flag()
    if debug is not None:
        app.debug = bool(debug)
    default_host, default_port = _split_server_name(app.config.get("SERVER_NAME") or "")
    if not port and port != 0:
        port = default_port if default_port is not None else 5000
    options.setdefault("use_reloader", app.debug)
    options.setdefault("use_debugger", app.debug)
    options.setdefault("threaded", True)
    if not is_running_from_reloader():
        # The reloader's parent has reported them already.
        from erlen.security.checks import exit_on_startup_errors

        exit_on_startup_errors(app)
    run_simple(host or default_host or "127.0.0.1", int(port), app, **options)


def _split_server_name(server_name: str) -> tuple[str | None, int | None]:
    """``SERVER_NAME`` as (host, port), either part None when it is not given."""
    if server_name.startswith("["):
        host, _, rest = server_name[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    else:
        host, _, port = server_name.partition(":")
    return host or None, int(port) if port.isdigit() else None


# -- run_simple -----------------------------------------------------------------------------


def run_simple(
    hostname: str,
    port: int,
    application: t.Callable[..., t.Any],
    use_reloader: bool = False,
    use_debugger: bool = False,
    use_evalex: bool = True,
    extra_files: t.Iterable[str] | None = None,
    exclude_patterns: t.Iterable[str] | None = None,
    reloader_interval: float = 1,
    reloader_type: str = "auto",
    threaded: bool = False,
    processes: int = 1,
    request_handler: type[t.Any] | None = None,
    static_files: dict[str, t.Any] | None = None,
    passthrough_errors: bool = False,
    ssl_context: SSLContextArg = None,
) -> None:
    """Serve ``application`` (an erlen app or any WSGI callable) for development until
    interrupted; with ``use_reloader``, restart when the code or an ``extra_files`` changes.

    ``use_evalex``, ``reloader_type`` and ``passthrough_errors`` are accepted for Werkzeug's
    signature and change nothing (the reloader polls file times; the server answers an unhandled
    error with a 500 and logs it). ``ssl_context`` is a ``(cert_file, key_file)`` pair, an
    ``ssl.SSLContext`` or ``"adhoc"`` (a throw-away certificate; needs ``cryptography``).
    """
    if not isinstance(port, int):
        raise TypeError("port must be an integer")
    if processes > 1:
        raise ValueError(
            "erlen's development server runs one process. To serve with several, use a"
            " production server: gunicorn 'module:app' --workers 4."
        )
    if request_handler is not None or static_files:
        raise ValueError(
            "erlen's development server takes no 'request_handler' or 'static_files': serve"
            " static files from the app's static folder (or a blueprint's)."
        )
    context = _server_context(ssl_context)
    erlen_app = _erlen_app(application)
    if use_reloader and not is_running_from_reloader():
        sock = _bind_or_exit(hostname, port)
        _print_banner(application, hostname, sock, context is not None, True)
        if use_debugger:
            click.echo(_DEBUGGER_NOTE)
        sys.exit(_restart_with_reloader(sock))
    if is_running_from_reloader() and SERVER_FD_ENV in os.environ:
        sock = socket.socket(fileno=int(os.environ[SERVER_FD_ENV]))
    else:
        sock = _bind_or_exit(hostname, port)
        _print_banner(application, hostname, sock, context is not None, False)
        if use_debugger:
            click.echo(_DEBUGGER_NOTE)
    server = _make_server(application, erlen_app, hostname, sock, context, threaded)
    watcher = None
    if use_reloader:
        watched = _watch_list(erlen_app, extra_files, exclude_patterns)
        watcher = _Watcher(watched, reloader_interval, server.stop)
        watcher.start()
    try:
        server.serve()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    if watcher is not None and watcher.changed is not None:
        sys.exit(RESTART_CODE)


def _erlen_app(application: t.Callable[..., t.Any]) -> Erlen | None:
    """The erlen app to serve over ASGI, or None when only its WSGI side does what the user
    set up (a plain WSGI callable, or ``app.wsgi_app`` wrapped in middleware)."""
    if not isinstance(application, App):
        return None
    cls = type(application)
    if "wsgi_app" in vars(application) or getattr(cls, "wsgi_app", None) is not wsgi_handle:
        return None
    # The class that defines __call__ must be erlen's own: a subclass may wrap it.
    caller = next(klass for klass in cls.__mro__ if "__call__" in vars(klass))
    if caller.__module__ != "erlen.app":
        return None
    return t.cast("Erlen", application)


def _print_banner(
    application: t.Callable[..., t.Any],
    hostname: str,
    sock: socket.socket,
    tls: bool,
    reloading: bool,
) -> None:
    """The start-up lines ``erlen run`` prints, for an erlen app; a short form for others."""
    from erlen.core.app import App

    port = int(sock.getsockname()[1])
    scheme = "https" if tls else "http"
    if not isinstance(application, App):
        shown = f"[{hostname}]" if ":" in hostname else hostname
        click.echo(
            f" * Serving {application!r} on {scheme}://{shown}:{port}\n"
            " * WARNING: This is a development server. Do not use it in production; use a"
            " production WSGI server such as gunicorn."
        )
        return
    dirs = reload_dirs(application) if reloading else None
    target = app_import_string(application, None)
    click.echo(banner(application, hostname, port, dirs, target, scheme=scheme))
    if application.debug and not is_loopback(hostname):
        click.secho(
            f" * DANGER: debug mode is on and the server listens on {hostname}, so other"
            " machines can reach it. The debug error page shows source code and local"
            " variables to whoever triggers an error. Listen on 127.0.0.1 instead.",
            fg="red",
            bold=True,
            err=True,
        )


def _bind_or_exit(hostname: str, port: int) -> socket.socket:
    """A listening socket on ``hostname:port``; a port in use ends the process with a clear
    message, as Werkzeug's server does."""
    family = socket.AF_INET6 if ":" in hostname else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if os.name != "nt":
        # Lets a restarted server take the port over from connections still in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((hostname.strip("[]"), port))
    except OSError as error:
        sock.close()
        click.secho(f" * Cannot listen on {hostname}:{port}: {error.strerror}.", fg="red", err=True)
        if error.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            click.echo(
                "   Another program is using this port. Stop it, or choose another port.",
                err=True,
            )
        sys.exit(1)
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


# -- servers --------------------------------------------------------------------------------


class _Server(t.Protocol):
    def serve(self) -> None: ...

    def stop(self) -> None: ...


def _make_server(
    application: t.Callable[..., t.Any],
    erlen_app: Erlen | None,
    hostname: str,
    sock: socket.socket,
    context: ssl.SSLContext | None,
    threaded: bool,
) -> _Server:
    if erlen_app is not None:
        return _UvicornServer(erlen_app, hostname, sock, context)
    return _WSGIRefServer(application, hostname, sock, context, threaded)


class _UvicornServer:
    """uvicorn serving an erlen app's ASGI side on a socket bound here."""

    def __init__(
        self, app: Erlen, hostname: str, sock: socket.socket, context: ssl.SSLContext | None
    ) -> None:
        require_uvicorn()
        import uvicorn

        port = int(sock.getsockname()[1])
        # A reload should not wait long for streaming responses to end.
        config = uvicorn.Config(
            app.asgi, host=hostname, port=port, log_level="info", timeout_graceful_shutdown=3
        )
        config.load()
        # uvicorn builds a context only from certificate files; a given one replaces it.
        config.ssl = context
        self.server = uvicorn.Server(config)
        self.sock = sock

    def serve(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except SystemExit as exit:
            # uvicorn exits with status 3 when the lifespan start-up fails (it has printed why),
            # the status by which a reloader's child asks to be restarted: restarting could
            # only fail again, forever.
            if exit.code == RESTART_CODE:
                sys.exit(1)
            raise

    def stop(self) -> None:
        self.server.should_exit = True


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _WSGIRefServer:
    """The standard library's WSGI server, for WSGI callables, on a socket bound here."""

    def __init__(
        self,
        application: t.Callable[..., t.Any],
        hostname: str,
        sock: socket.socket,
        context: ssl.SSLContext | None,
        threaded: bool,
    ) -> None:
        base = _ThreadingWSGIServer if threaded else WSGIServer
        server = base(sock.getsockname()[:2], WSGIRequestHandler, bind_and_activate=False)
        server.socket.close()
        server.socket = context.wrap_socket(sock, server_side=True) if context else sock
        server.server_name = hostname
        server.server_port = int(sock.getsockname()[1])
        server.setup_environ()
        if context is not None:
            server.base_environ["HTTPS"] = "on"
        server.set_app(application)
        self.server = server

    def serve(self) -> None:
        self.server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        # shutdown() waits for serve_forever to end, which runs in another thread.
        threading.Thread(target=self.server.shutdown, daemon=True).start()


# -- reloader -------------------------------------------------------------------------------


def _restart_with_reloader(sock: socket.socket) -> int:
    """Run this command line again in a child process, and again each time it exits asking
    for a restart; the child's exit status otherwise."""
    args = [sys.executable, *sys.orig_argv[1:]]
    env = {**os.environ, RUN_MAIN_ENV: "true", SERVER_FD_ENV: str(sock.fileno())}
    if threading.current_thread() is threading.main_thread():
        # A terminated parent must not leave its serving child behind.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        click.echo(" * Restarting with the stat reloader")
        process = subprocess.Popen(args, env=env, pass_fds=(sock.fileno(),))
        try:
            code = process.wait()
        except KeyboardInterrupt:
            process.wait()
            return 0
        except BaseException:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
            raise
        if code != RESTART_CODE:
            return code


def _watch_list(
    app: Erlen | None,
    extra_files: t.Iterable[str] | None,
    exclude_patterns: t.Iterable[str] | None,
) -> t.Callable[[], set[str]]:
    """A function listing the files to watch: the imported modules outside the standard library
    and installed packages, ``extra_files`` (a folder means the files in it), and for an erlen app
    its templates and static files; minus what matches ``exclude_patterns``."""
    extra = [os.path.abspath(path) for path in extra_files or ()]
    excludes = list(exclude_patterns or ())
    paths = sysconfig.get_paths()
    # Installed packages change only by a reinstall, and stat-ing all of them costs time.
    ignored = tuple(
        {sys.base_prefix, sys.base_exec_prefix, paths["stdlib"], paths["purelib"], paths["platlib"]}
    )
    folders = reload_dirs(app) if app is not None else []

    def files() -> set[str]:
        found: set[str] = set()
        for module in list(sys.modules.values()):
            filename = getattr(module, "__file__", None)
            if filename and not filename.startswith(ignored):
                found.add(os.path.abspath(filename))
        for path in extra:
            if os.path.isdir(path):
                found.update(str(child) for child in Path(path).rglob("*") if child.is_file())
            else:
                found.add(path)
        for folder in folders:
            for pattern in RELOAD_INCLUDES:
                found.update(str(child) for child in Path(folder).rglob(pattern))
        for pattern in excludes:
            found.difference_update(fnmatch.filter(found, pattern))
        return found

    return files


class _Watcher(threading.Thread):
    """Polls the watched files' modification times; on a change, stops the server."""

    def __init__(
        self, files: t.Callable[[], set[str]], interval: float, stop: t.Callable[[], None]
    ) -> None:
        super().__init__(name="erlen-reloader", daemon=True)
        self.files = files
        self.interval = interval
        self.stop_server = stop
        self.changed: str | None = None
        self.mtimes = self._scan()

    def _scan(self) -> dict[str, float]:
        mtimes: dict[str, float] = {}
        for path in self.files():
            try:
                mtimes[path] = os.stat(path).st_mtime
            except OSError:
                continue
        return mtimes

    def run(self) -> None:
        while self.changed is None:
            time.sleep(self.interval)
            for path, mtime in self._scan().items():
                if mtime > self.mtimes.setdefault(path, mtime):
                    self.changed = path
                    break
        click.echo(f" * Detected a change in {self.changed!r}, reloading")
        self.stop_server()


# -- TLS ------------------------------------------------------------------------------------


def _server_context(ssl_context: SSLContextArg) -> ssl.SSLContext | None:
    if ssl_context is None:
        return None
    if isinstance(ssl_context, ssl.SSLContext):
        return ssl_context
    if ssl_context == "adhoc":
        return generate_adhoc_ssl_context()
    if isinstance(ssl_context, tuple):
        return load_ssl_context(*ssl_context)
    raise TypeError("ssl_context must be a (cert_file, key_file) pair, an SSLContext or 'adhoc'.")


def load_ssl_context(
    cert_file: str, pkey_file: str | None = None, protocol: int | None = None
) -> ssl.SSLContext:
    """A server-side TLS context with the certificate (and key) loaded from files."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if protocol is None else protocol)
    context.load_cert_chain(cert_file, pkey_file)
    return context


def _cryptography() -> t.Any:
    try:
        return importlib.import_module("cryptography")
    except ImportError:
        raise RuntimeError(
            "An ad-hoc (throw-away) certificate needs the cryptography package: pip install"
            " cryptography. Or pass a certificate and its key: --cert cert.pem --key key.pem"
            " (ssl_context=('cert.pem', 'key.pem'))."
        ) from None


def generate_adhoc_ssl_pair(cn: str | None = None) -> tuple[t.Any, t.Any]:
    """A self-signed certificate and its private key (``cryptography`` objects), valid for a
    year for ``cn`` (default: ``localhost``, ``127.0.0.1`` and ``::1``)."""
    _cryptography()
    x509: t.Any = importlib.import_module("cryptography.x509")
    oid: t.Any = importlib.import_module("cryptography.x509.oid")
    hashes: t.Any = importlib.import_module("cryptography.hazmat.primitives.hashes")
    rsa: t.Any = importlib.import_module("cryptography.hazmat.primitives.asymmetric.rsa")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    names = [cn] if cn else ["localhost", "127.0.0.1", "::1"]
    alternative: list[t.Any] = []
    for name in names:
        try:
            alternative.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alternative.append(x509.DNSName(name))
    subject = x509.Name(
        [
            x509.NameAttribute(oid.NameOID.ORGANIZATION_NAME, "erlen development certificate"),
            x509.NameAttribute(oid.NameOID.COMMON_NAME, names[0]),
        ]
    )
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
        .add_extension(x509.ExtendedKeyUsage([oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return certificate, key


def _write_pair(cert_file: str, pkey_file: str, certificate: t.Any, key: t.Any) -> None:
    serialization: t.Any = importlib.import_module("cryptography.hazmat.primitives.serialization")
    with open(cert_file, "wb") as file:
        file.write(certificate.public_bytes(serialization.Encoding.PEM))
    # The private key is readable by its owner only.
    descriptor = os.open(pkey_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.TraditionalOpenSSL,
                serialization.NoEncryption(),
            )
        )


def make_ssl_devcert(
    base_path: str, host: str | None = None, cn: str | None = None
) -> tuple[str, str]:
    """Write a self-signed certificate for ``host`` (or ``cn``) to ``base_path + ".crt"`` and its
    key to ``base_path + ".key"``; returns both paths."""
    certificate, key = generate_adhoc_ssl_pair(cn or host)
    cert_file, pkey_file = f"{base_path}.crt", f"{base_path}.key"
    _write_pair(cert_file, pkey_file, certificate, key)
    return cert_file, pkey_file


def generate_adhoc_ssl_context() -> ssl.SSLContext:
    """A server-side TLS context with a new self-signed certificate; clients will warn."""
    certificate, key = generate_adhoc_ssl_pair()
    with tempfile.TemporaryDirectory() as folder:
        cert_file = os.path.join(folder, "adhoc.crt")
        pkey_file = os.path.join(folder, "adhoc.key")
        _write_pair(cert_file, pkey_file, certificate, key)
        return load_ssl_context(cert_file, pkey_file)
