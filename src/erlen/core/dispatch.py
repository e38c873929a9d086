"""How the app serves a request: the ``Dispatcher`` each app holds, and the one dispatch coroutine.

``app.dispatcher`` keeps what depends only on configuration (the per-endpoint plans, body limits,
the security gates, the thread pool), computed by ``start()`` when the app starts serving. Its
methods are the public surface the server adapters call, in this order: ``route`` matches the
request and picks the endpoint's plan (``plan.py``); ``respond`` (or ``respond_sync``) runs the
security gates, hooks, view, error handling and response processing in one coroutine whatever the
protocol: in sync mode nothing awaits and one ``send`` finishes it, in async mode every callable
is awaited; ``teardown`` ends the request. Flask's public steps (``app.full_dispatch_request``
and the rest) are methods of the app that call the functions at the end of this module.

Nothing here reads an environ or a scope, and nothing here imports the security layer: the gates
object comes from ``app.security_gates_class`` (set by ``erlen.app.Erlen``).
"""

from __future__ import annotations

import types
import typing as t
import weakref
from urllib.parse import urljoin

from erlen.core import errors as _errors
from erlen.core import signals as _signals
from erlen.core.concurrency import (
    ThreadPool,
    adapt_sync,
    is_async_callable,
    run_coroutine_sync,
    sync_to_async,
)
from erlen.core.config import import_string
from erlen.core.ctx import RequestContext
from erlen.core.errors import FormDataRoutingRedirect
from erlen.core.globals import _cv_context
from erlen.core.plan import Plan
from erlen.core.sessions import save_session, uses_config_session
from erlen.core.signals import lifecycle as _signal_switch
from erlen.http.exceptions import BadRequest, HTTPException, NotFound
from erlen.http.routing import RequestRedirect, WebsocketMismatch
from erlen.http.status import SAFE_METHODS
from erlen.http.wrappers.response import content_type_for

if t.TYPE_CHECKING:
    from erlen.adapters.websocket import WebSocket
    from erlen.core.app import App
    from erlen.http.wrappers import Request, Response
    from erlen.http.wrappers.request import Limits
    from erlen.security.gates import SecurityGates

__all__ = [
    "SESSION_BACKENDS",
    "Dispatcher",
    "adapt_sync",
    "dispatch_request",
    "do_teardown_appcontext",
    "do_teardown_request",
    "finalize_request",
    "finish",
    "full_dispatch_request",
    "handle_exception",
    "handle_http_exception",
    "handle_user_exception",
    "make_default_options_response",
    "preprocess_request",
    "process_response",
    "raise_routing_exception",
]

_CoroutineType = types.CoroutineType

#: ``SESSION_TYPE`` values and the function (an import string) that builds their session
#: interface from the app; backends are reached only through this config, never imported here.
SESSION_BACKENDS = {"redis": "erlen.backends.redis_sessions:interface_from_config"}


