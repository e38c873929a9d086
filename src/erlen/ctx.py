"""Flask's ``flask.ctx`` import path, kept as ``erlen.ctx``.

The code lives in :mod:`erlen.core.ctx`; it only re-exports the public names.
"""

from erlen.core.ctx import (
    AfterRequestCallable,
    AppContext,
    G,
    RequestContext,
    after_this_request,
    copy_current_request_context,
    has_app_context,
    has_request_context,
    stream_with_context,
)

__all__ = [
    "AfterRequestCallable",
    "AppContext",
    "G",
    "RequestContext",
    "after_this_request",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
    "stream_with_context",
]
