"""Flask's ``flask.helpers`` import path, kept as ``erlen.helpers``.

The code lives in :mod:`erlen.core.helpers`; it only re-exports the public names.
"""

from erlen.core.helpers import (
    BuildError,
    abort,
    build_url,
    current_app,
    flash,
    get_debug_flag,
    get_flashed_messages,
    get_load_dotenv,
    get_root_path,
    get_template_attribute,
    make_response,
    redirect,
    send_file,
    send_from_directory,
    stream_with_context,
    url_for,
)

__all__ = [
    "BuildError",
    "abort",
    "build_url",
    "current_app",
    "flash",
    "get_debug_flag",
    "get_flashed_messages",
    "get_load_dotenv",
    "get_root_path",
    "get_template_attribute",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]
