"""Testing an app in process: ``app.test_client()`` and ``app.test_request_context()``.

This is Flask's ``flask.testing`` on top of the generic WSGI test tools in ``testing_wsgi``
(Werkzeug's ``werkzeug.test``): ``EnvironBuilder`` takes its base URL from the app's config;
``ErlenClient`` sends requests through the app's real WSGI entry point, checked by the standard
library's ``wsgiref.validate`` so every test also checks the app against the WSGI specification,
or through ``app.asgi``; it keeps cookies like a browser, can keep the last request's context
open, and edits the session between requests. This module is for tests: it is never on the
serving path.
"""

from __future__ import annotations

import asyncio
import contextlib
import typing as t
from urllib.parse import urlsplit, urlunsplit
from wsgiref.validate import validator

from click.testing import CliRunner, Result

from erlen.adapters.asgi import make_request as make_scope_request
from erlen.adapters.wsgi import make_request as make_environ_request
from erlen.core import __version__
from erlen.core.globals import context_var
from erlen.core.sessions import save_session
from erlen.http.datastructures import Headers
from erlen.http.wrappers.response import status_line
from erlen.tools import testing_wsgi
from erlen.tools.testing_wsgi import (
    Client,
    ClientRedirectError,
    create_environ,
    encode_multipart,
    run_wsgi_app,
    stream_encode_multipart,
)

if t.TYPE_CHECKING:
    from erlen.app import Erlen
    from erlen.core.ctx import RequestContext
    from erlen.tools.testing_asgi import WebSocketSession


#: The methods ``wsgiref.validate`` knows; it warns on others (WebDAV's PROPFIND, ...), which
#: an app may route all the same.
_VALIDATED_METHODS = frozenset(
    {"GET", "HEAD", "POST", "OPTIONS", "PATCH", "PUT", "DELETE", "TRACE", "CONNECT"}
)


