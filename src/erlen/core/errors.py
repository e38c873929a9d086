"""What the app does with errors: error handlers, error pages, the 500 page, logging.

Functions that take the app (or its ``Dispatcher``); the app's Flask methods of the same names
(``log_exception``, ``trap_http_exception``, ...) call them. An ``HTTPException`` goes to the
handler registered for its code or class (the blueprint's first, then the app's), or becomes its
own error page; any other exception goes to a handler for its class, or else is logged and
becomes a 500 that says nothing about the failure (in debug mode, the debug page instead).
Nothing here touches a server.

An error page is negotiated: a client that prefers JSON (by ``Accept``, or by sending JSON when
``Accept`` does not decide) gets ``{"error": ..., "status": ...}``, a browser the HTML page. An
error's ``hint`` (which setting or decorator would let the request through) reaches the page
only in debug mode: a visitor is never shown the app's configuration. A refusal by one of the
security checks (an error with a ``refusal``) is logged as one warning line in every mode, so a
developer sees why a request failed without reading a 403 page meant for end users. None of
this runs for a request that succeeds.
"""

from __future__ import annotations

import functools
import sys
import typing as t

from markupsafe import escape

from erlen.core import signals as _signals
from erlen.core.globals import _cv_context
from erlen.http import parse_accept_header
from erlen.http.datastructures import MIMEAccept
from erlen.http.exceptions import (
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
)
from erlen.http.routing import BuildError, RequestRedirect

if t.TYPE_CHECKING:
    from erlen.core.app import App
    from erlen.core.ctx import RequestContext
    from erlen.core.dispatch import Dispatcher
    from erlen.core.plan import Plan
    from erlen.http.wrappers import Request, Response


__all__ = [
    "FormDataRoutingRedirect",
    "error_response",
    "find_error_handler",
    "handle_exception",
    "handle_url_build_error",
    "handle_user_exception",
    "log_exception",
    "log_refusal",
    "trap_http_exception",
]


class FormDataRoutingRedirect(AssertionError):
    """A routing redirect with a status (301, 302) that makes browsers resend a form as GET,
    without its data. erlen's routing redirects are 308, which keeps both; this is raised in
    debug mode for one made otherwise."""

    def __init__(self, request: Request) -> None:
        error = request.routing_exception
        assert isinstance(error, RequestRedirect)
        new_url: str = error.new_url
        message = (
            f"A request was sent to '{request.url}', but routing issued a redirect to the"
            f" canonical URL '{new_url}'."
        )
        if new_url.partition("?")[0] == f"{request.base_url}/":
            message += (
                " The URL was defined with a trailing slash, and is redirected to it when"
                " accessed without one."
            )
        message += (
            " Send requests to the canonical URL, or use 307 or 308 for routing redirects:"
            " with other codes browsers drop the form data.\n\nThis exception is only raised in"
            " debug mode."
        )
        super().__init__(message)


def find_error_handler(
    dispatcher: Dispatcher, error: BaseException, blueprints: list[str]
) -> t.Callable[[t.Any], t.Any] | None:
    if not dispatcher.has_error_handlers:
        return None
    app = dispatcher.app
    exc_class, code = app._get_exc_class_and_code(type(error))
    names = (*blueprints, None)
    for c in (code, None) if code is not None else (None,):
        for name in names:
            by_code = app.error_handler_spec.get(name)
            handlers = by_code.get(c) if by_code is not None else None
            if not handlers:
                continue
            for cls in exc_class.__mro__:
                handler = handlers.get(cls)
                if handler is not None:
                    return handler
    return None


def trap_http_exception(app: App, error: Exception) -> bool:
    """Whether an HTTP error should propagate like any other exception (for debugging)."""
    if app.config["TRAP_HTTP_EXCEPTIONS"]:
        return True
    trap_bad_request = app.config["TRAP_BAD_REQUEST_ERRORS"]
    if trap_bad_request is None and app.debug and isinstance(error, BadRequestKeyError):
        return True
    if trap_bad_request:
        return isinstance(error, BadRequest)
    return False


async def handle_user_exception(
    dispatcher: Dispatcher, error: Exception, request: Request, awaits: bool
) -> t.Any:
    """What the error handlers make of an error raised by a hook or view: a handler's value,
    the error itself for an HTTP error without one; any other unhandled error is raised again."""
    app = dispatcher.app
    if isinstance(error, HTTPException) and error.refusal is not None:
        log_refusal(app, error, request)
    if isinstance(error, BadRequestKeyError) and (
        app.debug or app.config["TRAP_BAD_REQUEST_ERRORS"]
    ):
        error.show_exception = True
    if isinstance(error, HTTPException) and not app.trap_http_exception(error):
        if error.code is None or isinstance(error, RequestRedirect):
            return error
        handler = find_error_handler(dispatcher, error, request.blueprints)
        if handler is None:
            return error
        return await dispatcher.call(handler, error, awaits)
    handler = find_error_handler(dispatcher, error, request.blueprints)
    if handler is None:
        raise error
    return await dispatcher.call(handler, error, awaits)


