"""Werkzeug's ``werkzeug.utils`` import path, kept as ``erlen.utils``.

The code lives in :mod:`erlen.core.utils`; it only re-exports the public names.
"""

from erlen.core.utils import (
    ImportStringError,
    append_slash_redirect,
    cached_property,
    environ_property,
    find_modules,
    get_content_type,
    header_property,
    import_string,
    invalidate_cached_property,
    redirect,
    safe_join,
    secure_filename,
    send_file,
    send_from_directory,
)

__all__ = [
    "ImportStringError",
    "append_slash_redirect",
    "cached_property",
    "environ_property",
    "find_modules",
    "get_content_type",
    "header_property",
    "import_string",
    "invalidate_cached_property",
    "redirect",
    "safe_join",
    "secure_filename",
    "send_file",
    "send_from_directory",
]
