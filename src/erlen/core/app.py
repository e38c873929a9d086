"""The application object: ``Erlen(__name__)``.

``Erlen`` coordinates: it keeps the registries (through ``Scaffold``), the config and the URL map,
and turns one ``Request`` into one ``Response``. It is sans-I/O: it never reads a WSGI environ or
an ASGI scope (``wsgi.py`` and ``asgi.py`` do) and never writes to a socket.

How a request runs. On its first request the app freezes its setup and, per endpoint, builds a
plan: the view and the hooks that apply to it (app-wide and its blueprints', in Flask's order),
each adapted once for the mode it will run in. The request is then run by one coroutine,
``_respond``, whatever the protocol: in sync mode (WSGI, or an all-sync plan under ASGI, run in a
worker thread) every callable in the plan is sync, nothing is awaited and the coroutine is driven
to its end with a single ``send``; in async mode every callable is awaitable (sync ones hop to the
thread pool). So sync and async share one dispatch logic and differ only in the awaiting.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types
import typing as t
from datetime import timedelta

from erlen.adapters.asgi import ASGIApp
from erlen.adapters.asgi_request import scope_request_class
from erlen.adapters.wsgi import handle as _wsgi_handle
from erlen.adapters.wsgi import wsgi_request_class
from erlen.core import signals as _signals
from erlen.core.concurrency import ThreadPool
from erlen.core.config import DEFAULT_CONFIG, Config, ConfigAttribute, _make_timedelta
from erlen.core.ctx import AppContext, RequestContext, _AppCtxGlobals
from erlen.core.dispatch import DispatchMixin
from erlen.core.errors import ErrorsMixin
from erlen.core.plan import _blueprint_names, _Plan
from erlen.core.responses import ResponsesMixin
from erlen.core.scaffold import Scaffold, _endpoint_from_view_func, _setupmethod
from erlen.core.sessions import (
    SecureCookieSessionInterface,
    SessionInterface,
    open_session,
    save_session,
)
from erlen.core.signals import lifecycle as _signal_switch
from erlen.core.templating import TemplatingMixin
from erlen.http.routing import Map, Rule
from erlen.http.wrappers import Request, Response
from erlen.http.wrappers.response import content_type_for
from erlen.json.provider import DefaultJSONProvider, JSONProvider
from erlen.security.gates import SecurityGates
from erlen.tools.cli import AppGroup

if t.TYPE_CHECKING:
    import logging

    from erlen.core.blueprints import Blueprint
    from erlen.http.wrappers.request import Limits
    from erlen.tools.testing import ErlenClient, ErlenCliRunner

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
_CoroutineType = types.CoroutineType


def _package_folder(import_name: str) -> str | None:
    """The folder that holds the module, or the top-level package, ``import_name`` is in;
    for a namespace package, the part of it that holds ``import_name``."""
    top, _, rest = import_name.partition(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    locations = list(spec.submodule_search_locations or ())
    if not locations:
        return os.path.dirname(os.path.abspath(spec.origin)) if spec.origin else None
    if spec.origin not in (None, "namespace"):
        return os.path.dirname(os.path.dirname(os.path.abspath(spec.origin)))
    child = rest.partition(".")[0]
    for location in locations:
        if child and (
            os.path.isdir(os.path.join(location, child))
            or os.path.isfile(os.path.join(location, f"{child}.py"))
        ):
            return os.path.dirname(os.path.abspath(location))
    return os.path.dirname(os.path.abspath(locations[0]))


def _install_prefix(folder: str) -> str | None:
    """The Python prefix ``folder`` is installed under: ``sys.prefix`` when it is inside it,
    the prefix a ``site-packages`` folder belongs to (``<prefix>/lib/pythonX.Y/site-packages``,
    ``<prefix>/lib/site-packages``), or ``None`` for a project's own folder."""
    prefix = os.path.abspath(sys.prefix)
    if os.path.commonpath([prefix, folder]) == prefix:
        return prefix
    parent, name = os.path.split(folder)
    if name.lower() != "site-packages":
        return None
    above, folder_name = os.path.split(parent)
    if folder_name.lower() == "lib":
        return above
    if os.path.basename(above).lower() == "lib":
        return os.path.dirname(above)
    return parent


def _app_name(import_name: str) -> str:
    if import_name == "__main__":
        filename = getattr(sys.modules["__main__"], "__file__", None)
        if filename is None:
            return "__main__"
        return os.path.splitext(os.path.basename(str(filename)))[0]
    return import_name


