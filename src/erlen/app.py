"""Flask's ``flask.app`` import path, kept as ``erlen.app``.

The code lives in :mod:`erlen.core.app`; it only re-exports the public names.
"""

from erlen.core.app import (
    Erlen,
    Flask,
)

__all__ = [
    "Erlen",
    "Flask",
]
