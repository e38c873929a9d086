"""The application core: ``App``, what ``erlen.Erlen`` is made of besides its servers and tools.

``App`` keeps the registries (through ``Scaffold``), the config, the URL map, the JSON provider,
the session interface and the template environment, and holds a ``Dispatcher``
(``app.dispatcher``, ``dispatch.py``) that serves requests. It is sans-I/O: it never reads a WSGI
environ or an ASGI scope and never writes to a socket; the adapters (``erlen.adapters``) do, and
``erlen.app.Erlen`` joins them, the security layer and the tools to this class. Flask's public
methods live here under Flask's names (``make_response``, ``full_dispatch_request``,
``handle_exception``, ``template_filter``, ...), so a subclass can override them; each is a few
lines that call the module owning the work (``dispatch.py``, ``errors.py``, ``responses.py``,
``templating.py``), which takes the app explicitly.

How a request runs. On its first request the app freezes its setup and, per endpoint, builds a
plan: the view and the hooks that apply to it (app-wide and its blueprints', in Flask's order),
each adapted once for the mode it will run in. The request is then run by one coroutine,
``Dispatcher.respond``, whatever the protocol: in sync mode (WSGI, or an all-sync plan under ASGI,
run in a worker thread) every callable in the plan is sync, nothing is awaited and the coroutine
is driven to its end with a single ``send``; in async mode every callable is awaitable (sync ones
hop to the thread pool). So sync and async share one dispatch logic and differ only in the
awaiting.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import typing as t
from datetime import timedelta
from functools import cached_property

from erlen.core import dispatch as _dispatch
from erlen.core import errors as _errors
from erlen.core import responses as _responses
from erlen.core import templating as _templating
from erlen.core.commands import AppGroup
from erlen.core.config import DEFAULT_CONFIG, Config, ConfigAttribute, _make_timedelta
from erlen.core.ctx import AppContext, _AppCtxGlobals
from erlen.core.dispatch import Dispatcher, adapt_sync
from erlen.core.globals import g
from erlen.core.helpers import build_url, get_flashed_messages
from erlen.core.logging import create_logger
from erlen.core.plan import blueprint_names
from erlen.core.scaffold import Scaffold, _endpoint_from_view_func, _setupmethod
from erlen.core.sendfile import add_static_route
from erlen.core.sessions import DEFAULT_INTERFACE, SessionInterface
from erlen.core.templating import DispatchingJinjaLoader, Environment
from erlen.http.exceptions import Aborter, HTTPException
from erlen.http.routing import BuildError, Map, Rule
from erlen.http.wrappers import Request, Response
from erlen.json.provider import DefaultJSONProvider, JSONProvider

if t.TYPE_CHECKING:
    import logging

    from erlen.core.blueprints import Blueprint
    from erlen.security.gates import SecurityGates

__all__ = ["App"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])


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


class App(Scaffold):
    """The core of a web application; instantiate ``erlen.Erlen``, which adds the servers' entry
    points (WSGI, ``app.asgi``), the security checks, the test client and the CLI runner.

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
    session_interface: SessionInterface = DEFAULT_INTERFACE
    #: The class of ``app.aborter``, which ``abort()`` calls.
    aborter_class: type[Aborter] = Aborter
    #: The environment class ``create_jinja_environment`` instantiates.
    jinja_environment: type[Environment] = Environment
    #: Options for the Jinja environment; they take effect only if set before ``jinja_env`` is
    #: first used.
    jinja_options: dict[str, t.Any] = {}
    #: The security checks, built from the config when the app starts serving; the core only
    #: calls them (``erlen.app.Erlen`` sets ``erlen.security.gates.SecurityGates``).
    security_gates_class: type[SecurityGates]
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
        #: What serving requests needs, computed when the app starts serving (``dispatch.py``).
        self.dispatcher = Dispatcher(self)
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
        self.before_serving_funcs: list[t.Callable[[], t.Any]] = []
        self.after_serving_funcs: list[t.Callable[[], t.Any]] = []
        self._logger: logging.Logger | None = None
        if self.has_static_folder:
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
            self._logger = create_logger(self)
        return self._logger

    @property
    def got_first_request(self) -> bool:
        return self.dispatcher.started

    def _check_setup_finished(self, f_name: str) -> None:
        if self.dispatcher.started:
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

    # URLs

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Let ``url_defaults`` functions fill in values for ``url_for``."""
        names: tuple[str | None, ...] = (None, *reversed(blueprint_names(endpoint)))
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
        return build_url(self, endpoint, _anchor, _method, _scheme, _external, values)

    def create_url_adapter(self, request: Request | None) -> t.Any:
        """A ``MapAdapter`` bound to the request (or to ``SERVER_NAME`` outside one)."""
        if request is not None:
            return self.url_map.bind(
                request.host,
                request.root_path or "/",
                subdomain=self.dispatcher.subdomain(request),
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

    # templates

    @cached_property
    def jinja_env(self) -> Environment:
        """The Jinja environment, created on first use from ``jinja_options``."""
        return self.create_jinja_environment()

    def create_jinja_environment(self) -> Environment:
        """Build the environment: autoescaping by file name, the app's loader, the globals every
        template sees, and ``|tojson`` through ``app.json``."""
        env = _templating.create_environment(self)
        env.globals["get_flashed_messages"] = get_flashed_messages
        return env

    def create_global_jinja_loader(self) -> DispatchingJinjaLoader:
        """The loader over the app's and the blueprints' template folders. To change where the
        app's own templates come from, override ``jinja_loader`` instead."""
        return DispatchingJinjaLoader(self)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Whether a template escapes what it prints: True for a template from a string (no
        file name) and for HTML, XML and SVG files."""
        return _templating.select_autoescape(filename)

    @property
    def templates_auto_reload(self) -> bool:
        """Whether changed template files are reloaded: ``TEMPLATES_AUTO_RELOAD``, or ``DEBUG``
        when that is None."""
        value = self.config["TEMPLATES_AUTO_RELOAD"]
        return self.debug if value is None else bool(value)

    @templates_auto_reload.setter
    def templates_auto_reload(self, value: bool) -> None:
        self.config["TEMPLATES_AUTO_RELOAD"] = value

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add ``request`` and ``g``, then what the context processors return (the app's, then
        those of the current request's blueprints, outermost first). Values the caller passed to
        ``render_template`` win over all of them."""
        _templating.update_context(self, context)

    # registering filters, tests and globals

    @t.overload
    def template_filter(self, name: F) -> F: ...
    @t.overload
    def template_filter(self, name: str | None = None) -> t.Callable[[F], F]: ...
    @_setupmethod
    def template_filter(self, name: t.Any = None) -> t.Any:
        """Register a Jinja filter: ``@app.template_filter`` (named after the function) or
        ``@app.template_filter("name")``."""
        return _templating.decorator(self.add_template_filter, name)

    @_setupmethod
    def add_template_filter(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """Register ``f`` as the Jinja filter ``name`` (default: the function's name)."""
        self.jinja_env.filters[name or f.__name__] = f

    @t.overload
    def template_test(self, name: F) -> F: ...
    @t.overload
    def template_test(self, name: str | None = None) -> t.Callable[[F], F]: ...
    @_setupmethod
    def template_test(self, name: t.Any = None) -> t.Any:
        """Register a Jinja test (``{% if n is prime %}``): ``@app.template_test`` or
        ``@app.template_test("name")``."""
        return _templating.decorator(self.add_template_test, name)

    @_setupmethod
    def add_template_test(self, f: t.Callable[..., bool], name: str | None = None) -> None:
        """Register ``f`` as the Jinja test ``name`` (default: the function's name)."""
        self.jinja_env.tests[name or f.__name__] = f

    @t.overload
    def template_global(self, name: F) -> F: ...
    @t.overload
    def template_global(self, name: str | None = None) -> t.Callable[[F], F]: ...
    @_setupmethod
    def template_global(self, name: t.Any = None) -> t.Any:
        """Make a function callable from every template: ``@app.template_global`` or
        ``@app.template_global("name")``."""
        return _templating.decorator(self.add_template_global, name)

    @_setupmethod
    def add_template_global(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """Make ``f`` the template global ``name`` (default: the function's name)."""
        self.jinja_env.globals[name or f.__name__] = f

    # responses

    def make_response(self, rv: t.Any) -> Response:
        """Turn a view's return value into a ``Response``.

        Accepts a ``Response``, ``str``, ``bytes``, ``dict`` or ``list`` (as JSON), an iterator
        (streamed), an ``HTTPException``, or a tuple ``(body, status, headers)``,
        ``(body, status)`` or ``(body, headers)``.
        """
        return _responses.make_response(self, rv)

    def redirect(self, location: str, code: int = 302) -> Response:
        """A redirect response made with ``response_class``; ``erlen.redirect`` calls it."""
        return _responses.redirect_response(location, code, self.response_class)

    def make_aborter(self) -> Aborter:
        """The object ``abort()`` calls for this app: an ``aborter_class`` instance, whose
        ``mapping`` an app may extend with its own status codes."""
        return self.aborter_class()

    # Flask's steps of a request, for code that drives one by hand (a custom ``wsgi_app``,
    # tests, extensions); the adapters run the same steps through ``app.dispatcher``.

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """``func`` callable from sync code (an ``async def`` runs on the thread's loop)."""
        return adapt_sync(func)

    def full_dispatch_request(self) -> Response:
        """Handle the current request from start to end: the security checks, hooks, view,
        error handlers and response processing, as the server adapters do. It ends the setup
        phase, like a first request."""
        return _dispatch.full_dispatch_request(self)

    def preprocess_request(self) -> t.Any:
        """Run the ``url_value_preprocessor`` functions and ``before_request`` hooks; the first
        value a hook returns (which stands for the view's) or ``None``."""
        return _dispatch.preprocess_request(self)

    def dispatch_request(self) -> t.Any:
        """Call the view of the current request (only the view: no hooks) and return what it
        returned; a routing error is raised."""
        return _dispatch.dispatch_request(self)

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise the request's routing error; in debug mode, a redirect that would drop a
        form's data is explained instead (``FormDataRoutingRedirect``)."""
        _dispatch.raise_routing_exception(self, request)

    def make_default_options_response(self) -> Response:
        """The answer to an automatic ``OPTIONS`` request: ``Allow`` lists the path's methods."""
        return _dispatch.make_default_options_response(self)

    def process_response(self, response: Response) -> Response:
        """Run ``after_this_request`` functions and ``after_request`` hooks on ``response``
        and save the session."""
        return _dispatch.process_response(self, response)

    def finalize_request(self, rv: t.Any, from_error_handler: bool = False) -> Response:
        """Turn a view's return value into the final response: ``make_response``, then
        ``process_response``. Called for an error handler's value, a failure in the hooks is
        logged and the response goes out as it is."""
        return _dispatch.finalize_request(self, rv, from_error_handler)

    def do_teardown_request(self, exc: BaseException | None = None) -> None:
        """Run the current request's ``teardown_request`` functions."""
        _dispatch.do_teardown_request(self, exc)

    def do_teardown_appcontext(self, exc: BaseException | None = None) -> None:
        """Run the ``teardown_appcontext`` functions, last registered first."""
        _dispatch.do_teardown_appcontext(self, exc)

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether the teardown functions should not see ``error`` (never, by default)."""
        return False

    # errors

    def handle_user_exception(self, e: Exception) -> t.Any:
        """What the registered error handlers make of ``e``: their return value, ``e`` itself
        for an unhandled HTTP error; any other unhandled error is raised again."""
        return _dispatch.handle_user_exception(self, e)

    def handle_http_exception(self, e: HTTPException) -> t.Any:
        """The response an error handler registered for ``e`` makes, or ``e`` itself."""
        return _dispatch.handle_http_exception(self, e)

    def handle_exception(self, e: Exception) -> Response:
        """The 500 response for an unhandled error: logged, with the app's 500 handler (or the
        debug page in debug mode). Raises ``e`` again when exceptions propagate."""
        return _dispatch.handle_exception(self, e)

    def trap_http_exception(self, error: Exception) -> bool:
        """Whether an HTTP error should propagate like any other exception (for debugging)."""
        return _errors.trap_http_exception(self, error)

    def log_exception(self, error: BaseException) -> None:
        """Log an unhandled error, with its traceback, on ``app.logger``."""
        _errors.log_exception(self, error)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, t.Any]
    ) -> str:
        """Give each ``url_build_error_handlers`` function a chance; re-raise if none builds."""
        return _errors.handle_url_build_error(self, error, endpoint, values)

    def debug_page(self, error: BaseException, request: Request | None) -> Response | None:
        """The page an unhandled error gets in debug mode, or None for the usual 500 page;
        ``erlen.Erlen`` shows its debug page (``erlen.tools.debug``)."""
        return None

    # serving

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
