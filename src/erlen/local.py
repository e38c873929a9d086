"""Werkzeug's ``werkzeug.local`` import path, kept as ``erlen.local``.

The code lives in :mod:`erlen.core.local`; it only re-exports the public names.
"""

from erlen.core.local import (
    Local,
    LocalManager,
    LocalProxy,
    LocalStack,
    release_local,
)

__all__ = [
    "Local",
    "LocalManager",
    "LocalProxy",
    "LocalStack",
    "release_local",
]
