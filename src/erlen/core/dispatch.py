"""How the app serves a request: routing to a plan, the one dispatch coroutine, teardown.

This is the request lifecycle of ``Erlen``, mixed into it. ``_route`` matches the request and
picks the endpoint's plan (see ``plan.py``); ``_respond`` runs the security gates, hooks, view,
error handling and response processing in one coroutine whatever the protocol: in sync mode
nothing awaits and one ``send`` finishes it, in async mode every callable is awaited.
``_teardown`` ends the request. The protocol adapters (``wsgi.py``, ``asgi.py``) call these;
nothing here reads an environ or a scope.
"""

from __future__ import annotations

import types
import typing as t
from urllib.parse import urljoin

from erlen.core import signals as _signals
from erlen.core.concurrency import async_to_sync, is_async_callable, run_coroutine_sync
from erlen.core.ctx import RequestContext
from erlen.core.globals import _cv_context
from erlen.core.plan import _Plan
from erlen.core.signals import lifecycle as _signal_switch
from erlen.http.exceptions import BadRequest, HTTPException, NotFound
from erlen.http.routing import RequestRedirect, WebsocketMismatch
from erlen.security.gates import SAFE_METHODS
from erlen.tools.debughelpers import FormDataRoutingRedirect

if t.TYPE_CHECKING:
    from erlen.core.app import Erlen
    from erlen.core.websocket import WebSocket
    from erlen.http.wrappers import Request, Response

_CoroutineType = types.CoroutineType


