"""Flask's ``flask.wrappers`` import path, kept as ``erlen.wrappers``.

The code lives in :mod:`erlen.http.wrappers`; it only re-exports the public names.
"""

from erlen.http.wrappers import (
    Request,
    Response,
    UserAgent,
)

__all__ = [
    "Request",
    "Response",
    "UserAgent",
]
