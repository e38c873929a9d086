"""The Flask import switch import path, kept as ``erlen.compat``.

The code lives in :mod:`erlen.tools.compat`; it only re-exports the public names.
"""

from erlen.tools.compat import (
    MODULES,
    NotProvided,
    install,
    installed,
    uninstall,
)

__all__ = [
    "MODULES",
    "NotProvided",
    "install",
    "installed",
    "uninstall",
]
