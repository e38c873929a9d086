"""What the app does with errors: error handlers, the 500 page, logging.

Mixed into ``Erlen``. An ``HTTPException`` goes to the handler registered for its code or class
(the blueprint's first, then the app's), or becomes its own error page; any other exception goes
to a handler for its class, or else is logged and becomes a 500 that says nothing about the
failure (in debug mode, the debug page instead). Nothing here touches a server.
"""

from __future__ import annotations

import sys
import typing as t

from . import signals as _signals
from .exceptions import BadRequestKeyError, HTTPException, InternalServerError
from .globals import _cv_context
from .routing import BuildError, RequestRedirect

if t.TYPE_CHECKING:
    from .app import Erlen
    from .ctx import RequestContext
    from .plan import _Plan
    from .wrappers import Request, Response


class ErrorsMixin:
    """The error handling of ``Erlen``."""

    def _find_error_handler(
        self, error: BaseException, blueprints: list[str]
    ) -> t.Callable[[t.Any], t.Any] | None:
        app: Erlen = self  # type: ignore[assignment]
        if not app._has_error_handlers:
            return None
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

    def trap_http_exception(self, error: Exception) -> bool:
        """Whether an HTTP error should propagate like any other exception (for debugging)."""
        app: Erlen = self  # type: ignore[assignment]
        if app.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = app.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and app.debug and isinstance(error, BadRequestKeyError):
            return True
        if trap_bad_request:
            from .exceptions import BadRequest

            return isinstance(error, BadRequest)
        return False

    async def _handle_user_exception(
        self, error: Exception, request: Request, awaits: bool
    ) -> t.Any:
        app: Erlen = self  # type: ignore[assignment]
        if isinstance(error, BadRequestKeyError) and (
            app.debug or app.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            error.show_exception = True
        if isinstance(error, HTTPException) and not app.trap_http_exception(error):
            if error.code is None or isinstance(error, RequestRedirect):
                return error
            handler = app._find_error_handler(error, request.blueprints)
            if handler is None:
                return error
            return await app._call(handler, error, awaits)
        handler = app._find_error_handler(error, request.blueprints)
        if handler is None:
            raise error
        return await app._call(handler, error, awaits)

    async def _handle_exception(
        self, error: Exception, ctx: RequestContext, plan: _Plan
    ) -> Response:
        """Turn an unhandled exception into a 500, logged, with no detail for the client (in
        debug mode, into the debug page)."""
        app: Erlen = self  # type: ignore[assignment]
        ctx.unhandled_error = error
        app.log_exception(error)
        if app.debug and app.config["PROPAGATE_EXCEPTIONS"] is None:
            from .debug import debug_response

            return debug_response(app, error, ctx.request)
        server_error = InternalServerError(original_exception=error)
        handler = app._find_error_handler(server_error, ctx.request.blueprints)
        rv: t.Any = server_error
        if handler is not None:
            try:
                rv = await app._call(handler, server_error, plan.awaits)
            except Exception as handler_error:
                app.log_exception(handler_error)
                rv = server_error
        try:
            response = app.make_response(rv)
        except Exception as late_error:
            app.log_exception(late_error)
            return server_error.get_response()
        try:
            response = await app._process_response(ctx, plan, response)
            if _signals.request_finished.receivers:
                await _signals.emit(_signals.request_finished, app, plan.awaits, response=response)
        except Exception as late_error:
            # The hooks failed again while the error was being handled (an after_request hook
            # that always raises): the error handler's response goes out as it is.
            app.log_exception(late_error)
        return response

    def log_exception(self, error: BaseException) -> None:
        app: Erlen = self  # type: ignore[assignment]
        request = _cv_context.get().request
        where = f"{request.path} [{request.method}]" if request is not None else "(no request)"
        app.logger.error(
            f"Exception on {where}", exc_info=(type(error), error, error.__traceback__)
        )

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, t.Any]
    ) -> str:
        """Give each ``url_build_error_handlers`` function a chance; re-raise if none builds."""
        app: Erlen = self  # type: ignore[assignment]
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
