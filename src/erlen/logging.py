"""Flask's ``flask.logging`` import path, kept as ``erlen.logging``.

The code lives in :mod:`erlen.core.logging`; it only re-exports the public names.
"""

from erlen.core.logging import (
    create_logger,
    default_handler,
    has_level_handler,
    wsgi_errors_stream,
)

__all__ = [
    "create_logger",
    "default_handler",
    "has_level_handler",
    "wsgi_errors_stream",
]