class Dispatcher:
    """How one app serves requests; the app holds one as ``app.dispatcher``."""

    __slots__ = (
        "_app",
        "asgi_request_class",
        "async_plans",
        "default_content_type",
        "default_subdomain",
        "gates",
        "has_error_handlers",
        "limits",
        "match_domain",
        "plain_headers",
        "started",
        "sync_plans",
        "teardown_everything",
        "thread_pool",
        "wsgi_request_class",
    )

    def __init__(self, app: App) -> None:
        # Weakly: the app holds its dispatcher, and an app must be freed without waiting for
        # the garbage collector (Flask's test suite checks this). The request path reads the
        # app from the context instead.
        self._app = weakref.ref(app)
        #: True once the first request is being handled: the setup phase is over.
        self.started = False
        self.sync_plans: dict[str | None, Plan] = {}
        self.async_plans: dict[str | None, Plan] = {}
        #: The app's body limits: MAX_CONTENT_LENGTH, MAX_FORM_MEMORY_SIZE, MAX_FORM_PARTS.
        self.limits: Limits = (None, None, None)
        self.default_content_type = "text/html; charset=utf-8"
        self.thread_pool = ThreadPool()
        self.default_subdomain = ""
        self.match_domain = False
        self.gates: SecurityGates = app.security_gates_class({})
        #: The security headers a plain text response gets when they depend on nothing else
        #: (None when they do, for example on a per-request CSP nonce).
        self.plain_headers: list[tuple[str, str]] | None = None
        self.has_error_handlers = True
        self.teardown_everything: tuple[t.Callable[..., t.Any], ...] = ()
        #: The request classes the WSGI and ASGI adapters derive from ``app.request_class``;
        #: they fill these in (``start`` empties them, since the app's class may have changed).
        self.wsgi_request_class: t.Callable[..., Request] | None = None
        self.asgi_request_class: t.Callable[..., Request] | None = None

    @property
    def app(self) -> App:
        """The app this dispatcher serves."""
        app = self._app()
        assert app is not None, "the app of this dispatcher was freed"
        return app

    def start(self, freeze: bool = True) -> None:
        """Compute what depends only on configuration and, with ``freeze``, end the setup
        phase: the first request is being handled, so a setup method called later is an
        error."""
        if self.started:
            return
        app = self.app
        config = app.config
        self.limits = (
            config["MAX_CONTENT_LENGTH"],
            config["MAX_FORM_MEMORY_SIZE"],
            config["MAX_FORM_PARTS"],
        )
        mimetype = app.response_class.default_mimetype or "text/html"
        self.default_content_type = content_type_for(mimetype)
        self.default_subdomain = app.url_map.default_subdomain
        self.match_domain = app.subdomain_matching or app.url_map.host_matching
        self.thread_pool = ThreadPool(config.get("ASGI_THREADS"))
        self.wsgi_request_class = self.asgi_request_class = None
        self.gates = app.security_gates_class(config)
        self.teardown_everything = Plan(app, None, False).teardown
        session_type = config.get("SESSION_TYPE", "cookie")
        if session_type != "cookie" and uses_config_session(app):
            backend = SESSION_BACKENDS.get(session_type)
            if backend is not None:
                chosen = import_string(backend)(app)
                if chosen is not None:
                    app.session_interface = chosen
        self.has_error_handlers = any(
            handlers for by_code in app.error_handler_spec.values() for handlers in by_code.values()
        )
        headers = self.gates.headers
        self.plain_headers = [] if headers is None else headers.pairs if headers.is_static else None
        if freeze:
            # Plans built for contexts made during setup may predate hooks added since.
            self.sync_plans.clear()
            self.async_plans.clear()
        self.started = freeze

    def adapt_async(self, f: t.Callable[..., t.Any]) -> t.Callable[..., t.Awaitable[t.Any]]:
        """``f`` awaitable: a sync callable hops to the app's thread pool."""
        if is_async_callable(f):
            return f
        return sync_to_async(self.thread_pool, f)

    def route(self, request: Request, websocket: bool = False) -> Plan:
        """Match the request to its rule and return the endpoint's sync-mode plan; a routing
        failure is kept as ``request.routing_exception`` (and gets the no-endpoint plan)."""
        # PERF: the weak reference called directly, not through the ``app`` property (route runs
        # on every request; benchmarks/instructions.py wsgi hello).
        app: App = self._app()  # type: ignore[assignment]
        if request.routing_exception is not None:
            return self.plan(request, False)
        subdomain = self.subdomain(request) if self.match_domain else self.default_subdomain
        if subdomain is None:
            request.routing_exception = NotFound()
            return self.plan(request, False)
        try:
            rule, args = app.url_map.match_request(
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
        except Exception as error:
            # A bug in a custom converter: let it reach the view's place in respond, where it
            # is logged and becomes a 500 (or propagates in testing), like any other error.
            request.routing_exception = error  # type: ignore[assignment]
        else:
            request.url_rule = rule
            request.view_args = args
            if request.method == "HEAD" and rule.head_as_get:
                # HEAD is GET without the body: the view, its hooks and its checks see a GET,
                # so code written as "if GET: show, else: write" never writes on a HEAD. The
                # adapters still leave the body out.
                request.__dict__["_received_method"] = "HEAD"
                request.method = "GET"
            endpoint = rule.endpoint
            plan = self.sync_plans.get(endpoint)
            if plan is None or plan.raw_view is not app.view_functions.get(endpoint):
                plan = self.plan(request, False)
            if plan.body_limits is not None:
                request._limits = plan.body_limits
            return plan
        return self.plan(request, False)

    def subdomain(self, request: Request) -> str | None:
        """What the URL map matches rules against besides the path: with ``host_matching`` the
        request's host, with ``subdomain_matching`` the part of it before ``SERVER_NAME``."""
        app = self.app
        if app.url_map.host_matching:
            return request.host.lower()
        if not app.subdomain_matching:
            return app.url_map.default_subdomain
        server_name = app.config["SERVER_NAME"]
        if not server_name:
            return app.url_map.default_subdomain
        host = request.host.lower().rsplit(":", 1)[0] if ":" in request.host else request.host
        server = server_name.lower().split(":", 1)[0]
        if host == server:
            return ""
        if host.endswith("." + server):
            return host[: -len(server) - 1]
        return None

    def plan(self, request: Request, awaits: bool) -> Plan:
        """The endpoint's plan for the mode (sync, or awaiting), built on first use and kept."""
        # PERF: the weak reference called directly, as in ``route``: the async plan is looked
        # up on every async request (benchmarks/instructions.py asgi hello).
        app: App = self._app()  # type: ignore[assignment]
        rule = request.url_rule
        endpoint = rule.endpoint if rule is not None else None
        plans = self.async_plans if awaits else self.sync_plans
        plan = plans.get(endpoint)
        if plan is None or (
            endpoint is not None and plan.raw_view is not app.view_functions.get(endpoint)
        ):
            plan = plans[endpoint] = Plan(app, endpoint, awaits)
            plan.auto_options = bool(getattr(rule, "provide_automatic_options", False))
        return plan

    async def call(self, f: t.Callable[..., t.Any], arg: t.Any, awaits: bool) -> t.Any:
        """Call a handler looked up per request (error handlers, ``after_this_request``)."""
        if awaits:
            if is_async_callable(f):
                return await f(arg)
            return await self.thread_pool.run(f, arg)
        rv = f(arg)
        if rv.__class__ is _CoroutineType:
            return run_coroutine_sync(rv)
        return rv

    def respond_sync(self, ctx: RequestContext, plan: Plan) -> Response:
        """Run ``respond`` for a sync plan: nothing in it awaits, so one ``send`` finishes it."""
        return t.cast("Response", finish(self.respond(ctx, plan)))

    async def preprocess(self, ctx: RequestContext, plan: Plan) -> t.Any:
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

    async def respond(self, ctx: RequestContext, plan: Plan) -> Response:
        """Run the request: hooks, view, error handlers, response processing."""
        app = ctx.app
        request = ctx.request
        awaits = plan.awaits
        signals = _signal_switch.active
        routing_error = None
        try:
            try:
                rv = None
                if signals:
                    await _signals.emit(_signals.request_started, app, awaits)
                gates = self.gates
                # PERF: the gates are called only when one of them applies, two attribute
                # tests instead of a call a request (benchmarks/instructions.py wsgi hello).
                if gates.trusted_hosts is not None or (
                    plan.protect and request.method not in SAFE_METHODS
                ):
                    gates.check_request(ctx, plan.protect)
                if plan.before or plan.preprocessors:
                    rv = await self.preprocess(ctx, plan)
                if rv is None:
                    routing_error = request.routing_exception
                    if routing_error is not None:
                        if isinstance(routing_error, RequestRedirect):
                            app.raise_routing_exception(request)
                    elif plan.auto_options and request.method == "OPTIONS":
                        rv = app.make_default_options_response()
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
                rv = await _errors.handle_user_exception(self, error, request, awaits)
            else:
                if routing_error is not None and rv is None:
                    # PERF: handled as a raised one would be, without raising and catching it
                    # (benchmarks/instructions.py wsgi not-found).
                    rv = await _errors.handle_user_exception(self, routing_error, request, awaits)
            plain_headers = self.plain_headers
            if rv.__class__ is str and plain_headers is not None:
                # PERF: the most common response, built with the security headers in one step
                # instead of make_response then SecurityHeaders.apply (benchmarks/instructions.py
                # wsgi hello).
                response = app.response_class._text(
                    rv.encode(), 200, self.default_content_type, plain_headers
                )
            else:
                response = app.make_response(rv)
                plain_headers = None
            # PERF: response processing is skipped when nothing would run in it
            # (benchmarks/instructions.py wsgi hello).
            if plan.after or ctx._after_request_functions or ctx._session is not None:
                response = await self.process_response(ctx, plan, response)
            if plain_headers is None and self.gates.headers is not None:
                self.gates.headers.apply(ctx, response)
            if signals:
                await _signals.emit(_signals.request_finished, app, awaits, response=response)
            return response
        except Exception as error:
            if _signals.got_request_exception.receivers:
                await _signals.emit(_signals.got_request_exception, app, awaits, exception=error)
            if app.propagate_exceptions:
                raise
            response = await _errors.handle_exception(self, error, ctx, plan)
            if self.gates.headers is not None:
                self.gates.headers.apply(ctx, response)
            return response

    async def process_response(self, ctx: RequestContext, plan: Plan, response: t.Any) -> Response:
        """``after_this_request`` functions, ``after_request`` hooks (innermost blueprint first,
        the app's last), then the session is saved."""
        app = ctx.app
        awaits = plan.awaits
        if ctx._after_request_functions:
            for after_this in ctx._after_request_functions:
                response = await self.call(after_this, response, awaits)
        for after in plan.after:
            response = after(response)
            if awaits:
                response = await response
        if ctx._session is not None:
            save_session(app, ctx, response)
        result: Response = response
        return result

    async def run_websocket(self, ctx: RequestContext, plan: Plan) -> None:
        """Run a WebSocket handler after the hooks; a hook's return value refuses the
        connection. Errors propagate to the ASGI adapter, which closes the socket."""
        websocket = ctx.request
        if (plan.before or plan.preprocessors) and await self.preprocess(ctx, plan) is not None:
            await t.cast("WebSocket", websocket).close(1008)
            return
        if plan.view is None:
            raise RuntimeError(f"No handler is registered for endpoint {plan.endpoint!r}.")
        args = dict(websocket.view_args or {})
        if plan.request_arg is not None:
            args[plan.request_arg] = websocket
        await plan.view(**args)

    def current(self) -> tuple[RequestContext, Plan]:
        ctx = _cv_context.get(None)
        if not isinstance(ctx, RequestContext):
            raise RuntimeError(
                "This needs a request context: call it inside `with app.test_request_context():`"
                " or `with app.request_context(environ):`."
            )
        return ctx, self.plan(ctx.request, False)

    # teardown

    def teardown_funcs(self, ctx: RequestContext) -> tuple[t.Callable[..., t.Any], ...]:
        """The ``teardown_request`` functions of the request's endpoint (all of them when it
        matched none), innermost blueprint first."""
        rule = ctx.request.url_rule
        plan = self.sync_plans.get(rule.endpoint if rule is not None else None)
        return plan.teardown if plan is not None else self.teardown_everything

    def has_teardown(self, ctx: RequestContext) -> bool:
        app = ctx.app
        return bool(
            self.teardown_funcs(ctx)
            or ctx.request._uploads
            or (ctx.owns_app_context and app.teardown_appcontext_funcs)
            or _signal_switch.active
        )

    def teardown(self, ctx: RequestContext, error: BaseException | None) -> None:
        """End a request: ``teardown_request`` functions, uploads closed, then the app context's
        teardown if the request owned it. Costs nothing when there is nothing to do."""
        app = ctx.app
        request = ctx.request
        funcs = self.teardown_funcs(ctx)
        app_funcs = app.teardown_appcontext_funcs if ctx.owns_app_context else None
        signals = _signal_switch.active
        if not (funcs or app_funcs or request._uploads or signals):
            return
        try:
            for func in funcs:
                func(error)
            if signals:
                _signals.send(_signals.request_tearing_down, app, exc=error)
        finally:
            request._close_uploads()
            if app_funcs or (signals and ctx.owns_app_context):
                app.do_teardown_appcontext(error)


def finish(coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
    """The result of one of dispatch's coroutines in sync mode, where nothing awaits."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("A sync dispatch step suspended on an await; this is a bug in erlen.")


# Flask's public steps, for code that drives a request by hand (a custom wsgi_app, tests,
# extensions); the app's methods of the same names call these. Each runs in the current request
# context, in sync mode.


def raise_routing_exception(app: App, request: Request) -> t.NoReturn:
    error = request.routing_exception
    assert error is not None
    if isinstance(error, RequestRedirect):
        query = request.query_string.decode("latin-1")
        location = f"{request.root_path}{error.new_url}"
        error = RequestRedirect(f"{location}?{query}" if query else location)
        if (
            app.debug
            and error.code not in (307, 308)
            and request.method not in ("GET", "HEAD", "OPTIONS")
        ):
            # A 301/302 makes the browser drop the form: say so while developing.
            request.routing_exception = RequestRedirect(urljoin(request.url, error.new_url))
            raise FormDataRoutingRedirect(request)
    raise error


def make_default_options_response(app: App) -> Response:
    """The answer to an automatic ``OPTIONS`` request: ``Allow`` lists the path's methods."""
    request = _cv_context.get().request
    assert request is not None
    adapter = app.url_map.bind(
        request.host, request.root_path or "/", subdomain=app.dispatcher.subdomain(request)
    )
    methods = adapter.allowed_methods(request.path)
    response = app.response_class()
    response.headers.set("Allow", ", ".join(sorted(methods)))
    return response


def full_dispatch_request(app: App) -> Response:
    """Handle the current request from start to end: the security checks, hooks, view,
    error handlers and response processing, as the server adapters do. It ends the setup
    phase, like a first request."""
    dispatcher = app.dispatcher
    dispatcher.start()
    ctx, plan = dispatcher.current()
    return dispatcher.respond_sync(ctx, plan)


def preprocess_request(app: App) -> t.Any:
    """Run the ``url_value_preprocessor`` functions and ``before_request`` hooks; the first
    value a hook returns (which stands for the view's) or ``None``."""
    dispatcher = app.dispatcher
    ctx, plan = dispatcher.current()
    return finish(dispatcher.preprocess(ctx, plan))


def dispatch_request(app: App) -> t.Any:
    """Call the view of the current request (only the view: no hooks) and return what it
    returned; a routing error is raised."""
    ctx, plan = app.dispatcher.current()
    request = ctx.request
    if request.routing_exception is not None:
        app.raise_routing_exception(request)
    if plan.auto_options and request.method == "OPTIONS":
        return app.make_default_options_response()
    rule = request.url_rule
    assert rule is not None
    args = dict(request.view_args or {})
    if plan.request_arg is not None:
        args[plan.request_arg] = request
    return app.ensure_sync(app.view_functions[rule.endpoint])(**args)


def process_response(app: App, response: Response) -> Response:
    """Run ``after_this_request`` functions and ``after_request`` hooks on ``response``
    and save the session."""
    dispatcher = app.dispatcher
    ctx, plan = dispatcher.current()
    return t.cast("Response", finish(dispatcher.process_response(ctx, plan, response)))


def finalize_request(app: App, rv: t.Any, from_error_handler: bool = False) -> Response:
    """Turn a view's return value into the final response: ``make_response``, then
    ``process_response``. Called for an error handler's value, a failure in the hooks is
    logged and the response goes out as it is."""
    response = app.make_response(rv)
    try:
        response = app.process_response(response)
        if _signals.request_finished.receivers:
            _signals.send(_signals.request_finished, app, response=response)
    except Exception as error:
        if not from_error_handler:
            raise
        app.log_exception(error)
    return response


def handle_user_exception(app: App, e: Exception) -> t.Any:
    """What the registered error handlers make of ``e``: their return value, ``e`` itself
    for an unhandled HTTP error; any other unhandled error is raised again."""
    dispatcher = app.dispatcher
    ctx, _ = dispatcher.current()
    return finish(_errors.handle_user_exception(dispatcher, e, ctx.request, False))


def handle_http_exception(app: App, e: HTTPException) -> t.Any:
    """The response an error handler registered for ``e`` makes, or ``e`` itself."""
    if e.code is None or isinstance(e, RequestRedirect):
        return e
    dispatcher = app.dispatcher
    ctx, _ = dispatcher.current()
    handler = _errors.find_error_handler(dispatcher, e, ctx.request.blueprints)
    if handler is None:
        return e
    return app.ensure_sync(handler)(e)


def handle_exception(app: App, e: Exception) -> Response:
    """The 500 response for an unhandled error: logged, with the app's 500 handler (or the
    debug page in debug mode). Raises ``e`` again when exceptions propagate."""
    if app.propagate_exceptions:
        raise e
    dispatcher = app.dispatcher
    ctx, plan = dispatcher.current()
    return t.cast("Response", finish(_errors.handle_exception(dispatcher, e, ctx, plan)))


def should_ignore_error(app: App, error: BaseException | None) -> bool:
    """Whether the teardown functions should not see ``error`` (never, by default)."""
    return False


def do_teardown_request(app: App, exc: BaseException | None = None) -> None:
    ctx = _cv_context.get()
    if isinstance(ctx, RequestContext):
        app.dispatcher.teardown(ctx, exc)


def do_teardown_appcontext(app: App, exc: BaseException | None = None) -> None:
    for func in reversed(app.teardown_appcontext_funcs):
        adapt_sync(func)(exc)
    if _signal_switch.active:
        _signals.send(_signals.appcontext_tearing_down, app, exc=exc)
