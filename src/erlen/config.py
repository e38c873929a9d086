"""Flask's ``flask.config`` import path, kept as ``erlen.config``.

The code lives in :mod:`erlen.core.config`; it only re-exports the public names.
"""

from erlen.core.config import (
    DEFAULT_CONFIG,
    Config,
    ConfigAttribute,
    import_string,
)

__all__ = [
    "DEFAULT_CONFIG",
    "Config",
    "ConfigAttribute",
    "import_string",
]