class Erlen(DispatchMixin, ErrorsMixin, ResponsesMixin, TemplatingMixin, Scaffold):
    """A web application; ``Erlen(__name__)``. Call it as a WSGI app, or serve ``app.asgi``.

    Its template methods (``jinja_env``, ``template_filter``, ...) come from ``TemplatingMixin``
    in ``templating.py``.

    :param import_name: the name of the app's module or package, used to find its templates,
        static files and resources.
    """

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    url_rule_class: type[Rule] = Rule
    url_map_class: type[Map] = Map
    config_class: type[Config] = Config
    app_ctx_globals_class: type[_AppCtxGlobals] = _AppCtxGlobals
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    session_interface: SessionInterface = SecureCookieSessionInterface()
    test_client_class: type[ErlenClient] | None = None
    test_cli_runner_class: type[ErlenCliRunner] | None = None
    default_config = DEFAULT_CONFIG

    testing = ConfigAttribute[bool]("TESTING")
    secret_key = ConfigAttribute["str | bytes | None"]("SECRET_KEY")
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME", get_converter=_make_timedelta
    )

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        self.name = _app_name(import_name)
        if instance_path is not None and not os.path.isabs(instance_path):
            raise ValueError("If an instance path is provided it must be absolute.")
        self.instance_path = instance_path or self.auto_find_instance_path()
        self.config = self.make_config(instance_relative_config)
        self.json: JSONProvider = self.json_provider_class(self)
        self.aborter = self.make_aborter()
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        self.static_host = static_host
        self.extensions: dict[str, t.Any] = {}
        self.blueprints: dict[str, Blueprint] = {}
        self.teardown_appcontext_funcs: list[t.Callable[[BaseException | None], t.Any]] = []
        self.shell_context_processors: list[t.Callable[[], dict[str, t.Any]]] = []
        #: The app's own commands for the ``erlen`` command line: ``@app.cli.command()``.
        self.cli: AppGroup = AppGroup(self.name)
        self.url_build_error_handlers: list[
            t.Callable[[Exception, str, dict[str, t.Any]], str]
        ] = []
        self._got_first_request = False
        self._sync_plans: dict[str | None, _Plan] = {}
        self._async_plans: dict[str | None, _Plan] = {}
        self._limits: Limits = (None, None, None)
        self._default_content_type = "text/html; charset=utf-8"
        self._thread_pool = ThreadPool()
        self._default_subdomain = ""
        self._match_domain = False
        self._gates = SecurityGates({})
        self._plain_headers: list[tuple[str, str]] | None = None
        self._has_error_handlers = True
        self._wsgi_request_class = wsgi_request_class(self.request_class)
        self._asgi_request_class = scope_request_class(self.request_class)
        self._teardown_everything: tuple[t.Callable[..., t.Any], ...] = ()
        self._asgi: ASGIApp | None = None
        self.before_serving_funcs: list[t.Callable[[], t.Any]] = []
        self.after_serving_funcs: list[t.Callable[[], t.Any]] = []
        self._logger: logging.Logger | None = None
        if self.has_static_folder:
            from erlen.core.sendfile import add_static_route

            add_static_route(self, static_host, host_matching)

    # configuration

    def make_config(self, instance_relative: bool = False) -> Config:
        root = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = os.environ.get("ERLEN_DEBUG", "").lower() in {"1", "true", "yes"}
        return self.config_class(root, defaults)

    def auto_find_instance_path(self) -> str:
        """``instance/`` beside the app's module or top-level package; for one installed under
        the Python prefix (site-packages), ``<prefix>/var/<name>-instance`` (as in Flask)."""
        folder = os.path.abspath(_package_folder(self.import_name) or self.root_path)
        prefix = _install_prefix(folder)
        if prefix is not None:
            return os.path.join(prefix, "var", f"{self.name}-instance")
        return os.path.join(folder, "instance")

    def open_instance_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = "utf-8"
    ) -> t.IO[t.Any]:
        """Open a file in the instance folder, for reading or writing."""
        path = os.path.join(self.instance_path, resource)
        if "b" in mode:
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    @property
    def debug(self) -> bool:
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value

    @property
    def propagate_exceptions(self) -> bool:
        """Whether an unhandled exception leaves the app (to the test or the server) instead of
        becoming a 500: ``PROPAGATE_EXCEPTIONS``, else ``TESTING``. (In debug mode, where Flask
        propagates to Werkzeug's debugger, erlen shows its debug page instead: ``debug.py``.)"""
        value = self.config["PROPAGATE_EXCEPTIONS"]
        if value is not None:
            return bool(value)
        return self.testing

    @property
    def logger(self) -> logging.Logger:
        """A ``logging`` logger named after the app."""
        if self._logger is None:
            from erlen.core.logging import create_logger

            self._logger = create_logger(self)
        return self._logger

    @property
    def got_first_request(self) -> bool:
        return self._got_first_request

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the application. It has"
                " already handled its first request, so a change now would not apply"
                " consistently. Do all set-up (imports, routes, hooks, blueprints) before the app"
                " serves requests."
            )

    # registration

    @_setupmethod
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Connect a URL rule to an endpoint (and, if given, the view function for it)."""
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)  # type: ignore[arg-type]
        options["endpoint"] = endpoint
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                "Allowed methods must be a list of strings, for example: @app.route(...,"
                ' methods=["POST"])'
            )
        methods = {method.upper() for method in methods}
        required = set(getattr(view_func, "required_methods", ()))
        if provide_automatic_options is None:
            provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
        if provide_automatic_options is None:
            provide_automatic_options = (
                "OPTIONS" not in methods and self.config["PROVIDE_AUTOMATIC_OPTIONS"]
            )
        if provide_automatic_options:
            required.add("OPTIONS")
        rule_obj = self.url_rule_class(rule, methods=methods | required, **options)
        rule_obj.provide_automatic_options = provide_automatic_options  # type: ignore[attr-defined]
        self.url_map.add(rule_obj)
        if view_func is not None:
            old = self.view_functions.get(endpoint)
            if old is not None and old != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing endpoint function:"
                    f" {endpoint}"
                )
            self.view_functions[endpoint] = view_func

    @_setupmethod
    def teardown_appcontext(self, f: F) -> F:
        """Run ``f(error)`` when the application context ends."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @_setupmethod
    def shell_context_processor(self, f: F) -> F:
        self.shell_context_processors.append(f)
        return f

    def make_shell_context(self) -> dict[str, t.Any]:
        """The names ``erlen shell`` starts with: ``app``, ``g`` and the shell context
        processors' (later ones win)."""
        from erlen.core.globals import g

        namespace: dict[str, t.Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            namespace.update(processor())
        return namespace

    @_setupmethod
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Add a blueprint's routes, hooks and handlers to the app. Options override the
        blueprint's: ``url_prefix``, ``subdomain``, ``url_defaults``, and ``name`` (to register
        one blueprint twice); the rest reach its ``record`` functions."""
        blueprint.register(self, options)

    def iter_blueprints(self) -> t.ValuesView[Blueprint]:
        """The registered blueprints, in the order they were registered."""
        return self.blueprints.values()

    # contexts

    def app_context(self) -> AppContext:
        """An application context: ``with app.app_context(): ...``."""
        return AppContext(self)

    def request_context(self, environ: dict[str, t.Any]) -> RequestContext:
        """A request context for a WSGI environ."""
        if not self._got_first_request:
            # As in Flask, a context made before the first request (a test, a script) does not
            # end the setup phase: the app's settings are read afresh for it.
            self._start_serving(freeze=False)
        request = self._wsgi_request_class(environ, self._limits)
        self._route(request)
        return RequestContext(self, request)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a made-up request; takes the test client's arguments
        (``path``, ``method``, ``data``, ``json``, ``headers``, ``query_string``, ...)."""
        from erlen.tools.testing import EnvironBuilder

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> ErlenClient:
        """A client that sends requests to this app in process, through the WSGI adapter
        (or the ASGI one with ``asgi=True``)."""
        from erlen.tools.testing import ErlenClient

        cls = self.test_client_class or ErlenClient
        return cls(self, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: t.Any) -> ErlenCliRunner:
        """A click ``CliRunner`` whose ``invoke()`` runs ``app.cli`` commands with this app."""
        from erlen.tools.testing import ErlenCliRunner

        cls = self.test_cli_runner_class or ErlenCliRunner
        return cls(self, **kwargs)

    def _on_app_context_pushed(self, ctx: AppContext) -> None:
        if _signal_switch.active:
            _signals.send(_signals.appcontext_pushed, self)

    def _on_app_context_popped(self, ctx: AppContext) -> None:
        if _signal_switch.active:
            _signals.send(_signals.appcontext_popped, self)

    # serving

    def _start_serving(self, freeze: bool = True) -> None:
        """Compute what depends only on configuration and, with ``freeze``, end the setup
        phase: the first request is being handled, so a setup method called later is an
        error."""
        if self._got_first_request:
            return
        config = self.config
        self._limits = (
            config["MAX_CONTENT_LENGTH"],
            config["MAX_FORM_MEMORY_SIZE"],
            config["MAX_FORM_PARTS"],
        )
        mimetype = self.response_class.default_mimetype or "text/html"
        self._default_content_type = content_type_for(mimetype)
        self._default_subdomain = self.url_map.default_subdomain
        self._match_domain = self.subdomain_matching or self.url_map.host_matching
        self._thread_pool = ThreadPool(config.get("ASGI_THREADS"))
        self._wsgi_request_class = wsgi_request_class(self.request_class)
        self._asgi_request_class = scope_request_class(self.request_class)
        self._teardown_everything = _Plan(self, None, False).teardown
        self._gates = SecurityGates(config)
        if config.get("SESSION_TYPE", "cookie") != "cookie" and (
            self.session_interface is Erlen.session_interface
        ):
            from erlen.backends.redis_sessions import interface_from_config

            chosen = interface_from_config(self)
            if chosen is not None:
                self.session_interface = chosen
        self._has_error_handlers = any(
            handlers
            for by_code in self.error_handler_spec.values()
            for handlers in by_code.values()
        )
        headers = self._gates.headers
        #: The security headers a plain text response gets, when they depend on nothing else.
        self._plain_headers = (
            [] if headers is None else headers.pairs if headers.is_static else None
        )
        if freeze:
            # Plans built for contexts made during setup may predate hooks added since.
            self._sync_plans.clear()
            self._async_plans.clear()
        self._got_first_request = freeze

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

    #: The WSGI application; wrap it to add WSGI middleware
    #: (``app.wsgi_app = Middleware(app.wsgi_app)``).
    wsgi_app = _wsgi_handle

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
        :func:`erlen.tools.serving.run_simple` (``use_reloader``, ``ssl_context``, ``extra_files``,
        ...). Does nothing when the ``erlen``/``flask`` command line serves the app already.
        """
        from erlen.tools.serving import run_app

        run_app(self, host, port, debug, load_dotenv, **options)

    @property
    def asgi(self) -> ASGIApp:
        """This app as an ASGI 3 application: ``uvicorn module:app.asgi``."""
        if self._asgi is None:
            self._asgi = ASGIApp(self)
        return self._asgi

    @_setupmethod
    def before_serving(self, f: F) -> F:
        """Run ``f()`` (sync or async) once when an ASGI server starts, before any request; an
        error in it makes the server refuse to start. An app context is pushed."""
        self.before_serving_funcs.append(f)
        return f

    @_setupmethod
    def after_serving(self, f: F) -> F:
        """Run ``f()`` (sync or async) once when an ASGI server shuts down."""
        self.after_serving_funcs.append(f)
        return f

    # sessions

    def _open_session(self, request: Request) -> t.Any:
        return open_session(self, request)

    def _save_session(self, ctx: RequestContext, response: Response) -> None:
        save_session(self, ctx, response)

    # URLs

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Let ``url_defaults`` functions fill in values for ``url_for``."""
        names: tuple[str | None, ...] = (None, *reversed(_blueprint_names(endpoint)))
        for name in names:
            for func in self.url_default_functions.get(name, ()):
                func(endpoint, values)

    def url_for(
        self,
        endpoint: str,
        /,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """The URL of an endpoint; see ``erlen.url_for``."""
        from erlen.core.helpers import build_url

        return build_url(self, endpoint, _anchor, _method, _scheme, _external, values)

    def create_url_adapter(self, request: Request | None) -> t.Any:
        """A ``MapAdapter`` bound to the request (or to ``SERVER_NAME`` outside one)."""
        if request is not None:
            return self.url_map.bind(
                request.host,
                request.root_path or "/",
                subdomain=self._subdomain(request),
                url_scheme=request.scheme,
            )
        server_name = self.config["SERVER_NAME"]
        if server_name is None:
            return None
        return self.url_map.bind(
            server_name,
            self.config["APPLICATION_ROOT"],
            url_scheme=self.config["PREFERRED_URL_SCHEME"],
        )


#: Flask's name for the class (``from flask.app import Flask`` under ``erlen.tools.as_flask``).
Flask = Erlen

__all__ = ["Erlen", "Flask"]
