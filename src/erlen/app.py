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

import os
import sys
import types
import typing as t
from collections import abc
from datetime import timedelta

from . import signals as _signals
from .asgi import ASGIApp
from .asgi_request import scope_request_class
from .cli import AppGroup
from .concurrency import ThreadPool, async_to_sync, is_async_callable, run_coroutine_sync
from .config import DEFAULT_CONFIG, Config, ConfigAttribute, _make_timedelta
from .ctx import AppContext, RequestContext, _AppCtxGlobals
from .exceptions import (
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
    NotFound,
)
from .exceptions import (
    abort as _abort,
)
from .globals import _cv_context
from .json.provider import DefaultJSONProvider, JSONProvider
from .plan import _blueprint_names, _Plan
from .routing import BuildError, Map, RequestRedirect, Rule, WebsocketMismatch
from .scaffold import Scaffold, _endpoint_from_view_func, _setupmethod
from .security.gates import SAFE_METHODS, SecurityGates
from .sessions import SecureCookieSessionInterface, SessionInterface, open_session, save_session
from .signals import lifecycle as _signal_switch
from .templating import TemplatingMixin
from .wrappers import Request, Response
from .wrappers.response import content_type_for
from .wsgi import handle as _wsgi_handle
from .wsgi import wsgi_request_class

if t.TYPE_CHECKING:
    import logging

    from .blueprints import Blueprint
    from .testing import ErlenClient, ErlenCliRunner
    from .websocket import WebSocket
    from .wrappers.request import Limits

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
_CoroutineType = types.CoroutineType


def _app_name(import_name: str) -> str:
    if import_name == "__main__":
        filename = getattr(sys.modules["__main__"], "__file__", None)
        if filename is None:
            return "__main__"
        return os.path.splitext(os.path.basename(str(filename)))[0]
    return import_name


