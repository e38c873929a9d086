"""Flask's ``flask.sansio.scaffold`` import path, kept as ``erlen.scaffold``.

The code lives in :mod:`erlen.core.scaffold`; it only re-exports the public names.
"""

from erlen.core.scaffold import (
    ErrorHandler,
    HookKey,
    HTTPException,
    Scaffold,
    T_route,
    default_exceptions,
    get_root_path,
    setupmethod,
)

__all__ = [
    "ErrorHandler",
    "HTTPException",
    "HookKey",
    "Scaffold",
    "T_route",
    "default_exceptions",
    "get_root_path",
    "setupmethod",
]
