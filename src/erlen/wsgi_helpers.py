"""Werkzeug's ``werkzeug.wsgi`` import path, kept as ``erlen.wsgi_helpers``.

The code lives in :mod:`erlen.adapters.wsgi_helpers`; it only re-exports the public names.
"""

from erlen.adapters.wsgi_helpers import (
    ClosingIterator,
    FileWrapper,
    LimitedStream,
    get_content_length,
    get_current_url,
    get_host,
    get_input_stream,
    get_path_info,
    responder,
    wrap_file,
)

__all__ = [
    "ClosingIterator",
    "FileWrapper",
    "LimitedStream",
    "get_content_length",
    "get_current_url",
    "get_host",
    "get_input_stream",
    "get_path_info",
    "responder",
    "wrap_file",
]
