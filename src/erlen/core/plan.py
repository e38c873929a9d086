"""Per-endpoint plans: the view and hooks one endpoint runs, computed once.

A plan lists, in Flask's order, the ``url_value_preprocessor`` functions, ``before_request``
hooks, ``after_request`` hooks and ``teardown_request`` functions that apply to an endpoint
(the app's and those of every blueprint it is nested in), with each callable adapted once for the
mode it runs in: all sync (nothing awaited) or all awaitable. The app builds plans lazily on the
first request to each endpoint; the setup is frozen by then, so a plan never goes stale. This
module only reads the app's registries; what the security layer decides per view (cross-origin
protection, body limits) it asks the app's gates (``security/gates.py``).
"""

from __future__ import annotations

import inspect
import typing as t

from erlen.core.concurrency import adapt_sync, is_async_callable
from erlen.http.wrappers import Request

if t.TYPE_CHECKING:
    from erlen.core.app import App


__all__ = ["Plan", "blueprint_names"]


class Plan:
    """Everything one endpoint needs per request, computed once per mode."""

    __slots__ = (
        "after",
        "all_sync",
        "auto_options",
        "awaits",
        "before",
        "blueprints",
        "body_limits",
        "endpoint",
        "no_user_code",
        "preprocessors",
        "protect",
        "raw_view",
        "request_arg",
        "teardown",
        "view",
    )

    def __init__(self, app: App, endpoint: str | None, awaits: bool) -> None:
        self.endpoint = endpoint
        self.awaits = awaits
        names = blueprint_names(endpoint)
        outer_first: tuple[str | None, ...] = (None, *reversed(names))
        inner_first: tuple[str | None, ...] = (*names, None)
        dispatcher = app.dispatcher
        adapt = dispatcher.adapt_async if awaits else adapt_sync
        self.blueprints = names
        self.preprocessors = tuple(
            f for name in outer_first for f in app.url_value_preprocessors.get(name, ())
        )
        self.before = tuple(
            adapt(f) for name in outer_first for f in app.before_request_funcs.get(name, ())
        )
        self.after = tuple(
            adapt(f)
            for name in inner_first
            for f in reversed(app.after_request_funcs.get(name, ()))
        )
        self.teardown = tuple(
            adapt_sync(f)
            for name in inner_first
            for f in reversed(app.teardown_request_funcs.get(name, ()))
        )
        self.raw_view = app.view_functions.get(endpoint) if endpoint is not None else None
        self.view = adapt(self.raw_view) if self.raw_view is not None else None
        self.request_arg = _request_parameter(self.raw_view)
        #: The view's own body limits (``@body_limits``), or None for the app's.
        self.body_limits = dispatcher.gates.body_limits(dispatcher.limits, self.raw_view)
        self.auto_options = False
        hooks = [
            f
            for name in outer_first
            for registry in (app.before_request_funcs, app.after_request_funcs)
            for f in registry.get(name, ())
        ]
        if self.raw_view is not None:
            hooks.append(self.raw_view)
        #: Nothing to await: under ASGI the whole request runs in one hop to the thread pool.
        self.all_sync = not any(is_async_callable(f) for f in hooks)
        #: No view and no hooks (a routing error): nothing that could block runs.
        self.no_user_code = not hooks and not self.preprocessors
        #: Unsafe requests to this endpoint pass the cross-origin and CSRF checks.
        self.protect = dispatcher.gates.protects(self.raw_view)


def _request_parameter(view: t.Callable[..., t.Any] | None) -> str | None:
    """The name of the view's parameter annotated as ``Request``, if it has one.

    A view written ``def show(post_id: int, request: Request)`` receives the request as an
    argument, so the code it calls can take the request explicitly instead of reaching for the
    ``request`` global. Decided once per endpoint, so other views pay nothing.
    """
    if view is None:
        return None
    try:
        hints = t.get_type_hints(view)
    except Exception:
        hints = {}
    try:
        parameters = inspect.signature(view).parameters
    except (TypeError, ValueError):
        return None
    for name, parameter in parameters.items():
        annotation = hints.get(name, parameter.annotation)
        if isinstance(annotation, type) and issubclass(annotation, Request):
            return name
        if isinstance(annotation, str) and annotation.rpartition(".")[2] == "Request":
            return name
    return None


def blueprint_names(endpoint: str | None) -> list[str]:
    if endpoint is None or "." not in endpoint:
        return []
    names = []
    name = endpoint.rpartition(".")[0]
    while name:
        names.append(name)
        name = name.rpartition(".")[0]
    return names
