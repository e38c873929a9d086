"""``@body_limits``: one view's own request-body limits, known before the body is read.

The app's ``MAX_CONTENT_LENGTH``, ``MAX_FORM_MEMORY_SIZE`` and ``MAX_FORM_PARTS`` apply to every
request. An upload endpoint that needs more (or a login form that needs far less) says so on the
view, and the limits are set on the request when it is routed: before the ASGI adapter receives
the body (which it does before any of the app's code runs, see ``asgi.py``) and before a WSGI view
reads it. Setting ``request.max_content_length`` inside the view still lowers the limit, but
under ASGI it cannot raise it: the body has arrived by then. This module only marks the view;
``plan.py`` reads the mark once per endpoint.
"""

from __future__ import annotations

import typing as t

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

_KEEP: t.Any = object()

#: The attribute a marked view carries: the three limits, ``_KEEP`` where the app's applies.
ATTRIBUTE = "erlen_body_limits"


def body_limits(
    *,
    max_content_length: int | None = _KEEP,
    max_form_memory_size: int | None = _KEEP,
    max_form_parts: int | None = _KEEP,
) -> t.Callable[[F], F]:
    """Limits of this view's request bodies, in place of the app's (``None``: no limit)::

        @app.post("/videos")
        @body_limits(max_content_length=2 * 1024**3)
        def upload(): ...

    Put it below the route decorator.
    """
    for name, value in (
        ("max_content_length", max_content_length),
        ("max_form_memory_size", max_form_memory_size),
        ("max_form_parts", max_form_parts),
    ):
        if value is not _KEEP and value is not None and (not isinstance(value, int) or value < 0):
            raise ValueError(f"{name} must be a number of bytes (or parts) or None, not {value!r}.")

    def decorator(view: F) -> F:
        setattr(view, ATTRIBUTE, (max_content_length, max_form_memory_size, max_form_parts))
        return view

    return decorator


def merged(
    app_limits: tuple[int | None, int | None, int | None], view: t.Callable[..., t.Any] | None
) -> tuple[int | None, int | None, int | None] | None:
    """The limits for requests to ``view``: the app's with the view's own in their place;
    ``None`` when the view sets none."""
    own = getattr(view, ATTRIBUTE, None)
    if own is None:
        return None
    first, second, third = (
        app_value if value is _KEEP else value
        for app_value, value in zip(app_limits, own, strict=True)
    )
    return first, second, third


__all__ = ["body_limits"]