class EnvironBuilder(testing_wsgi.EnvironBuilder):
    """Builds a WSGI environ for a request to ``app``, from test-friendly arguments.

    The base URL comes from the app's config (``SERVER_NAME``, ``APPLICATION_ROOT``,
    ``PREFERRED_URL_SCHEME``) unless ``base_url`` is given; ``subdomain`` and ``url_scheme``
    adjust it. Every other argument is the generic builder's (``query_string``, ``headers``,
    ``data``, ``json`` serialized with the app's JSON provider, ...).
    """

    def __init__(
        self,
        app: Erlen,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        self.app = app
        if base_url is None:
            parsed = urlsplit(path)
            if (subdomain or url_scheme) and parsed.netloc:
                raise ValueError("Give 'subdomain' or 'url_scheme' with a path, not a full URL.")
            server = app.config["SERVER_NAME"] or "localhost"
            scheme = url_scheme or parsed.scheme or app.config["PREFERRED_URL_SCHEME"]
            host = parsed.netloc or (f"{subdomain}.{server}" if subdomain else server)
            root = (app.config["APPLICATION_ROOT"] or "/").rstrip("/")
            base_url = f"{scheme}://{host}{root}/"
            if parsed.netloc:
                path = urlunsplit(("", "", parsed.path, parsed.query, ""))
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``json=`` data with the app's JSON provider."""
        return self.app.json.dumps(obj, **kwargs)


TestResponse = testing_wsgi.TestResponse
Cookie = testing_wsgi.Cookie


class ErlenClient(testing_wsgi.Client):
    """Sends requests to an app in process and keeps cookies like a browser.

    By default requests go through the app's WSGI entry point, checked by ``wsgiref.validate``;
    with ``asgi=True`` they go through ``app.asgi`` on an event loop the client keeps.
    ``with client:`` keeps the last request's context open after the call, so the test can read
    ``request``, ``g`` and ``session`` afterwards. ``environ_base`` is added to every request's
    environ.
    """

    __test__ = False

    #: The protocol when ``asgi`` is not given (the test suite flips it to run every HTTP test
    #: under both protocols).
    default_asgi = False

    application: Erlen

    def __init__(
        self,
        app: Erlen,
        response_wrapper: type[TestResponse] | None = None,
        use_cookies: bool = True,
        allow_subdomain_redirects: bool = False,
        *,
        validate: bool = True,
        asgi: bool | None = None,
    ) -> None:
        super().__init__(app, response_wrapper, use_cookies, allow_subdomain_redirects)
        self.validate = validate
        self.asgi = self.default_asgi if asgi is None else asgi
        self._loop: asyncio.AbstractEventLoop | None = (
            asyncio.new_event_loop() if self.asgi else None
        )
        self._preserve = False
        self._kept: list[RequestContext] = []
        self.environ_base: dict[str, t.Any] = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"erlen/{_version()}",
        }

    @property
    def app(self) -> Erlen:
        return self.application

    # requests

    def _builder(self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]) -> EnvironBuilder:
        return EnvironBuilder(self.application, *args, **kwargs)

    def _prepare_environ(self, environ: dict[str, t.Any]) -> dict[str, t.Any]:
        for key, value in self.environ_base.items():
            environ.setdefault(key, value)
        return environ

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Send a request and return the response (``get``, ``post``, ... call this)."""
        self._release()
        # The body is always read and the app's iterable closed before this returns, within
        # the test's own context: a streamed body (stream_with_context) ends there, not when
        # the garbage collector finds an unclosed response.
        return super().open(*args, buffered=True, follow_redirects=follow_redirects, **kwargs)

    def _respond(self, environ: dict[str, t.Any], buffered: bool, request: t.Any) -> TestResponse:
        if self._kept:
            self._release()
        return super()._respond(environ, buffered, request)

    def run_wsgi_app(
        self, environ: dict[str, t.Any], buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, Headers]:
        if self.asgi:
            return self._run_asgi(environ)
        if self._preserve:
            environ["erlen.preserve_context"] = self._kept.append
        if self.validate and environ.get("REQUEST_METHOD") in _VALIDATED_METHODS:
            application = self.application
            self.application = validator(application)  # type: ignore[assignment]
            try:
                return super().run_wsgi_app(environ, buffered)
            finally:
                self.application = application
        return super().run_wsgi_app(environ, buffered)

    def _run_asgi(self, environ: dict[str, t.Any]) -> tuple[t.Iterable[bytes], str, Headers]:
        from erlen.tools.testing_asgi import run_http, scope_from_environ

        self._add_cookies_to_wsgi(environ)
        if self._loop is None or self._loop.is_closed():
            self._loop = asyncio.new_event_loop()
        scope = scope_from_environ(environ)
        kept: list[RequestContext] = []
        if self._preserve:
            scope["extensions"]["erlen.preserve_context"] = kept.append
        body = environ["wsgi.input"].read()
        status, header_list, data = run_http(self.application, self._loop, scope, body)
        for ctx in kept:
            ctx.hold_token(context_var.set(ctx))
            self._kept.append(ctx)
        environ["erlen.asgi_scope"] = scope
        headers = Headers(header_list)
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "/")
        self._update_cookies_from_response(
            environ.get("HTTP_HOST", "localhost"),
            path.encode("latin-1").decode("utf-8", "replace"),
            headers,
        )
        return [data], status_line(status), headers

    def _request_for(self, environ: dict[str, t.Any]) -> t.Any:
        for ctx in self._kept:
            if ctx.request.environ is environ or ctx.request.scope is environ.get(
                "erlen.asgi_scope", False
            ):
                return ctx.request
        scope = environ.get("erlen.asgi_scope")
        if scope is not None:
            return make_scope_request(self.application, scope)
        return make_environ_request(self.application, environ)

    def websocket_connect(self, path: str = "/", **kwargs: t.Any) -> WebSocketSession:
        """Open a WebSocket to the app (always over ASGI): ``with client.websocket_connect(
        "/ws") as ws: ...``."""
        from erlen.tools.testing_asgi import WebSocketSession, scope_from_environ

        builder = EnvironBuilder(self.application, path, **kwargs)
        environ = self._prepare_environ(builder.get_environ())
        builder.close()
        self._add_cookies_to_wsgi(environ)
        return WebSocketSession(self.application, scope_from_environ(environ, "websocket"))

    @contextlib.contextmanager
    def session_transaction(self, *args: t.Any, **kwargs: t.Any) -> t.Iterator[t.Any]:
        """Read or change the session the client's next request will send::

            with client.session_transaction() as session:
                session["user_id"] = 1

        The session is opened from the client's cookies in a request context made from the
        arguments (as ``test_request_context`` takes them), and saved back into the cookie jar
        when the block ends.
        """
        if not self.use_cookies:
            raise TypeError(
                "Cookies are disabled: create the client with use_cookies=True to use sessions."
            )
        app = self.application
        builder = EnvironBuilder(app, *args, **kwargs)
        environ = self._prepare_environ(builder.get_environ())
        builder.close()
        self._add_cookies_to_wsgi(environ)
        interface = app.session_interface
        ctx = app.request_context(environ)
        with ctx:
            session = interface.open_session(app, ctx.request)
        if session is None:
            raise RuntimeError(
                "Session backend did not open a session: check the app's SECRET_KEY and its "
                "session_interface."
            )
        # The block runs outside the context, so the test's own context stays current.
        yield session
        response = app.response_class()
        if interface.is_null_session(session):
            return
        with ctx:
            ctx.session = session
            save_session(app, ctx, response)
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "/")
        self._update_cookies_from_response(
            environ.get("HTTP_HOST", "localhost"),
            path.encode("latin-1").decode("utf-8", "replace"),
            response.headers,
        )

    def close(self) -> None:
        """Release the kept context and the client's event loop."""
        self._release()
        if self._loop is not None and not self._loop.is_closed():
            self._loop.close()

    # keeping the last context

    def _release(self) -> None:
        while self._kept:
            self._kept.pop().pop()

    def __enter__(self) -> ErlenClient:
        if self._preserve:
            raise RuntimeError("Cannot nest 'with client:' blocks.")
        self._preserve = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._preserve = False
        self._release()


def _version() -> str:
    return __version__


#: Flask's name, so ``from erlen.testing import FlaskClient`` works after an import swap.
FlaskClient = ErlenClient


class ErlenCliRunner(CliRunner):
    """Runs an app's CLI commands in tests: ``app.test_cli_runner().invoke(args=["hello"])``."""

    def __init__(self, app: Erlen, **kwargs: t.Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: t.Any = None, args: t.Any = None, **kwargs: t.Any
    ) -> Result:
        """Run ``cli`` (default: ``app.cli``) with ``args``; unless ``obj`` is given, commands
        load this app rather than looking for one."""
        from erlen.tools.cli import ScriptInfo

        if "obj" not in kwargs:
            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(self.app.cli if cli is None else cli, args, **kwargs)


FlaskCliRunner = ErlenCliRunner

__all__ = [
    "Client",
    "ClientRedirectError",
    "Cookie",
    "EnvironBuilder",
    "ErlenCliRunner",
    "ErlenClient",
    "FlaskCliRunner",
    "FlaskClient",
    "TestResponse",
    "create_environ",
    "encode_multipart",
    "run_wsgi_app",
    "stream_encode_multipart",
]