class DispatchMixin:
    """The request lifecycle of ``Erlen``."""

    def _route(self, request: Request, websocket: bool = False) -> _Plan:
        """Match the request to its rule and return the endpoint's sync-mode plan; a routing
        failure is kept as ``request.routing_exception`` (and gets the no-endpoint plan)."""
        app: Erlen = self  # type: ignore[assignment]
        if request.routing_exception is not None:
            return app._plan(request, False)
        subdomain = app._subdomain(request) if app._match_domain else app._default_subdomain
        if subdomain is None:
            request.routing_exception = NotFound()
            return app._plan(request, False)
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
            # A bug in a custom converter: let it reach the view's place in _respond, where it
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
            plan = app._sync_plans.get(endpoint)
            if plan is None or plan.raw_view is not app.view_functions.get(endpoint):
                plan = app._plan(request, False)
            if plan.body_limits is not None:
                request._limits = plan.body_limits
            return plan
        return app._plan(request, False)

    def _subdomain(self, request: Request) -> str | None:
        """What the URL map matches rules against besides the path: with ``host_matching`` the
        request's host, with ``subdomain_matching`` the part of it before ``SERVER_NAME``."""
        app: Erlen = self  # type: ignore[assignment]
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

    def _plan(self, request: Request, awaits: bool) -> _Plan:
        app: Erlen = self  # type: ignore[assignment]
        rule = request.url_rule
        endpoint = rule.endpoint if rule is not None else None
        plans = app._async_plans if awaits else app._sync_plans
        plan = plans.get(endpoint)
        if plan is None or (
            endpoint is not None and plan.raw_view is not app.view_functions.get(endpoint)
        ):
            plan = plans[endpoint] = _Plan(app, endpoint, awaits)
            plan.auto_options = bool(getattr(rule, "provide_automatic_options", False))
        return plan

    def _adapt_sync(self, f: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        return async_to_sync(f) if is_async_callable(f) else f

    def _adapt_async(self, f: t.Callable[..., t.Any]) -> t.Callable[..., t.Awaitable[t.Any]]:
        app: Erlen = self  # type: ignore[assignment]
        if is_async_callable(f):
            return f
        from erlen.core.concurrency import sync_to_async

        return sync_to_async(app._thread_pool, f)

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """``func`` callable from sync code (an ``async def`` runs on the thread's loop)."""
        app: Erlen = self  # type: ignore[assignment]
        return app._adapt_sync(func)

    async def _call(self, f: t.Callable[..., t.Any], arg: t.Any, awaits: bool) -> t.Any:
        """Call a handler looked up per request (error handlers, ``after_this_request``)."""
        app: Erlen = self  # type: ignore[assignment]
        if awaits:
            if is_async_callable(f):
                return await f(arg)
            return await app._thread_pool.run(f, arg)
        rv = f(arg)
        if rv.__class__ is _CoroutineType:
            return run_coroutine_sync(rv)
        return rv

    def _respond_sync(self, ctx: RequestContext, plan: _Plan) -> Response:
        """Run ``_respond`` for a sync plan: nothing in it awaits, so one ``send`` finishes it."""
        app: Erlen = self  # type: ignore[assignment]
        return t.cast("Response", _finish(app._respond(ctx, plan)))

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
        app: Erlen = self  # type: ignore[assignment]
        request = ctx.request
        awaits = plan.awaits
        signals = _signal_switch.active
        routing_error = None
        try:
            try:
                rv = None
                if signals:
                    await _signals.emit(_signals.request_started, app, awaits)
                gates = app._gates
                if gates.trusted_hosts is not None:
                    gates.check_host(ctx)
                if plan.protect and request.method not in SAFE_METHODS:
                    gates.check_unsafe(ctx)
                if plan.before or plan.preprocessors:
                    rv = await app._preprocess(ctx, plan)
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
                rv = await app._handle_user_exception(error, request, awaits)
            else:
                if routing_error is not None and rv is None:
                    # Handled as a raised one would be, without the cost of raising it.
                    rv = await app._handle_user_exception(routing_error, request, awaits)
            plain_headers = app._plain_headers
            if rv.__class__ is str and plain_headers is not None:
                # The most common response, built with the security headers in one step.
                response = app.response_class._text(
                    rv.encode(), 200, app._default_content_type, plain_headers
                )
            else:
                response = app.make_response(rv)
                plain_headers = None
            if plan.after or ctx._after_request_functions or ctx._session is not None:
                response = await app._process_response(ctx, plan, response)
            if plain_headers is None and app._gates.headers is not None:
                app._gates.headers.apply(ctx, response)
            if signals:
                await _signals.emit(_signals.request_finished, app, awaits, response=response)
            return response
        except Exception as error:
            if _signals.got_request_exception.receivers:
                await _signals.emit(_signals.got_request_exception, app, awaits, exception=error)
            if app.propagate_exceptions:
                raise
            response = await app._handle_exception(error, ctx, plan)
            if app._gates.headers is not None:
                app._gates.headers.apply(ctx, response)
            return response

    async def _process_response(
        self, ctx: RequestContext, plan: _Plan, response: t.Any
    ) -> Response:
        """``after_this_request`` functions, ``after_request`` hooks (innermost blueprint first,
        the app's last), then the session is saved."""
        app: Erlen = self  # type: ignore[assignment]
        awaits = plan.awaits
        if ctx._after_request_functions:
            for after_this in ctx._after_request_functions:
                response = await app._call(after_this, response, awaits)
        for after in plan.after:
            response = after(response)
            if awaits:
                response = await response
        if ctx._session is not None:
            app._save_session(ctx, response)
        result: Response = response
        return result

    async def _run_websocket(self, ctx: RequestContext, plan: _Plan) -> None:
        """Run a WebSocket handler after the hooks; a hook's return value refuses the
        connection. Errors propagate to the ASGI adapter, which closes the socket."""
        app: Erlen = self  # type: ignore[assignment]
        websocket = ctx.request
        if (plan.before or plan.preprocessors) and await app._preprocess(ctx, plan) is not None:
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
            if (
                self.debug  # type: ignore[attr-defined]
                and error.code not in (307, 308)
                and request.method not in ("GET", "HEAD", "OPTIONS")
            ):
                # A 301/302 makes the browser drop the form: say so while developing.
                request.routing_exception = RequestRedirect(urljoin(request.url, error.new_url))
                raise FormDataRoutingRedirect(request)
        raise error

    def make_default_options_response(self) -> Response:
        """The answer to an automatic ``OPTIONS`` request: ``Allow`` lists the path's methods."""
        app: Erlen = self  # type: ignore[assignment]
        request = _cv_context.get().request
        assert request is not None
        adapter = app.url_map.bind(
            request.host, request.root_path or "/", subdomain=app._subdomain(request)
        )
        methods = adapter.allowed_methods(request.path)
        response = app.response_class()
        response.headers.set("Allow", ", ".join(sorted(methods)))
        return response

    # Flask's public steps, for code that drives a request by hand (a custom wsgi_app, tests,
    # extensions). Each runs in the current request context, in sync mode.

    def _current(self) -> tuple[RequestContext, _Plan]:
        app: Erlen = self  # type: ignore[assignment]
        ctx = _cv_context.get(None)
        if not isinstance(ctx, RequestContext):
            raise RuntimeError(
                "This needs a request context: call it inside `with app.test_request_context():`"
                " or `with app.request_context(environ):`."
            )
        return ctx, app._plan(ctx.request, False)

    def full_dispatch_request(self) -> Response:
        """Handle the current request from start to end: the security checks, hooks, view,
        error handlers and response processing, as the server adapters do. It ends the setup
        phase, like a first request."""
        app: Erlen = self  # type: ignore[assignment]
        app._start_serving()
        ctx, plan = app._current()
        return app._respond_sync(ctx, plan)

    def preprocess_request(self) -> t.Any:
        """Run the ``url_value_preprocessor`` functions and ``before_request`` hooks; the first
        value a hook returns (which stands for the view's) or ``None``."""
        app: Erlen = self  # type: ignore[assignment]
        ctx, plan = app._current()
        return _finish(app._preprocess(ctx, plan))

    def dispatch_request(self) -> t.Any:
        """Call the view of the current request (only the view: no hooks) and return what it
        returned; a routing error is raised."""
        app: Erlen = self  # type: ignore[assignment]
        ctx, plan = app._current()
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

    def process_response(self, response: Response) -> Response:
        """Run ``after_this_request`` functions and ``after_request`` hooks on ``response``
        and save the session."""
        app: Erlen = self  # type: ignore[assignment]
        ctx, plan = app._current()
        return t.cast("Response", _finish(app._process_response(ctx, plan, response)))

    def finalize_request(self, rv: t.Any, from_error_handler: bool = False) -> Response:
        """Turn a view's return value into the final response: ``make_response``, then
        ``process_response``. Called for an error handler's value, a failure in the hooks is
        logged and the response goes out as it is."""
        app: Erlen = self  # type: ignore[assignment]
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

    def handle_user_exception(self, e: Exception) -> t.Any:
        """What the registered error handlers make of ``e``: their return value, ``e`` itself
        for an unhandled HTTP error; any other unhandled error is raised again."""
        app: Erlen = self  # type: ignore[assignment]
        ctx, _ = app._current()
        return _finish(app._handle_user_exception(e, ctx.request, False))

    def handle_http_exception(self, e: HTTPException) -> t.Any:
        """The response an error handler registered for ``e`` makes, or ``e`` itself."""
        app: Erlen = self  # type: ignore[assignment]
        if e.code is None or isinstance(e, RequestRedirect):
            return e
        ctx, _ = app._current()
        handler = app._find_error_handler(e, ctx.request.blueprints)
        if handler is None:
            return e
        return app.ensure_sync(handler)(e)

    def handle_exception(self, e: Exception) -> Response:
        """The 500 response for an unhandled error: logged, with the app's 500 handler (or the
        debug page in debug mode). Raises ``e`` again when exceptions propagate."""
        app: Erlen = self  # type: ignore[assignment]
        if app.propagate_exceptions:
            raise e
        ctx, plan = app._current()
        return t.cast("Response", _finish(app._handle_exception(e, ctx, plan)))

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Whether the teardown functions should not see ``error`` (never, by default)."""
        return False

    # teardown

    def _teardown_funcs(self, ctx: RequestContext) -> tuple[t.Callable[..., t.Any], ...]:
        """The ``teardown_request`` functions of the request's endpoint (all of them when it
        matched none), innermost blueprint first."""
        app: Erlen = self  # type: ignore[assignment]
        rule = ctx.request.url_rule
        plan = app._sync_plans.get(rule.endpoint if rule is not None else None)
        return plan.teardown if plan is not None else app._teardown_everything

    def _has_teardown(self, ctx: RequestContext) -> bool:
        app: Erlen = self  # type: ignore[assignment]
        return bool(
            app._teardown_funcs(ctx)
            or ctx.request._uploads
            or (ctx.owns_app_context and app.teardown_appcontext_funcs)
            or _signal_switch.active
        )

    def _teardown(self, ctx: RequestContext, error: BaseException | None) -> None:
        """End a request: ``teardown_request`` functions, uploads closed, then the app context's
        teardown if the request owned it. Costs nothing when there is nothing to do."""
        app: Erlen = self  # type: ignore[assignment]
        request = ctx.request
        funcs = app._teardown_funcs(ctx)
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

    def do_teardown_request(self, exc: BaseException | None = None) -> None:
        app: Erlen = self  # type: ignore[assignment]
        ctx = _cv_context.get()
        if isinstance(ctx, RequestContext):
            app._teardown(ctx, exc)

    def do_teardown_appcontext(self, exc: BaseException | None = None) -> None:
        app: Erlen = self  # type: ignore[assignment]
        for func in reversed(app.teardown_appcontext_funcs):
            app._adapt_sync(func)(exc)
        if _signal_switch.active:
            _signals.send(_signals.appcontext_tearing_down, app, exc=exc)


def _finish(coro: t.Coroutine[t.Any, t.Any, t.Any]) -> t.Any:
    """The result of one of dispatch's coroutines in sync mode, where nothing awaits."""
    try:
        coro.send(None)
    except StopIteration as stop:
        return stop.value
    coro.close()
    raise RuntimeError("A sync dispatch step suspended on an await; this is a bug in erlen.")
