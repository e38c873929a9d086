"""``erlen.Erlen``: the application class, assembled from the layers (Flask's ``flask.app`` path).

``erlen.core.app.App`` is the sans-I/O core: registries, config, routing, dispatch, errors,
templates, sessions. ``Erlen`` adds what needs the layers above the core: the security checks
(``erlen.security``: the gates every request passes and the template helpers ``csrf_token``,
``csp_nonce`` and ``form_guard``), the servers' entry points (``app(environ, start_response)`` and
``app.wsgi_app`` for WSGI, ``app.asgi`` for ASGI, from ``erlen.adapters``) and the tools (the test
client, the CLI runner, ``app.run()`` and the debug page, from ``erlen.tools``). It is the only
module at the top of the package with code of its own; the rest there only re-export.
"""

from __future__ import annotations

import typing as t

from erlen.adapters.asgi import ASGIApp
from erlen.adapters.wsgi import handle as _wsgi_handle
from erlen.adapters.wsgi import request_context_for
from erlen.core.app import App
from erlen.core.ctx import RequestContext
from erlen.core.templating import Environment
from erlen.security.csrf import csrf_token
from erlen.security.forms import form_guard
from erlen.security.gates import SecurityGates
from erlen.security.headers import csp_nonce
from erlen.tools.debug import debug_response
from erlen.tools.serving import run_app
from erlen.tools.testing import EnvironBuilder, ErlenClient, ErlenCliRunner

if t.TYPE_CHECKING:
    from erlen.http.wrappers import Request, Response

__all__ = ["Erlen", "Flask"]


class Erlen(App):
    """A web application; ``Erlen(__name__)``. Call it as a WSGI app, or serve ``app.asgi``.

    :param import_name: the name of the app's module or package, used to find its templates,
        static files and resources.
    """

    security_gates_class = SecurityGates
    test_client_class: type[ErlenClient] | None = None
    test_cli_runner_class: type[ErlenCliRunner] | None = None

    #: The WSGI application; wrap it to add WSGI middleware
    #: (``app.wsgi_app = Middleware(app.wsgi_app)``).
    wsgi_app = _wsgi_handle

    _asgi: ASGIApp | None = None

    def __call__(
        self,
        environ: dict[str, t.Any],
        start_response: t.Callable[..., t.Any],
        send: t.Callable[..., t.Any] | None = None,
    ) -> t.Any:
        """The WSGI entry point; it calls ``self.wsgi_app`` so middleware can wrap that.

        Called with three arguments (scope, receive, send) the app is ``app.asgi`` instead, so
        an ASGI server can be given the app object itself, e.g. from a factory:
        ``uvicorn 'pkg:create_app' --factory --interface asgi3``.
        """
        if send is not None:
            return self.asgi(environ, start_response, send)
        return self.wsgi_app(environ, start_response)

    @property
    def asgi(self) -> ASGIApp:
        """This app as an ASGI 3 application: ``uvicorn module:app.asgi``."""
        if self._asgi is None:
            self._asgi = ASGIApp(self)
        return self._asgi

    def create_jinja_environment(self) -> Environment:
        """The core's environment, plus the security layer's template helpers: ``csrf_token()``,
        ``csp_nonce()`` and ``form_guard()``."""
        env = super().create_jinja_environment()
        env.globals.update(csrf_token=csrf_token, csp_nonce=csp_nonce, form_guard=form_guard)
        return env

    def debug_page(self, error: BaseException, request: Request | None) -> Response | None:
        """erlen's debug page (``erlen.tools.debug``): the traceback and the source, never a
        console."""
        if request is None:
            return None
        return debug_response(self, error, request)

    def request_context(self, environ: dict[str, t.Any]) -> RequestContext:
        """A request context for a WSGI environ."""
        return request_context_for(self, environ)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a made-up request; takes the test client's arguments
        (``path``, ``method``, ``data``, ``json``, ``headers``, ``query_string``, ...)."""
        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> ErlenClient:
        """A client that sends requests to this app in process, through the WSGI adapter
        (or the ASGI one with ``asgi=True``)."""
        cls = self.test_client_class or ErlenClient
        return cls(self, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: t.Any) -> ErlenCliRunner:
        """A click ``CliRunner`` whose ``invoke()`` runs ``app.cli`` commands with this app."""
        cls = self.test_cli_runner_class or ErlenCliRunner
        return cls(self, **kwargs)

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Serve the app for development until interrupted, as Flask's ``app.run()``; for
        ``if __name__ == "__main__": app.run()``. Never use it in production.

        ``host`` and ``port`` default to ``SERVER_NAME``'s, else 127.0.0.1 and 5000; ``debug``
        sets ``app.debug`` (else ``ERLEN_DEBUG``/``FLASK_DEBUG`` does, from the environment
        or a ``.env`` file with ``load_dotenv``). ``options`` go to
        :func:`erlen.serving.run_simple` (``use_reloader``, ``ssl_context``, ``extra_files``,
        ...). Does nothing when the ``erlen``/``flask`` command line serves the app already.
        """
        run_app(self, host, port, debug, load_dotenv, **options)


#: Flask's name for the class (``from flask.app import Flask`` under ``erlen.as_flask``).
Flask = Erlen