class Erlen(TemplatingMixin, Scaffold):
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
            from .sendfile import add_static_route

            add_static_route(self, static_host, host_matching)

    # configuration

    def make_config(self, instance_relative: bool = False) -> Config:
        root = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = os.environ.get("ERLEN_DEBUG", "").lower() in {"1", "true", "yes"}
        return self.config_class(root, defaults)

    def auto_find_instance_path(self) -> str:
        """``instance/`` beside the app's module, or beside its package folder."""
        module = sys.modules.get(self.import_name)
        if module is not None and hasattr(module, "__path__"):
            return os.path.join(os.path.dirname(self.root_path), "instance")
        return os.path.join(self.root_path, "instance")

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
            from .logging import create_logger

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
        from .globals import g

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
        from .wsgi import make_request

        self._start_serving()
        request = make_request(self, environ)
        self._route(request)
        return RequestContext(self, request)

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a made-up request; takes the test client's arguments
        (``path``, ``method``, ``data``, ``json``, ``headers``, ``query_string``, ...)."""
        from .testing import EnvironBuilder

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> ErlenClient:
        """A client that sends requests to this app in process, through the WSGI adapter
        (or the ASGI one with ``asgi=True``)."""
        from .testing import ErlenClient

        cls = self.test_client_class or ErlenClient
        return cls(self, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: t.Any) -> ErlenCliRunner:
        """A click ``CliRunner`` whose ``invoke()`` runs ``app.cli`` commands with this app."""
        from .testing import ErlenCliRunner

        cls = self.test_cli_runner_class or ErlenCliRunner
        return cls(self, **kwargs)

    def _on_app_context_pushed(self, ctx: AppContext) -> None:
        if _signal_switch.active:
            _signals.send(_signals.appcontext_pushed, self)

    def _on_app_context_popped(self, ctx: AppContext) -> None:
        if _signal_switch.active:
            _signals.send(_signals.appcontext_popped, self)

    # serving

    def _start_serving(self) -> None:
        """Freeze the setup and compute what depends only on configuration."""
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
            from .redis_sessions import interface_from_config

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
        self._got_first_request = True

    def __call__(
        self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
    ) -> t.Iterable[bytes]:
        """The WSGI entry point; it calls ``self.wsgi_app`` so middleware can wrap that."""
        return self.wsgi_app(environ, start_response)

    #: The WSGI application; wrap it to add WSGI middleware
    #: (``app.wsgi_app = Middleware(app.wsgi_app)``).
    wsgi_app = _wsgi_handle

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

    def _route(self, request: Request, websocket: bool = False) -> _Plan:
        """Match the request to its rule and return the endpoint's sync-mode plan; a routing
        failure is kept as ``request.routing_exception`` (and gets the no-endpoint plan)."""
        if request.routing_exception is not None:
            return self._plan(request, False)
        subdomain = self._subdomain(request) if self._match_domain else self._default_subdomain
        if subdomain is None:
            request.routing_exception = NotFound()
            return self._plan(request, False)
        try:
            rule, args = self.url_map.match_request(
                request.path, request.method, subdomain, websocket
            )
        except WebsocketMismatch:
            request.routing_exception = BadRequest(
                "This URL is a WebSocket endpoint: open it with a WebSocket client. The app must"
                " be served over ASGI (app.asgi), since WSGI cannot carry WebSockets."
                if not websocket
                else "This URL serves plain HTTP, not WebSockets."
            )
        except HTTPException as error:
            request.routing_exception = error
        else:
            request.url_rule = rule
            request.view_args = args
            endpoint = rule.endpoint
            plan = self._sync_plans.get(endpoint)
            if plan is not None and plan.raw_view is self.view_functions.get(endpoint):
                return plan
        return self._plan(request, False)

    def _subdomain(self, request: Request) -> str | None:
        """What the URL map matches rules against besides the path: with ``host_matching`` the
        request's host, with ``subdomain_matching`` the part of it before ``SERVER_NAME``."""
        if self.url_map.host_matching:
            return request.host.lower()
        if not self.subdomain_matching:
            return self.url_map.default_subdomain
        server_name = self.config["SERVER_NAME"]
        if not server_name:
            return self.url_map.default_subdomain
        host = request.host.lower().rsplit(":", 1)[0] if ":" in request.host else request.host
        server = server_name.lower().split(":", 1)[0]
        if host == server:
            return ""
        if host.endswith("." + server):
            return host[: -len(server) - 1]
        return None

    def _plan(self, request: Request, awaits: bool) -> _Plan:
        rule = request.url_rule
        endpoint = rule.endpoint if rule is not None else None
        plans = self._async_plans if awaits else self._sync_plans
        plan = plans.get(endpoint)
        if plan is None or (
            endpoint is not None and plan.raw_view is not self.view_functions.get(endpoint)
        ):
            plan = plans[endpoint] = _Plan(self, endpoint, awaits)
            plan.auto_options = bool(getattr(rule, "provide_automatic_options", False))
        return plan

    def _adapt_sync(self, f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        return async_to_sync(f) if is_async_callable(f) else f

    def _adapt_async(self, f: t.Callable[..., t.Any]) -> t.Callable[..., t.Awaitable[t.Any]]:
        if is_async_callable(f):
            return f
        from .concurrency import sync_to_async

        return sync_to_async(self._thread_pool, f)

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """``func`` callable from sync code (an ``async def`` runs on the thread's loop)."""
        return self._adapt_sync(func)

    async def _call(self, f: t.Callable[..., t.Any], arg: t.Any, awaits: bool) -> t.Any:
        """Call a handler looked up per request (error handlers, ``after_this_request``)."""
        if awaits:
            if is_async_callable(f):
                return await f(arg)
            return await self._thread_pool.run(f, arg)
        rv = f(arg)
        if rv.__class__ is _CoroutineType:
            return run_coroutine_sync(rv)
        return rv

    def _respond_sync(self, ctx: RequestContext, plan: _Plan) -> Response:
        """Run ``_respond`` for a sync plan: nothing in it awaits, so one ``send`` finishes it."""
        coro = self._respond(ctx, plan)
        try:
            coro.send(None)
        except StopIteration as stop:
            response: Response = stop.value
            return response
        coro.close()
        raise RuntimeError("A sync request suspended on an await; this is a bug in erlen.")

    async def _preprocess(self, ctx: RequestContext, plan: _Plan) -> t.Any:
        """``url_value_preprocessor`` functions, then ``before_request`` hooks until one returns
        a value (which then stands for the view's)."""
        request = ctx.request
        for preprocess in plan.preprocessors:
            preprocess(request.endpoint, request.view_args)
        for before in plan.before:
            rv = before()
            if plan.awaits:
                rv = await rv
            if rv is not None:
                return rv
        return None

    async def _respond(self, ctx: RequestContext, plan: _Plan) -> Response:
        """Run the request: hooks, view, error handlers, response processing."""
        request = ctx.request
        awaits = plan.awaits
        signals = _signal_switch.active
        routing_error = None
        try:
            try:
                rv = None
                if signals:
                    await _signals.emit(_signals.request_started, self, awaits)
                gates = self._gates
                if gates.trusted_hosts is not None:
                    gates.check_host(ctx)
                if plan.protect and request.method not in SAFE_METHODS:
                    gates.check_unsafe(ctx)
                if plan.before or plan.preprocessors:
                    rv = await self._preprocess(ctx, plan)
                if rv is None:
                    routing_error = request.routing_exception
                    if routing_error is not None:
                        if isinstance(routing_error, RequestRedirect):
                            self.raise_routing_exception(request)
                    elif plan.auto_options and request.method == "OPTIONS":
                        rv = self.make_default_options_response()
                    else:
                        args = request.view_args
                        if plan.request_arg is not None:
                            args = {**args, plan.request_arg: request}  # type: ignore[dict-item]
                        rv = plan.view(**args)  # type: ignore[misc,arg-type]
                        if awaits:
                            rv = await rv
                        elif rv.__class__ is _CoroutineType:
                            rv = run_coroutine_sync(rv)
            except Exception as error:
                rv = await self._handle_user_exception(error, request, awaits)
            else:
                if routing_error is not None and rv is None:
                    # Handled as a raised one would be, without the cost of raising it.
                    rv = await self._handle_user_exception(routing_error, request, awaits)
            plain_headers = self._plain_headers
            if rv.__class__ is str and plain_headers is not None:
                # The most common response, built with the security headers in one step.
                response = self.response_class._text(
                    rv.encode(), 200, self._default_content_type, plain_headers
                )
            else:
                response = self.make_response(rv)
                plain_headers = None
            if plan.after or ctx._after_request_functions or ctx._session is not None:
                response = await self._process_response(ctx, plan, response)
            if plain_headers is None and self._gates.headers is not None:
                self._gates.headers.apply(ctx, response)
            if signals:
                await _signals.emit(_signals.request_finished, self, awaits, response=response)
            return response
        except Exception as error:
            if _signals.got_request_exception.receivers:
                await _signals.emit(_signals.got_request_exception, self, awaits, exception=error)
            if self.propagate_exceptions:
                raise
            response = await self._handle_exception(error, ctx, plan)
            if self._gates.headers is not None:
                self._gates.headers.apply(ctx, response)
            return response

    async def _process_response(
        self, ctx: RequestContext, plan: _Plan, response: t.Any
    ) -> Response:
        """``after_this_request`` functions, ``after_request`` hooks (innermost blueprint first,
        the app's last), then the session is saved."""
        awaits = plan.awaits
        if ctx._after_request_functions:
            for after_this in ctx._after_request_functions:
                response = await self._call(after_this, response, awaits)
        for after in plan.after:
            response = after(response)
            if awaits:
                response = await response
        if ctx._session is not None:
            self._save_session(ctx, response)
        return t.cast(Response, response)

    async def _run_websocket(self, ctx: RequestContext, plan: _Plan) -> None:
        """Run a WebSocket handler after the hooks; a hook's return value refuses the
        connection. Errors propagate to the ASGI adapter, which closes the socket."""
        websocket = ctx.request
        if (plan.before or plan.preprocessors) and await self._preprocess(ctx, plan) is not None:
            await t.cast("WebSocket", websocket).close(1008)
            return
        if plan.view is None:
            raise RuntimeError(f"No handler is registered for endpoint {plan.endpoint!r}.")
        args = dict(websocket.view_args or {})
        if plan.request_arg is not None:
            args[plan.request_arg] = websocket
        await plan.view(**args)

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        error = request.routing_exception
        assert error is not None
        if isinstance(error, RequestRedirect):
            query = request.query_string.decode("latin-1")
            location = f"{request.root_path}{error.new_url}"
            error = RequestRedirect(f"{location}?{query}" if query else location)
        raise error

    def make_default_options_response(self) -> Response:
        """The answer to an automatic ``OPTIONS`` request: ``Allow`` lists the path's methods."""
        request = _cv_context.get().request
        assert request is not None
        adapter = self.url_map.bind(
            request.host, request.root_path or "/", subdomain=self._subdomain(request)
        )
        methods = adapter.allowed_methods(request.path)
        response = self.response_class()
        response.headers.set("Allow", ", ".join(sorted(methods)))
        return response

    # errors

    def _find_error_handler(
        self, error: BaseException, blueprints: list[str]
    ) -> t.Callable[[t.Any], t.Any] | None:
        if not self._has_error_handlers:
            return None
        exc_class, code = self._get_exc_class_and_code(type(error))
        names = (*blueprints, None)
        for c in (code, None) if code is not None else (None,):
            for name in names:
                by_code = self.error_handler_spec.get(name)
                handlers = by_code.get(c) if by_code is not None else None
                if not handlers:
                    continue
                for cls in exc_class.__mro__:
                    handler = handlers.get(cls)
                    if handler is not None:
                        return handler
        return None

    def trap_http_exception(self, error: Exception) -> bool:
        """Whether an HTTP error should propagate like any other exception (for debugging)."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(error, BadRequestKeyError):
            return True
        if trap_bad_request:
            from .exceptions import BadRequest

            return isinstance(error, BadRequest)
        return False

    async def _handle_user_exception(
        self, error: Exception, request: Request, awaits: bool
    ) -> t.Any:
        if isinstance(error, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            error.show_exception = True
        if isinstance(error, HTTPException) and not self.trap_http_exception(error):
            if error.code is None or isinstance(error, RequestRedirect):
                return error
            handler = self._find_error_handler(error, request.blueprints)
            if handler is None:
                return error
            return await self._call(handler, error, awaits)
        handler = self._find_error_handler(error, request.blueprints)
        if handler is None:
            raise error
        return await self._call(handler, error, awaits)

    async def _handle_exception(
        self, error: Exception, ctx: RequestContext, plan: _Plan
    ) -> Response:
        """Turn an unhandled exception into a 500, logged, with no detail for the client (in
        debug mode, into the debug page)."""
        ctx.unhandled_error = error
        self.log_exception(error)
        if self.debug and self.config["PROPAGATE_EXCEPTIONS"] is None:
            from .debug import debug_response

            return debug_response(self, error, ctx.request)
        server_error = InternalServerError(original_exception=error)
        handler = self._find_error_handler(server_error, ctx.request.blueprints)
        rv: t.Any = server_error
        if handler is not None:
            try:
                rv = await self._call(handler, server_error, plan.awaits)
            except Exception as handler_error:
                self.log_exception(handler_error)
                rv = server_error
        try:
            response = self.make_response(rv)
            response = await self._process_response(ctx, plan, response)
            if _signals.request_finished.receivers:
                await _signals.emit(_signals.request_finished, self, plan.awaits, response=response)
            return response
        except Exception as late_error:
            self.log_exception(late_error)
            return server_error.get_response()

    def log_exception(self, error: BaseException) -> None:
        request = _cv_context.get().request
        where = f"{request.path} [{request.method}]" if request is not None else "(no request)"
        self.logger.error(
            f"Exception on {where}", exc_info=(type(error), error, error.__traceback__)
        )

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, t.Any]
    ) -> str:
        """Give each ``url_build_error_handlers`` function a chance; re-raise if none builds."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as new_error:
                error = new_error
                continue
            if rv is not None:
                return rv
        if error is sys.exc_info()[1]:
            raise
        raise error

    # teardown

    def _has_teardown(self, ctx: RequestContext) -> bool:
        request = ctx.request
        rule = request.url_rule
        plan = self._sync_plans.get(rule.endpoint if rule is not None else None)
        funcs = plan.teardown if plan is not None else self._teardown_everything
        return bool(
            funcs
            or request._uploads
            or (ctx.owns_app_context and self.teardown_appcontext_funcs)
            or _signal_switch.active
        )

    def _teardown(self, ctx: RequestContext, error: BaseException | None) -> None:
        """End a request: ``teardown_request`` functions, uploads closed, then the app context's
        teardown if the request owned it. Costs nothing when there is nothing to do."""
        request = ctx.request
        rule = request.url_rule
        plan = self._sync_plans.get(rule.endpoint if rule is not None else None)
        funcs = plan.teardown if plan is not None else self._teardown_everything
        app_funcs = self.teardown_appcontext_funcs if ctx.owns_app_context else None
        signals = _signal_switch.active
        if not (funcs or app_funcs or request._uploads or signals):
            return
        try:
            for func in funcs:
                func(error)
            if signals:
                _signals.send(_signals.request_tearing_down, self, exc=error)
        finally:
            request._close_uploads()
            if app_funcs or (signals and ctx.owns_app_context):
                self.do_teardown_appcontext(error)

    def do_teardown_request(self, exc: BaseException | None = None) -> None:
        ctx = _cv_context.get()
        if isinstance(ctx, RequestContext):
            self._teardown(ctx, exc)

    def do_teardown_appcontext(self, exc: BaseException | None = None) -> None:
        for func in reversed(self.teardown_appcontext_funcs):
            self._adapt_sync(func)(exc)
        if _signal_switch.active:
            _signals.send(_signals.appcontext_tearing_down, self, exc=exc)

    # sessions

    def _open_session(self, request: Request) -> t.Any:
        return open_session(self, request)

    def _save_session(self, ctx: RequestContext, response: Response) -> None:
        save_session(self, ctx, response)

    # responses

    def make_response(self, rv: t.Any) -> Response:
        """Turn a view's return value into a ``Response``.

        Accepts a ``Response``, ``str``, ``bytes``, ``dict`` or ``list`` (as JSON), an iterator
        (streamed), an ``HTTPException``, or a tuple ``(body, status, headers)``,
        ``(body, status)`` or ``(body, headers)``.
        """
        cls = rv.__class__
        if cls is str:
            return self.response_class._text(rv.encode(), 200, self._default_content_type)
        if cls is dict or cls is list:
            json_provider = self.json
            if type(json_provider) is DefaultJSONProvider:
                return json_provider._response_for(rv)
            return json_provider.response(rv)
        status = headers = None
        if cls is tuple:
            length = len(rv)
            if length == 3:
                rv, status, headers = rv
            elif length == 2:
                if isinstance(rv[1], (dict, tuple, list)) or hasattr(rv[1], "items"):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError(
                    "The view function did not return a valid response tuple. The tuple must"
                    " have the form (body, status, headers), (body, status), or (body, headers)."
                )
        if rv is None:
            raise TypeError(
                f"The view function for {_current_endpoint()!r} did not return a valid response."
                " The function either returned None or ended without a return statement."
            )
        if not isinstance(rv, self.response_class):
            if isinstance(rv, HTTPException):
                rv = rv.get_response()
            elif isinstance(rv, (str, bytes, bytearray, abc.Iterator, abc.AsyncIterator)):
                rv = self.response_class(t.cast(t.Any, rv), status=status, headers=headers)
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, Response):
                rv = _convert_response(self.response_class, rv)
            else:
                raise TypeError(
                    f"The view function for {_current_endpoint()!r} did not return a valid"
                    " response. The return type must be a string, dict, list, tuple with"
                    f" headers or status, Response instance, or iterator, but it was a"
                    f" {type(rv).__name__}."
                )
        if status is not None:
            rv.status = status
        if headers:
            rv.headers.update(headers)
        return t.cast(Response, rv)

    def redirect(self, location: str, code: int = 302) -> Response:
        from .helpers import _redirect

        return _redirect(location, code, self.response_class)

    def aborter(self, code: int | Response, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        _abort(code, *args, **kwargs)

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
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """The URL of an endpoint; see ``erlen.url_for``."""
        from .helpers import build_url

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


def _current_endpoint() -> str | None:
    ctx = _cv_context.get(None)
    if ctx is None or ctx.request is None:
        return None
    return ctx.request.endpoint


def _convert_response(cls: type[Response], response: Response) -> Response:
    converted = cls(response.response, response.status_code, response.headers)
    return converted


__all__ = ["Erlen"]
