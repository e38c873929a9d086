"""Werkzeug's ``werkzeug.serving`` import path, kept as ``erlen.serving``.

The code lives in :mod:`erlen.tools.serving`; it only re-exports the public names.
"""

from erlen.tools.serving import (
    generate_adhoc_ssl_context,
    generate_adhoc_ssl_pair,
    is_running_from_reloader,
    load_ssl_context,
    make_ssl_devcert,
    run_app,
    run_simple,
)

__all__ = [
    "generate_adhoc_ssl_context",
    "generate_adhoc_ssl_pair",
    "is_running_from_reloader",
    "load_ssl_context",
    "make_ssl_devcert",
    "run_app",
    "run_simple",
]