async def handle_exception(
    dispatcher: Dispatcher, error: Exception, ctx: RequestContext, plan: Plan
) -> Response:
    """Turn an unhandled exception into a 500, logged, with no detail for the client (in
    debug mode, into the app's ``debug_page``)."""
    app = dispatcher.app
    ctx.unhandled_error = error
    app.log_exception(error)
    if app.debug and app.config["PROPAGATE_EXCEPTIONS"] is None:
        page = app.debug_page(error, ctx.request)
        if page is not None:
            return page
    server_error = InternalServerError(original_exception=error)
    handler = find_error_handler(dispatcher, server_error, ctx.request.blueprints)
    rv: t.Any = server_error
    if handler is not None:
        try:
            rv = await dispatcher.call(handler, server_error, plan.awaits)
        except Exception as handler_error:
            app.log_exception(handler_error)
            rv = server_error
    try:
        response = app.make_response(rv)
    except Exception as late_error:
        app.log_exception(late_error)
        return server_error.get_response()
    try:
        response = await dispatcher.process_response(ctx, plan, response)
        if _signals.request_finished.receivers:
            await _signals.emit(_signals.request_finished, app, plan.awaits, response=response)
    except Exception as late_error:
        # The hooks failed again while the error was being handled (an after_request hook
        # that always raises): the error handler's response goes out as it is.
        app.log_exception(late_error)
    return response


def log_refusal(app: App, error: HTTPException, request: Request) -> None:
    """One warning line: the request, the check that refused it, and the hint."""
    path = request.path
    if len(path) > _MAX_LOGGED_PATH:
        path = path[: _MAX_LOGGED_PATH - 1] + "…"
    line = (
        f"erlen refused {request.method} {path} from"
        f" {request.remote_addr or 'an unknown address'}: {error.refusal}"
    )
    hint = error.get_hint(request)
    if hint:
        line = f"{line} ({hint})"
    # The path and the hint quote what the client sent: no control character may forge a
    # second log line.
    app.logger.warning(_printable(line))


def error_response(app: App, error: HTTPException) -> Response:
    """The page of an HTTP error that no handler turned into a response: JSON for a client
    that prefers it, else HTML; with the error's hint in debug mode."""
    ctx = _cv_context.get(None)
    request = ctx.request if ctx is not None else None
    if request is None or error.response is not None or error.code is None or error.code < 400:
        # A redirect, or a response given to the error.
        return error.get_response()
    wants_json = _prefers_json(request)
    hint = error.get_hint(request) if app.debug else None
    cls = type(error)
    if not (wants_json or hint) or (
        cls.get_response is not HTTPException.get_response
        or cls.get_body is not HTTPException.get_body
    ):
        # The HTML page as the error's class writes it (the common case, and any page a
        # subclass writes itself).
        response = error.get_response()
    elif wants_json:
        body: dict[str, t.Any] = {
            "error": error.description or error.name,
            "status": error.code,
        }
        if hint:
            body["hint"] = hint
        headers = [h for h in error.get_headers() if h[0].lower() != "content-type"]
        headers.append(("Content-Type", "application/json"))
        response = app.response_class(app.json.dumps(body), error.code, headers)
    else:
        page = (
            f"{error.get_body()}<p><strong>Debug mode hint</strong> (visitors do not see"
            f" this):<br>\n{escape(hint or '')}</p>\n"
        )
        response = app.response_class(page, error.code, error.get_headers())
    # Caches must not hand the JSON page to a browser, nor the HTML page to an API client.
    # PERF: a constant, valid header appended as is rather than through Headers.add's
    # checks (benchmarks/instructions.py wsgi not-found).
    response.headers._list.append(_VARY_ACCEPT)
    return response


def log_exception(app: App, error: BaseException) -> None:
    request = _cv_context.get().request
    where = f"{request.path} [{request.method}]" if request is not None else "(no request)"
    app.logger.error(f"Exception on {where}", exc_info=(type(error), error, error.__traceback__))


def handle_url_build_error(
    app: App, error: BuildError, endpoint: str, values: dict[str, t.Any]
) -> str:
    """Give each ``url_build_error_handlers`` function a chance; re-raise if none builds."""
    for handler in app.url_build_error_handlers:
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


_MAX_LOGGED_PATH = 200
_VARY_ACCEPT = ("Vary", "Accept")
_JSON_FIRST = ("application/json", "text/html")
_HTML_FIRST = ("text/html", "application/json")


def _prefers_json(request: Request) -> bool:
    """Whether the client would rather read an error as JSON than as HTML.

    ``Accept`` decides when it ranks one above the other (by quality, then by how specifically
    it names the type: ``application/json, */*`` prefers JSON). When it does not (no header,
    ``*/*``, neither accepted), a request that sent JSON gets JSON, as API clients expect."""
    headers = request.headers
    value = headers.get("Accept")
    # PERF: "*/*" (curl, fetch, most API clients) ranks neither: no cache lookup for it.
    if value and value != "*/*":
        decided = _accept_prefers_json(value)
        if decided is not None:
            return decided
    # Most errors answer requests without a body: no content type to parse.
    return "Content-Type" in headers and request.is_json


# PERF: clients send few distinct Accept headers, so the verdict is kept per header value
# instead of parsing on every error (wsgi not-found: 291k -> ~110k instructions a request,
# benchmarks/instructions.py wsgi not-found); bounded, so odd headers cannot grow it.
@functools.lru_cache(maxsize=512)
def _accept_prefers_json(value: str) -> bool | None:
    """What an ``Accept`` header says between JSON and HTML: True, False, or None when it does
    not rank one strictly above the other."""
    accept = parse_accept_header(value, MIMEAccept)
    choice = accept.best_match(_JSON_FIRST)
    # best_match breaks a tie by the order it is given: the same answer both ways round means
    # the client ranks it strictly first.
    if choice is not None and choice == accept.best_match(_HTML_FIRST):
        return choice == "application/json"
    return None


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)
