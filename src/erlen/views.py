"""Flask's ``flask.views`` import path, kept as ``erlen.views``.

The code lives in :mod:`erlen.core.views`; it only re-exports the public names.
"""

from erlen.core.views import (
    MethodView,
    View,
    http_method_funcs,
)

__all__ = [
    "MethodView",
    "View",
    "http_method_funcs",
]
